"""Activities API input is strict (issue 12 items 7 and 10): activity times are ISO 8601
text from 2000 to 2099, class dates YYYY-MM-DD text, class times HH:MM[:SS] text without an
offset, counts JSON integers. Each refusal is a 422 naming the field and changes nothing.
Class times are returned as HH:MM:SS and the published schema declares exactly that (a
string with a pattern, not `format: time`, which would require an offset)."""

import re
from datetime import timedelta

import jsonschema_rs
import pytest
from django.utils import timezone

from linli.activities.models import Activity, CultureClass
from tests.factories import activity_make, culture_class_make
from tests.strict_input import (
    BAD_DATES,
    BAD_DATETIMES,
    BAD_INTS,
    BAD_TIMES,
    assert_refused,
    post,
)

pytestmark = pytest.mark.django_db


def _activity_body(world, **change):
    now = timezone.localtime().replace(microsecond=0)
    return {"community": str(world.community.uuid), "title": "包饺子", "organiser": "志愿队",
            "place": "活动室", "capacity": 20,
            "starts_at": (now + timedelta(days=3)).isoformat(),
            "ends_at": (now + timedelta(days=3, hours=2)).isoformat(),
            "signup_opens_at": (now - timedelta(hours=1)).isoformat(),
            "signup_closes_at": (now + timedelta(days=2)).isoformat(), **change}


@pytest.mark.parametrize("field", ["starts_at", "signup_closes_at"])
@pytest.mark.parametrize("value", BAD_DATETIMES)
def test_activity_times_must_be_iso_text_in_range(client, world, field, value):
    client.force_login(world.users["community_staff"])
    response = post(client, "post", "/api/v1/activities", _activity_body(world, **{field: value}))
    assert_refused(response, field)
    assert not Activity.objects.exists()


@pytest.mark.parametrize("value", BAD_INTS)
def test_activity_capacity_must_be_a_json_integer(client, world, value):
    client.force_login(world.users["community_staff"])
    response = post(client, "post", "/api/v1/activities", _activity_body(world, capacity=value))
    assert_refused(response, "capacity")
    assert not Activity.objects.exists()


@pytest.mark.parametrize("field,value", [("capacity", "5"), ("capacity", True),
                                         ("points", 2.5), ("starts_at", 0),
                                         ("ends_at", "2026-13-01T09:00:00+08:00")])
def test_activity_patch_is_as_strict_and_changes_nothing(client, world, field, value):
    activity = activity_make(world.community, publish=False)
    before = Activity.objects.filter(pk=activity.pk).values().get()
    client.force_login(world.users["community_staff"])
    response = post(client, "patch", f"/api/v1/activities/{activity.uuid}", {field: value})
    assert_refused(response, field)
    assert Activity.objects.filter(pk=activity.pk).values().get() == before


def _class_body(world, **change):
    today = timezone.localdate()
    return {"community": str(world.community.uuid), "name": "太极拳", "teacher_name": "王老师",
            "place": "活动室", "weekdays": [1, 3], "start_time": "09:00", "end_time": "10:30",
            "term_name": "春季", "term_start": (today + timedelta(days=1)).isoformat(),
            "term_end": (today + timedelta(days=60)).isoformat(), "capacity": 20, **change}


@pytest.mark.parametrize("value", BAD_DATES)
def test_class_term_dates_must_be_dates_in_range(client, world, value):
    client.force_login(world.users["community_staff"])
    response = post(client, "post", "/api/v1/classes", _class_body(world, term_start=value))
    assert_refused(response, "term_start")
    assert not CultureClass.objects.exists()


@pytest.mark.parametrize("value", BAD_TIMES)
def test_class_times_must_be_wall_clock_text(client, world, value):
    client.force_login(world.users["community_staff"])
    response = post(client, "post", "/api/v1/classes", _class_body(world, start_time=value))
    assert_refused(response, "start_time")
    assert not CultureClass.objects.exists()


@pytest.mark.parametrize("value", [["1"], [True], [1.5], [7]])
def test_class_weekdays_must_be_json_integers(client, world, value):
    client.force_login(world.users["community_staff"])
    response = post(client, "post", "/api/v1/classes", _class_body(world, weekdays=value))
    assert response.status_code == 422
    assert "weekdays" in response.json()["error"]["fields"][0]["field"]
    assert not CultureClass.objects.exists()


def _schema(client, name):
    spec = client.get("/api/openapi.json").json()
    schemas = spec["components"]["schemas"]
    return spec, {**schemas[name], "components": spec["components"]}


def test_no_operation_declares_format_time(client):
    spec = client.get("/api/openapi.json").json()
    assert '"format": "time"' not in __import__("json").dumps(spec)


def test_class_times_returned_match_what_the_schema_declares(client, world):
    client.force_login(world.users["community_staff"])
    made = post(client, "post", "/api/v1/classes", _class_body(world, start_time="09:05"))
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["start_time"], body["end_time"]) == ("09:05:00", "10:30:00")
    spec, schema = _schema(client, "ClassOut")
    resolver_schema = {**schema}
    jsonschema_rs.validate(resolver_schema, body)
    pattern = schema["properties"]["start_time"]["pattern"]
    assert re.fullmatch(pattern, body["start_time"])
    assert "format" not in schema["properties"]["start_time"]
    listed = client.get("/api/v1/classes").json()["items"]
    for item in listed:
        jsonschema_rs.validate(resolver_schema, item)


def test_a_class_made_on_the_page_reads_back_in_the_declared_form(client, world):
    culture_class = culture_class_make(world.community)
    client.force_login(world.users["community_staff"])
    body = client.get(f"/api/v1/classes/{culture_class.uuid}").json()
    _spec, schema = _schema(client, "ClassOut")
    jsonschema_rs.validate(schema, body)


def test_optional_counts_keep_their_bounds_in_the_schema(client):
    _spec, schema = _schema(client, "ActivityPatch")
    for name in ("capacity", "volunteers_needed", "points", "volunteer_minutes"):
        integer = next(b for b in schema["properties"][name]["anyOf"] if b.get("type") ==
                       "integer")
        assert "minimum" in integer and "maximum" in integer, name


@pytest.mark.parametrize("value", [0, "false", "no", None])
def test_follow_takes_a_json_boolean(client, world, value):
    culture_class = culture_class_make(world.community)
    client.force_login(world.users["resident"])
    response = post(client, "post", f"/api/v1/classes/{culture_class.uuid}/follow",
                    {"follow": value})
    assert_refused(response, "follow")
    assert not culture_class.follows.exists()
