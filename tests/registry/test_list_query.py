"""The registry list reads one page in index order: households by (community, number), their
active members by id. Counting stops where it stops being cheap ("超过 N 条"), the pending
deletion requests are read from the pending requests, and a page costs the same queries
whatever the street holds."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.registry import views
from linli.registry.models import DeletionRequest, Household, Resident
from linli.registry.selectors import deletion_request_list_for_user, resident_list_for_user

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)


def grow(world, n, *, name="王五", pinyin="wangwu", initials="ww"):
    homes = Household.objects.bulk_create([
        Household(community=world.community, grid=world.grid, number=f"Z{next(_seq):05d}",
                  address=f"列表路{i}号") for i in range(n)])
    return Resident.objects.bulk_create([
        Resident(household=h, name=name, name_pinyin=pinyin, name_initials=initials)
        for h in homes])


def test_the_list_is_ordered_by_household_number_then_member(world, reg):
    grow(world, 5)
    rows = list(resident_list_for_user(user=world.users["community_staff"]))
    keys = [(r.household.community_id, r.household.number, r.id) for r in rows]
    assert keys == sorted(keys)
    assert {r.household.community_id for r in rows} == {world.community.pk}


def _page_queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return ctx.captured_queries, response.content.decode()


def test_a_page_costs_the_same_queries_with_ten_times_the_residents(client, world, reg):
    client.force_login(world.users["community_staff"])
    url = reverse("registry:index")
    grow(world, 30)
    small, _ = _page_queries(client, url)
    grow(world, 270)
    large, page = _page_queries(client, url)
    assert len(small) == len(large)
    reads = [q["sql"] for q in large if 'FROM "registry_resident"' in q["sql"]]
    # The page and its count are both bounded in SQL: nothing reads every resident.
    assert all("LIMIT" in sql for sql in reads), reads


def test_past_the_cap_the_page_says_more_than(client, world, reg, monkeypatch):
    monkeypatch.setattr(views, "RESIDENT_COUNT_CAP", 40)
    grow(world, 60)
    client.force_login(world.users["community_staff"])
    queries, page = _page_queries(client, reverse("registry:index"))
    assert "超过 40 条" in page and "page=2" in page
    counts = [q["sql"] for q in queries
              if q["sql"].startswith('SELECT COUNT(*) FROM (SELECT "registry_resident"')]
    assert counts and all("LIMIT 41" in sql for sql in counts), counts


def test_a_search_is_not_counted_past_the_page_asked_for(client, world, reg):
    grow(world, 30)
    client.force_login(world.users["community_staff"])
    first = client.get(reverse("registry:index"), {"q": "ww"}).content.decode()
    assert "第 1 页 · 下一页还有更多结果" in first and "page=2" in first
    second = client.get(reverse("registry:index"), {"q": "ww", "page": 2}).content.decode()
    # The last page knows the total exactly.
    assert "第 2 / 2 页 · 共 30 条" in second
    assert second.count("王五") == 5
    beyond = client.get(reverse("registry:index"), {"q": "ww", "page": 9}).content.decode()
    assert "第 2 / 2 页 · 共 30 条" in beyond
    few = client.get(reverse("registry:index"), {"q": "liu"}).content.decode()
    assert "刘德华" in few and "超过" not in few


def test_pending_deletion_requests_are_read_from_the_pending_ones(client, world, reg):
    from linli.registry import services

    head = Resident.objects.get(pk=reg["a"]["resident"].pk)  # linked to world's resident
    services.deletion_request_create(resident=head, actor=world.users["resident"])
    staff = world.users["community_staff"]
    with CaptureQueriesContext(connection) as ctx:
        pending = list(deletion_request_list_for_user(user=staff))
    assert [d.resident for d in pending] == [head]
    sql = ctx.captured_queries[-1]["sql"]
    assert sql.split(" FROM ", 1)[1].startswith('"registry_deletionrequest"')
    assert "'pending'" in sql
    assert 'FROM "registry_household" ' not in sql  # no IN (every household in scope)
    assert not deletion_request_list_for_user(user=world.other["community_staff"]).exists()
    client.force_login(staff)
    assert head.name in client.get(reverse("registry:index")).content.decode()
    DeletionRequest.objects.update(status="done")
    assert not deletion_request_list_for_user(user=staff).exists()


def test_pinyin_anywhere_and_initials_by_prefix(world, reg):
    grow(world, 1, name="张三", pinyin="zhangsan", initials="zs")
    staff = world.users["community_staff"]
    for q in ("san", "zhangs", "zs", "ZS"):
        assert "张三" in [r.name for r in resident_list_for_user(user=staff, q=q)], q
    assert "张三" not in [r.name for r in resident_list_for_user(user=staff, q="x")]
