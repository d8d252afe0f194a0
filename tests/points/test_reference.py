"""The default award rules belong to the points app: a community gets them when first
awarded (or when reference data is loaded), and a rule its staff changed or switched off
stays as they left it."""

import pytest

from linli.common.exceptions import NotFound
from linli.ledger.models import Account, Unit
from linli.points import reference, services
from linli.points.models import Award, AwardRule
from tests.factories import points_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(world):
    return points_member(community=world.community, user=world.users["resident"],
                         grid=world.grid)


def _balance(household) -> int:
    account = Account.objects.filter(household=household, unit=Unit.POINTS).first()
    return account.balance if account else 0


def test_ensuring_the_defaults_is_idempotent_and_in_chinese(world):
    AwardRule.objects.filter(community=world.community).delete()
    first = reference.award_rules_ensure(community=world.community)
    again = reference.award_rules_ensure(community=world.community)
    assert [r.pk for r in first] == [r.pk for r in again]
    rules = {r.code: (r.title, r.points_per_unit, r.unit_label, r.active)
             for r in AwardRule.objects.filter(community=world.community)}
    assert rules == {"service_order": ("完成服务项目", 1, "积分", True),
                     "activity_attendance": ("参加社区活动", 1, "积分", True)}


def test_load_gives_every_community_its_defaults_once(world):
    AwardRule.objects.all().delete()
    created = reference.load()
    assert created == 2 * world.community.__class__.objects.count()
    assert reference.load() == 0


def test_a_first_award_creates_the_default_rule(world, home):
    AwardRule.objects.filter(community=world.community).delete()
    award = services.award_for_source(household=home, rule_code="activity_attendance",
                                      source_reference="attendance:1", quantity=3)
    assert award.rule.title == "参加社区活动" and award.points == 3 and _balance(home) == 3


def test_a_rule_switched_off_stays_off(world, home):
    services.award_rule_set(community=world.community, code="service_order", title="服务",
                            points_per_unit=2, active=False)
    reference.award_rules_ensure(community=world.community)
    rule = AwardRule.objects.get(community=world.community, code="service_order")
    assert (rule.active, rule.points_per_unit, rule.title) == (False, 2, "服务")
    with pytest.raises(NotFound):
        services.award_for_source(household=home, rule_code="service_order",
                                  source_reference="order:1", quantity=1)
    assert not Award.objects.exists() and _balance(home) == 0


def test_a_code_without_a_default_is_not_invented(world, home):
    with pytest.raises(NotFound):
        services.award_for_source(household=home, rule_code="volunteer_hour",
                                  source_reference="x", quantity=1)
    assert not AwardRule.objects.filter(code="volunteer_hour").exists()


def test_claim_events_name_the_action_and_a_decided_claim_never_moves(world, home):
    from linli.common.exceptions import Conflict
    from linli.points.models import ClaimEvent
    from linli.points.states import CLAIM_MACHINE
    from tests.factories import points_convention

    assert {t.action: (set(t.sources), t.targets) for t in CLAIM_MACHINE.transitions} == {
        "approve": ({"pending"}, ("approved",)), "reject": ({"pending"}, ("rejected",))}
    item = points_convention(world.community).items.get(code="MA01")
    claim = services.claim_record(household=home, item=item, actor=world.users["grid_worker"])
    stale = type(claim).objects.get(pk=claim.pk)
    services.claim_reject(claim=claim, actor=world.users["community_staff"], reason="照片不清")
    with pytest.raises(Conflict) as refused:
        services.claim_approve(claim=stale, actor=world.users["community_staff"])
    assert refused.value.code == "already_decided"
    assert list(ClaimEvent.objects.filter(claim=claim).values_list(
        "action", "from_status", "to_status", "note")) == [
        ("record", "", "pending", "inspection"), ("reject", "pending", "rejected", "照片不清")]
    assert _balance(home) == 0
