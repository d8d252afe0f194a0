from tests.access.rules import EVERYONE, Rule

MANAGERS = frozenset({"community_staff", "street_admin"})
ORDER_ROLES = frozenset({"resident", "volunteer", "grid_worker", "community_staff",
                         "street_admin"})
SPEAKERS = frozenset({"resident", "grid_worker", "community_staff", "street_admin"})
VOLUNTEER = frozenset({"volunteer"})
ZERO = "00000000-0000-4000-8000-000000000000"


def _order(key):
    def build(w):
        from tests.factories import orders_order

        return {"uuid": orders_order(w, key).uuid}

    return build


def _transition(key, action):
    def build(w):
        return {**_order(key)(w), "action": action}

    return build


def _meal(key):
    def build(w):
        from tests.factories import orders_meal

        return {"uuid": orders_meal(w, key).uuid}

    return build


def _project(key):
    def build(w):
        from tests.factories import orders_project

        return {"uuid": orders_project(w.community if key == "a" else w.other_community).uuid}

    return build


def _order_body(w):
    from tests.factories import orders_project, orders_slot, registry_world

    start, end = orders_slot()
    return {"project": str(orders_project(w.community).uuid),
            "household": str(registry_world(w)["a"]["household"].uuid),
            "slot_start": start.isoformat(), "slot_end": end.isoformat()}


def _meal_body(w):
    from django.utils import timezone

    from tests.factories import orders_project, registry_world

    orders_project(w.community, "meals")
    return {"household": str(registry_world(w)["a"]["household"].uuid),
            "date": timezone.localdate().isoformat()}


def _op(allowed, key_builder=None, data=None):
    if key_builder is None:
        return Rule(allowed, data=data)
    return Rule(allowed, kwargs=key_builder("a"), foreign=key_builder("b"), data=data)


PAGE_RULES = {
    "orders:new": Rule(EVERYONE),
    "orders:mine": Rule(EVERYONE),
    "orders:meals": Rule(EVERYONE),
    "orders:volunteer": Rule(VOLUNTEER),
    "orders:detail": _op(ORDER_ROLES, _order),
    "orders:transition": Rule(ORDER_ROLES, method="POST", kwargs=_transition("a", "cancel"),
                              foreign=_transition("b", "cancel")),
    "orders:board": Rule(MANAGERS),
    "orders:phone": Rule(MANAGERS | {"grid_worker"}),
    "orders:projects": Rule(MANAGERS),
    "orders:meal_prep": Rule(MANAGERS),
    "orders:meal_outcome": Rule(MANAGERS | VOLUNTEER, method="POST", kwargs=_meal("a"),
                                foreign=_meal("b")),
    "orders:dispatch": _op(MANAGERS, _order),
}

API_RULES = {
    ("GET", "/api/v1/orders/projects"): Rule(EVERYONE),
    ("POST", "/api/v1/orders/projects"): Rule(MANAGERS, data=lambda w: {
        "community": str(w.community.uuid), "code": "access-test", "name": "测试服务"}),
    ("PATCH", "/api/v1/orders/projects/{uuid}"): _op(MANAGERS, _project,
                                                      data=lambda w: {"points": 3}),
    ("GET", "/api/v1/orders"): Rule(EVERYONE),
    ("POST", "/api/v1/orders"): Rule(EVERYONE, data=_order_body),
    ("GET", "/api/v1/orders/board"): Rule(MANAGERS),
    ("GET", "/api/v1/orders/offers"): Rule(VOLUNTEER),
    ("GET", "/api/v1/orders/{uuid}"): _op(EVERYONE, _order),
    ("GET", "/api/v1/orders/{uuid}/candidates"): _op(MANAGERS, _order),
    ("POST", "/api/v1/orders/{uuid}/refuse"): _op(MANAGERS, _order,
                                                   data=lambda w: {"reason": "测试"}),
    ("POST", "/api/v1/orders/{uuid}/dispatch"): _op(MANAGERS, _order,
                                                     data=lambda w: {"team": ZERO}),
    ("POST", "/api/v1/orders/{uuid}/reassign"): _op(MANAGERS, _order,
                                                     data=lambda w: {"team": ZERO}),
    ("POST", "/api/v1/orders/{uuid}/accept"): _op(VOLUNTEER, _order),
    ("POST", "/api/v1/orders/{uuid}/decline"): _op(VOLUNTEER, _order),
    ("POST", "/api/v1/orders/{uuid}/check-in"): _op(VOLUNTEER, _order),
    ("POST", "/api/v1/orders/{uuid}/complete"): _op(VOLUNTEER, _order),
    ("POST", "/api/v1/orders/{uuid}/rate"): _op(SPEAKERS, _order, data=lambda w: {"stars": 5}),
    ("POST", "/api/v1/orders/{uuid}/dispute"): _op(SPEAKERS, _order,
                                                    data=lambda w: {"reason": "测试"}),
    ("POST", "/api/v1/orders/{uuid}/resolve"): _op(MANAGERS, _order, data=lambda w: {
        "pay": True, "note": "测试"}),
    ("POST", "/api/v1/orders/{uuid}/settle"): _op(MANAGERS, _order),
    ("POST", "/api/v1/orders/{uuid}/cancel"): _op(SPEAKERS, _order),
    ("GET", "/api/v1/meals"): Rule(EVERYONE),
    ("POST", "/api/v1/meals"): Rule(EVERYONE, data=_meal_body),
    ("POST", "/api/v1/meals/{uuid}/cancel"): _op(MANAGERS | {"resident"}, _meal),
    ("POST", "/api/v1/meals/{uuid}/outcome"): _op(MANAGERS | VOLUNTEER, _meal,
                                                   data=lambda w: {"delivered": True}),
    ("GET", "/api/v1/meals/preparation"): Rule(MANAGERS),
    ("POST", "/api/v1/meals/assignments"): Rule(MANAGERS, data=lambda w: {
        "community": str(w.community.uuid), "date": "2030-01-01", "volunteer": ZERO}),
}
