"""API lists cost the same whatever is stored: a page of 20 runs the same queries and builds the
same number of model objects with 30 rows in scope as with 300. A list that read its whole
scope (and paginated in Python) would build ten times as many objects after the growth."""

import datetime
import itertools

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from linli.accounts.models import Role, RoleAssignment, User
from linli.ledger.models import Transfer, TransferKind, Unit
from linli.registry.models import Grid, Household, HouseholdBinding, Resident, Tag

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)


def _households(world, n):
    homes = Household.objects.bulk_create([
        Household(community=world.community, grid=world.grid, number=f"G{next(_seq):06d}",
                  address=f"增长路{i}号") for i in range(n)])
    return homes


def grow_residents(world, n):
    tag, _ = Tag.objects.get_or_create(street=world.street, name="高龄")
    homes = _households(world, n)
    people = Resident.objects.bulk_create([
        Resident(household=h, name=f"居民{next(_seq)}", name_pinyin="jumin", name_initials="jm",
                 birth_date=datetime.date(1935, 3, 1), mobile=f"136{next(_seq):08d}")
        for h in homes])
    Resident.tags.through.objects.bulk_create([
        Resident.tags.through(resident_id=r.pk, tag_id=tag.pk) for r in people])


def _users(n):
    return User.objects.bulk_create([
        User(mobile=f"137{next(_seq):08d}", name=f"用户{i}") for i in range(n)])


def grow_bindings(world, n):
    homes = _households(world, n)
    HouseholdBinding.objects.bulk_create([
        HouseholdBinding(household=h, user=u, kind="member", relation="child")
        for h, u in zip(homes, _users(n), strict=True)])


def grow_grids(world, n):
    # Numbers the community does not use yet (the factories number grids from a sequence
    # shared by the whole run, so any fixed range may already be taken).
    taken = set(Grid.objects.filter(community=world.community).values_list("number", flat=True))
    free = (f"{k:03d}" for k in itertools.count(100) if f"{k:03d}" not in taken)
    numbers = list(itertools.islice(free, n))
    grids = Grid.objects.bulk_create([
        Grid(community=world.community, number=number, name=f"第{number}网格")
        for number in numbers])
    RoleAssignment.objects.bulk_create([
        RoleAssignment(user=u, role=Role.GRID_WORKER, street=world.street,
                       community=world.community, grid=g)
        for g, u in zip(grids, _users(n), strict=True)])


def grow_people(world, n):
    RoleAssignment.objects.bulk_create([
        RoleAssignment(user=u, role=Role.VOLUNTEER, street=world.street,
                       community=world.community) for u in _users(n)])


def grow_transfers(world, n):
    """n gifts back and forth between two accounts (n even: the balances stay as they are)."""
    assert n % 2 == 0
    account, other = world.account, world.other_account
    Transfer.objects.bulk_create([
        Transfer(unit=Unit.TIME, debit=a, credit=b, amount=1, kind=TransferKind.GIFT,
                 idempotency_key=f"grow-{next(_seq)}")
        for a, b in [(account, other), (other, account)] * (n // 2)])


@pytest.fixture
def accounts(world):
    from tests.factories import ledger_funded_account, ledger_resident

    world.account = ledger_funded_account(
        resident=ledger_resident(community=world.community, name="账户甲"), minutes=6_000)
    world.other_account = ledger_funded_account(
        resident=ledger_resident(community=world.community, name="账户乙"), minutes=6_000)
    return world


def measure(client, url):
    """(queries, model objects built, items) of one GET after a warm-up request."""
    client.get(url)
    built = []

    def count(sender, **kwargs):
        built.append(sender)

    post_init.connect(count)
    try:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
    finally:
        post_init.disconnect(count)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), len(built), response.json()["items"]


CASES = {
    "registry residents": ("/api/v1/registry/residents?limit=20", "community_staff",
                           grow_residents),
    "registry households": ("/api/v1/registry/households?limit=20", "community_staff",
                            grow_residents),
    "registry bindings": ("/api/v1/registry/bindings?limit=20", "community_staff",
                          grow_bindings),
    "registry grids": ("/api/v1/registry/grids?limit=20", "street_admin", grow_grids),
    "people": ("/api/v1/people?limit=20", "community_staff", grow_people),
    "fund priority list": ("/api/v1/timebank/funds/{community}/priority?limit=20",
                           "community_staff", grow_residents),
    "statement": ("/api/v1/ledger/accounts/{account}/statement?limit=20", "community_staff",
                  grow_transfers),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_page_costs_the_same_with_ten_times_the_rows(client, accounts, case):
    world = accounts
    url, role, grow = CASES[case]
    url = url.format(community=world.community.uuid,
                     account=getattr(world, "account", None) and world.account.uuid)
    client.force_login(world.users[role])
    grow(world, 30)
    small = measure(client, url)
    grow(world, 270)
    large = measure(client, url)
    assert len(small[2]) == len(large[2]) == 20
    assert large[0] == small[0], f"{case}: {small[0]} queries with 30 rows, {large[0]} with 300"
    assert large[1] == small[1], f"{case}: {small[1]} objects built, then {large[1]}"
    # Only the page is built: a few objects per row, never one per stored row.
    assert large[1] <= 20 * 8 + 40


def test_the_resident_page_is_limited_in_sql(client, world):
    grow_residents(world, 120)
    client.force_login(world.users["community_staff"])
    with CaptureQueriesContext(connection) as ctx:
        data = client.get("/api/v1/registry/residents?limit=20&offset=40").json()
    assert data["count"] == 120 and len(data["items"]) == 20
    reads = [q["sql"] for q in ctx.captured_queries
             if 'FROM "registry_resident"' in q["sql"] and "COUNT(" not in q["sql"]]
    assert reads and all("LIMIT 20" in sql for sql in reads), reads
    # Each row's tags come from one query for the page, not one per row.
    tag_reads = [q for q in ctx.captured_queries if 'FROM "registry_tag"' in q["sql"]]
    assert len(tag_reads) == 1
    assert all(item["tags"] == ["高龄"] for item in data["items"])
