"""An exchange's life as the redemption table declares it: every action closes a reservation,
each step leaves an event row naming its action, and a closed exchange refuses any further
step without moving stock or points again."""

import uuid

import pytest

from linli.common.exceptions import Conflict
from linli.ledger.models import Account, Transfer, TransferKind, Unit
from linli.ledger.reconciliation import ledger_verify
from linli.store import services
from linli.store.models import Goods, RedemptionEvent, RedemptionStatus
from linli.store.states import REDEMPTION_MACHINE
from tests.factories import points_fund, points_member, store_goods

pytestmark = pytest.mark.django_db
S = RedemptionStatus


@pytest.fixture
def home(world):
    household = points_member(community=world.community, user=world.users["resident"],
                              grid=world.grid)
    points_fund(household, 100)
    return household


def _available(household) -> int:
    return Account.objects.get(household=household, unit=Unit.POINTS).available


def _redeem(world, home, goods):
    return services.redemption_create(household=home, goods=goods, quantity=2,
                                      idempotency_key=uuid.uuid4().hex,
                                      actor=world.users["resident"])


def test_the_table_closes_reservations_only():
    assert {t.action: (set(t.sources), t.targets) for t in REDEMPTION_MACHINE.transitions} == {
        "hand_over": ({S.RESERVED}, (S.HANDED_OVER,)),
        "cancel": ({S.RESERVED}, (S.CANCELLED,)),
        "expire": ({S.RESERVED}, (S.EXPIRED,)),
    }
    assert all(str(t.who) for t in REDEMPTION_MACHINE.transitions)


def test_a_cancelled_exchange_is_refunded_once_and_then_refuses_every_step(world, home):
    goods = store_goods(world.community, stock=5, price=10)
    redemption = _redeem(world, home, goods)
    services.redemption_cancel(redemption=redemption, actor=world.users["resident"],
                               reason="买错了")
    assert _available(home) == 100 and Goods.objects.get(pk=goods.pk).stock == 5

    for step in (
        lambda: services.redemption_cancel(redemption=redemption,
                                           actor=world.users["resident"]),
        lambda: services.redemption_hand_over(redemption=redemption,
                                              actor=world.users["store_clerk"],
                                              code=redemption.pickup_code),
    ):
        with pytest.raises(Conflict) as refused:
            step()
        assert refused.value.code == "already_closed"
        assert refused.value.message == "这笔兑换已经是“已取消”状态。"

    assert _available(home) == 100 and Goods.objects.get(pk=goods.pk).stock == 5
    assert Transfer.objects.filter(kind=TransferKind.REVERSAL).count() == 1
    assert list(RedemptionEvent.objects.filter(redemption=redemption).values_list(
        "action", "from_status", "to_status", "note")) == [
        ("reserve", "", S.RESERVED, ""), ("cancel", S.RESERVED, S.CANCELLED, "买错了")]
    assert ledger_verify().ok


def test_a_stale_copy_loses_to_the_hand_over_and_writes_nothing(world, home):
    goods = store_goods(world.community, stock=5, price=10)
    redemption = _redeem(world, home, goods)
    stale = type(redemption).objects.get(pk=redemption.pk)
    services.redemption_hand_over(redemption=redemption, actor=world.users["store_clerk"],
                                  code=redemption.pickup_code)
    with pytest.raises(Conflict) as refused:
        services.redemption_cancel(redemption=stale, actor=world.users["resident"])
    assert refused.value.code == "already_closed"
    assert _available(home) == 80 and Goods.objects.get(pk=goods.pk).stock == 3
    assert list(RedemptionEvent.objects.filter(redemption=redemption).values_list(
        "action", "to_status")) == [("reserve", S.RESERVED), ("hand_over", S.HANDED_OVER)]
