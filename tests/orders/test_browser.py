"""The 5-order loop in a real browser at phone width: an elder orders 卫生清洁 from the door
plate in three taps, staff dispatch to the top-ranked volunteer, the volunteer accepts, staff
confirm that the visit may happen before the booked time, the volunteer checks in (the phone's
location, 1 km off, is sent by orders.js and flagged for staff) and completes, the elder picks
5 stars and confirms, and the volunteer's statement shows the minutes."""

import pytest

from tests.conftest_helpers import DESKTOP, PHONE, shot
from tests.factories import (
    ledger_funded_account,
    orders_project,
    orders_volunteer,
    registry_world,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_sideways_scroll(page, width=390):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_elder_orders_cleaning_and_the_loop_closes(signed_in_page, live_server, world):
    from linli.accounts.models import User
    from linli.ledger.units import format_duration
    from linli.orders.models import Order
    from tests.orders.conftest import served_for

    base = live_server.url
    from decimal import Decimal

    data = registry_world(world)["a"]
    household = data["household"]
    building = household.building
    building.latitude, building.longitude = Decimal("31.230400"), Decimal("121.473700")
    building.save(update_fields=["latitude", "longitude"])
    elder_user = world.users["resident"]
    User.objects.filter(pk=elder_user.pk).update(elder_mode=True)
    ledger_funded_account(resident=data["resident"], minutes=300)  # 卫生清洁 uses banked hours
    orders_project(world.community, "cleaning")
    top = orders_volunteer(community=world.community, user=world.users["volunteer"],
                           name="王志愿")
    orders_volunteer(community=world.other_community, name="远方志愿")

    # --- the elder, on a phone, in elder mode ---------------------------------------------
    elder = signed_in_page(elder_user, PHONE, at=f"/d/{household.door_token}/")
    elder.get_by_role("link", name="预约服务").click()
    elder.wait_for_url("**/orders/new/**")
    shot(elder, "orders-1-elder-projects-phone")
    box = elder.get_by_role("link", name="卫生清洁").bounding_box()
    assert box["height"] >= 60 and box["width"] >= 60
    assert elder.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 18
    _no_sideways_scroll(elder)
    elder.get_by_role("link", name="卫生清洁").click()  # tap 1
    shot(elder, "orders-2-elder-slots-phone")
    elder.get_by_role("link", name="明天 上午").click()  # tap 2
    shot(elder, "orders-3-elder-confirm-phone")
    elder.get_by_role("button", name="确认下单").click()  # tap 3
    elder.wait_for_url("**/orders/*/")
    assert elder.locator("#order-status").inner_text() == "待派单"
    order = Order.objects.get()
    assert order.project.name == "卫生清洁" and order.channel == "self"
    shot(elder, "orders-4-elder-ordered-phone")

    # --- community staff, at a desktop -------------------------------------------------------
    staff = signed_in_page(world.users["community_staff"], DESKTOP, at="/workbench/orders/")
    shot(staff, "orders-5-board-desktop")
    staff.get_by_role("link", name="派单").last.click()
    staff.wait_for_url("**/dispatch/")
    first = staff.locator(".cand").first
    assert "王志愿" in first.inner_text() and "同网格" in first.inner_text()
    shot(staff, "orders-6-dispatch-desktop")
    first.get_by_role("button").click()
    staff.wait_for_url("**/workbench/orders/")
    order.refresh_from_db()
    assert order.status == "dispatched" and order.volunteer_id == top.pk

    # --- the volunteer, on a phone that shares its location (about 1.1 km north) ---------------
    vol = signed_in_page(top.user, PHONE, at="/orders/volunteer/",
                         geolocation={"latitude": 31.2404, "longitude": 121.4737},
                         permissions=["geolocation"])
    vol.get_by_role("link", name="卫生清洁").first.click()
    vol.get_by_role("button", name="接单").click()
    assert vol.locator("#order-status").inner_text() == "已接单"
    # the visit is booked for tomorrow: check-in is not open yet, and the page says when
    assert "签到开放时间" in vol.locator("#checkin-window").inner_text()
    vol.get_by_role("button", name="签到：我已到达").click()
    assert "签到将于" in vol.locator("main").inner_text()
    assert vol.locator("#order-status").inner_text() == "已接单"

    # --- the elder asked for an earlier visit: staff confirm it --------------------------------
    staff.goto(f"{base}/orders/{order.uuid}/")
    staff.locator("summary", has_text="确认提前上门").click()
    staff.get_by_label("备注").fill("老人来电，希望今天上门")
    staff.get_by_role("button", name="确认提前上门").click()
    assert "已确认提前上门" in staff.locator("main").inner_text()

    vol.reload()
    vol.wait_for_function(
        "document.querySelector('#check-in input[name=latitude]').value !== ''")
    vol.get_by_role("button", name="签到：我已到达").click()
    assert vol.locator("#order-status").inner_text() == "服务中"
    order.refresh_from_db()
    assert order.checkin_far and 1000 < order.checkin_distance_m < 1300
    served_for(order, 90)  # the service took an hour and a half
    vol.reload()
    vol.get_by_label("实际服务分钟数").fill("90")
    vol.get_by_label("服务内容").fill("厨房、卫生间清洁")
    shot(vol, "orders-7-volunteer-complete-phone")
    _no_sideways_scroll(vol)
    vol.get_by_role("button", name="圆单").click()
    assert vol.locator("#order-status").inner_text() == "已圆单，待评价"

    # --- staff see where the check-in happened ------------------------------------------------
    staff.goto(f"{base}/workbench/orders/")
    staff.get_by_label("状态").select_option("far")  # orders.js sends the filter at once
    staff.wait_for_url("**/workbench/orders/?status=far")
    assert "签到位置偏远" in staff.locator("main").inner_text()
    staff.goto(f"{base}/orders/{order.uuid}/")
    assert "签到位置偏远" in staff.locator("#checkin-info").inner_text()

    # --- the elder sees who came and rates -------------------------------------------------------
    elder.reload()
    assert "王志愿" in elder.locator("#who-coming").inner_text()
    shot(elder, "orders-8-elder-rate-phone")
    star = elder.get_by_role("link", name="5 星")
    assert star.bounding_box()["height"] >= 60
    star.click()  # a tap only chooses
    assert elder.locator("#chosen-stars").inner_text() == "您选择了 5 星"
    assert elder.locator("#order-status").inner_text() == "已圆单，待评价"
    submit = elder.get_by_role("button", name="提交评价")
    assert submit.bounding_box()["height"] >= 60
    submit.click()
    assert elder.locator("#order-status").inner_text() == "已结算"
    shot(elder, "orders-9-elder-settled-phone")

    # --- the volunteer's statement shows the minutes ----------------------------------------------
    vol.goto(f"{base}/timebank/statement/")
    text = vol.locator("main").inner_text()
    assert "卫生清洁" in text and format_duration(90) in text
    shot(vol, "orders-10-volunteer-statement-phone")
    order.refresh_from_db()
    assert order.status == "settled" and order.settled_minutes == 90 and order.rating == 5
