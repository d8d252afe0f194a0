"""Door plates for one household: "my door plate" for its members (QR on the page, a printable
PDF), the same single plate for its grid worker and community staff, and for every household,
with or without a building."""

import os
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from linli.registry import plates
from tests.factories import registry_household, registry_resident

pytestmark = pytest.mark.django_db

SHOTS = Path(os.environ.get("LINLI_SCREENSHOTS", "var/screenshots"))


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True,
                          check=True).stdout.decode()


def test_member_finds_the_plate_from_home_and_sees_the_qr(client, world, reg):
    household = reg["a"]["household"]
    client.force_login(world.users["resident"])
    home = client.get(reverse("home")).content.decode()
    assert reverse("registry:my_plate") in home and "我的门牌" in home
    page = client.get(reverse("registry:my_plate")).content.decode()
    assert "<svg" in page and household.address in page
    assert reverse("registry:household_plate", kwargs={"uuid": household.uuid}) in page
    assert reverse("registry:door", kwargs={"token": household.door_token}) in page
    # The household page opened from the plate links back to it.
    door = client.get(reverse("registry:door", kwargs={"token": household.door_token}))
    assert reverse("registry:my_plate") in door.content.decode()


def test_account_without_household_is_told_how_to_link_it(client, world, reg):
    client.force_login(world.users["volunteer"])
    page = client.get(reverse("registry:my_plate")).content.decode()
    assert "还没有关联到住户" in page and "<svg" not in page


def test_member_prints_the_plate_of_a_household_without_building(client, world, reg):
    household = registry_household(world.grid, "平房-7", address="紫轩村后街7号")
    assert household.building_id is None
    member = world.other["resident"]  # an account of another community, linked here
    registry_resident(household, "周大爷", relation="head").__class__.objects.filter(
        household=household).update(user=member)
    client.force_login(member)
    response = client.get(reverse("registry:household_plate", kwargs={"uuid": household.uuid}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "plate-single.pdf").write_bytes(response.content)  # for a person to look at
    text = _pdf_text(response.content)
    assert "紫轩村后街7号" in text and world.community.name in text
    assert "扫码" in text  # the same plate text as the building sheet


def test_staff_print_one_plate_from_the_household_page(client, world, reg):
    household = reg["a"]["household"]
    url = reverse("registry:household_plate", kwargs={"uuid": household.uuid})
    for role in ("grid_worker", "community_staff"):
        client.force_login(world.users[role])
        detail = client.get(reverse("registry:household_detail",
                                    kwargs={"uuid": household.uuid})).content.decode()
        assert url in detail and "打印门牌" in detail
        response = client.get(url)
        assert response.status_code == 200
        assert household.address in _pdf_text(response.content)


def test_nobody_else_gets_the_plate(client, world, reg):
    household = reg["a"]["household"]
    url = reverse("registry:household_plate", kwargs={"uuid": household.uuid})
    for user in (world.other["resident"], world.other["grid_worker"],
                 world.other["community_staff"]):
        client.force_login(user)
        assert client.get(url).status_code == 404
    for role in ("volunteer", "store_clerk", "auditor"):
        client.force_login(world.users[role])
        assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_plate_address_from_whatever_the_household_has(world, reg):
    household = reg["a"]["household"]
    assert plates.plate_address(household) == household.address
    household.address = " "
    assert plates.plate_address(household) == "测试路11号1栋 1单元 101"
    household.building = household.unit = None
    household.room = ""
    assert plates.plate_address(household) == household.number
