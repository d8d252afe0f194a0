"""The registry list, its pinyin search and the door plate cost the same queries however many
rows are stored: tags, addresses and members are read per page, never per row."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.registry.models import Household, Resident

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)


def _grow(world, n, tags=()):
    homes = Household.objects.bulk_create([
        Household(community=world.community, grid=world.grid, number=f"P{next(_seq):05d}",
                  address=f"查询路{next(_seq)}号") for _ in range(n)])
    residents = Resident.objects.bulk_create([
        Resident(household=h, name="张三", name_pinyin="zhangsan", name_initials="zs")
        for h in homes])
    for r in residents:
        r.tags.set(tags)
    return homes


def _queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("query", ["", "?q=zs", "?q=zhang"])
def test_list_and_pinyin_search_cost_the_same_queries_for_5_and_50_rows(
        client, world, reg, query):
    tags = [reg["tags"]["独居"], reg["tags"]["高龄"]]
    client.force_login(world.users["community_staff"])
    url = reverse("registry:index") + query
    _grow(world, 5, tags)
    small, _ = _queries(client, url)
    homes = _grow(world, 45, tags)
    large, page = _queries(client, url)
    assert small == large
    # What a row shows is still there: name, address and tags, read per page.
    assert "张三" in page and "独居" in page and "高龄" in page
    assert any(h.address in page for h in homes) or "查询路" in page
    assert 'data-label="姓名"' in page


def test_door_plate_costs_the_same_queries_for_2_and_8_members(client, world, reg):
    household = reg["a"]["household"]
    url = reverse("registry:door", kwargs={"token": household.door_token})
    client.force_login(world.users["resident"])
    Resident.objects.bulk_create([Resident(household=household, name=f"家人{i}")
                                  for i in range(1)])
    small, _ = _queries(client, url)
    Resident.objects.bulk_create([Resident(household=household, name=f"亲属{i}")
                                  for i in range(6)])
    large, page = _queries(client, url)
    assert small == large
    assert "家人0" in page and "亲属5" in page and household.address in page
