from tests.access.rules import EVERYONE, PUBLIC, STAFF, Rule

STAFF_ADMIN = frozenset({"community_staff", "street_admin"})
AUDIT = frozenset({"auditor", "street_admin"})

PAGE_RULES = {
    "home": Rule(PUBLIC),
    "healthz": Rule(PUBLIC),
    "set_language": Rule(PUBLIC, method="POST", data=lambda w: {"language": "zh-hans"}),
    "workbench": Rule(STAFF),
    "accounts:login": Rule(PUBLIC),
    "accounts:logout": Rule(PUBLIC, method="POST"),
    "accounts:me": Rule(EVERYONE),
    "accounts:elder_mode": Rule(PUBLIC, method="POST", data=lambda w: {"enabled": "1"}),
    "accounts:people": Rule(STAFF_ADMIN),
    "accounts:person": Rule(
        STAFF_ADMIN,
        kwargs=lambda w: {"uuid": w.users["volunteer"].uuid},
        foreign=lambda w: {"uuid": w.other["resident"].uuid},
    ),
    "common:audit": Rule(AUDIT),
}

API_RULES = {
    ("POST", "/api/v1/auth/token"): Rule(PUBLIC, data=lambda w: {"mobile": "13000000000",
                                                                   "password": "wrong-password"}),
    ("DELETE", "/api/v1/auth/token"): Rule(EVERYONE),
    ("GET", "/api/v1/me"): Rule(EVERYONE),
    ("PATCH", "/api/v1/me"): Rule(EVERYONE, data=lambda w: {"elder_mode": True}),
    ("GET", "/api/v1/communities"): Rule(EVERYONE),
    ("GET", "/api/v1/people"): Rule(STAFF_ADMIN),
    ("GET", "/api/v1/audit/events"): Rule(AUDIT),
}
