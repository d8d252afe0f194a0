"""The activity pages answer with the same number of queries however many activities and
class sessions are stored: nothing is fetched per row (issue 13)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.accounts.models import Role
from linli.activities import services
from tests.factories import activity_make, culture_class_make, user_with_role

pytestmark = pytest.mark.django_db


def _month_ahead() -> datetime.date:
    """The first day of the month after next: every activity made in it is in the future."""
    today = timezone.localdate()
    return (today.replace(day=1) + datetime.timedelta(days=62)).replace(day=1)


def _fill(world, *, first: datetime.date, start: int, count: int) -> None:
    """`count` published activities spread over the month of `first` and one class whose
    sessions fall in that month (two a week)."""
    staff = world.users["community_staff"]
    for i in range(start, start + count):
        at = timezone.make_aware(datetime.datetime.combine(
            first + datetime.timedelta(days=i % 27), datetime.time(9 + i % 8, 0)))
        activity_make(world.community, actor=staff, title=f"活动{i}",
                      starts_in=at - timezone.now())
    culture_class = culture_class_make(
        world.community, actor=staff, name=f"剪纸班{start}", term_name="测试学期",
        term_start=first, term_end=first + datetime.timedelta(days=27))
    services.class_sessions_generate(culture_class=culture_class, actor=staff)


def _queries(client, url: str) -> tuple[int, str]:
    client.get(url)  # warm per-process caches (content types, translations)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response.content.decode()


def _pages(first: datetime.date) -> dict[str, list[str]]:
    month = f"{first:%Y-%m}"
    day = (first + datetime.timedelta(days=3)).isoformat()
    resident = [
        reverse("activities:calendar") + f"?month={month}",
        reverse("activities:calendar_day", kwargs={"day": day}),
        reverse("activities:list"),
        reverse("activities:classes"),
    ]
    return {"resident": resident,
            "community_staff": [*resident, reverse("activities:manage")]}


@pytest.mark.parametrize("who", ["resident", "community_staff"])
def test_activity_pages_do_not_query_per_row(world, client, who):
    client.force_login(world.users[who])
    first = _month_ahead()
    urls = _pages(first)[who]
    _fill(world, first=first, start=0, count=5)
    few = {url: _queries(client, url)[0] for url in urls}
    _fill(world, first=first, start=5, count=45)
    many = {url: _queries(client, url)[0] for url in urls}
    assert many == few


def test_calendar_links_each_day_and_item(world, client):
    """The links the month page builds without a `{% url %}` per cell still lead to the right
    day, activity and class pages, keeping the chosen community."""
    staff = world.users["community_staff"]
    first = _month_ahead()
    at = timezone.make_aware(datetime.datetime.combine(
        first + datetime.timedelta(days=4), datetime.time(10, 0)))
    activity = activity_make(world.community, actor=staff, title="端午包粽子",
                             starts_in=at - timezone.now())
    culture_class = culture_class_make(
        world.community, actor=staff, name="书法班", term_name="测试学期", term_start=first,
        term_end=first + datetime.timedelta(days=27))
    services.class_sessions_generate(culture_class=culture_class, actor=staff)
    resident = user_with_role(Role.RESIDENT, world.community)
    client.force_login(resident)
    community = f"?community={world.community.uuid}"
    _n, html = _queries(client, reverse("activities:calendar") + f"?month={first:%Y-%m}"
                        + f"&community={world.community.uuid}")
    assert f'href="{reverse("activities:detail", kwargs={"uuid": activity.uuid})}"' in html
    assert f'href="{reverse("activities:class_detail", kwargs={"uuid": culture_class.uuid})}"' \
        in html
    day_url = reverse("activities:calendar_day",
                      kwargs={"day": (first + datetime.timedelta(days=4)).isoformat()})
    assert f'href="{day_url}{community}"' in html
    assert "端午包粽子" in html and "书法班" in html
    _n, day_html = _queries(client, day_url + community)
    assert f'href="{reverse("activities:detail", kwargs={"uuid": activity.uuid})}"' in day_html
    assert "10:00" in day_html
