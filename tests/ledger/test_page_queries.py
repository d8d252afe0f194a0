"""The resident's time-bank home and statement cost the same queries with 5 or 50 entries
on the account: the page, its counterparties and running balances are read per page."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.ledger.models import Account, Transfer, TransferKind, Unit
from tests.factories import ledger_funded_account, ledger_resident

pytestmark = pytest.mark.django_db

_keys = itertools.count(1)


@pytest.fixture(autouse=True)
def _chinese(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        yield


def _post(me, others, n):
    """`n` gifts between `me` and the others, both ways (balances kept equal to the sum)."""
    start = timezone.now() - datetime.timedelta(days=n)
    rows, delta = [], {a.pk: 0 for a in [me, *others]}
    for i in range(n):
        other = others[i % len(others)]
        debit, credit = (other, me) if i % 2 else (me, other)
        delta[debit.pk] -= 3
        delta[credit.pk] += 3
        rows.append(Transfer(unit=Unit.TIME, debit=debit, credit=credit, amount=3,
                             kind=TransferKind.GIFT, idempotency_key=f"pq-{next(_keys)}",
                             created_at=start + datetime.timedelta(hours=i)))
    Transfer.objects.bulk_create(rows)
    for pk, change in delta.items():
        balance = Account.objects.get(pk=pk).balance
        Account.objects.filter(pk=pk).update(balance=balance + change)


def _queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("url", ["/timebank/", "/timebank/statement/"])
def test_time_bank_pages_cost_the_same_queries_for_5_and_50_entries(client, world, url):
    user = world.users["resident"]
    me = ledger_funded_account(
        resident=ledger_resident(community=world.community, user=user, name="本人"),
        minutes=6000)
    others = [ledger_funded_account(
        resident=ledger_resident(community=world.community, name=f"邻居{i}"), minutes=6000)
        for i in range(4)]
    client.force_login(user)
    _post(me, others, 5)
    small, _ = _queries(client, url)
    _post(me, others, 45)
    large, page = _queries(client, url)
    assert small == large
    # Rows still name the neighbour and carry their translated column labels.
    assert "邻居" in page
    if url.endswith("statement/"):
        assert page.count('data-label="摘要"') == 20
