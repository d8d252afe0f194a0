"""A goods name typed on the clerk's page is cleaned exactly as one sent through the API
(linli.common.text): a tab becomes a space, a BEL is dropped, a right-to-left override is
refused with the field named; the household's points statement (.xlsx) still opens after the
goods are exchanged."""

import io
import uuid

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from linli.ledger.models import Account, Unit
from linli.store import services
from linli.store.models import Goods
from tests.factories import points_fund, points_member

pytestmark = pytest.mark.django_db

TYPED = "\t爱心\x07大米\t5斤 "
STORED = "爱心大米 5斤"
SPOOF = "大米\u202e斤5"


def _page_post(client, world, name, donor=""):
    client.force_login(world.users["store_clerk"])
    return client.post(reverse("store:goods_new"), {
        "community": str(world.community.uuid), "name": name, "description": "新米\x07\n两袋",
        "price": "10", "stock": "3", "limit_period": "month", "donor_name": donor,
        "active": "on"})


def _api_post(client, world, name):
    client.force_login(world.users["store_clerk"])
    return client.post("/api/v1/store/goods", {
        "community": str(world.community.uuid), "name": name, "price": 10, "stock": 3},
        content_type="application/json")


def test_page_and_api_store_the_same_cleaned_name(client, world):
    page = _page_post(client, world, TYPED, donor="\x07爱心超市\t")
    assert page.status_code == 302
    from_page = Goods.objects.get()
    api = _api_post(client, world, TYPED)
    assert api.status_code == 201, api.content
    from_api = Goods.objects.get(uuid=api.json()["uuid"])
    assert from_page.name == from_api.name == STORED
    assert from_page.description == "新米\n两袋"
    assert from_page.donor.name == "爱心超市"


def test_a_bidi_override_is_refused_on_the_page_and_in_the_api(client, world):
    page = _page_post(client, world, SPOOF)
    assert page.status_code == 200
    assert "U+202E" in page.context["form"].errors["name"][0]
    api = _api_post(client, world, SPOOF)
    assert api.status_code == 422
    assert [f["field"] for f in api.json()["error"]["fields"]] == ["name"]
    assert not Goods.objects.exists()


def test_statement_export_works_after_exchanging_goods_typed_with_controls(client, world):
    home = points_member(community=world.community, user=world.users["resident"],
                         grid=world.grid)
    points_fund(home, 100)
    assert _page_post(client, world, TYPED).status_code == 302
    goods = Goods.objects.get()
    services.redemption_create(household=home, goods=goods, quantity=1,
                               idempotency_key=uuid.uuid4().hex, actor=world.users["resident"])
    account = Account.objects.get(household=home, unit=Unit.POINTS)
    client.force_login(world.users["community_staff"])
    response = client.get(reverse("ledger:account_export", kwargs={"uuid": account.uuid}))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)
                                     if response.streaming else response.content)).active
    texts = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert any(STORED in t for t in texts)
    assert not any("\x07" in t for t in texts)
