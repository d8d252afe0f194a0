"""A community worker logs in on a phone and lands on the workbench; the same at desktop width."""

import pytest

from tests.conftest_helpers import DESKTOP, shot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_community_staff_logs_in_on_a_phone_and_sees_the_workbench(page, live_server, world):
    staff = world.users["community_staff"]
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("手机号").fill(staff.mobile)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").last.click()
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
    shot(page, "workbench-phone")


def test_wrong_password_is_explained_in_words(page, live_server, world):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("手机号").fill(world.users["resident"].mobile)
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").last.click()
    assert page.get_by_role("alert").inner_text().startswith("手机号或密码不正确")


def test_elder_mode_enlarges_text_and_buttons(signed_in_page, world):
    page = signed_in_page(world.users["resident"])
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.get_by_role("button", name="长辈版").click()
    page.wait_for_load_state()
    elder = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert normal >= 16 and elder >= 18 and elder > normal
    box = page.get_by_role("link", name="我的账号").bounding_box()
    assert box["height"] >= 60
    shot(page, "home-elder-phone")
    page.reload()
    assert page.get_by_role("button", name="标准版").is_visible()  # remembered


def test_workbench_at_desktop_width(signed_in_page, world):
    page = signed_in_page(world.users["street_admin"], DESKTOP, at="/workbench/")
    sidebar = page.get_by_role("navigation", name="工作台导航")
    assert sidebar.bounding_box()["width"] >= 200  # a real sidebar, not the phone strip
    assert page.get_by_text("观湖社区").first.is_visible()
    shot(page, "workbench-desktop")
