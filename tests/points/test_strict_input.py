"""Points API input is strict (issue 12 item 7): points, counts and caps are JSON integers,
dates YYYY-MM-DD text from 2000 to 2099 (also in the claim form); each refusal is a 422
naming the field, and nothing is written."""

import pytest

from linli.points import services
from linli.points.models import AwardRule, Claim, Convention, ConventionItem, ConventionStatus
from tests.factories import points_convention, points_member
from tests.strict_input import BAD_DATES, BAD_INTS, assert_refused, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(world):
    return services.convention_create(community=world.community, title="居民公约")


@pytest.mark.parametrize("field,value", [*[("points", v) for v in BAD_INTS],
                                         ("cap_count", "3"), ("cap_count", True)])
def test_item_figures_must_be_json_integers(client, world, draft, field, value):
    client.force_login(world.users["community_staff"])
    body = {"code": "HW01", "title": "门前整洁", "category": "sanitation", "points": 10,
            field: value}
    response = post(client, "post", f"/api/v1/points/conventions/{draft.uuid}/items", body)
    assert_refused(response, field)
    assert not ConventionItem.objects.exists()


def _adopt(**change):
    return {"adopted_on": "2026-01-10", "meeting": "居民代表会议", "entitled_count": 100,
            "present_count": 60, "votes_for": 50, **change}


@pytest.mark.parametrize("field,value", [*[("adopted_on", v) for v in BAD_DATES],
                                         ("entitled_count", "100"), ("present_count", True),
                                         ("votes_for", 50.5)])
def test_adoption_is_strict(client, world, draft, field, value):
    services.convention_item_add(convention=draft, code="HW01", title="门前整洁",
                                 category="sanitation", points=10)
    client.force_login(world.users["community_staff"])
    response = post(client, "post", f"/api/v1/points/conventions/{draft.uuid}/adopt",
                    _adopt(**{field: value}))
    assert_refused(response, field)
    assert Convention.objects.get(pk=draft.pk).status == ConventionStatus.DRAFT


@pytest.mark.parametrize("field,value", [("points_per_unit", "5"), ("points_per_unit", True),
                                         ("points_per_unit", 2.5), ("cap_points", "100")])
def test_award_rules_take_json_integers(client, world, field, value):
    client.force_login(world.users["community_staff"])
    body = {"community": str(world.community.uuid), "code": "activity", "title": "参加活动",
            "points_per_unit": 1, field: value}
    assert_refused(post(client, "put", "/api/v1/points/rules", body), field)
    assert not AwardRule.objects.filter(community=world.community, code="activity").exists()


@pytest.mark.parametrize("value", ["0", "1970-01-01", "2026-13-01", "2026-05-01T09:00:00",
                                   "20260501"])
def test_claim_form_dates_must_be_dates_in_range(client, world, value):
    points_member(community=world.community, user=world.users["resident"], grid=world.grid)
    item = points_convention(world.community).items.get(code="MA01")
    client.force_login(world.users["resident"])
    response = client.post("/api/v1/points/claims", {"item": str(item.uuid),
                                                     "occurred_on": value})
    assert_refused(response, "occurred_on")
    assert not Claim.objects.exists()
