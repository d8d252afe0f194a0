"""A resident signs up on a phone, checks in by opening the URL in the organiser's rotating QR
code, and after the organiser closes attendance sees the points in the household account."""

import datetime
import os
from pathlib import Path

import pytest

from linli.accounts.models import Role
from tests.conftest_helpers import DESKTOP, PHONE
from tests.factories import PASSWORD, activity_make, activity_resident, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("LINLI_SCREENSHOTS", "var/screenshots"))


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _log_in(page, live_server, mobile):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("手机号").fill(mobile)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").last.click()
    page.wait_for_url(f"{live_server.url}/")


def test_resident_signs_up_checks_in_with_the_qr_and_sees_the_points(page, browser,
                                                                      live_server, world):
    # Given a published activity that has just begun, worth 6 points, and a resident with a
    # household
    staff = world.users["community_staff"]
    activity = activity_make(world.community, title="长者生日会", points=6, capacity=30,
                             starts_in=-datetime.timedelta(minutes=5), actor=staff)
    resident_user = user_with_role(Role.RESIDENT, world.community, name="王秀兰")
    activity_resident(world.community, user=resident_user, name="王秀兰")

    # When the resident opens the activity on a phone and signs up
    _log_in(page, live_server, resident_user.mobile)
    page.get_by_role("link", name="活动").first.click()
    page.get_by_role("link", name="长者生日会").click()
    _shot(page, "activity-detail-phone")
    page.get_by_role("button", name="我要报名").click()
    assert page.get_by_text("报名成功：王秀兰 已获得名额。").is_visible()
    assert page.get_by_text("已报名成功").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    button = page.get_by_role("link", name="出示我的签到码").bounding_box()
    assert button["height"] >= 44

    # And the organiser shows the rotating check-in code on their phone
    organiser = browser.new_context(**PHONE)
    staff_page = organiser.new_page()
    _log_in(staff_page, live_server, staff.mobile)
    staff_page.goto(f"{live_server.url}/workbench/activities/{activity.uuid}/qr/")
    assert staff_page.locator(".act-qr svg").first.is_visible()
    assert staff_page.locator("#act-qr[hx-trigger='every 60s']").count() == 1
    _shot(staff_page, "activity-qr-phone")
    checkin_url = staff_page.get_by_test_id("checkin-url").get_attribute("href")
    assert f"/activities/{activity.uuid}/checkin/?t=" in checkin_url

    # Then the resident opens the code's URL and checks in with one big button
    page.goto(checkin_url)
    page.get_by_role("button", name="立即签到").click()
    assert page.get_by_role("heading", name="签到成功").is_visible()
    _shot(page, "activity-checked-in-phone")

    # When the organiser ends the activity (confirming the irreversible step)
    staff_page.goto(f"{live_server.url}/workbench/activities/{activity.uuid}/")
    staff_page.once("dialog", lambda dialog: dialog.accept())
    staff_page.get_by_role("button", name="结束活动并关闭签到").click()
    assert staff_page.get_by_text("签到已关闭，积分和时长已计入。").is_visible()
    _shot(staff_page, "activity-manage-phone")
    organiser.close()

    # Then the resident's household account shows the 6 points
    page.goto(f"{live_server.url}/activities/mine/")
    balance = page.get_by_test_id("household-points")
    assert balance.inner_text().startswith("6")
    assert page.get_by_text("长者生日会").first.is_visible()
    _shot(page, "activity-mine-phone")


def test_calendar_and_manage_pages_at_desktop_width(browser, live_server, world):
    from tests.factories import culture_class_make

    staff = world.users["community_staff"]
    activity_make(world.community, title="趣味运动会", kind="sports", actor=staff)
    culture_class_make(world.community, term_start=datetime.date.today().replace(day=1),
                       term_end=datetime.date.today() + datetime.timedelta(days=40))
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    _log_in(page, live_server, staff.mobile)
    page.goto(f"{live_server.url}/activities/calendar/")
    assert page.get_by_role("heading", name="排期提醒").is_visible()
    assert page.locator(".act-month").get_by_text("剪纸班").first.is_visible()
    _shot(page, "activity-calendar-desktop")
    page.goto(f"{live_server.url}/workbench/activities/")
    assert page.get_by_role("link", name="趣味运动会").is_visible()
    _shot(page, "activity-manage-desktop")
    page.goto(f"{live_server.url}/workbench/activities/new/")
    _shot(page, "activity-form-desktop")
    context.close()
