"""Dispatch ranking: hard Art. 15 filters, then skill, availability, distance, fair load and
rating, each shown as a reason."""

import datetime

import pytest
from django.utils import translation

from linli.orders import selectors, services
from tests.factories import (
    orders_slot,
    orders_volunteer,
    registry_household,
)

pytestmark = pytest.mark.django_db


def _slot_availability(volunteer, start, end):
    from django.utils import timezone

    from linli.volunteers.models import AvailabilitySlot

    local = timezone.localtime(start)
    AvailabilitySlot.objects.create(volunteer=volunteer, weekday=local.weekday(),
                                    start=datetime.time(8), end=datetime.time(12))


def test_candidates_are_ranked_with_reasons_and_filtered_by_art15(loop):
    from linli.volunteers.models import Skill

    w = loop.world
    building = loop.household.building
    neighbour_home = registry_household(w.grid, "a-1-102", building=building, room="102")
    grid_home = registry_household(w.grid, "a-9-901")
    skill = Skill.objects.create(code="test-chat", name="测试陪聊")
    loop.project.skill = skill
    loop.project.save()

    orders_volunteer(community=w.community, name="邻居", household=neighbour_home)
    same_grid = orders_volunteer(community=w.community, name="同网格", household=grid_home,
                                 skills=[skill])
    far = orders_volunteer(community=w.other_community, name="外社区")
    too_young = orders_volunteer(community=w.community, name="少年",
                                 birth_date=datetime.date.today() - datetime.timedelta(days=365 * 14))
    order = loop.submit()
    _slot_availability(same_grid, order.slot_start, order.slot_end)

    with translation.override("zh-hans"):
        ranked = selectors.candidates_for_order(order=order, limit=50)
    names = [c.volunteer.resident.name for c in ranked]
    assert too_young.resident.name not in names  # Art. 15: under the project's minimum age
    assert loop.elder.name not in names
    assert names.index("同网格") < names.index("邻居") < names.index("外社区")
    top = ranked[0]
    assert top.volunteer == same_grid
    assert "有此技能" in top.reasons
    reasons = {c.volunteer.resident.name: c.reasons for c in ranked}
    assert "同楼栋" in reasons["邻居"]
    assert "无对应技能" in reasons["邻居"]
    assert far in [c.volunteer for c in ranked]


def test_busy_unhealthy_and_overloaded_volunteers(loop):
    from tests.factories import ledger_funded_account

    w = loop.world
    ledger_funded_account(resident=loop.elder, minutes=600)
    orders_volunteer(community=w.community, name="轻松")
    orders_volunteer(community=w.community, name="不适", health_ok=False)
    order = loop.submit(project=loop.paid_project)  # physical work: good health needed
    # the fixture volunteer is busy in an overlapping accepted order
    busy_order = loop.submit()
    busy_order = services.order_dispatch(order=busy_order, actor=loop.staff,
                                         volunteer=loop.volunteer)
    services.order_accept(order=busy_order, actor=loop.volunteer.user)
    names = [c.volunteer.resident.name for c in selectors.candidates_for_order(order=order)]
    assert "不适" not in names and loop.volunteer.resident.name not in names
    assert names == ["轻松"]

    # load fairness: with everything else equal, fewer recent orders ranks first
    other = orders_volunteer(community=w.community, name="常客")
    for days in (2, 3):
        start, end = orders_slot(days=days, hour=14)
        extra = services.order_submit(project=loop.project, household=loop.household,
                                      actor=loop.staff, slot_start=start, slot_end=end)
        extra = services.order_dispatch(order=extra, actor=loop.staff, volunteer=other)
        services.order_accept(order=extra, actor=other.user)
    fresh = loop.submit()
    ranked = [c.volunteer.resident.name for c in selectors.candidates_for_order(order=fresh)]
    assert ranked.index("轻松") < ranked.index("常客")


def test_the_served_resident_is_never_their_own_volunteer(loop):
    from linli.volunteers.models import Volunteer

    Volunteer.objects.create(resident=loop.elder, user=loop.resident_user,
                             community=loop.world.community, status="active", number="V-ELDER",
                             health_ok=True)
    order = loop.submit()
    assert loop.elder.pk not in [c.volunteer.resident_id
                                 for c in selectors.candidates_for_order(order=order)]
