"""A community worker logs in on a phone and lands on the workbench; the same at desktop width."""

import os
from pathlib import Path

import pytest

from tests.factories import PASSWORD

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


def test_community_staff_logs_in_on_a_phone_and_sees_the_workbench(page, live_server, world):
    staff = world.users["community_staff"]
    _log_in(page, live_server, staff.mobile)
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="进入工作台").click()
    page.wait_for_url("**/workbench/")
    assert page.get_by_role("heading", name="工作台").is_visible()
    assert page.get_by_text("紫轩社区").first.is_visible()
    assert page.get_by_text("观湖社区").count() == 0
    # Phone layout: nothing wider than the screen, tap targets at least 44 px tall.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    box = page.get_by_role("link", name="账号管理").bounding_box()
    assert box["height"] >= 44
    _shot(page, "workbench-phone")


def test_wrong_password_is_explained_in_words(page, live_server, world):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("手机号").fill(world.users["resident"].mobile)
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").last.click()
    assert page.get_by_role("alert").inner_text().startswith("手机号或密码不正确")


def test_elder_mode_enlarges_text_and_buttons(page, live_server, world):
    _log_in(page, live_server, world.users["resident"].mobile)
    page.wait_for_url(f"{live_server.url}/")
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.get_by_role("button", name="长辈版").click()
    page.wait_for_load_state()
    elder = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert normal >= 16 and elder >= 18 and elder > normal
    box = page.get_by_role("link", name="我的账号").bounding_box()
    assert box["height"] >= 60
    _shot(page, "home-elder-phone")
    page.reload()
    assert page.get_by_role("button", name="标准版").is_visible()  # remembered


def test_workbench_at_desktop_width(browser, live_server, world):
    from tests.conftest_helpers import DESKTOP

    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    _log_in(page, live_server, world.users["street_admin"].mobile)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/workbench/")
    sidebar = page.get_by_role("navigation", name="工作台导航")
    assert sidebar.bounding_box()["width"] >= 200  # a real sidebar, not the phone strip
    assert page.get_by_text("观湖社区").first.is_visible()
    _shot(page, "workbench-desktop")
    context.close()
