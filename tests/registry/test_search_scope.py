"""Search (name, pinyin, initials, mobile tail, ID number, address, tag) under scope."""

import datetime

import pytest
from django.urls import reverse

from linli.accounts.models import Role
from linli.registry.selectors import resident_list_for_user
from tests.factories import (
    GridFactory,
    id_number_for,
    registry_household,
    registry_resident,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def _names(qs):
    return sorted(r.name for r in qs)


@pytest.fixture
def people(world, reg):
    household = registry_household(world.grid, "s-1", address="幸福路9号")
    registry_resident(household, "张三", mobile="13611112222",
                      id_number=id_number_for(datetime.date(1980, 1, 2), 61))
    registry_resident(household, "张珊珊", mobile="13633334444")
    registry_resident(household, "赵四", mobile="13655552222")
    return household


@pytest.mark.parametrize("q, expected", [
    ("zs", ["张三", "张珊珊", "赵四"]),
    ("ZS", ["张三", "张珊珊", "赵四"]),
    ("zss", ["张珊珊"]),
    ("zhangsan", ["张三"]),
    ("zhangs", ["张三", "张珊珊"]),
    ("zhangshan", ["张珊珊"]),
    ("张", ["张a三", "张三", "张珊珊"]),
    ("2222", ["张三", "赵四"]),
    ("4444", ["张珊珊"]),
    ("幸福路", ["张三", "张珊珊", "赵四"]),
])
def test_search(world, people, q, expected):
    user = world.users["community_staff"]
    assert _names(resident_list_for_user(user=user, q=q)) == expected


def test_exact_id_number_search_uses_the_hash(world, people):
    user = world.users["grid_worker"]
    number = id_number_for(datetime.date(1980, 1, 2), 61)
    assert _names(resident_list_for_user(user=user, q=number)) == ["张三"]
    assert _names(resident_list_for_user(user=user, id_number=number.lower())) == ["张三"]
    assert _names(resident_list_for_user(user=user, q=number[:-1] + "0")) == []


def test_tag_and_address_filters(world, people, reg):
    user = world.users["community_staff"]
    assert _names(resident_list_for_user(user=user, tag="独居")) == ["刘德华"]
    assert _names(resident_list_for_user(user=user, address="紫轩路")) == ["刘小明", "刘德华"]


def test_scope_grid_worker_sees_only_their_grid(world, people, reg):
    second_grid = GridFactory(community=world.community)
    elsewhere = registry_household(second_grid, "s-9")
    registry_resident(elsewhere, "张三丰")
    worker = world.users["grid_worker"]
    staff = world.users["community_staff"]
    assert "张三丰" not in _names(resident_list_for_user(user=worker, q="zs"))
    assert "张三丰" in _names(resident_list_for_user(user=staff, q="zs"))
    # Community B's staff and grid worker see nothing of A; the street administrator sees all.
    assert _names(resident_list_for_user(user=world.other["community_staff"], q="张")) == [
        "张b三"]
    assert "张三丰" in _names(resident_list_for_user(user=world.users["street_admin"], q="zs"))
    assert not resident_list_for_user(user=world.users["volunteer"]).exists()
    assert not resident_list_for_user(user=world.users["resident"]).exists()


def test_api_search_is_scoped_and_paginated(client, world, people):
    client.force_login(world.users["community_staff"])
    data = client.get("/api/v1/registry/residents", {"q": "zs", "limit": 1}).json()
    assert data["count"] == 3 and len(data["items"]) == 1
    client.force_login(world.other["community_staff"])
    data = client.get("/api/v1/registry/residents", {"q": "张"}).json()
    assert [i["name"] for i in data["items"]] == ["张b三"]
    client.force_login(world.users["grid_worker"])
    data = client.get("/api/v1/registry/residents", {"tag": "独居"}).json()
    assert [i["name"] for i in data["items"]] == ["刘德华"]
    assert data["items"][0]["tags"] == ["独居", "高龄"]


def test_search_page_and_htmx_fragment(client, world, people):
    client.force_login(world.users["grid_worker"])
    page = client.get(reverse("registry:index"), {"q": "zhangs"}).content.decode()
    assert "张三" in page and "赵四" not in page and "<html" in page
    fragment = client.get(reverse("registry:index"), {"q": "zs"}, HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode() and "张珊珊" in fragment.content.decode()


def test_out_of_scope_objects_are_404(client, world, reg):
    client.force_login(world.users["grid_worker"])
    foreign = reg["b"]
    for url in (reverse("registry:resident_detail", kwargs={"uuid": foreign["resident"].uuid}),
                reverse("registry:household_detail", kwargs={"uuid": foreign["household"].uuid}),
                f"/api/v1/registry/residents/{foreign['resident'].uuid}",
                f"/api/v1/registry/households/{foreign['household'].uuid}"):
        assert client.get(url).status_code == 404, url


def test_grid_worker_of_another_grid_in_the_same_community(client, world, reg):
    other_grid = GridFactory(community=world.community)
    worker = user_with_role(Role.GRID_WORKER, other_grid)
    client.force_login(worker)
    url = reverse("registry:resident_detail", kwargs={"uuid": reg["elder"].uuid})
    assert client.get(url).status_code == 404
