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


# --- who may act: every claim, deduction, convention and award-rule action, per role -------
# The services decide (linli/points/policies.py); tests/points/test_action_matrix.py calls each
# service directly as every role (and as the system, actor=None): an allowed role's call must
# succeed, every other role is refused with PermissionDenied. Each call builds its own objects.


class Action:
    def __init__(self, allowed, run, system: bool = False):
        self.allowed, self.run, self.system = frozenset(allowed), run, system


def _fresh_home(w):
    from tests.factories import points_member

    return points_member(community=w.community, grid=w.grid)


def _fresh_claim(w, *, code="HW01", recorder=None):
    from tests.factories import points_claim, points_convention

    points_convention(w.community, deductions=True, cap=None)
    claim = points_claim(_fresh_home(w), code=code, user=recorder or w.users["resident"])
    return claim


def _claim_submit(w, actor):
    from linli.points import services
    from tests.factories import points_convention, points_member

    home = points_member(community=w.community, user=w.users["resident"], grid=w.grid)
    item = points_convention(w.community, deductions=True, cap=None).items.get(code="MA01")
    return services.claim_submit(household=home, item=item, actor=actor)


def _claim_record(code):
    def run(w, actor):
        from linli.points import services
        from tests.factories import points_convention

        item = points_convention(w.community, deductions=True, cap=None).items.get(code=code)
        return services.claim_record(household=_fresh_home(w), item=item, actor=actor)

    return run


def _claim_approve(code):
    def run(w, actor):
        from linli.points import services

        return services.claim_approve(claim=_fresh_claim(w, code=code), actor=actor)

    return run


def _claim_reject(code):
    def run(w, actor):
        from linli.points import services

        return services.claim_reject(claim=_fresh_claim(w, code=code), actor=actor,
                                     reason="照片看不清")

    return run


def _claim_bulk_approve(w, actor):
    from linli.common.exceptions import PermissionDenied
    from linli.points import services

    approved, refused = services.claim_bulk_approve(claims=[_fresh_claim(w)], actor=actor)
    if refused:  # bulk approval reports refusals instead of raising: surface them here
        raise PermissionDenied(refused[0][1])
    return approved


def _fresh_draft(w):
    from linli.points import services
    from linli.points.models import Convention, ConventionItem
    from tests.factories import points_convention

    points_convention(w.community)
    drafts = Convention.objects.filter(community=w.community, status="draft")
    ConventionItem.objects.filter(convention__in=drafts).delete()
    drafts.delete()
    return services.convention_create(community=w.community, title="居民公约（修订）")


def _convention_create(w, actor):
    from linli.points import services
    from linli.points.models import Convention, ConventionItem

    drafts = Convention.objects.filter(community=w.community, status="draft")
    ConventionItem.objects.filter(convention__in=drafts).delete()
    drafts.delete()
    return services.convention_create(community=w.community, title="居民公约", actor=actor)


def _convention_item_add(w, actor):
    from linli.points import services

    return services.convention_item_add(convention=_fresh_draft(w), actor=actor, **ITEM)


def _convention_adopt(w, actor):
    import datetime

    from linli.points import services

    draft = _fresh_draft(w)
    return services.convention_adopt(
        convention=draft, actor=actor, adopted_on=datetime.date(2026, 1, 15),
        meeting="居民会议", entitled_count=100, present_count=60, votes_for=40)


def _award_rule_set(w, actor):
    from linli.points import services

    return services.award_rule_set(community=w.community, code="volunteer_hour",
                                   title="志愿服务每小时", points_per_unit=2, actor=actor)


ACTION_RULES = {
    "claim_submit": Action({"resident"}, _claim_submit),
    "claim_record": Action(REVIEWERS, _claim_record("HW01")),
    "deduction_record": Action(REVIEWERS, _claim_record("DD01")),
    "claim_approve": Action(REVIEWERS, _claim_approve("HW01")),
    "claim_reject": Action(REVIEWERS, _claim_reject("HW01")),
    "claim_bulk_approve": Action(REVIEWERS, _claim_bulk_approve),
    "deduction_approve": Action(MANAGERS, _claim_approve("DD01")),
    "deduction_reject": Action(MANAGERS, _claim_reject("DD01")),
    "convention_create": Action(MANAGERS, _convention_create, system=True),
    "convention_item_add": Action(MANAGERS, _convention_item_add, system=True),
    "convention_adopt": Action(MANAGERS, _convention_adopt, system=True),
    "award_rule_set": Action(MANAGERS, _award_rule_set, system=True),
}
