"""The Saturday-morning rush: 200 households with enough points all try to exchange the last
10 bags of rice at once, through the API, on real threads against the file database."""

import threading
import uuid

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client

from linli.accounts.models import User
from linli.ledger.models import Account, AccountKind, Unit
from linli.ledger.reconciliation import ledger_verify
from linli.registry.models import Household, Resident
from linli.store.models import Goods, Redemption
from tests.factories import CommunityFactory, GridFactory, points_fund, store_goods

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 200
STOCK = 10
PRICE = 10
FUNDS = 50


def _threads() -> int:
    """One thread per request on SQLite; on PostgreSQL stay below its connection limit."""
    if connection.vendor == "sqlite":
        return REQUESTS
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        limit = int(cursor.fetchone()[0])
    return max(10, min(REQUESTS, limit - 20))


def _households(community, grid, count):
    users = User.objects.bulk_create([
        User(mobile=f"186{n:08d}", name=f"居民{n}", password="!") for n in range(count)])
    users = list(User.objects.filter(mobile__startswith="186").order_by("mobile"))
    Household.objects.bulk_create([
        Household(community=community, grid=grid, number=f"R-{n:04d}", address=f"抢购楼{n}号",
                  door_token=uuid.uuid4().hex[:22]) for n in range(count)])
    homes = list(Household.objects.filter(number__startswith="R-").order_by("number"))
    Resident.objects.bulk_create([Resident(household=h, user=u, name=u.name)
                                  for h, u in zip(homes, users, strict=True)])
    for home in homes:
        points_fund(home, FUNDS)
    return users


def test_two_hundred_households_rush_ten_bags_of_rice():
    # Given 200 households holding 50 points each, and 10 bags of rice at 10 points
    community = CommunityFactory()
    grid = GridFactory(community=community)
    users = _households(community, grid, REQUESTS)
    goods = store_goods(community, stock=STOCK, price=PRICE)
    clients = []
    for user in users:
        client = Client()
        client.force_login(user)
        clients.append(client)
    connection.close()

    # When every household asks for one bag at the same moment
    threads = _threads()
    barrier = threading.Barrier(threads)
    responses: list = [None] * REQUESTS
    crashes: list[BaseException] = []

    def worker(t: int) -> None:
        try:
            barrier.wait(timeout=120)
            for i in range(t, REQUESTS, threads):
                responses[i] = clients[i].post(
                    "/api/v1/store/redemptions",
                    {"goods": str(goods.uuid), "quantity": 1,
                     "idempotency_key": f"rush-{i}"},
                    content_type="application/json")
        except BaseException as exc:  # asserted on below
            crashes.append(exc)
        finally:
            connection.close()

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=600)

    # Then exactly 10 sold, every loser was told "sold out", and nothing failed
    assert not crashes, crashes[:3]
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == STOCK, sorted(set(statuses))
    losers = [r for r in responses if r.status_code != 201]
    assert len(losers) == REQUESTS - STOCK
    assert {r.status_code for r in losers} == {409}
    assert {r.json()["error"]["code"] for r in losers} == {"sold_out"}
    assert all("兑完" in r.json()["error"]["message"] for r in losers)
    assert Goods.objects.get(pk=goods.pk).stock == 0
    assert Redemption.objects.count() == STOCK

    # and points are conserved: no balance below zero, the store holds what was spent
    households = Account.objects.filter(kind=AccountKind.HOUSEHOLD, unit=Unit.POINTS)
    assert households.filter(balance__lt=0).count() == 0
    assert households.aggregate(s=Sum("balance"))["s"] == REQUESTS * FUNDS - STOCK * PRICE
    store = Account.objects.get(kind=AccountKind.STORE, unit=Unit.POINTS)
    assert store.balance == STOCK * PRICE
    assert Account.objects.filter(unit=Unit.POINTS).aggregate(s=Sum("balance"))["s"] == 0
    assert ledger_verify().ok
