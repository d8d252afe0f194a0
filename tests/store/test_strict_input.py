"""Store API input is strict (issue 12 item 7): prices, stock, limits and quantities are JSON
integers, availability times ISO 8601 text from 2000 to 2099; each refusal is a 422 naming
the field, and no goods, stock or points move."""

import uuid

import pytest

from linli.ledger.models import Account, Unit
from linli.store.models import Goods, Redemption
from tests.factories import points_fund, points_member, store_goods
from tests.strict_input import BAD_DATETIMES, BAD_INTS, assert_refused, post

pytestmark = pytest.mark.django_db


def _goods(world, **change):
    return {"community": str(world.community.uuid), "name": "大米", "price": 10, "stock": 5,
            **change}


@pytest.mark.parametrize("field,value", [*[("available_from", v) for v in BAD_DATETIMES],
                                         *[("available_until", v) for v in BAD_DATETIMES[:4]],
                                         *[("price", v) for v in BAD_INTS],
                                         ("stock", "5"), ("stock", True),
                                         ("limit_per_household", "2"),
                                         ("limit_per_household", 1.5)])
def test_goods_input_is_strict(client, world, field, value):
    client.force_login(world.users["store_clerk"])
    assert_refused(post(client, "post", "/api/v1/store/goods", _goods(world, **{field: value})),
                   field)
    assert not Goods.objects.exists()


@pytest.mark.parametrize("value", BAD_INTS)
def test_restock_quantity_must_be_a_json_integer(client, world, value):
    goods = store_goods(world.community, stock=3)
    client.force_login(world.users["store_clerk"])
    response = post(client, "post", f"/api/v1/store/goods/{goods.uuid}/restock",
                    {"quantity": value})
    assert_refused(response, "quantity")
    assert Goods.objects.get(pk=goods.pk).stock == 3


@pytest.mark.parametrize("value", BAD_INTS)
def test_redemption_quantity_must_be_a_json_integer(client, world, value):
    home = points_member(community=world.community, user=world.users["resident"],
                         grid=world.grid)
    points_fund(home, 100)
    goods = store_goods(world.community, stock=3)
    client.force_login(world.users["resident"])
    response = post(client, "post", "/api/v1/store/redemptions",
                    {"goods": str(goods.uuid), "quantity": value,
                     "idempotency_key": uuid.uuid4().hex})
    assert_refused(response, "quantity")
    assert not Redemption.objects.exists()
    assert Goods.objects.get(pk=goods.pk).stock == 3
    assert Account.objects.get(household=home, unit=Unit.POINTS).available == 100


def test_a_request_without_any_credentials_is_401_not_a_csrf_403(world):
    from django.test import Client

    goods = store_goods(world.community, stock=3)
    anonymous = Client(enforce_csrf_checks=True)
    for url in (f"/api/v1/store/goods/{goods.uuid}/restock", "/api/v1/notifications/read-all"):
        response = anonymous.post(url, data='{"quantity": 1}', content_type="application/json")
        assert response.status_code == 401, (url, response.content)
        assert response["Content-Type"].startswith("application/json")
    assert Goods.objects.get(pk=goods.pk).stock == 3


def test_a_signed_in_browser_still_needs_the_csrf_token(world):
    from django.test import Client

    goods = store_goods(world.community, stock=3)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.users["store_clerk"])
    response = browser.post(f"/api/v1/store/goods/{goods.uuid}/restock",
                            data='{"quantity": 1}', content_type="application/json")
    assert response.status_code == 403
    assert Goods.objects.get(pk=goods.pk).stock == 3
