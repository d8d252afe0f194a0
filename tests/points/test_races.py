"""Races on real threads: a claim approved by several reviewers at once credits once; the same
redemption key sent from several taps at once exchanges once."""

import threading

import pytest
from django.db import connection

from linli.common.exceptions import DomainError
from linli.ledger.models import Account, Transfer, Unit
from linli.ledger.reconciliation import ledger_verify
from linli.points import services
from linli.store.models import Goods, Redemption
from linli.store.services import redemption_create
from tests.factories import points_claim, points_fund, points_member, store_goods

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 12


def _race(work) -> tuple[list, list[BaseException]]:
    barrier = threading.Barrier(THREADS)
    results, errors = [], []

    def target(i):
        try:
            barrier.wait(timeout=60)
            results.append(work(i))
        except DomainError as exc:
            results.append(exc)
        except BaseException as exc:  # asserted on by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return results, errors


def test_concurrent_approvals_credit_once(world):
    home = points_member(community=world.community, user=world.users["resident"],
                         grid=world.grid)
    claim = points_claim(home)
    reviewers = [world.users["grid_worker"], world.users["community_staff"],
                 world.users["street_admin"]]
    connection.close()

    results, errors = _race(lambda i: services.claim_approve(claim=claim,
                                                             actor=reviewers[i % 3]))

    assert not errors, errors
    assert len(results) == THREADS
    assert sum(1 for r in results if not isinstance(r, DomainError)) == 1
    assert all(r.code == "already_decided" for r in results if isinstance(r, DomainError))
    assert Transfer.objects.filter(idempotency_key=f"points-claim:{claim.uuid}").count() == 1
    assert Account.objects.get(household=home, unit=Unit.POINTS).balance == 10
    assert ledger_verify().ok


def test_same_redemption_key_from_many_taps_exchanges_once(world):
    home = points_member(community=world.community, user=world.users["resident"],
                         grid=world.grid)
    points_fund(home, 100)
    goods = store_goods(world.community, stock=5, price=10)
    connection.close()

    results, errors = _race(lambda i: redemption_create(household=home, goods=goods,
                                                        quantity=1, idempotency_key="tap",
                                                        actor=world.users["resident"]))

    assert not errors, errors
    assert len(results) == THREADS
    assert {r.pk for r in results} == {Redemption.objects.get().pk}
    assert Goods.objects.get(pk=goods.pk).stock == 4
    assert Account.objects.get(household=home, unit=Unit.POINTS).balance == 90
    assert ledger_verify().ok
