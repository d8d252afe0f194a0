"""The order pages cost the same number of queries however many orders are stored, and the
long lists (the staff board, the resident's orders) show one page at a time with 上一页/下一页,
sliced in SQL."""

import datetime
import uuid

import pytest
from django.db import connection

from linli.orders.models import Order
from tests.factories import orders_order

pytestmark = pytest.mark.django_db


def _copies(order, n: int) -> None:
    """`n` more orders like `order`, each on its own later day (same household, project and
    state)."""
    taken = Order.objects.filter(household_id=order.household_id).count()
    rows = []
    for i in range(n):
        copy = Order.objects.get(pk=order.pk)
        copy.pk = None
        copy.uuid = uuid.uuid4()
        copy.slot_start += datetime.timedelta(days=30 + taken + i)
        copy.slot_end += datetime.timedelta(days=30 + taken + i)
        rows.append(copy)
    Order.objects.bulk_create(rows)


def _queries(client, url: str) -> tuple[int, str]:
    client.get(url)  # warm: session and caches as on a second visit
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    # A wrapper rather than the query log: each request clears the log when it starts.
    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.content.decode()


def _links(page: str, order_uuids) -> int:
    return sum(f"/orders/{u}/" in page for u in order_uuids)


def test_the_board_costs_the_same_queries_with_5_or_50_orders_and_pages_by_20(client, world):
    first = orders_order(world, "a", dispatched=False)
    _copies(first, 4)
    client.force_login(world.users["community_staff"])
    few, page = _queries(client, "/workbench/orders/")
    assert "下一页" not in page and "上一页" not in page
    _copies(first, 45)
    many, page = _queries(client, "/workbench/orders/")
    assert many == few
    uuids = list(Order.objects.values_list("uuid", flat=True))
    assert len(uuids) == 50
    assert _links(page, uuids) == 20
    assert "下一页" in page and 'href="?page=2"' in page
    _count, last = _queries(client, "/workbench/orders/?status=submitted&page=3")
    assert _links(last, uuids) == 10
    assert "上一页" in last and "status=submitted&amp;page=2" in last and "下一页" not in last
    # Every order appears on exactly one page.
    seen = set()
    for number in (1, 2, 3):
        body = client.get("/workbench/orders/", {"page": number}).content.decode()
        seen |= {u for u in uuids if f"/orders/{u}/dispatch/" in body}
    assert seen == set(uuids)
    # A page number that is not a number shows the first page, not an error.
    assert client.get("/workbench/orders/", {"page": "x"}).status_code == 200


def test_my_orders_cost_the_same_queries_with_5_or_50_orders_and_page_by_20(client, world):
    first = orders_order(world, "a", dispatched=False)
    _copies(first, 4)
    client.force_login(world.users["resident"])
    few, page = _queries(client, "/orders/")
    uuids = list(Order.objects.values_list("uuid", flat=True))
    assert _links(page, uuids) == 5 and "下一页" not in page
    _copies(first, 45)
    many, page = _queries(client, "/orders/")
    assert many == few
    uuids = list(Order.objects.values_list("uuid", flat=True))
    assert _links(page, uuids) == 20 and "下一页" in page
    _count, last = _queries(client, "/orders/?page=3")
    assert _links(last, uuids) == 10 and "上一页" in last


def test_the_volunteer_page_costs_the_same_queries_with_few_or_many_offers(client, world):
    first = orders_order(world, "a")  # dispatched to world.users["volunteer"]
    client.force_login(world.users["volunteer"])
    few, page = _queries(client, "/orders/volunteer/")
    assert f"/orders/{first.uuid}/" in page
    _copies(first, 20)
    many, page = _queries(client, "/orders/volunteer/")
    assert many == few
    assert _links(page, Order.objects.values_list("uuid", flat=True)) == 21


def test_dispatch_costs_the_same_queries_with_few_or_many_orders(client, world):
    first = orders_order(world, "a", dispatched=False)
    client.force_login(world.users["community_staff"])
    url = f"/workbench/orders/{first.uuid}/dispatch/"
    few, _page = _queries(client, url)
    _copies(first, 30)
    many, _page = _queries(client, url)
    assert many == few


def test_a_households_orders_are_read_newest_first_from_their_own_index(client, world):
    """The resident's order page costs the same queries however many orders other households
    have, and a household's orders, newest first, come from (household_id, created_at): the
    database reads that household's rows in order, without sorting anyone else's."""
    mine = orders_order(world, "a", dispatched=False)
    _copies(mine, 4)
    client.force_login(world.users["resident"])
    few, _page = _queries(client, "/orders/")
    others = orders_order(world, "b", dispatched=False)
    _copies(others, 60)
    many, page = _queries(client, "/orders/")
    assert many == few
    theirs = Order.objects.filter(household_id=others.household_id).values_list("uuid",
                                                                                flat=True)
    assert _links(page, theirs) == 0
    assert _links(page, Order.objects.filter(household_id=mine.household_id).values_list(
        "uuid", flat=True)) == 5

    with connection.cursor() as cursor:
        index = connection.introspection.get_constraints(cursor, Order._meta.db_table)[
            "orders_order_household_created"]
        if connection.vendor == "postgresql":
            # The test tables are tiny: make the planner show what it does at street size.
            cursor.execute("SET LOCAL enable_seqscan = off")
    assert index["index"] and index["columns"] == ["household_id", "created_at"]
    plan = Order.objects.filter(household_id=mine.household_id).order_by(
        "-created_at", "-id")[:21].explain()
    assert "orders_order_household_created" in plan, plan
