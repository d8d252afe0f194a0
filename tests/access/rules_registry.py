from tests.access.rules import EVERYONE, PUBLIC, Rule
from tests.factories import registry_world

REGISTRY = frozenset({"grid_worker", "community_staff", "street_admin"})
MANAGERS = frozenset({"community_staff", "street_admin"})
DECIDERS = REGISTRY | {"resident"}


def _r(w, key="a"):
    return registry_world(w)[key]


def _uuid(attr, key="a"):
    return lambda w: {"uuid": _r(w, key)[attr].uuid}


def _token(key="a"):
    return lambda w: {"token": _r(w, key)["household"].door_token}


PAGE_RULES = {
    "registry:index": Rule(REGISTRY),
    "registry:collect": Rule(REGISTRY),
    "registry:places": Rule(REGISTRY),
    "registry:building_plates": Rule(MANAGERS, kwargs=_uuid("building"),
                                     foreign=_uuid("building", "b")),
    "registry:household_new": Rule(REGISTRY),
    "registry:household_detail": Rule(REGISTRY, kwargs=_uuid("household"),
                                      foreign=_uuid("household", "b")),
    # Members of the household (the world's resident is household A's head), its grid worker
    # and its community's staff; a resident of another household gets 404.
    "registry:household_plate": Rule(DECIDERS, kwargs=_uuid("household"),
                                     foreign=_uuid("household", "b")),
    "registry:household_edit": Rule(REGISTRY, kwargs=_uuid("household"),
                                    foreign=_uuid("household", "b")),
    "registry:door_rotate": Rule(MANAGERS, method="POST", kwargs=_uuid("household"),
                                 foreign=_uuid("household", "b")),
    "registry:resident_new": Rule(REGISTRY, kwargs=_uuid("household"),
                                  foreign=_uuid("household", "b")),
    "registry:resident_check": Rule(
        REGISTRY, method="POST",
        data=lambda w: {"household": _r(w)["household"].uuid, "name": "王五"}),
    "registry:resident_detail": Rule(REGISTRY, kwargs=_uuid("resident"),
                                     foreign=_uuid("resident", "b")),
    "registry:resident_edit": Rule(REGISTRY, kwargs=_uuid("resident"),
                                   foreign=_uuid("resident", "b")),
    "registry:resident_anonymise": Rule(MANAGERS, method="POST", kwargs=_uuid("resident"),
                                        foreign=_uuid("resident", "b")),
    "registry:export": Rule(MANAGERS),
    "registry:bindings": Rule(DECIDERS),
    "registry:binding_decide": Rule(DECIDERS, method="POST", kwargs=_uuid("binding"),
                                    foreign=_uuid("binding", "b"),
                                    data=lambda w: {"confirm": "1"}),
    "registry:my_data": Rule(EVERYONE),
    "registry:my_data_download": Rule(EVERYONE),
    "registry:my_plate": Rule(EVERYONE),
    "registry:deletion_request": Rule(EVERYONE, method="POST"),
    "registry:door": Rule(PUBLIC, kwargs=_token()),
    "registry:door_verify": Rule(PUBLIC, method="POST", kwargs=_token(),
                                 data=lambda w: {"name": "x", "mobile": "13800000000"}),
    "registry:door_register": Rule(PUBLIC, kwargs=_token()),
}

_R = "/api/v1/registry"
API_RULES = {
    ("GET", f"{_R}/grids"): Rule(REGISTRY),
    ("GET", f"{_R}/tags"): Rule(REGISTRY),
    ("GET", f"{_R}/households"): Rule(REGISTRY),
    ("POST", f"{_R}/households"): Rule(
        REGISTRY, data=lambda w: {"grid": str(w.grid.uuid), "number": "new-1",
                                  "address": "新地址1号"}),
    ("GET", f"{_R}/households/{{uuid}}"): Rule(REGISTRY, kwargs=_uuid("household"),
                                               foreign=_uuid("household", "b")),
    ("PATCH", f"{_R}/households/{{uuid}}"): Rule(
        REGISTRY, kwargs=_uuid("household"), foreign=_uuid("household", "b"),
        data=lambda w: {"room": "102"}),
    ("POST", f"{_R}/households/{{uuid}}/door-token"): Rule(
        MANAGERS, kwargs=_uuid("household"), foreign=_uuid("household", "b")),
    ("GET", f"{_R}/residents"): Rule(REGISTRY),
    ("POST", f"{_R}/residents"): Rule(
        REGISTRY, data=lambda w: {"household": str(_r(w)["household"].uuid), "name": "王五"}),
    ("GET", f"{_R}/residents/{{uuid}}"): Rule(REGISTRY, kwargs=_uuid("resident"),
                                              foreign=_uuid("resident", "b")),
    ("PATCH", f"{_R}/residents/{{uuid}}"): Rule(
        REGISTRY, kwargs=_uuid("resident"), foreign=_uuid("resident", "b"),
        data=lambda w: {"ethnicity": "汉族"}),
    ("POST", f"{_R}/residents/{{uuid}}/reveal"): Rule(
        REGISTRY, kwargs=_uuid("resident"), foreign=_uuid("resident", "b"),
        data=lambda w: {"field": "mobile", "reason": "回访确认"}),
    ("POST", f"{_R}/residents/{{uuid}}/anonymise"): Rule(
        MANAGERS, kwargs=_uuid("resident"), foreign=_uuid("resident", "b")),
    ("GET", f"{_R}/me"): Rule(EVERYONE),
    ("GET", f"{_R}/bindings"): Rule(DECIDERS),
    ("POST", f"{_R}/bindings/{{uuid}}/decision"): Rule(
        DECIDERS, kwargs=_uuid("binding"), foreign=_uuid("binding", "b"),
        data=lambda w: {"confirm": True}),
}
