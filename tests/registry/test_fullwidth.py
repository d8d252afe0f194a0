"""Identifiers typed with full-width characters are stored in ASCII (issue 11).

An ID number typed as `５２２４…` used to be stored as typed: its keyed hash was the hash of
the full-width text, so searching the number found nobody. Every write path now folds ID
numbers, mobiles and household numbers to ASCII, and migration 0007 rewrites the rows stored
before the fix.
"""

import datetime
import hashlib
import hmac
import importlib
import logging

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.urls import reverse

from linli.common.exceptions import ValidationError
from linli.common.masking import mask_id_number
from linli.registry.idnumbers import id_number_parse
from linli.registry.models import Grid, Household, Resident
from linli.registry.privacy import decrypt_id_number, encrypt_id_number, hash_id_number
from linli.registry.selectors import resident_list_for_user
from linli.registry.services import household_create, resident_create
from tests.factories import id_number_for, registry_household

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
MIGRATION = importlib.import_module("linli.registry.migrations.0007_ascii_identifiers")


def wide(text: str) -> str:
    return text.translate(FULL_WIDTH)


def legacy_hash(value: str) -> str:
    """The hash stored before the fix: of the text as typed (no folding)."""
    return hmac.new(settings.FIELD_HASH_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def assert_ascii_id(resident: Resident, number: str) -> None:
    resident.refresh_from_db()
    assert decrypt_id_number(resident.id_number_encrypted) == number
    assert resident.id_number_hash == hash_id_number(number)
    assert resident.id_number_masked == mask_id_number(number)
    assert resident.id_number_masked.isascii()


def test_id_number_parse_returns_ascii():
    number = id_number_for(datetime.date(1966, 10, 5), 31)
    info = id_number_parse(wide(number[:6]) + " " + wide(number[6:]))
    assert info.number == number and info.number.isascii()
    assert info.birth_date == datetime.date(1966, 10, 5)
    with_x = next(id_number_for(datetime.date(1980, 1, 1), n) for n in range(1, 200)
                  if id_number_for(datetime.date(1980, 1, 1), n).endswith("X"))
    assert id_number_parse(with_x[:-1] + "ｘ").number == with_x


def test_digits_of_other_scripts_are_refused():
    """`isdigit()` takes Arabic-Indic digits too; NFKC does not turn them into ASCII."""
    number = id_number_for(datetime.date(1966, 10, 5), 31)
    arabic = number[:-2] + "".join(chr(0x0660 + int(d)) for d in number[-2:])
    with pytest.raises(ValidationError) as caught:
        id_number_parse(arabic)
    assert caught.value.field == "id_number"


def test_full_width_id_and_mobile_through_the_service_are_stored_ascii(world, reg):
    number = id_number_for(datetime.date(1966, 10, 5), 31)
    staff = world.users["community_staff"]
    resident = resident_create(household=reg["household2"], actor=staff, name="周桂兰",
                               id_number=wide(number), mobile="１３７ ０８５７ ９２６９")
    assert_ascii_id(resident, number)
    assert resident.mobile == "13708579269"
    # Search by the number as anyone would type it finds her.
    found = resident_list_for_user(user=staff, q=number)
    assert list(found) == [resident]
    assert list(resident_list_for_user(user=staff, id_number=number)) == [resident]
    # …and so does the number typed full-width, as it was stored before the fix.
    assert list(resident_list_for_user(user=staff, q=wide(number))) == [resident]
    assert list(resident_list_for_user(user=staff, id_number=wide(number))) == [resident]
    # The same person typed the other way is the same person.
    with pytest.raises(Exception) as caught:
        resident_create(household=reg["household2"], actor=staff, name="周桂兰",
                        id_number=number)
    assert getattr(caught.value, "field", None) == "id_number"


def test_full_width_id_through_the_api_is_stored_ascii_and_found(client, world, reg):
    number = id_number_for(datetime.date(1971, 3, 9), 55)
    client.force_login(world.users["grid_worker"])
    response = client.post("/api/v1/registry/residents", {
        "household": str(reg["household2"].uuid), "name": "马红梅",
        "id_number": wide(number), "mobile": "１３９ ００００ １１１１"},
        content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["id_number_masked"] == mask_id_number(number)
    resident = Resident.objects.get(uuid=response.json()["uuid"])
    assert_ascii_id(resident, number)
    assert resident.mobile == "13900001111"
    listed = client.get("/api/v1/registry/residents", {"q": number}).json()
    assert [r["uuid"] for r in listed["items"]] == [str(resident.uuid)]


def test_full_width_id_and_household_number_through_the_pages_are_stored_ascii(
        client, world, reg):
    client.force_login(world.users["grid_worker"])
    response = client.post(reverse("registry:household_new"), {
        "grid": world.grid.uuid, "number": "ｃ－１", "address": "紫轩路5号"})
    assert response.status_code == 302
    household = Household.objects.get(number="c-1")
    number = id_number_for(datetime.date(1944, 4, 4), 91)
    response = client.post(reverse("registry:resident_new", kwargs={"uuid": household.uuid}), {
        "name": "孙大妈", "id_number": wide(number), "mobile": "１３３-４４４４-５５５５",
        "residence_type": "registered", "relation": "head"})
    assert response.status_code == 302, response.content.decode()[:2000]
    resident = Resident.objects.get(name="孙大妈")
    assert_ascii_id(resident, number)
    assert resident.mobile == "13344445555"


def test_household_number_and_room_are_stored_ascii(world, reg):
    household = registry_household(world.grid, "３－２－５０１", room="５０１",
                                   building=reg["a"]["building"])
    household.refresh_from_db()
    assert household.number == "3-2-501" and household.room == "501"
    with pytest.raises(Exception) as caught:
        household_create(grid=world.grid, number="3-2-501", address="紫轩路3号",
                         actor=world.users["community_staff"])
    assert getattr(caught.value, "field", None) == "number"


# --- Migration 0007 on rows stored before the fix ------------------------------------------

def store_legacy_id(resident: Resident, typed: str) -> None:
    """Write the three ID columns as the old code did: from the text as typed."""
    Resident.objects.filter(pk=resident.pk).update(
        id_number_encrypted=encrypt_id_number(typed), id_number_hash=legacy_hash(typed),
        id_number_masked=mask_id_number(typed))


def test_migration_folds_rows_stored_full_width(world, reg):
    staff = world.users["community_staff"]
    number = id_number_for(datetime.date(1966, 10, 5), 31)
    resident = resident_create(household=reg["household2"], actor=staff, name="周桂兰",
                               id_number=number)
    store_legacy_id(resident, wide(number))
    Resident.objects.filter(pk=resident.pk).update(mobile="１３７０８５７９２６９")
    household = reg["household2"]
    Household.objects.filter(pk=household.pk).update(number="ａ－２－２０１", room="２０１")
    Grid.objects.filter(pk=world.grid.pk).update(number=wide(world.grid.number))
    assert not resident_list_for_user(user=staff, q=number).exists()

    MIGRATION.fold_identifiers(django_apps, None)

    assert_ascii_id(resident, number)
    resident.refresh_from_db()
    assert resident.mobile == "13708579269"
    household.refresh_from_db()
    assert (household.number, household.room) == ("a-2-201", "201")
    world.grid.refresh_from_db()
    assert world.grid.number.isascii()
    assert list(resident_list_for_user(user=staff, q=number)) == [resident]
    # Running it again changes nothing.
    before = Resident.objects.values_list("id_number_encrypted", flat=True).get(pk=resident.pk)
    MIGRATION.fold_identifiers(django_apps, None)
    assert Resident.objects.values_list("id_number_encrypted", flat=True).get(
        pk=resident.pk) == before


def test_migration_leaves_a_clash_for_a_person_and_logs_it(world, reg, caplog):
    """Two residents whose numbers differ only in width are one person twice: the first is
    folded, the later one is left as it was and named (by primary key) in the log."""
    staff = world.users["community_staff"]
    number = id_number_for(datetime.date(1958, 6, 1), 41)
    first = resident_create(household=reg["household2"], actor=staff, name="孙建华",
                            id_number=number)
    later = resident_create(household=reg["household2"], actor=staff, name="孙建华",
                            id_number=id_number_for(datetime.date(1958, 6, 1), 43))
    store_legacy_id(first, wide(number))
    store_legacy_id(later, wide(number[:9]) + number[9:])
    stored_later = Resident.objects.values_list(
        "id_number_encrypted", "id_number_hash").get(pk=later.pk)
    with caplog.at_level(logging.WARNING, logger="linli.registry.migrations"):
        MIGRATION.fold_identifiers(django_apps, None)
    assert_ascii_id(first, number)
    assert Resident.objects.values_list(
        "id_number_encrypted", "id_number_hash").get(pk=later.pk) == stored_later
    warning = " ".join(r.getMessage() for r in caplog.records)
    assert f"resident {later.pk}" in warning and number not in warning


def test_migration_leaves_a_household_number_clash(world, reg, caplog):
    other = registry_household(world.grid, "9-9-901")
    household = reg["household2"]
    Household.objects.filter(pk=household.pk).update(number="９－９－９０１")
    with caplog.at_level(logging.WARNING, logger="linli.registry.migrations"):
        MIGRATION.fold_identifiers(django_apps, None)
    household.refresh_from_db()
    other.refresh_from_db()
    assert household.number == "９－９－９０１" and other.number == "9-9-901"
    assert f"Household {household.pk}" in caplog.text
