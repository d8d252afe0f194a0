"""A resident registers as a volunteer on a phone, staff approve on a desktop, and the
volunteer finds the approval in the inbox."""

import datetime as dt

import pytest

from tests.conftest_helpers import DESKTOP, shot
from tests.factories import ledger_resident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_approve_and_see_it_in_the_inbox(signed_in_page, live_server, world):
    resident = world.users["resident"]
    ledger_resident(community=world.community, user=resident, name="周小雨",
                    birth_date=dt.date(1996, 4, 2))

    # Given a resident on a phone who fills in the registration
    page = signed_in_page(resident, at="/volunteer/register/")
    page.get_by_label("理发").check()
    page.get_by_label("周六 上午").check()
    page.get_by_label("本人身体健康，适合参加志愿服务").check()
    page.get_by_text("本人同意社区").click()
    shot(page, "volunteer-register-phone")
    page.get_by_role("button", name="提交注册").click()
    page.wait_for_url(f"{live_server.url}/volunteer/")
    assert page.get_by_text("待审核").first.is_visible()

    # When staff approve it at a desktop
    desk = signed_in_page(world.users["community_staff"], DESKTOP, at="/workbench/volunteers/")
    desk.get_by_role("link", name="审核", exact=True).first.click()
    shot(desk, "volunteer-review-desktop")
    desk.get_by_role("button", name="通过", exact=True).click()
    assert desk.get_by_text("已保存：在册").is_visible()
    desk.context.close()

    # Then the volunteer sees the approval in the inbox, with an unread badge in the header
    page.goto(f"{live_server.url}/volunteer/")
    assert page.locator(".badge-count").inner_text() == "1"
    page.get_by_role("link", name="消息").first.click()
    assert page.get_by_text("您的志愿者注册已审核通过").is_visible()
    shot(page, "volunteer-inbox-phone")
    page.get_by_text("您的志愿者注册已审核通过").click()
    page.wait_for_url(f"{live_server.url}/volunteer/")
    assert page.get_by_text(world.street.code).first.is_visible()
    shot(page, "volunteer-record-phone")
