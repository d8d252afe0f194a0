from tests.access.rules import EVERYONE, Rule

MANAGERS = frozenset({"community_staff", "street_admin"})
ORDER_ROLES = frozenset({"resident", "volunteer", "grid_worker", "community_staff",
                         "street_admin"})
SPEAKERS = frozenset({"resident", "grid_worker", "community_staff", "street_admin"})
VOLUNTEER = frozenset({"volunteer"})
ZERO = "00000000-0000-4000-8000-000000000000"


def _order(key, state="dispatched"):
    def build(w):
        from tests.factories import orders_order

        return {"uuid": orders_order(w, key, state=state).uuid}

    return build


def _in(state):
    """Builder of an order in `state` (per community key), for an action that starts there."""
    return lambda key: _order(key, state)


def _transition(key, action, state="dispatched"):
    def build(w):
        return {**_order(key, state)(w), "action": action}

    return build


#: Every button of the order page (`orders:transition`), the state it is pressed in, who may
#: press it, and the form it sends. tests/orders/test_access_actions.py walks each one for
#: every role: refused roles get 403 and the order is unchanged.
PAGE_ACTIONS = {
    "accept": ("dispatched", VOLUNTEER, None),
    "decline": ("dispatched", VOLUNTEER, None),
    "check_in": ("accepted", VOLUNTEER, None),
    "complete": ("in_service", VOLUNTEER, lambda w: {"minutes": "30", "note": "测试"}),
    "rate": ("completed", SPEAKERS, lambda w: {"stars": "5"}),
    "dispute": ("completed", SPEAKERS, lambda w: {"reason": "测试"}),
    "cancel": ("dispatched", SPEAKERS, None),
    "refuse": ("submitted", MANAGERS, lambda w: {"reason": "测试"}),
    "resolve": ("disputed", MANAGERS, lambda w: {"pay": "1", "note": "测试"}),
    "settle": ("rated", MANAGERS, None),
    "confirm_early": ("accepted", MANAGERS, None),
}


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
    "orders:transition": Rule(SPEAKERS, method="POST", kwargs=_transition("a", "cancel"),
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
    # Each action on an order in the state it starts from, so an allowed role really acts and
    # a refused one is refused by the service (403), not stopped by the state (409).
    ("POST", "/api/v1/orders/{uuid}/refuse"): _op(MANAGERS, _in("submitted"),
                                                   data=lambda w: {"reason": "测试"}),
    ("POST", "/api/v1/orders/{uuid}/dispatch"): _op(MANAGERS, _in("submitted"),
                                                     data=lambda w: {"team": ZERO}),
    ("POST", "/api/v1/orders/{uuid}/reassign"): _op(MANAGERS, _in("dispatched"),
                                                     data=lambda w: {"team": ZERO}),
    ("POST", "/api/v1/orders/{uuid}/accept"): _op(VOLUNTEER, _in("dispatched")),
    ("POST", "/api/v1/orders/{uuid}/decline"): _op(VOLUNTEER, _in("dispatched")),
    ("POST", "/api/v1/orders/{uuid}/check-in"): _op(VOLUNTEER, _in("accepted")),
    ("POST", "/api/v1/orders/{uuid}/complete"): _op(VOLUNTEER, _in("in_service"),
                                                     data=lambda w: {"minutes": 30}),
    ("POST", "/api/v1/orders/{uuid}/photo"): _op(VOLUNTEER, _in("in_service")),
    ("POST", "/api/v1/orders/{uuid}/confirm-early"): _op(MANAGERS, _in("accepted")),
    ("POST", "/api/v1/orders/{uuid}/rate"): _op(SPEAKERS, _in("completed"),
                                                 data=lambda w: {"stars": 5}),
    ("POST", "/api/v1/orders/{uuid}/dispute"): _op(SPEAKERS, _in("completed"),
                                                    data=lambda w: {"reason": "测试"}),
    ("POST", "/api/v1/orders/{uuid}/resolve"): _op(MANAGERS, _in("disputed"), data=lambda w: {
        "pay": True, "note": "测试"}),
    ("POST", "/api/v1/orders/{uuid}/settle"): _op(MANAGERS, _in("rated")),
    ("POST", "/api/v1/orders/{uuid}/cancel"): _op(SPEAKERS, _in("dispatched")),
    ("GET", "/api/v1/meals"): Rule(EVERYONE),
    ("POST", "/api/v1/meals"): Rule(EVERYONE, data=_meal_body),
    ("POST", "/api/v1/meals/{uuid}/cancel"): _op(MANAGERS | {"resident"}, _meal),
    ("POST", "/api/v1/meals/{uuid}/outcome"): _op(MANAGERS | VOLUNTEER, _meal,
                                                   data=lambda w: {"delivered": True}),
    ("GET", "/api/v1/meals/preparation"): Rule(MANAGERS),
    ("POST", "/api/v1/meals/assignments"): Rule(MANAGERS, data=lambda w: {
        "community": str(w.community.uuid), "date": "2030-01-01", "volunteer": ZERO}),
}
