from tests.access.rules import EVERYONE, Rule

CLERKS = frozenset({"store_clerk", "community_staff", "street_admin"})
VIEWERS = CLERKS | {"resident"}


def _community(w, key):
    return w.community if key == "a" else w.other_community


def _goods(key="a", photo=False):
    def build(w):
        from tests.factories import store_goods

        return {"uuid": store_goods(_community(w, key), photo=photo).uuid}

    return build


def _redemption_object(w, key):
    """One redemption per community and world: the matrix asks every role about the same one
    (creating one per request would hit the household's daily redemption limit)."""
    cache = w.__dict__.setdefault("_store_redemptions", {})
    if key not in cache:
        cache[key] = _new_redemption(w, key)
    return cache[key]


def _new_redemption(w, key):
    import uuid as _uuid

    from linli.store.services import redemption_create
    from tests.factories import points_fund, points_member, store_goods

    resident = w.users["resident"] if key == "a" else w.other["resident"]
    if key == "a":
        home = points_member(community=w.community, user=resident, grid=w.grid)
    else:
        home = points_member(community=w.other_community, user=resident, grid=w.other_grid)
    points_fund(home, 100)
    goods = store_goods(_community(w, key))
    return redemption_create(household=home, goods=goods, quantity=1,
                             idempotency_key=_uuid.uuid4().hex, actor=resident)


def _redemption(key="a"):
    return lambda w: {"uuid": _redemption_object(w, key).uuid}


def _code(key="a"):
    return lambda w: {"code": _redemption_object(w, key).pickup_code}


PAGE_RULES = {
    "store:index": Rule(EVERYONE),
    "store:goods_detail": Rule(EVERYONE, kwargs=_goods(), foreign=_goods("b")),
    "store:goods_photo": Rule(EVERYONE, kwargs=_goods(photo=True),
                              foreign=_goods("b", photo=True)),
    "store:redeem": Rule(EVERYONE, method="POST", kwargs=_goods(), foreign=_goods("b"),
                         data=lambda w: {"quantity": "1"}),
    "store:mine": Rule(EVERYONE),
    "store:redemption_detail": Rule(VIEWERS, kwargs=_redemption(), foreign=_redemption("b")),
    "store:redemption_cancel": Rule(VIEWERS, method="POST", kwargs=_redemption(),
                                    foreign=_redemption("b")),
    "store:counter": Rule(CLERKS),
    "store:hand_over": Rule(CLERKS, method="POST", kwargs=_redemption(),
                            foreign=_redemption("b"), data=lambda w: _code()(w)),
    "store:manage": Rule(CLERKS),
    "store:goods_new": Rule(CLERKS),
    "store:goods_edit": Rule(CLERKS, kwargs=_goods(), foreign=_goods("b")),
    "store:restock": Rule(CLERKS, method="POST", kwargs=_goods(), foreign=_goods("b"),
                          data=lambda w: {"quantity": "5"}),
}

API_RULES = {
    ("GET", "/api/v1/store/goods"): Rule(EVERYONE),
    ("GET", "/api/v1/store/goods/{uuid}"): Rule(EVERYONE, kwargs=_goods(), foreign=_goods("b")),
    ("POST", "/api/v1/store/goods"): Rule(CLERKS, data=lambda w: {
        "community": str(w.community.uuid), "name": "洗衣液", "price": 30, "stock": 5}),
    ("PUT", "/api/v1/store/goods/{uuid}"): Rule(
        CLERKS, kwargs=_goods(), foreign=_goods("b"),
        data=lambda w: {"name": "大米10斤", "price": 90, "limit_per_household": 1}),
    ("GET", "/api/v1/store/redemptions"): Rule(CLERKS),
    ("POST", "/api/v1/store/goods/{uuid}/photo"): Rule(CLERKS, kwargs=_goods(),
                                                       foreign=_goods("b")),
    ("POST", "/api/v1/store/goods/{uuid}/restock"): Rule(
        CLERKS, kwargs=_goods(), foreign=_goods("b"), data=lambda w: {"quantity": 5}),
    ("POST", "/api/v1/store/redemptions"): Rule(EVERYONE, data=lambda w: {
        "goods": str(_goods()(w)["uuid"]), "quantity": 1, "idempotency_key": "access-redeem"}),
    ("GET", "/api/v1/store/me/redemptions"): Rule(EVERYONE),
    ("GET", "/api/v1/store/redemptions/{uuid}"): Rule(VIEWERS, kwargs=_redemption(),
                                                      foreign=_redemption("b")),
    ("POST", "/api/v1/store/redemptions/{uuid}/cancel"): Rule(
        VIEWERS, kwargs=_redemption(), foreign=_redemption("b"), data=lambda w: {}),
    ("GET", "/api/v1/store/counter/{code}"): Rule(CLERKS, kwargs=_code(), foreign=_code("b")),
    ("POST", "/api/v1/store/redemptions/{uuid}/hand-over"): Rule(
        CLERKS, kwargs=_redemption(), foreign=_redemption("b"), data=lambda w: _code()(w)),
}


# --- who may act: every goods, exchange and counter action, per role ---------------------
# The services decide (linli/store/policies.py); tests/store/test_action_matrix.py calls each
# service directly as every role (and as the system, actor=None): an allowed role's call must
# succeed, every other role is refused with PermissionDenied. Each call builds its own objects.


class Action:
    def __init__(self, allowed, run, system: bool = False):
        self.allowed, self.run, self.system = frozenset(allowed), run, system


def _fresh_redemption(w):
    import uuid as _uuid

    from linli.store.services import redemption_create
    from tests.factories import points_fund, points_member, store_goods

    home = points_member(community=w.community, user=w.users["resident"], grid=w.grid)
    points_fund(home, 10)
    return redemption_create(household=home, goods=store_goods(w.community), quantity=1,
                             idempotency_key=_uuid.uuid4().hex, actor=w.users["resident"])


def _goods_create(w, actor):
    from linli.store import services

    return services.goods_create(community=w.community, name="洗衣液", price=30, stock=5,
                                 actor=actor)


def _goods_update(w, actor):
    from linli.store import services
    from tests.factories import store_goods

    return services.goods_update(goods=store_goods(w.community), actor=actor, name="大米10斤",
                                 price=20)


def _goods_restock(w, actor):
    from linli.store import services
    from tests.factories import store_goods

    return services.goods_restock(goods=store_goods(w.community), quantity=5, actor=actor)


def _redeem(w, actor):
    import uuid as _uuid

    from linli.store import services
    from tests.factories import points_fund, points_member, store_goods

    home = points_member(community=w.community, user=w.users["resident"], grid=w.grid)
    points_fund(home, 10)
    return services.redemption_create(household=home, goods=store_goods(w.community),
                                      quantity=1, idempotency_key=_uuid.uuid4().hex,
                                      actor=actor)


def _cancel(w, actor):
    from linli.store import services

    return services.redemption_cancel(redemption=_fresh_redemption(w), actor=actor)


def _counter_lookup(w, actor):
    from linli.store import services

    return services.counter_lookup(actor=actor, code=_fresh_redemption(w).pickup_code)


def _hand_over(w, actor):
    from linli.store import services

    redemption = _fresh_redemption(w)
    return services.redemption_hand_over(redemption=redemption, actor=actor,
                                         code=redemption.pickup_code)


def _expire(w, actor):
    import datetime

    from django.utils import timezone

    from linli.store import services
    from linli.store.models import Redemption

    redemption = _fresh_redemption(w)
    Redemption.objects.filter(pk=redemption.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1))
    redemption.refresh_from_db()
    return services.redemption_expire(redemption=redemption, actor=actor)


ACTION_RULES = {
    "goods_create": Action(CLERKS, _goods_create, system=True),
    "goods_update": Action(CLERKS, _goods_update, system=True),
    "goods_restock": Action(CLERKS, _goods_restock, system=True),
    "redemption_create": Action({"resident"}, _redeem),
    "redemption_cancel": Action(VIEWERS, _cancel),
    "counter_lookup": Action(CLERKS, _counter_lookup),
    "redemption_hand_over": Action(CLERKS, _hand_over),
    "redemption_expire": Action(set(), _expire, system=True),
}
