"""Every resident page of activities meets the elder-mode rules on a phone (390 px): text at
least 18 px, links, buttons and fields at least 60 px both ways, nothing scrolling sideways. The
calendar shows the month as a list of days with readable titles, not a grid of tiny cells."""

import datetime

import pytest
from django.utils import timezone

from linli.accounts.models import Role
from tests.conftest_helpers import DESKTOP, elder_problems, shot
from tests.factories import (
    activity_door_household,
    activity_make,
    activity_resident,
    culture_class_make,
    user_with_role,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _month_of_things(world):
    staff = world.users["community_staff"]
    today = timezone.localdate()
    activity = activity_make(world.community, title="新时代文明实践志愿服务集中行动日",
                             kind="practice", actor=staff, points=5)
    activity_make(world.community, title="长者生日会", actor=staff,
                  starts_in=datetime.timedelta(days=2))
    klass = culture_class_make(world.community, name="书法研讨班", weekdays=[0, 2, 4],
                               term_start=today.replace(day=1),
                               term_end=today + datetime.timedelta(days=40), actor=staff)
    return activity, klass


def test_resident_pages_meet_the_elder_rules_on_a_phone(signed_in_page, live_server, world):
    # Given an elder in elder mode, with her son bound to her household, and a month of things on
    activity, klass = _month_of_things(world)
    elder = user_with_role(Role.RESIDENT, world.community, name="王秀兰")
    record = activity_resident(world.community, user=elder, name="王秀兰",
                               birth_date=datetime.date(1950, 3, 1))
    activity_door_household(world.community, users=[elder], members=["李大爷"])
    from linli.registry.models import Resident

    Resident.objects.create(household=record.household, name="王建国")
    page = signed_in_page(elder, elder=True, at=None)
    base = live_server.url
    today = timezone.localdate()

    pages = {
        "calendar": "/activities/calendar/",
        "day": f"/activities/calendar/{today:%Y-%m-%d}/",
        "list": "/activities/",
        "detail": f"/activities/{activity.uuid}/",
        "classes": "/activities/classes/",
        "class": f"/activities/classes/{klass.uuid}/",
        "mine": "/activities/mine/",
        "door-signup": f"/activities/door/{record.household.door_token}/{activity.uuid}/",
    }
    found = {}
    for name, path in pages.items():
        page.goto(base + path)
        assert page.locator("body.elder").count() == 1, name
        problems = elder_problems(page, scope="main")
        if problems:
            found[name] = problems
        shot(page, f"activity-elder-{name}-phone")
    assert not found, "\n".join(f"{k}: {p}" for k, v in found.items() for p in v)

    # The calendar is an agenda: the full title readable at 24 px, each item a big target
    page.goto(base + "/activities/calendar/")
    item = page.locator(".act-agenda-item", has_text="新时代文明实践志愿服务集中行动日").first
    assert item.is_visible()
    title = item.locator(".act-card-title")
    assert title.inner_text() == "新时代文明实践志愿服务集中行动日"
    assert page.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)",
                         title.element_handle()) >= 18
    box = item.bounding_box()
    assert box["height"] >= 60 and box["width"] >= 300
    assert not page.locator(".act-month").is_visible()
    assert page.locator(".act-agenda-item", has_text="书法研讨班").count() >= 1

    # The door-plate home lists what is open with a big sign-up button each
    page.goto(f"{base}/d/{record.household.door_token}/")
    section = page.locator(".door-activities")
    assert section.get_by_text("新时代文明实践志愿服务集中行动日").is_visible()
    problems = elder_problems(page, scope=".door-activities")
    assert not problems, "\n".join(problems)
    shot(page, "activity-elder-door-home-phone")
    section.locator(".door-act", has_text="新时代文明实践志愿服务集中行动日").get_by_role(
        "link", name="报名").click()
    page.wait_for_url(base + pages["door-signup"])

    # The sign-up for the family from the door plate: choose, confirm, done
    page.get_by_label("王建国").check()
    page.get_by_role("button", name="确认报名").click()
    assert page.get_by_text("报名成功：王建国 已获得名额。").is_visible()
    assert not elder_problems(page, scope="main")
    shot(page, "activity-elder-door-signup-done-phone")

    # Her son's check-in code, and the check-in page opened from the organiser's code
    from linli.activities.services import checkin_token

    for name, path in (("ticket", f"/activities/{activity.uuid}/ticket/"),
                       ("checkin", f"/activities/{activity.uuid}/checkin/?t="
                                   f"{checkin_token(activity=activity)}")):
        page.goto(base + path)
        problems = elder_problems(page, scope="main")
        assert not problems, name + ": " + "\n".join(problems)
        shot(page, f"activity-elder-{name}-phone")


def test_calendar_keeps_the_month_grid_on_a_desktop_in_standard_mode(signed_in_page, world):
    _month_of_things(world)
    page = signed_in_page(world.users["resident"], DESKTOP, at="/activities/calendar/")
    assert page.locator(".act-month").is_visible()
    assert not page.locator(".act-agenda").is_visible()
    shot(page, "activity-calendar-resident-desktop")
