"""A door plate scanned on a phone: a stranger sees only the address and contacts; a household
member (verified by name and mobile) gets the household home with big buttons. The same
pages at desktop width, and the field-collection form checking an ID number as it is typed."""

import datetime

import pytest

from tests.conftest_helpers import DESKTOP, shot
from tests.factories import id_number_for, registry_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_door_plate_as_stranger_then_member_on_a_phone(page, live_server, world):
    data = registry_world(world)["a"]
    household, head = data["household"], data["resident"]
    url = f"{live_server.url}/d/{household.door_token}/"

    page.goto(url)
    assert page.get_by_role("heading", name=household.address).is_visible()
    body = page.inner_text("body")
    assert head.name not in body and data["mobile"] not in body
    assert world.community.phone in body
    assert page.get_by_role("link", name="注册").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "door-stranger-phone")

    # Wrong details: told in words, still a stranger.
    page.get_by_label("您的姓名").fill(head.name)
    page.get_by_label("您的手机号").fill("13000000000")
    page.get_by_role("button", name="打开我家的页面").click()
    assert "不符" in page.get_by_role("alert").inner_text()
    assert head.name not in page.inner_text("main").replace(
        page.get_by_label("您的姓名").input_value(), "")

    page.get_by_label("您的手机号").fill(data["mobile"])
    page.get_by_role("button", name="打开我家的页面").click()
    page.wait_for_url(url)
    assert page.get_by_role("heading", name="您想办什么？").is_visible()
    assert page.get_by_text(head.name).first.is_visible()
    # Four actions: a link where the page exists, otherwise plainly labelled "coming soon".
    actions = page.locator(".door-actions .big-button")
    assert actions.count() == 4  # "my data" appears only for a signed-in account
    for i in range(4):
        button = actions.nth(i)
        if button.get_attribute("href") is None:
            assert "即将推出" in button.inner_text()
    box = actions.first.bounding_box()
    assert box["height"] >= 60 and box["width"] >= 60
    font = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main')).fontSize)")
    assert font >= 18
    assert data["mobile"] not in page.inner_text("body")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "door-member-phone")


def test_door_plate_at_desktop_width(signed_in_page, world):
    data = registry_world(world)["a"]
    page = signed_in_page(None, DESKTOP, at=f"/d/{data['household'].door_token}/")
    assert page.get_by_role("heading", name=data["household"].address).is_visible()
    shot(page, "door-stranger-desktop")
    page.get_by_label("您的姓名").fill(data["resident"].name)
    page.get_by_label("您的手机号").fill(data["mobile"])
    page.get_by_role("button", name="打开我家的页面").click()
    page.wait_for_selector(".door-actions")
    shot(page, "door-member-desktop")


def test_grid_worker_form_checks_the_id_number_while_typing(signed_in_page, world):
    data = registry_world(world)["a"]
    page = signed_in_page(world.users["grid_worker"],
                          at=f"/registry/households/{data['household'].uuid}/residents/new/")
    page.get_by_label("姓名").fill("孙桂兰")
    number = id_number_for(datetime.date(1946, 8, 12), 94)
    page.get_by_label("身份证号").fill(number[:-1] + ("0" if number[-1] != "0" else "1"))
    page.wait_for_selector("#check.check-bad")
    assert "校验位" in page.inner_text("#check")
    page.get_by_label("身份证号").fill(number)
    page.wait_for_selector("#check.check-ok")
    assert "1946-08-12" in page.inner_text("#check")
    shot(page, "resident-form-phone")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"**/registry/households/{data['household'].uuid}/")
    assert page.get_by_text("孙桂兰").first.is_visible()
