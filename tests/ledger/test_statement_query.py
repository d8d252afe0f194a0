"""The statement reads one page: ids from both sides of the account (UNION ALL, newest first,
LIMIT), the page's transfers, and only the accounts the page shows. Entries, running balances
and counterparties are the same as a replay of the account's whole history, on every page and
with every filter, and the page costs the same number of queries deep in the history."""

import datetime
import itertools
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.ledger import selectors
from linli.ledger.models import Account, Transfer, TransferKind, Unit
from tests.factories import ledger_funded_account, ledger_resident

pytestmark = pytest.mark.django_db

_keys = itertools.count(1)


@pytest.fixture
def book(world):
    """Account `me` with 90 transfers to and from three others, of mixed kinds and dates,
    posted directly (balances kept equal to the replay)."""
    me = ledger_funded_account(resident=ledger_resident(community=world.community, name="本人"),
                               minutes=3000)
    others = [ledger_funded_account(
        resident=ledger_resident(community=world.community, name=f"邻居{i}"), minutes=3000)
        for i in range(3)]
    rng = random.Random(13)
    start = timezone.now() - datetime.timedelta(days=90)
    rows, delta = [], {a.pk: 0 for a in [me, *others]}
    for i in range(90):
        other = rng.choice(others)
        incoming = rng.random() < 0.5
        debit, credit = (other, me) if incoming else (me, other)
        amount = rng.randint(1, 20)
        delta[debit.pk] -= amount
        delta[credit.pk] += amount
        rows.append(Transfer(unit=Unit.TIME, debit=debit, credit=credit, amount=amount,
                             kind=rng.choice([TransferKind.GIFT, TransferKind.SPEND]),
                             idempotency_key=f"book-{next(_keys)}",
                             created_at=start + datetime.timedelta(days=i)))
    Transfer.objects.bulk_create(rows)
    for pk, change in delta.items():
        account = Account.objects.get(pk=pk)
        Account.objects.filter(pk=pk).update(balance=account.balance + change)
    me.refresh_from_db()
    return me


def replay(account, **filters):
    """(id, change, balance after, counterparty label) of every matching entry, newest first,
    from a walk over the account's whole history."""
    rows, balance = [], 0
    for t in Transfer.objects.touching(account).order_by("id").select_related(
            "debit__resident", "credit__resident"):
        incoming = t.credit_id == account.pk
        change = t.amount if incoming else -t.amount
        balance += change
        other = t.debit if incoming else t.credit
        keep = ((not filters.get("kind") or t.kind == filters["kind"])
                and (filters.get("direction") != "in" or incoming)
                and (filters.get("direction") != "out" or not incoming)
                and (not filters.get("since") or t.created_at >= filters["since"]))
        if keep:
            rows.append((t.pk, change, balance, other.label))
    assert balance == account.balance
    return rows[::-1]


def page_rows(account, start, stop, **filters):
    transfers = selectors.transfer_list_for_account(account=account, **filters)[start:stop]
    return [(r.transfer.pk, r.change, r.balance_after, r.counterparty.label)
            for r in selectors.statement_rows(account=account, transfers=transfers)]


@pytest.mark.parametrize("filters", [
    {}, {"kind": TransferKind.GIFT}, {"direction": "in"}, {"direction": "out"},
    {"since": "days-40"},
])
def test_every_page_matches_a_replay_of_the_whole_history(book, filters):
    if filters.get("since"):
        filters = {"since": timezone.now() - datetime.timedelta(days=40)}
    expected = replay(book, **filters)
    assert selectors.transfer_list_for_account(account=book, **filters).count() == len(expected)
    got = []
    for start in range(0, len(expected) + 20, 20):
        got += page_rows(book, start, start + 20, **filters)
    assert got == expected


def test_a_deep_page_costs_what_the_first_page_costs(book):
    def queries(start):
        with CaptureQueriesContext(connection) as ctx:
            page_rows(book, start, start + 20)
        return [q["sql"] for q in ctx.captured_queries]

    first, deep = queries(0), queries(60)
    assert len(first) == len(deep)
    ids = first[0]
    assert "UNION ALL" in ids and "LIMIT 20" in ids
    # No wide join: the id query and the transfers read no other table; the counterparty
    # accounts join only their owners (resident, household, community, street).
    for sql in first:
        assert sql.count(" JOIN ") <= 4, sql


def test_the_api_statement_pages_match_the_replay(client, world, book):
    client.force_login(world.users["community_staff"])
    expected = replay(book)
    seen = []
    for offset in (0, 20, 40, 60, 80):
        data = client.get(f"/api/v1/ledger/accounts/{book.uuid}/statement",
                          {"limit": 20, "offset": offset}).json()
        assert data["count"] == len(expected)
        seen += [(e["change"], e["balance_after"], e["counterparty"]) for e in data["items"]]
    assert seen == [(change, after, label) for _pk, change, after, label in expected]
