"""Dispatch finds the right person: services ask for their skill, a volunteer with the skill is
never outranked by one without it, every reason chip says only what is true, and staff can
search the candidates by name and by skill."""

import datetime

import pytest
from django.utils import timezone, translation

from linli.orders import selectors
from tests.factories import orders_volunteer, registry_household

pytestmark = pytest.mark.django_db


@pytest.fixture
def skills(db):
    from linli.volunteers.services import skills_ensure_defaults

    skills_ensure_defaults()
    from linli.volunteers.models import Skill

    return {s.code: s for s in Skill.objects.all()}


def _ranked(order, **kwargs):
    with translation.override("zh-hans"):
        return selectors.candidates_for_order(order=order, limit=50, **kwargs)


def test_the_default_catalogue_asks_for_each_services_skill(world, skills):
    from linli.orders import demo, services
    from linli.orders.models import ServiceProject

    projects = {p.code: p for p in services.project_catalogue_ensure(community=world.community)}
    assert projects["haircut"].skill == skills["haircut"]  # 爱心理发 → 理发
    assert projects["legal"].skill == skills["legal"]
    assert projects["watch"].skill is None  # 邻里守望 needs no particular skill
    # a catalogue made before skills were linked is linked by the demo loader
    ServiceProject.objects.filter(community=world.other_community).delete()
    old = services.project_catalogue_ensure(community=world.other_community)
    ServiceProject.objects.filter(pk__in=[p.pk for p in old]).update(skill=None)
    demo._link_skills(list(ServiceProject.objects.filter(community=world.other_community)))
    assert ServiceProject.objects.get(community=world.other_community,
                                      code="haircut").skill == skills["haircut"]


def test_haircut_candidates_with_the_skill_come_first_and_say_so(loop, skills):
    from linli.orders import services
    from linli.volunteers.models import AvailabilitySlot

    w = loop.world
    haircut = services.project_catalogue_ensure(community=w.community)[0]
    assert haircut.code == "haircut" and haircut.skill == skills["haircut"]
    # the unskilled volunteer lives in the same building, is free in the slot, never served
    neighbour_home = registry_household(w.grid, "a-1-109", building=loop.household.building,
                                        room="109")
    near = orders_volunteer(community=w.community, name="近邻无技能", household=neighbour_home)
    barber = orders_volunteer(community=w.other_community, name="理发师傅",
                              skills=[skills["haircut"]])
    order = loop.submit(project=haircut)
    start = timezone.localtime(order.slot_start)
    AvailabilitySlot.objects.create(volunteer=near, weekday=start.weekday(),
                                    start=datetime.time(0), end=datetime.time(23, 59))
    ranked = _ranked(order)
    names = [c.volunteer.resident.name for c in ranked]
    assert names.index("理发师傅") < names.index("近邻无技能")
    by_name = {c.volunteer.resident.name: c for c in ranked}
    assert by_name["近邻无技能"].score > by_name["理发师傅"].score  # closer and free, still second
    assert "有此技能" in by_name["理发师傅"].reasons
    assert "无对应技能" in by_name["近邻无技能"].reasons
    assert barber == ranked[0].volunteer


def test_a_service_without_a_skill_says_so_instead_of_no_matching_skill(loop):
    from linli.orders.models import ServiceProject

    ServiceProject.objects.filter(pk=loop.project.pk).update(skill=None)
    loop.project.refresh_from_db()
    orders_volunteer(community=loop.world.community, name="某志愿")
    ranked = _ranked(loop.submit())
    assert ranked
    for candidate in ranked:
        assert "项目不要求特定技能" in candidate.reasons
        assert "无对应技能" not in candidate.reasons and "有此技能" not in candidate.reasons


def test_availability_reasons_are_honest(loop):
    from linli.volunteers.models import AvailabilitySlot

    w = loop.world
    none_recorded = orders_volunteer(community=w.community, name="没登记时间")
    other_hours = orders_volunteer(community=w.community, name="别的时间")
    free = orders_volunteer(community=w.community, name="正好有空")
    order = loop.submit()
    start = timezone.localtime(order.slot_start)
    other_day = (start.weekday() + 3) % 7
    AvailabilitySlot.objects.create(volunteer=other_hours, weekday=other_day,
                                    start=datetime.time(0), end=datetime.time(23, 59))
    AvailabilitySlot.objects.create(volunteer=free, weekday=start.weekday(),
                                    start=datetime.time(0), end=datetime.time(23, 59))
    reasons = {c.volunteer.resident.name: c.reasons for c in _ranked(order)}
    assert "未登记常规服务时间" in reasons[none_recorded.resident.name]
    assert "不在常规服务时段" not in reasons[none_recorded.resident.name]
    assert "不在常规服务时段" in reasons[other_hours.resident.name]
    assert "该时段有空" in reasons[free.resident.name]


def test_staff_search_candidates_by_name_and_by_skill(client, loop, skills):
    import json

    w = loop.world
    orders_volunteer(community=w.community, name="张理发", skills=[skills["haircut"]])
    orders_volunteer(community=w.community, name="张律师", skills=[skills["legal"]])
    orders_volunteer(community=w.community, name="李理发", skills=[skills["haircut"]])
    order = loop.submit()
    assert [c.volunteer.resident.name for c in _ranked(order, q="张")] in (
        ["张理发", "张律师"], ["张律师", "张理发"])
    assert sorted(c.volunteer.resident.name for c in _ranked(order, skill=skills["haircut"])
                  ) == ["张理发", "李理发"]
    assert [c.volunteer.resident.name for c in _ranked(order, q="张",
                                                        skill=skills["haircut"])] == ["张理发"]
    assert _ranked(order, q="%") == []  # a wildcard is just a character
    client.force_login(loop.staff)
    page = client.get(f"/workbench/orders/{order.uuid}/dispatch/",
                      {"q": "理发", "skill": "haircut"}).content.decode()
    assert "张理发" in page and "李理发" in page and "张律师" not in page
    assert 'value="理发"' in page
    r = client.get(f"/api/v1/orders/{order.uuid}/candidates", {"q": "张", "skill": "legal"})
    assert [c["name"] for c in r.json()] == ["张律师"]
    r = client.get(f"/api/v1/orders/{order.uuid}/candidates", {"skill": "no-such-skill"})
    assert r.status_code == 404
    assert json.loads(r.content)["error"]["fields"][0]["field"] == "skill"
