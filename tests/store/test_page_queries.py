"""The store's pages cost the same number of queries whatever a community or household holds.

The store page, "my exchanges", the goods management list and a goods' edit page (with its
restocks) each read a fixed number of statements: a query per shown row (a goods' donor, a
redemption's goods, a deferred column read late) would make the count grow with the rows.
Each page still shows what it showed, and more rows than a page holds are paginated; the
`COUNT(*)` behind "page 1 of 2" is read only once there is a second page.
"""

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.store import services
from tests.factories import points_fund, points_member, store_goods

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(world):
    household = points_member(community=world.community, user=world.users["resident"],
                              grid=world.grid)
    points_fund(household, 1000)
    return household


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _queries(client, url) -> tuple[list[str], str]:
    client.get(url)  # warm: sessions, caches, anything read once per process
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries], response.content.decode()


def _same_cost(many: list[str], few: list[str]) -> None:
    """`many` (more than a page) reads what `few` (one short page) read, plus at most the
    `COUNT(*)` that says how many pages there are."""
    extra = len(many) - len(few)
    counts = [s for s in many if s.startswith('SELECT COUNT(*)')]
    assert extra <= 1, "\n".join(many)
    assert extra == 0 or len(counts) == len([s for s in few if s.startswith('SELECT COUNT(*)')]) + 1


def _goods(world, n, start=0):
    return [store_goods(world.community, name=f"商品{start + i:02d}", price=1, stock=50,
                        limit_per_household=None) for i in range(n)]


def _redeem(world, home, goods):
    return services.redemption_create(household=home, goods=goods, quantity=1,
                                      idempotency_key=uuid.uuid4().hex,
                                      actor=world.users["resident"])


def test_store_page_and_my_exchanges_do_not_grow_with_goods_or_exchanges(world, home, settings):
    settings.STORE_REDEMPTIONS_PER_DAY = 100  # thirty exchanges of one household in a day
    resident = _client(world.users["resident"])
    few = _goods(world, 2)
    for goods in few:
        _redeem(world, home, goods)
    store_few, _ = _queries(resident, reverse("store:index"))
    mine_few, _ = _queries(resident, reverse("store:mine"))

    many = _goods(world, 28, start=2)
    for goods in many:
        _redeem(world, home, goods)
    store_many, page = _queries(resident, reverse("store:index"))
    mine_many, mine = _queries(resident, reverse("store:mine"))

    _same_cost(store_many, store_few)
    _same_cost(mine_many, mine_few)
    # Same content as before: tiles with price and stock, the waiting exchanges (five at
    # most) with their pickup codes, and a first page of twenty with a way on.
    assert "商品00" in page and "商品19" in page and "商品20" not in page
    assert "49" in page  # stock left after one exchange
    assert page.count('class="pt-code"') == 5
    assert "下一页" in page and "下一页" in mine
    assert mine.count("store/redemptions/") == 20
    assert "商品29" in mine  # newest first


def test_goods_management_and_edit_pages_do_not_grow_with_goods_or_restocks(world):
    clerk = _client(world.users["store_clerk"])
    first = _goods(world, 2)[0]
    manage_few, _ = _queries(clerk, reverse("store:manage"))
    edit_url = reverse("store:goods_edit", kwargs={"uuid": first.uuid})
    edit_few, _ = _queries(clerk, edit_url)

    _goods(world, 28, start=2)
    for _ in range(25):
        services.goods_restock(goods=first, actor=world.users["store_clerk"], quantity=1,
                               donor_name="爱心超市")
    manage_many, listing = _queries(clerk, reverse("store:manage"))
    edit_many, _ = _queries(clerk, edit_url)

    _same_cost(manage_many, manage_few)
    assert len(edit_many) == len(edit_few)
    assert "爱心超市" in listing and "下一页" in listing


def test_a_first_page_that_is_not_full_is_not_counted_and_later_pages_are(world, home):
    """The first page of a short list reads its rows once (no `COUNT(*)`); a long list still
    says how many pages it has, and its second page holds the rest."""
    resident = _client(world.users["resident"])
    _goods(world, 3)
    _, page = _queries(resident, reverse("store:index"))
    with CaptureQueriesContext(connection) as queries:
        resident.get(reverse("store:index"))
    assert not [q for q in queries.captured_queries
                if 'COUNT(*)' in q["sql"] and "store_goods" in q["sql"]]
    assert "商品02" in page and "下一页" not in page

    _goods(world, 20, start=3)
    _, first = _queries(resident, reverse("store:index"))
    _, second = _queries(resident, reverse("store:index") + "?page=2")
    assert "第 1 页，共 2 页" in first
    assert "下一页" in first and "商品19" in first and "商品20" not in first
    assert "商品20" in second and "商品22" in second and "下一页" not in second


def test_goods_page_of_the_own_community_skips_the_scope_and_others_stay_hidden(world, home):
    """The goods page reads the household once and the goods of its community without the
    scope query; goods of a community the user has nothing to do with are still a 404."""
    resident = _client(world.users["resident"])
    goods = store_goods(world.community, name="大米5斤", stock=7)
    sqls, page = _queries(resident, reverse("store:goods_detail", kwargs={"uuid": goods.uuid}))
    assert "大米5斤" in page and "爱心超市" in page and 'data-testid="stock">7<' in page
    member_reads = [s for s in sqls if "registry_householdbinding" in s]
    assert len(member_reads) <= 1, "\n".join(sqls)
    elsewhere = store_goods(world.other_community, name="食用油")
    response = resident.get(reverse("store:goods_detail", kwargs={"uuid": elsewhere.uuid}))
    assert response.status_code == 404
    # Staff of the other community see its goods (their role's scope), without a household.
    staff = _client(world.other["community_staff"])
    response = staff.get(reverse("store:goods_detail", kwargs={"uuid": elsewhere.uuid}))
    assert response.status_code == 200 and "食用油" in response.content.decode()
