"""The points store: redemption debits points and reserves stock together, limits, the counter,
cancellation and expiry refunds, goods photos, and the API's clean error bodies."""

import datetime
import uuid

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from linli.common.exceptions import Conflict, NotFound, PermissionDenied, ValidationError
from linli.ledger.models import Account, AccountKind, Transfer, TransferKind, Unit
from linli.ledger.reconciliation import ledger_verify
from linli.ledger.services import InsufficientFunds
from linli.store import services
from linli.store.models import Goods, Redemption, RedemptionEvent, RedemptionStatus
from linli.store.tasks import expire_uncollected_redemptions
from tests.factories import points_fund, points_member, store_goods

pytestmark = pytest.mark.django_db


def _available(household) -> int:
    return Account.objects.get(household=household, unit=Unit.POINTS).available


@pytest.fixture
def home(world):
    household = points_member(community=world.community, user=world.users["resident"],
                              grid=world.grid)
    points_fund(household, 100)
    return household


def _redeem(home, goods, quantity=1, key=None, actor="resident"):
    if actor == "resident":
        actor = home.residents.first().user
    return services.redemption_create(household=home, goods=goods, quantity=quantity,
                                      idempotency_key=key or uuid.uuid4().hex, actor=actor)


def test_redemption_debits_points_reserves_stock_and_issues_a_code(world, home):
    goods = store_goods(world.community, stock=3, price=30)
    redemption = _redeem(home, goods, quantity=2, actor=world.users["resident"])
    goods.refresh_from_db()
    assert goods.stock == 1 and _available(home) == 40
    assert redemption.status == RedemptionStatus.RESERVED and len(redemption.pickup_code) == 8
    assert redemption.transfer.kind == TransferKind.REDEMPTION
    assert redemption.transfer.credit.kind == AccountKind.STORE
    assert ledger_verify().ok


def test_same_key_redeems_once(world, home):
    goods = store_goods(world.community, stock=5, price=10)
    first = _redeem(home, goods, key="tap-1")
    again = _redeem(home, goods, key="tap-1")
    assert first.pk == again.pk and Redemption.objects.count() == 1
    goods.refresh_from_db()
    assert goods.stock == 4 and _available(home) == 90
    with pytest.raises(Conflict) as clash:
        _redeem(home, goods, quantity=2, key="tap-1")
    assert clash.value.code == "idempotency_conflict"


def test_sold_out_and_insufficient_points_leave_nothing_behind(world, home):
    goods = store_goods(world.community, stock=1, price=10)
    _redeem(home, goods)
    with pytest.raises(services.SoldOut) as sold_out:
        _redeem(home, goods)
    assert sold_out.value.status == 409 and "兑完" in sold_out.value.message
    dear = store_goods(world.community, stock=5, price=500, name="电饭煲")
    with pytest.raises(InsufficientFunds):
        _redeem(home, dear)
    dear.refresh_from_db()
    assert dear.stock == 5 and _available(home) == 90 and Redemption.objects.count() == 1


def test_per_household_limit_per_period(world, home):
    goods = store_goods(world.community, stock=10, price=5, limit_per_household=2)
    _redeem(home, goods)
    with pytest.raises(Conflict) as limited:
        _redeem(home, goods, quantity=2)
    assert limited.value.code == "cap_reached"
    assert limited.value.message == "“大米5斤”每户每月最多兑换 2 件，您家还可以兑换 1 件。"
    _redeem(home, goods)
    with pytest.raises(Conflict):
        _redeem(home, goods)


@override_settings(STORE_REDEMPTIONS_PER_DAY=2)
def test_redemptions_are_rate_limited_per_household(world, home):
    goods = store_goods(world.community, stock=10, price=1)
    _redeem(home, goods)
    _redeem(home, goods)
    with pytest.raises(services.RateLimited) as limited:
        _redeem(home, goods)
    assert limited.value.status == 429
    assert limited.value.message == "您家 24 小时内已兑换 2 次，已达上限，请明天再来。"


def test_availability_window_and_community(world, home):
    later = store_goods(world.community, available_from=timezone.now()
                        + datetime.timedelta(days=1))
    with pytest.raises(Conflict) as early:
        _redeem(home, later)
    assert early.value.code == "not_available"
    elsewhere = store_goods(world.other_community)
    with pytest.raises(NotFound):
        _redeem(home, elsewhere)


def test_clerk_hands_over_once(world, home):
    goods = store_goods(world.community)
    redemption = _redeem(home, goods)
    clerk = world.users["store_clerk"]
    found = services.counter_lookup(actor=clerk, code=redemption.pickup_code.lower())
    assert found == redemption
    with pytest.raises(NotFound):
        services.counter_lookup(actor=world.other["community_staff"],
                                code=redemption.pickup_code)
    services.redemption_hand_over(redemption=found, actor=clerk, code=found.pickup_code)
    with pytest.raises(Conflict):
        services.redemption_hand_over(redemption=found, actor=clerk, code=found.pickup_code)
    with pytest.raises(Conflict):
        services.redemption_cancel(redemption=found, actor=world.users["resident"])
    assert list(RedemptionEvent.objects.filter(redemption=redemption).values_list(
        "to_status", flat=True)) == ["reserved", "handed_over"]
    assert _available(home) == 90


def test_cancel_refunds_by_reversal_and_returns_stock(world, home):
    goods = store_goods(world.community, stock=2, price=25)
    redemption = _redeem(home, goods)
    services.redemption_cancel(redemption=redemption, actor=world.users["resident"])
    redemption.refresh_from_db()
    goods.refresh_from_db()
    assert redemption.status == RedemptionStatus.CANCELLED and goods.stock == 2
    assert redemption.refund.reversal_of_id == redemption.transfer_id
    assert _available(home) == 100
    with pytest.raises(Conflict):
        services.redemption_cancel(redemption=redemption, actor=world.users["resident"])
    assert Transfer.objects.filter(kind=TransferKind.REVERSAL).count() == 1
    assert ledger_verify().ok


def test_uncollected_reservations_expire_and_are_refunded(world, home):
    goods = store_goods(world.community, stock=3, price=20)
    stale = _redeem(home, goods)
    fresh = _redeem(home, goods)
    Redemption.objects.filter(pk=stale.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1))
    stale.refresh_from_db()
    with pytest.raises(Conflict):
        services.redemption_hand_over(redemption=stale, actor=world.users["store_clerk"],
                                      code=stale.pickup_code)
    with pytest.raises(Conflict):
        services.redemption_expire(redemption=fresh)

    expire_uncollected_redemptions.call_local()
    assert expire_uncollected_redemptions.call_local() == 0  # nothing twice

    stale.refresh_from_db()
    fresh.refresh_from_db()
    goods.refresh_from_db()
    assert stale.status == RedemptionStatus.EXPIRED and stale.refund is not None
    assert fresh.status == RedemptionStatus.RESERVED
    assert goods.stock == 2 and _available(home) == 80
    assert ledger_verify().ok


def test_goods_photo_is_validated_and_served_only_to_permitted_users(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    plain = store_goods(world.community, name="无图商品")
    with pytest.raises(ValidationError):
        services.goods_update(
            goods=plain, actor=world.users["store_clerk"], name="无图商品", price=1,
            photo=SimpleUploadedFile("a.jpg", b"not an image", content_type="image/jpeg"))
    assert not Goods.objects.get(pk=plain.pk).photo
    goods = store_goods(world.community, photo=True)
    url = reverse("store:goods_photo", kwargs={"uuid": goods.uuid})
    client.force_login(world.users["resident"])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    client.force_login(world.other["resident"])
    assert client.get(url).status_code == 404


def test_restock_records_the_donor(world):
    goods = store_goods(world.community, stock=0)
    services.goods_restock(goods=goods, quantity=5, donor_name="老王粮油店",
                           actor=world.users["store_clerk"])
    goods.refresh_from_db()
    assert goods.stock == 5
    assert goods.restocks.first().donor.name == "老王粮油店"
    with pytest.raises(PermissionDenied):
        services.goods_restock(goods=goods, quantity=1, actor=world.other["community_staff"])


def test_redeem_page_confirms_before_exchanging(client, world, home):
    goods = store_goods(world.community, stock=2, price=10)
    client.force_login(world.users["resident"])
    url = reverse("store:redeem", kwargs={"uuid": goods.uuid})
    confirm = client.get(url, {"quantity": "1"})
    assert confirm.status_code == 200 and Redemption.objects.count() == 0
    assert confirm.context["after"] == 90
    key = confirm.context["key"]
    done = client.post(url, {"quantity": "1", "confirm": "1", "key": key})
    assert done.status_code == 302 and Redemption.objects.count() == 1
    tap = client.post(url, {"quantity": "1", "confirm": "1", "key": key})  # double tap
    assert tap.status_code == 302 and tap["Location"] == done["Location"]
    assert Redemption.objects.count() == 1
    detail = client.get(done["Location"]).content.decode()
    assert "<svg" in detail and Redemption.objects.get().pickup_code in detail


def test_api_redeem_sold_out_is_409_with_clean_body(client, world, home):
    goods = store_goods(world.community, stock=1, price=10)
    client.force_login(world.users["resident"])
    body = {"goods": str(goods.uuid), "quantity": 1, "idempotency_key": "k1"}
    first = client.post("/api/v1/store/redemptions", body, content_type="application/json")
    assert first.status_code == 201, first.content
    replay = client.post("/api/v1/store/redemptions", body, content_type="application/json")
    assert replay.status_code == 201 and replay.json()["uuid"] == first.json()["uuid"]
    loser = client.post("/api/v1/store/redemptions", {**body, "idempotency_key": "k2"},
                        content_type="application/json")
    assert loser.status_code == 409
    assert loser.json()["error"]["code"] == "sold_out"
    client.force_login(world.users["store_clerk"])
    code = first.json()["pickup_code"]
    found = client.get(f"/api/v1/store/counter/{code}").json()
    assert found["pickup_code"] == code
    handed = client.post(f"/api/v1/store/redemptions/{found['uuid']}/hand-over",
                         {"code": code}, content_type="application/json")
    assert handed.status_code == 200 and handed.json()["status"] == "handed_over"


def test_api_goods_update_and_clerk_list(client, world, home):
    goods = store_goods(world.community, stock=3, price=10)
    _redeem(home, goods)
    client.force_login(world.users["store_clerk"])
    changed = client.put(f"/api/v1/store/goods/{goods.uuid}",
                         {"name": "大米10斤", "price": 20, "limit_per_household": 1},
                         content_type="application/json")
    assert changed.status_code == 200 and changed.json()["stock"] == 2
    assert changed.json()["price"] == 20
    waiting = client.get("/api/v1/store/redemptions").json()["items"]
    assert [r["household"] for r in waiting] == [home.address]
    client.force_login(world.other["community_staff"])
    assert client.get("/api/v1/store/redemptions").json()["items"] == []
