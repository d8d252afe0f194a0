"""Elder mode (长辈版) on every resident page of the registry, measured in Chromium at 390 px:
visible text at least 18 px, links and buttons at least 60 × 60 px, the brand and the user's
name never broken over two lines. Screenshots at phone and desktop width go to var/screenshots
for a person to look at."""

import pytest
from django.urls import reverse

from tests.conftest_helpers import DESKTOP, PHONE, elder_problems, shot
from tests.factories import registry_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _check(page, url, name, width):
    page.goto(url)
    assert page.evaluate("document.body.classList.contains('elder')"), name
    shot(page, f"elder-{name}-{width}")
    problems = elder_problems(page)
    assert not problems, f"{name} at {width}px:\n" + "\n".join(problems)


def _pages(world, live_server):
    data = registry_world(world)["a"]
    household = data["household"]
    token = household.door_token
    base = live_server.url
    stranger = {
        "door-stranger": f"{base}/d/{token}/",
        "door-register": base + reverse("registry:door_register", kwargs={"token": token}),
    }
    member = {
        "door-member": f"{base}/d/{token}/",
        "home": f"{base}/",
        "my-plate": base + reverse("registry:my_plate"),
        "my-data": base + reverse("registry:my_data"),
        "bindings": base + reverse("registry:bindings"),
    }
    return stranger, member


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_resident_pages_meet_elder_mode(signed_in_page, live_server, world, size):
    resident = world.users["resident"]
    resident.name = "刘师傅"
    resident.save(update_fields=["name"])
    stranger, member = _pages(world, live_server)
    width = size["viewport"]["width"]
    page = signed_in_page(None, size, elder=True, at=None)
    for name, url in stranger.items():
        _check(page, url, name, width)
    page.context.close()
    page = signed_in_page(resident, size, elder=True, at=None)
    for name, url in member.items():
        _check(page, url, name, width)
    # The plate's QR code is drawn at a size another phone can scan.
    page.goto(member["my-plate"])
    qr = page.locator(".plate-qr svg").bounding_box()
    assert qr["width"] >= 200 and qr["height"] >= 200
    assert page.locator(".plate-qr svg path").bounding_box()["width"] >= 180
    # The household page shows the member view with its big buttons.
    page.goto(member["door-member"])
    assert page.locator(".door-actions .big-button").count() >= 4


def test_a_long_name_is_cut_with_an_ellipsis_not_wrapped(signed_in_page, world):
    resident = world.users["resident"]
    resident.name = "欧阳诸葛长孙慕容"
    resident.save(update_fields=["name"])
    page = signed_in_page(resident, PHONE, elder=True)
    assert not elder_problems(page)
    user_box = page.locator(".topbar-user").bounding_box()
    assert user_box["x"] + user_box["width"] <= 390
