"""A resident registers as a volunteer on a phone, staff approve on a desktop, and the
volunteer finds the approval in the inbox."""

import datetime as dt
import os
from pathlib import Path

import pytest

from tests.factories import PASSWORD, ledger_resident

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


def test_register_approve_and_see_it_in_the_inbox(page, browser, live_server, world):
    from tests.conftest_helpers import DESKTOP

    resident = world.users["resident"]
    ledger_resident(community=world.community, user=resident, name="周小雨",
                    birth_date=dt.date(1996, 4, 2))

    # Given a resident on a phone who fills in the registration
    _log_in(page, live_server, resident.mobile)
    page.goto(f"{live_server.url}/volunteer/register/")
    page.get_by_label("理发").check()
    page.get_by_label("周六 上午").check()
    page.get_by_label("本人身体健康，适合参加志愿服务").check()
    page.get_by_text("本人同意社区").click()
    _shot(page, "volunteer-register-phone")
    page.get_by_role("button", name="提交注册").click()
    page.wait_for_url(f"{live_server.url}/volunteer/")
    assert page.get_by_text("待审核").first.is_visible()

    # When staff approve it at a desktop
    context = browser.new_context(**DESKTOP)
    desk = context.new_page()
    _log_in(desk, live_server, world.users["community_staff"].mobile)
    desk.goto(f"{live_server.url}/workbench/volunteers/")
    desk.get_by_role("link", name="审核", exact=True).first.click()
    _shot(desk, "volunteer-review-desktop")
    desk.get_by_role("button", name="通过", exact=True).click()
    assert desk.get_by_text("已保存：在册").is_visible()
    context.close()

    # Then the volunteer sees the approval in the inbox, with an unread badge in the header
    page.goto(f"{live_server.url}/volunteer/")
    assert page.locator(".badge-count").inner_text() == "1"
    page.get_by_role("link", name="消息").first.click()
    assert page.get_by_text("您的志愿者注册已审核通过").is_visible()
    _shot(page, "volunteer-inbox-phone")
    page.get_by_text("您的志愿者注册已审核通过").click()
    page.wait_for_url(f"{live_server.url}/volunteer/")
    assert page.get_by_text(world.street.code).first.is_visible()
    _shot(page, "volunteer-record-phone")
