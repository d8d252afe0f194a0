"""A resident signs up on a phone, checks in by opening the URL in the organiser's rotating QR
code, and after the organiser closes attendance sees the points in the household account."""

import datetime

import pytest

from linli.accounts.models import Role
from tests.conftest_helpers import DESKTOP, shot
from tests.factories import activity_make, activity_resident, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_signs_up_checks_in_with_the_qr_and_sees_the_points(signed_in_page,
                                                                      live_server, world):
    # Given a published activity that has just begun, worth 6 points, and a resident with a
    # household
    staff = world.users["community_staff"]
    activity = activity_make(world.community, title="长者生日会", points=6, capacity=30,
                             starts_in=-datetime.timedelta(minutes=5), actor=staff)
    resident_user = user_with_role(Role.RESIDENT, world.community, name="王秀兰")
    activity_resident(world.community, user=resident_user, name="王秀兰")

    # When the resident opens the activity on a phone and signs up
    page = signed_in_page(resident_user)
    page.get_by_role("link", name="活动").first.click()
    page.get_by_role("link", name="长者生日会").click()
    shot(page, "activity-detail-phone")
    page.get_by_role("button", name="我要报名").click()
    assert page.get_by_text("报名成功：王秀兰 已获得名额。").is_visible()
    assert page.get_by_text("已报名成功").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    button = page.get_by_role("link", name="出示我的签到码").bounding_box()
    assert button["height"] >= 44

    # And the organiser shows the rotating check-in code on their phone
    staff_page = signed_in_page(staff, at=f"/workbench/activities/{activity.uuid}/qr/")
    assert staff_page.locator(".act-qr svg").first.is_visible()
    assert staff_page.locator("#act-qr[hx-trigger='every 60s']").count() == 1
    shot(staff_page, "activity-qr-phone")
    checkin_url = staff_page.get_by_test_id("checkin-url").get_attribute("href")
    assert f"/activities/{activity.uuid}/checkin/?t=" in checkin_url

    # Then the resident opens the code's URL and checks in with one big button
    page.goto(checkin_url)
    page.get_by_role("button", name="立即签到").click()
    assert page.get_by_role("heading", name="签到成功").is_visible()
    shot(page, "activity-checked-in-phone")

    # When the organiser ends the activity (confirming the irreversible step)
    staff_page.goto(f"{live_server.url}/workbench/activities/{activity.uuid}/")
    staff_page.once("dialog", lambda dialog: dialog.accept())
    staff_page.get_by_role("button", name="结束活动并关闭签到").click()
    assert staff_page.get_by_text("签到已关闭，积分和时长已计入。").is_visible()
    shot(staff_page, "activity-manage-phone")

    # Then the resident's household account shows the 6 points
    page.goto(f"{live_server.url}/activities/mine/")
    balance = page.get_by_test_id("household-points")
    assert balance.inner_text().startswith("6")
    assert page.get_by_text("长者生日会").first.is_visible()
    shot(page, "activity-mine-phone")


def test_calendar_and_manage_pages_at_desktop_width(signed_in_page, live_server, world):
    from tests.factories import culture_class_make

    staff = world.users["community_staff"]
    activity_make(world.community, title="趣味运动会", kind="sports", actor=staff)
    culture_class_make(world.community, term_start=datetime.date.today().replace(day=1),
                       term_end=datetime.date.today() + datetime.timedelta(days=40))
    page = signed_in_page(staff, DESKTOP, at="/activities/calendar/")
    assert page.get_by_role("heading", name="排期提醒").is_visible()
    assert page.locator(".act-month").get_by_text("剪纸班").first.is_visible()
    shot(page, "activity-calendar-desktop")
    page.goto(f"{live_server.url}/workbench/activities/")
    assert page.get_by_role("link", name="趣味运动会").is_visible()
    shot(page, "activity-manage-desktop")
    page.goto(f"{live_server.url}/workbench/activities/new/")
    shot(page, "activity-form-desktop")
