"""Volunteers API input is strict (issue 12 items 7 and 10): availability slots take a JSON
integer weekday and HH:MM[:SS] times without an offset, commendation dates YYYY-MM-DD text
from 2000 to 2099, planned claims JSON integers; each refusal names the field and changes
nothing. Availability is returned as HH:MM:SS, which is what the schema declares."""

import datetime as dt
import re

import jsonschema_rs
import pytest

from linli.volunteers.models import AvailabilitySlot, Commendation, Volunteer
from tests.factories import ledger_resident, volunteer_make
from tests.strict_input import BAD_DATES, BAD_INTS, BAD_TIMES, assert_refused, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident_user(world):
    user = world.users["resident"]
    ledger_resident(community=world.community, user=user, name="李青",
                    birth_date=dt.date(1995, 3, 4))
    return user


def _registration(**slot):
    return {"skills": [], "health_ok": True, "consent": True,
            "availability": [{"weekday": 2, "start": "14:00", "end": "18:00", **slot}]}


@pytest.mark.parametrize("field,value", [*[("start", v) for v in BAD_TIMES],
                                         *[("weekday", v) for v in BAD_INTS]])
def test_registration_slots_are_strict(client, world, resident_user, field, value):
    client.force_login(resident_user)
    response = post(client, "post", "/api/v1/volunteers/registrations",
                    _registration(**{field: value}))
    assert_refused(response, field)
    assert not Volunteer.objects.filter(user=resident_user).exists()


def test_profile_slot_change_refused_keeps_the_old_times(client, world):
    volunteer = volunteer_make(community=world.community, user=world.users["volunteer"])
    before = list(AvailabilitySlot.objects.filter(volunteer=volunteer).values_list(
        "weekday", "start", "end"))
    client.force_login(world.users["volunteer"])
    response = post(client, "patch", "/api/v1/volunteers/me",
                    {"availability": [{"weekday": "1", "start": "09:00", "end": "10:00"}]})
    assert_refused(response, "weekday")
    response = post(client, "patch", "/api/v1/volunteers/me",
                    {"availability": [{"weekday": 1, "start": 540, "end": "10:00"}]})
    assert_refused(response, "start")
    assert list(AvailabilitySlot.objects.filter(volunteer=volunteer).values_list(
        "weekday", "start", "end")) == before


def test_availability_is_returned_as_declared(client, world):
    volunteer_make(community=world.community, user=world.users["volunteer"])
    client.force_login(world.users["volunteer"])
    body = client.get("/api/v1/volunteers/me").json()
    slots = {(s["start"], s["end"]) for s in body["volunteer"]["availability"]}
    assert ("08:00:00", "12:00:00") in slots
    spec = client.get("/api/openapi.json").json()
    schema = {**spec["components"]["schemas"]["RecordOut"], "components": spec["components"]}
    jsonschema_rs.validate(schema, body)
    slot = spec["components"]["schemas"]["SlotIn"]["properties"]["start"]
    assert "format" not in slot and re.fullmatch(slot["pattern"], "08:00:00")


@pytest.mark.parametrize("value", BAD_DATES)
def test_commendation_dates_must_be_dates_in_range(client, world, value):
    volunteer = volunteer_make(community=world.community)
    client.force_login(world.users["community_staff"])
    response = post(client, "post", f"/api/v1/volunteers/{volunteer.uuid}/commendations",
                    {"title": "优秀志愿者", "awarded_by": "街道", "awarded_on": value})
    assert_refused(response, "awarded_on")
    assert not Commendation.objects.exists()


@pytest.mark.parametrize("value", BAD_INTS)
def test_party_project_claims_must_be_json_integers(client, world, value):
    from linli.volunteers.models import PartyProject

    client.force_login(world.users["community_staff"])
    response = post(client, "post", "/api/v1/party/projects",
                    {"community": str(world.community.uuid), "title": "楼道清洁",
                     "planned_claims": value})
    assert_refused(response, "planned_claims")
    assert not PartyProject.objects.exists()
