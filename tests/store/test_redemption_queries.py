"""What one exchange costs the database, and that the leaner path refuses exactly as before.

A redemption reads each thing once (no repeated policy or account reads, no stock read before
the guarded stock update) and writes the transfer, the exchange and its event. Whatever it
refuses, it refuses with the same first reason as the confirm page (`redemption_check`), and
leaves nothing behind.
"""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.common.exceptions import DomainError
from linli.ledger.models import Account, Transfer, TransferKind, Unit
from linli.ledger.reconciliation import ledger_verify
from linli.store import services
from linli.store.models import Goods, Redemption, RedemptionEvent, RedemptionStatus
from tests.factories import points_fund, points_member, store_goods

pytestmark = pytest.mark.django_db

#: Statements of one exchange, savepoints included (22 before issue 13).
MAX_QUERIES = 17


@pytest.fixture
def home(world):
    household = points_member(community=world.community, user=world.users["resident"],
                              grid=world.grid)
    points_fund(household, 100)
    return household


def _available(household) -> int:
    return Account.objects.get(household=household, unit=Unit.POINTS).available


def _redeem(world, home, goods, quantity=1):
    return services.redemption_create(household=home, goods=goods, quantity=quantity,
                                      idempotency_key=uuid.uuid4().hex,
                                      actor=world.users["resident"])


def test_an_exchange_reads_each_thing_once(world, home):
    goods = store_goods(world.community, stock=5, price=10, limit_per_household=3)
    _redeem(world, home, goods)  # the store account exists from here on, as in a live street
    with CaptureQueriesContext(connection) as queries:
        redemption = _redeem(world, home, goods, quantity=2)
    sqls = [q["sql"] for q in queries.captured_queries]
    assert len(sqls) <= MAX_QUERIES, "\n".join(sqls)
    reads = [s for s in sqls if s.startswith("SELECT")]
    assert len(reads) == len(set(reads)), "a read is repeated:\n" + "\n".join(reads)
    assert not [s for s in sqls if 'UPDATE "store_redemption"' in s]
    # And it did everything an exchange does.
    goods.refresh_from_db()
    redemption.refresh_from_db()
    assert goods.stock == 2 and _available(home) == 70
    assert redemption.status == RedemptionStatus.RESERVED and redemption.points == 20
    assert redemption.transfer.kind == TransferKind.REDEMPTION
    assert redemption.transfer.reference == redemption.reference
    assert redemption.transfer.amount == 20
    assert RedemptionEvent.objects.filter(redemption=redemption,
                                          to_status=RedemptionStatus.RESERVED).count() == 1
    assert ledger_verify().ok


def _refusal(call):
    with pytest.raises(DomainError) as caught:
        call()
    error = caught.value
    return type(error).__name__, error.code, error.message, error.field


def _inactive_and_poor(world, home, settings):
    goods = store_goods(world.community, stock=5, price=1000)
    Goods.objects.filter(pk=goods.pk).update(active=False)
    return goods, 1


def _rate_limited_and_sold_out(world, home, settings):
    settings.STORE_REDEMPTIONS_PER_DAY = 1
    goods = store_goods(world.community, stock=1, price=1)
    _redeem(world, home, goods)
    return goods, 1


def _fewer_left(world, home, settings):
    return store_goods(world.community, stock=2, price=1), 3


def _sold_out(world, home, settings):
    return store_goods(world.community, stock=0, price=1), 1


def _not_enough_points(world, home, settings):
    return store_goods(world.community, stock=5, price=60), 2


def _household_limit(world, home, settings):
    goods = store_goods(world.community, stock=5, price=1, limit_per_household=2)
    _redeem(world, home, goods, quantity=2)
    return goods, 1


@pytest.mark.parametrize("case", [_inactive_and_poor, _rate_limited_and_sold_out, _fewer_left,
                                  _sold_out, _not_enough_points, _household_limit],
                         ids=lambda f: f.__name__.strip("_"))
def test_refusals_are_the_confirm_pages_and_leave_nothing(world, home, settings, case):
    goods, quantity = case(world, home, settings)
    goods = Goods.objects.get(pk=goods.pk)
    stock, points = goods.stock, _available(home)
    exchanges, transfers = Redemption.objects.count(), Transfer.objects.count()
    preview = _refusal(lambda: services.redemption_check(
        household=home, goods=goods, quantity=quantity, actor=world.users["resident"]))
    created = _refusal(lambda: _redeem(world, home, goods, quantity))
    assert created == preview
    goods.refresh_from_db()
    assert (goods.stock, _available(home)) == (stock, points)
    assert (Redemption.objects.count(), Transfer.objects.count()) == (exchanges, transfers)
    assert ledger_verify().ok


def test_the_first_reason_wins(world, home, settings):
    """Where two rules fail, the household hears the one the confirm page names first."""
    inactive, _q = _inactive_and_poor(world, home, settings)
    refusal = _refusal(lambda: _redeem(world, home, Goods.objects.get(pk=inactive.pk)))
    assert refusal[1] == "not_available"  # not "not enough points"
    limited, _q = _rate_limited_and_sold_out(world, home, settings)
    refusal = _refusal(lambda: _redeem(world, home, Goods.objects.get(pk=limited.pk)))
    assert refusal[1] == "rate_limited"  # not "sold out"
    settings.STORE_REDEMPTIONS_PER_DAY = 100
    fewer, quantity = _fewer_left(world, home, settings)
    refusal = _refusal(lambda: _redeem(world, home, fewer, quantity))
    assert refusal[1] == "sold_out" and refusal[3] == "quantity"
