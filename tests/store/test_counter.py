"""The counter: the pickup code is the proof, so the clerk sees an exchange only after entering
or scanning its code, guessing is limited per clerk, and handing over needs the code. The
exchange preview checks every rule the exchange itself checks, and reload or back always
lands on a page."""

import datetime
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from linli.common.exceptions import NotFound, PermissionDenied, ValidationError
from linli.common.limits import CapReached, RateLimited
from linli.ledger.services import InsufficientFunds
from linli.store import services
from linli.store.models import Redemption, RedemptionStatus
from tests.factories import points_fund, points_member, store_goods

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_counted_misses():
    cache.clear()  # the cache table is not flushed between tests
    yield
    cache.clear()


@pytest.fixture
def home(world):
    household = points_member(community=world.community, user=world.users["resident"],
                              grid=world.grid)
    points_fund(household, 100)
    return household


def _redeem(world, home, goods=None, quantity=1):
    return services.redemption_create(
        household=home, goods=goods or store_goods(world.community), quantity=quantity,
        idempotency_key=uuid.uuid4().hex, actor=world.users["resident"])


@pytest.fixture
def two(world, home):
    """Two exchanges waiting for pickup, from two households."""
    neighbour = points_member(community=world.community, grid=world.grid, name="李大爷")
    neighbour_user = world.other["resident"]
    from linli.registry.models import Resident

    Resident.objects.filter(household=neighbour).update(user=neighbour_user)
    points_fund(neighbour, 100)
    theirs = services.redemption_create(
        household=neighbour, goods=store_goods(world.community, name="食用油"), quantity=1,
        idempotency_key="n-1", actor=neighbour_user)
    return _redeem(world, home), theirs


# --- the counter page -------------------------------------------------------------------


def test_the_counter_lists_no_pending_codes_or_households(client, world, two):
    mine, theirs = two
    client.force_login(world.users["store_clerk"])
    page = client.get(reverse("store:counter")).content.decode()
    for r in (mine, theirs):
        assert r.pickup_code not in page
        assert r.household.address not in page


def test_a_code_shows_that_one_exchange_and_survives_reload(client, world, two):
    mine, theirs = two
    client.force_login(world.users["store_clerk"])
    response = client.post(reverse("store:counter"), {"code": mine.pickup_code.lower()})
    assert response.status_code == 302 and response["Location"] == reverse("store:counter")
    for _reload in range(2):
        page = client.get(reverse("store:counter")).content.decode()
        assert mine.pickup_code in page and mine.household.address in page
        assert theirs.pickup_code not in page and theirs.household.address not in page
        assert f'name="code" value="{mine.pickup_code}"' in page
        assert "data-confirm=" in page  # handing over asks first


def test_a_wrong_code_says_so_in_chinese(client, world, two):
    client.force_login(world.users["store_clerk"])
    response = client.post(reverse("store:counter"), {"code": "ZZZZ2222"}, follow=True)
    page = response.content.decode()
    assert "本社区没有取货码为 ZZZZ2222 的兑换" in page and "还可尝试 9 次" in page
    assert 'data-testid="counter-found"' not in page


def test_guessing_is_limited_per_clerk(client, world, two, settings):
    settings.STORE_COUNTER_MISSES = 3
    mine, _theirs = two
    clerk = world.users["store_clerk"]
    for guess in ("AAAA2222", "BBBB3333", "CCCC4444"):
        with pytest.raises(NotFound):
            services.counter_lookup(actor=clerk, code=guess)
    # Paused: even the right code is refused for the rest of the window
    with pytest.raises(RateLimited) as paused:
        services.counter_lookup(actor=clerk, code=mine.pickup_code)
    assert paused.value.status == 429 and "暂停 15 分钟" in paused.value.message
    client.force_login(clerk)
    response = client.post(reverse("store:counter"), {"code": mine.pickup_code}, follow=True)
    assert "暂停 15 分钟" in response.content.decode()
    api = client.get(f"/api/v1/store/counter/{mine.pickup_code}")
    assert api.status_code == 429
    # Another clerk of the community is not affected
    assert services.counter_lookup(actor=world.users["community_staff"],
                                   code=mine.pickup_code) == mine


def test_the_counter_is_for_clerks_only(world, two):
    mine, _theirs = two
    for role in ("resident", "volunteer", "grid_worker", "auditor"):
        with pytest.raises(PermissionDenied):
            services.counter_lookup(actor=world.users[role], code=mine.pickup_code)


def test_hand_over_needs_the_code_and_lands_on_the_counter(client, world, two):
    mine, _theirs = two
    client.force_login(world.users["store_clerk"])
    url = reverse("store:hand_over", kwargs={"uuid": mine.uuid})
    wrong = client.post(url, {"code": "ZZZZ2222"}, follow=True)
    assert "取货码与这笔兑换不符" in wrong.content.decode()
    assert Redemption.objects.get(pk=mine.pk).status == RedemptionStatus.RESERVED
    client.post(reverse("store:counter"), {"code": mine.pickup_code})
    done = client.post(url, {"code": mine.pickup_code})
    assert done.status_code == 302 and done["Location"] == reverse("store:counter")
    page = client.get(reverse("store:counter")).content.decode()
    assert "已发放：大米5斤 × 1" in page and "已领取" in page
    assert Redemption.objects.get(pk=mine.pk).status == RedemptionStatus.HANDED_OVER
    # Reload of the hand-over URL lands on the counter instead of a blank 405
    again = client.get(url)
    assert again.status_code == 302 and again["Location"] == reverse("store:counter")
    with pytest.raises(ValidationError):
        services.redemption_hand_over(redemption=_theirs, actor=world.users["store_clerk"],
                                      code="")


def test_a_clerk_cannot_hand_over_to_their_own_household(world, home):
    clerk = world.users["store_clerk"]
    from linli.registry.models import Resident

    Resident.objects.create(household=home, user=clerk, name="店员自己")
    redemption = services.redemption_create(
        household=home, goods=store_goods(world.community), quantity=1,
        idempotency_key="own", actor=clerk)
    with pytest.raises(PermissionDenied):
        services.redemption_hand_over(redemption=redemption, actor=clerk,
                                      code=redemption.pickup_code)
    services.redemption_hand_over(redemption=redemption, actor=world.users["community_staff"],
                                  code=redemption.pickup_code)


def test_codes_are_shown_to_the_household_only(client, world, two):
    mine, _theirs = two
    client.force_login(world.users["store_clerk"])
    listed = client.get("/api/v1/store/redemptions").json()["items"]
    assert {r["pickup_code"] for r in listed} == {""}
    one = client.get(f"/api/v1/store/redemptions/{mine.uuid}").json()
    assert one["pickup_code"] == ""
    page = client.get(reverse("store:redemption_detail", kwargs={"uuid": mine.uuid}))
    assert mine.pickup_code not in page.content.decode()
    assert "<svg" not in page.content.decode()
    found = client.get(f"/api/v1/store/counter/{mine.pickup_code}").json()
    assert found["pickup_code"] == mine.pickup_code
    client.force_login(world.users["resident"])
    assert client.get(f"/api/v1/store/redemptions/{mine.uuid}").json()[
        "pickup_code"] == mine.pickup_code
    page = client.get(reverse("store:redemption_detail", kwargs={"uuid": mine.uuid}))
    assert mine.pickup_code in page.content.decode()


def test_api_hand_over_needs_the_code(client, world, two):
    mine, _theirs = two
    client.force_login(world.users["store_clerk"])
    url = f"/api/v1/store/redemptions/{mine.uuid}/hand-over"
    assert client.post(url, {}, content_type="application/json").status_code == 422
    wrong = client.post(url, {"code": "ZZZZ2222"}, content_type="application/json")
    assert wrong.status_code == 409 and wrong.json()["error"]["fields"][0]["field"] == "code"
    right = client.post(url, {"code": mine.pickup_code.lower()},
                        content_type="application/json")
    assert right.status_code == 200 and right.json()["status"] == "handed_over"


def test_the_counter_page_scans_with_an_offline_reader(client, world):
    from django.contrib.staticfiles import finders

    client.force_login(world.users["store_clerk"])
    response = client.get(reverse("store:counter"))
    page = response.content.decode()
    assert "/static/vendor/jsqr/jsQR.js" in page and "/static/store/counter.js" in page
    assert "<script>" not in page and "onclick" not in page
    assert "camera=(self)" in response["Permissions-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "data-scan hidden" in page  # offered by the script only where there is a camera
    # Only the reader's dist file is served, never the rest of node_modules
    assert finders.find("vendor/jsqr/jsQR.js").endswith("node_modules/jsqr/dist/jsQR.js")
    assert finders.find("vendor/jsqr/package.json") is None
    assert finders.find("vendor/jsqr/dist/jsQR.js") is None


# --- the preview checks what the exchange checks ----------------------------------------


def _preview(client, goods, quantity):
    return client.get(reverse("store:redeem", kwargs={"uuid": goods.uuid}),
                      {"quantity": str(quantity)}, follow=True)


@pytest.mark.parametrize("case", ["points", "stock", "limit", "per_day", "window"])
def test_the_preview_refuses_what_the_exchange_would_refuse(client, world, home, settings,
                                                            case):
    goods = store_goods(world.community, stock=10, price=10)
    quantity = 1
    expected = None
    if case == "points":
        goods = store_goods(world.community, stock=10, price=477, name="电饭煲")
        expected = InsufficientFunds
    elif case == "stock":
        goods = store_goods(world.community, stock=2, price=1, name="香皂")
        quantity, expected = 3, services.SoldOut
    elif case == "limit":
        goods = store_goods(world.community, stock=10, price=1, limit_per_household=1)
        quantity, expected = 2, CapReached
    elif case == "per_day":
        settings.STORE_REDEMPTIONS_PER_DAY = 1
        _redeem(world, home)
        expected = RateLimited
    elif case == "window":
        goods = store_goods(world.community, available_from=timezone.now()
                            + datetime.timedelta(days=1))
        expected = services.Conflict
    with pytest.raises(expected) as refused:
        services.redemption_check(household=home, goods=goods, quantity=quantity,
                                  actor=world.users["resident"])
    with pytest.raises(expected) as again:
        services.redemption_create(household=home, goods=goods, quantity=quantity,
                                   idempotency_key=uuid.uuid4().hex,
                                   actor=world.users["resident"])
    assert refused.value.message == again.value.message

    client.force_login(world.users["resident"])
    before = Redemption.objects.count()
    response = _preview(client, goods, quantity)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("store:goods_detail",
                                                     kwargs={"uuid": goods.uuid})
    assert refused.value.message in page
    assert "确认兑换" not in page and "兑换后剩余积分" not in page
    assert Redemption.objects.count() == before


def test_the_preview_never_shows_a_negative_balance(client, world, home):
    dear = store_goods(world.community, stock=5, price=477, name="电饭煲")
    client.force_login(world.users["resident"])
    page = _preview(client, dear, 1).content.decode()
    assert "-377" not in page
    assert "积分不够：需要 477 积分，您家现有 100 积分。" in page


def test_the_preview_is_a_page_that_survives_reload_and_back(client, world, home):
    goods = store_goods(world.community, stock=5, price=10)
    client.force_login(world.users["resident"])
    url = reverse("store:redeem", kwargs={"uuid": goods.uuid})
    first = client.get(url, {"quantity": "2"})
    second = client.get(url, {"quantity": "2"})
    assert first.status_code == second.status_code == 200
    assert second.context["after"] == 80 and second.context["total"] == 20
    # An old-style POST without confirmation lands on the preview page
    posted = client.post(url, {"quantity": "2"})
    assert posted.status_code == 302 and posted["Location"] == f"{url}?quantity=2"
    # No quantity (e.g. a bookmarked URL): back to the goods
    bare = client.get(url)
    assert bare.status_code == 302
    assert bare["Location"] == reverse("store:goods_detail", kwargs={"uuid": goods.uuid})
    assert Redemption.objects.count() == 0


def test_cancel_and_restock_reload_land_on_a_page(client, world, home):
    redemption = _redeem(world, home)
    client.force_login(world.users["resident"])
    cancel = client.get(reverse("store:redemption_cancel", kwargs={"uuid": redemption.uuid}))
    assert cancel.status_code == 302
    assert cancel["Location"] == reverse("store:redemption_detail",
                                         kwargs={"uuid": redemption.uuid})
    client.force_login(world.users["store_clerk"])
    goods = redemption.goods
    restock = client.get(reverse("store:restock", kwargs={"uuid": goods.uuid}))
    assert restock.status_code == 302
    assert restock["Location"] == reverse("store:goods_edit", kwargs={"uuid": goods.uuid})


def test_pickup_days_is_a_setting(world, home, settings):
    assert settings.STORE_PICKUP_DAYS == 7 and settings.STORE_REDEMPTIONS_PER_DAY == 5
    settings.STORE_PICKUP_DAYS = 2
    before = timezone.now()
    redemption = _redeem(world, home)
    assert before + datetime.timedelta(days=2) <= redemption.expires_at
    assert redemption.expires_at <= timezone.now() + datetime.timedelta(days=2)
