"""Registry API input is strict (issue 12 item 7): dates are `YYYY-MM-DD` text, booleans JSON
`true`/`false`. A birth date keeps the registry's own range (1900-01-01 to today), refused by
the service with its Chinese message; everything else is a 422 naming the field, and no
record changes."""

import datetime

import pytest

from linli.registry.models import BindingStatus, ImportJob, Resident
from tests.factories import registry_world
from tests.strict_input import assert_refused, post

pytestmark = pytest.mark.django_db

#: Not YYYY-MM-DD text (the years are the registry's business, see below).
BAD_BIRTH_DATES = [0, "0", 1.5, 20260501, True, "1950-13-01", "1950-02-30", "1950-3-7",
                   "07/03/1950", "1950-03-07T00:00:00", "yesterday"]
#: Not a JSON boolean.
BAD_BOOLS = [0, 1, "true", "yes", "1", 1.0, None]


def _new_resident(reg, **change):
    return {"household": str(reg["a"]["household"].uuid), "name": "王五", **change}


@pytest.mark.parametrize("value", BAD_BIRTH_DATES)
def test_birth_date_must_be_a_date_in_yyyy_mm_dd_text(client, world, value):
    reg = registry_world(world)
    client.force_login(world.users["community_staff"])
    before = Resident.objects.count()
    response = post(client, "post", "/api/v1/registry/residents",
                    _new_resident(reg, birth_date=value))
    assert_refused(response, "birth_date")
    assert Resident.objects.count() == before


@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31"])
def test_birth_date_before_1900_keeps_the_registrys_message(client, world, value):
    reg = registry_world(world)
    client.force_login(world.users["community_staff"])
    before = Resident.objects.count()
    response = post(client, "post", "/api/v1/registry/residents",
                    _new_resident(reg, birth_date=value))
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["fields"][0]["field"] == "birth_date"
    assert error["fields"][0]["message"] == "出生日期过早（最早为 1900-01-01）。"
    assert Resident.objects.count() == before


def test_a_birth_date_in_the_future_is_refused_by_the_registry(client, world):
    reg = registry_world(world)
    client.force_login(world.users["community_staff"])
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    response = post(client, "post", "/api/v1/registry/residents",
                    _new_resident(reg, birth_date=tomorrow))
    assert response.status_code == 409, response.content
    assert response.json()["error"]["fields"][0]["field"] == "birth_date"


def test_a_birth_date_last_century_is_taken(client, world):
    reg = registry_world(world)
    client.force_login(world.users["community_staff"])
    response = post(client, "post", "/api/v1/registry/residents",
                    _new_resident(reg, birth_date="1938-06-01"))
    assert response.status_code == 201, response.content
    assert response.json()["birth_date"] == "1938-06-01"
    assert Resident.objects.get(uuid=response.json()["uuid"]).birth_date == datetime.date(
        1938, 6, 1)


#: Moving out or dying may have happened decades ago: the form is strict, the range is the
#: registry's (not in the future, not before the birth date).
BAD_EVENT_DATES = [0, "0", 1.5, 20260501, "2026-13-01", "2026-02-30", "2026-05-01T09:00:00",
                   "1995/06/01", ""]


@pytest.mark.parametrize("field", ["moved_out_on", "deceased_on"])
@pytest.mark.parametrize("value", BAD_EVENT_DATES)
def test_event_dates_are_yyyy_mm_dd_text(client, world, field, value):
    reg = registry_world(world)
    head = reg["a"]["resident"]
    flag = field.removesuffix("_on")
    client.force_login(world.users["community_staff"])
    response = post(client, "patch", f"/api/v1/registry/residents/{head.uuid}",
                    {flag: True, field: value})
    assert_refused(response, field)
    head = Resident.objects.get(pk=head.pk)
    assert not head.moved_out and not head.deceased
    assert head.moved_out_on is None and head.deceased_on is None


@pytest.mark.parametrize("field", ["moved_out", "deceased"])
@pytest.mark.parametrize("value", BAD_BOOLS[:-1])
def test_resident_flags_are_json_booleans(client, world, field, value):
    reg = registry_world(world)
    head = reg["a"]["resident"]
    client.force_login(world.users["community_staff"])
    response = post(client, "patch", f"/api/v1/registry/residents/{head.uuid}",
                    {field: value, f"{field}_on": "2026-05-01"})
    assert_refused(response, field)
    head = Resident.objects.get(pk=head.pk)
    assert not head.moved_out and not head.deceased


@pytest.mark.parametrize("field", ["moved_out_on", "deceased_on"])
def test_event_dates_outside_the_persons_life_keep_the_registrys_message(client, world, field):
    reg = registry_world(world)
    head = reg["a"]["resident"]
    flag = field.removesuffix("_on")
    client.force_login(world.users["community_staff"])
    for value in ("2100-01-01", "0001-01-01"):
        response = post(client, "patch", f"/api/v1/registry/residents/{head.uuid}",
                        {flag: True, field: value})
        assert response.status_code == 409, response.content
        assert response.json()["error"]["fields"][0]["field"] == field
    head = Resident.objects.get(pk=head.pk)
    assert not head.moved_out and not head.deceased


def test_a_resident_who_moved_out_last_century_is_recorded(client, world):
    reg = registry_world(world)
    head = reg["a"]["resident"]
    client.force_login(world.users["community_staff"])
    response = post(client, "patch", f"/api/v1/registry/residents/{head.uuid}",
                    {"moved_out": True, "moved_out_on": "1995-06-01"})
    assert response.status_code == 200, response.content
    assert Resident.objects.get(pk=head.pk).moved_out_on == datetime.date(1995, 6, 1)


def test_a_resident_moves_out_with_true_and_an_iso_date(client, world):
    reg = registry_world(world)
    head = reg["a"]["resident"]
    client.force_login(world.users["community_staff"])
    response = post(client, "patch", f"/api/v1/registry/residents/{head.uuid}",
                    {"moved_out": True, "moved_out_on": "2026-05-01"})
    assert response.status_code == 200, response.content
    head = Resident.objects.get(pk=head.pk)
    assert head.moved_out and head.moved_out_on == datetime.date(2026, 5, 1)


@pytest.mark.parametrize("value", BAD_BOOLS)
def test_binding_decision_confirm_is_a_json_boolean(client, world, value):
    reg = registry_world(world)
    binding = reg["a"]["binding"]
    client.force_login(world.users["community_staff"])
    response = post(client, "post", f"/api/v1/registry/bindings/{binding.uuid}/decision",
                    {"confirm": value})
    assert_refused(response, "confirm")
    binding.refresh_from_db()
    assert binding.status == BindingStatus.PENDING


@pytest.mark.parametrize("value", BAD_BOOLS[:-1])
def test_import_commit_confirm_places_is_a_json_boolean(client, world, value):
    reg = registry_world(world)
    job = reg["a"]["job"]
    client.force_login(world.users["community_staff"])
    response = post(client, "post", f"/api/v1/registry/imports/{job.uuid}/commit",
                    {"confirm_places": value})
    assert_refused(response, "confirm_places")
    assert ImportJob.objects.get(pk=job.pk).status == job.status


def test_registry_dates_and_flags_are_declared_as_strictly_as_they_are_read(client, world):
    client.force_login(world.users["community_staff"])
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    fields = schemas["RegistryResidentFields"]["properties"]
    birth = fields["birth_date"]["anyOf"][0]
    assert birth["type"] == "string" and birth["pattern"].startswith("^[1-9]")
    for name in ("moved_out_on", "deceased_on"):
        assert fields[name]["anyOf"][0]["pattern"].startswith("^[1-9]")
    for name in ("moved_out", "deceased"):
        assert fields[name]["anyOf"][0] == {"type": "boolean"}
    assert schemas["RegistryDecisionIn"]["properties"]["confirm"]["type"] == "boolean"
