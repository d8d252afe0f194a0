from tests.access.rules import EVERYONE, Rule

REVIEWERS = frozenset({"grid_worker", "community_staff", "street_admin"})
MANAGERS = frozenset({"community_staff", "street_admin"})
CLAIM_VIEWERS = REVIEWERS | {"resident"}


def _home(w, key="a"):
    from tests.factories import points_member

    if key == "a":
        return points_member(community=w.community, user=w.users["resident"], grid=w.grid)
    return points_member(community=w.other_community, user=w.other["resident"],
                         grid=w.other_grid)


def _claim(key="a", photo=False):
    def build(w):
        from tests.factories import points_claim

        home = _home(w, key)
        return {"uuid": points_claim(home, user=home.residents.first().user, photo=photo).uuid}

    return build


def _convention(key="a"):
    def build(w):
        from tests.factories import points_convention

        return {"uuid": points_convention(w.community if key == "a" else w.other_community).uuid}

    return build


def _draft(key="a"):
    def build(w):
        from linli.points import services
        from linli.points.models import Convention
        from tests.factories import points_convention

        community = w.community if key == "a" else w.other_community
        points_convention(community)
        draft = Convention.objects.filter(community=community, status="draft").first()
        if draft is None:
            draft = services.convention_create(community=community, title="居民公约（修订）")
        return {"uuid": draft.uuid}

    return build


ITEM = {"code": "NB01", "title": "文明养犬", "category": "dogs", "points": 3, "period": "month"}
ADOPT = {"adopted_on": "2026-01-15", "meeting": "居民会议", "entitled_count": 100,
         "present_count": 60, "votes_for": 40}


def _rule_data(w):
    return {"community": w.community.uuid, "code": "volunteer_hour", "title": "志愿服务每小时",
            "points_per_unit": 2, "unit_label": "小时", "period": "month", "active": "on"}


PAGE_RULES = {
    "points:household": Rule(EVERYONE),
    "points:statement": Rule(EVERYONE),
    "points:claim_new": Rule(EVERYONE),
    "points:claim_detail": Rule(CLAIM_VIEWERS, kwargs=_claim(), foreign=_claim("b")),
    "points:claim_photo": Rule(CLAIM_VIEWERS, kwargs=_claim(photo=True),
                               foreign=_claim("b", photo=True)),
    "points:rankings": Rule(EVERYONE),
    "points:queue": Rule(REVIEWERS),
    "points:queue_bulk": Rule(REVIEWERS, method="POST",
                              data=lambda w: {"claims": [_claim()(w)["uuid"]]}),
    "points:claim_decide": Rule(REVIEWERS, method="POST", kwargs=_claim(), foreign=_claim("b"),
                                data=lambda w: {"action": "approve"}),
    "points:inspection_new": Rule(REVIEWERS),
    "points:conventions": Rule(MANAGERS),
    "points:convention_detail": Rule(MANAGERS, kwargs=_convention(),
                                     foreign=_convention("b")),
    "points:convention_item_add": Rule(MANAGERS, method="POST", kwargs=_draft(),
                                       foreign=_draft("b"), data=lambda w: ITEM),
    "points:convention_adopt": Rule(MANAGERS, method="POST", kwargs=_draft(),
                                    foreign=_draft("b"), data=lambda w: ADOPT),
    "points:rule_set": Rule(MANAGERS, method="POST", data=_rule_data),
}

API_RULES = {
    ("GET", "/api/v1/points/me"): Rule(EVERYONE),
    ("GET", "/api/v1/points/me/statement"): Rule(EVERYONE),
    ("GET", "/api/v1/points/me/claims"): Rule(EVERYONE),
    ("GET", "/api/v1/points/items"): Rule(EVERYONE),
    ("POST", "/api/v1/points/claims"): Rule(EVERYONE),
    ("GET", "/api/v1/points/claims"): Rule(REVIEWERS),
    ("GET", "/api/v1/points/claims/{uuid}"): Rule(CLAIM_VIEWERS, kwargs=_claim(),
                                                  foreign=_claim("b")),
    ("POST", "/api/v1/points/inspections"): Rule(REVIEWERS, data=lambda w: {
        "household": "00000000-0000-4000-8000-000000000000",
        "item": "00000000-0000-4000-8000-000000000000"}),
    ("POST", "/api/v1/points/claims/{uuid}/approve"): Rule(
        REVIEWERS, kwargs=_claim(), foreign=_claim("b"), data=lambda w: {}),
    ("POST", "/api/v1/points/claims/{uuid}/reject"): Rule(
        REVIEWERS, kwargs=_claim(), foreign=_claim("b"), data=lambda w: {"reason": "照片不清楚"}),
    ("POST", "/api/v1/points/claim-approvals"): Rule(
        REVIEWERS, data=lambda w: {"claims": [str(_claim()(w)["uuid"])]}),
    ("GET", "/api/v1/points/conventions"): Rule(MANAGERS),
    ("POST", "/api/v1/points/conventions"): Rule(
        MANAGERS, data=lambda w: {"community": str(w.community.uuid), "title": "居民公约"}),
    ("GET", "/api/v1/points/conventions/{uuid}"): Rule(MANAGERS, kwargs=_convention(),
                                                       foreign=_convention("b")),
    ("POST", "/api/v1/points/conventions/{uuid}/items"): Rule(
        MANAGERS, kwargs=_draft(), foreign=_draft("b"), data=lambda w: ITEM),
    ("POST", "/api/v1/points/conventions/{uuid}/adopt"): Rule(
        MANAGERS, kwargs=_draft(), foreign=_draft("b"), data=lambda w: ADOPT),
    ("GET", "/api/v1/points/rankings"): Rule(EVERYONE),
    ("GET", "/api/v1/points/rules"): Rule(MANAGERS),
    ("PUT", "/api/v1/points/rules"): Rule(MANAGERS, data=lambda w: {
        "community": str(w.community.uuid), "code": "activity_attendance", "title": "参加活动",
        "points_per_unit": 2}),
}
