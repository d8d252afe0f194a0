"""Activity titles, places and class names typed on the staff pages are cleaned exactly as
the API cleans them (linli.common.text): tab and line breaks become a space, BEL is dropped,
a right-to-left override in a name is refused with the field named; the calendar feed (.ics)
then carries the clean title."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.activities import services
from linli.activities.models import Activity, CultureClass

pytestmark = pytest.mark.django_db

TYPED = "\t重阳\x07节\t包饺子 "
STORED = "重阳节 包饺子"
PLACE_TYPED = "活动室\x07\t二楼"
PLACE_STORED = "活动室 二楼"
SPOOF = "包饺子\u202e动活"


def _times(fmt):
    now = timezone.localtime().replace(second=0, microsecond=0)
    values = {"starts_at": now + timedelta(days=3), "ends_at": now + timedelta(days=3, hours=2),
              "signup_opens_at": now - timedelta(hours=1),
              "signup_closes_at": now + timedelta(days=2)}
    return {k: fmt(v) for k, v in values.items()}


def _page_post(client, world, title):
    client.force_login(world.users["community_staff"])
    return client.post(reverse("activities:create"), {
        "community": str(world.community.uuid), "title": title, "kind": "practice",
        "organiser": "志愿\x07服务队", "place": PLACE_TYPED, "audience": "all", "capacity": "20",
        "volunteers_needed": "0", "points": "0", "volunteer_minutes": "0",
        "description": "带上\x07围裙\n和笑容",
        **_times(lambda v: v.strftime("%Y-%m-%dT%H:%M"))})


def _api_post(client, world, title):
    client.force_login(world.users["community_staff"])
    return client.post("/api/v1/activities", {
        "community": str(world.community.uuid), "title": title, "organiser": "志愿\x07服务队",
        "place": PLACE_TYPED, "capacity": 20, **_times(lambda v: v.isoformat())},
        content_type="application/json")


def test_page_and_api_store_the_same_title_and_place(client, world):
    page = _page_post(client, world, TYPED)
    assert page.status_code == 302, page.context["form"].errors if page.context else page
    api = _api_post(client, world, TYPED)
    assert api.status_code == 201, api.content
    from_page = Activity.objects.exclude(uuid=api.json()["uuid"]).get()
    from_api = Activity.objects.get(uuid=api.json()["uuid"])
    for activity in (from_page, from_api):
        assert (activity.title, activity.place, activity.organiser) == (
            STORED, PLACE_STORED, "志愿服务队")
    assert from_page.description == "带上围裙\n和笑容"


def test_a_bidi_override_in_a_title_is_refused_on_the_page_and_in_the_api(client, world):
    page = _page_post(client, world, SPOOF)
    assert page.status_code == 200
    assert "U+202E" in page.context["form"].errors["title"][0]
    api = _api_post(client, world, SPOOF)
    assert api.status_code == 422
    assert [f["field"] for f in api.json()["error"]["fields"]] == ["title"]
    assert not Activity.objects.exists()


def test_the_calendar_feed_carries_the_cleaned_title(client, world):
    assert _page_post(client, world, TYPED).status_code == 302
    activity = Activity.objects.get()
    services.activity_publish(activity=activity, actor=world.users["community_staff"])
    client.logout()
    feed = client.get(reverse("activities:ics", kwargs={"community_uuid": world.community.uuid}))
    assert feed.status_code == 200
    body = feed.content.decode()
    assert f"SUMMARY:{STORED}" in body
    assert f"LOCATION:{PLACE_STORED}" in body
    assert "\x07" not in body and "\u202e" not in body


def test_a_class_name_typed_on_the_page_is_cleaned_and_spoofing_refused(client, world):
    client.force_login(world.users["community_staff"])
    today = timezone.localdate()
    data = {"community": str(world.community.uuid), "kind": "culture",
            "teacher_name": "王\x07老师", "place": PLACE_TYPED, "weekdays": ["1"],
            "start_time": "09:00", "end_time": "10:30", "term_name": "春季\x07",
            "term_start": (today + timedelta(days=1)).isoformat(),
            "term_end": (today + timedelta(days=60)).isoformat(), "capacity": "20"}
    refused = client.post(reverse("activities:class_create"), {**data, "name": SPOOF})
    assert refused.status_code == 200
    assert "U+202E" in refused.context["form"].errors["name"][0]
    assert not CultureClass.objects.exists()
    done = client.post(reverse("activities:class_create"), {**data, "name": "太极\x07拳\t初级"})
    assert done.status_code == 302
    made = CultureClass.objects.get()
    assert (made.name, made.teacher_name, made.place, made.term_name) == (
        "太极拳 初级", "王老师", PLACE_STORED, "春季")
