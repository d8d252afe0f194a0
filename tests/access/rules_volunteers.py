from tests.access.rules import EVERYONE, PUBLIC, Rule

VOLUNTEER_STAFF = frozenset({"community_staff", "street_admin"})


def _volunteer(community_attr, status="active"):
    def build(w):
        from tests.factories import volunteer_make

        return {"uuid": volunteer_make(community=getattr(w, community_attr), status=status).uuid}

    return build


def _certificate(community_attr):
    def build(w):
        from tests.factories import certificate_make

        return {"token": certificate_make(community=getattr(w, community_attr)).token}

    return build


def _team(community_attr):
    def build(w):
        from tests.factories import volunteer_team

        return {"uuid": volunteer_team(community=getattr(w, community_attr)).uuid}

    return build


def _project(community_attr):
    def build(w):
        from tests.factories import party_project_make

        return {"uuid": party_project_make(community=getattr(w, community_attr)).uuid}

    return build


def _report(community_attr):
    def build(w):
        from tests.factories import party_member_make

        return {"uuid": party_member_make(community=getattr(w, community_attr),
                                          confirmed=False).uuid}

    return build


PAGE_RULES = {
    "volunteers:me": Rule(EVERYONE),
    "volunteers:register": Rule(EVERYONE),
    "volunteers:my_teams": Rule(EVERYONE),
    "volunteers:team_leave": Rule(EVERYONE, method="POST", kwargs=_team("community")),
    "volunteers:profile": Rule(EVERYONE),
    "volunteers:withdraw": Rule(EVERYONE),
    "volunteers:certificate_request": Rule(EVERYONE, method="POST"),
    "volunteers:my_certificate": Rule(EVERYONE),
    "volunteers:verify": Rule(PUBLIC, kwargs=_certificate("community")),
    "volunteers:party": Rule(EVERYONE),
    "volunteers:party_claim": Rule(EVERYONE, method="POST", kwargs=_project("community"),
                                   foreign=_project("other_community")),
    "volunteers:staff_list": Rule(VOLUNTEER_STAFF),
    "volunteers:staff_detail": Rule(VOLUNTEER_STAFF, kwargs=_volunteer("community"),
                                    foreign=_volunteer("other_community")),
    "volunteers:staff_decide": Rule(VOLUNTEER_STAFF, method="POST",
                                    kwargs=_volunteer("community", "pending"),
                                    foreign=_volunteer("other_community", "pending"),
                                    data=lambda w: {"action": "approve"}),
    "volunteers:commend": Rule(VOLUNTEER_STAFF, method="POST", kwargs=_volunteer("community"),
                               foreign=_volunteer("other_community"),
                               data=lambda w: {"title": "优秀志愿者", "awarded_by": "街道",
                                               "awarded_on": "2024-05-01"}),
    "volunteers:staff_certificate": Rule(VOLUNTEER_STAFF, method="POST",
                                         kwargs=_volunteer("community"),
                                         foreign=_volunteer("other_community")),
    "volunteers:staff_certificate_pdf": Rule(VOLUNTEER_STAFF, kwargs=_certificate("community"),
                                             foreign=_certificate("other_community")),
    "volunteers:certificate_revoke": Rule(VOLUNTEER_STAFF, method="POST",
                                          kwargs=_certificate("community"),
                                          foreign=_certificate("other_community"),
                                          data=lambda w: {"reason": "信息有误"}),
    "volunteers:teams": Rule(VOLUNTEER_STAFF),
    "volunteers:team": Rule(VOLUNTEER_STAFF, kwargs=_team("community"),
                            foreign=_team("other_community")),
    "volunteers:party_staff": Rule(VOLUNTEER_STAFF),
    "volunteers:report_decide": Rule(VOLUNTEER_STAFF, method="POST", kwargs=_report("community"),
                                     foreign=_report("other_community"),
                                     data=lambda w: {"action": "confirm"}),
    "volunteers:project": Rule(VOLUNTEER_STAFF, kwargs=_project("community"),
                               foreign=_project("other_community")),
    "volunteers:deeds": Rule(VOLUNTEER_STAFF),
}

SLOTS = [{"weekday": 0, "start": "08:00", "end": "12:00"}]

API_RULES = {
    ("GET", "/api/v1/volunteers/skills"): Rule(EVERYONE),
    ("POST", "/api/v1/volunteers/registrations"): Rule(EVERYONE, data=lambda w: {
        "availability": SLOTS, "health_ok": True, "consent": True}),
    ("GET", "/api/v1/volunteers/me"): Rule(EVERYONE),
    ("POST", "/api/v1/volunteers/me/certificates"): Rule(EVERYONE),
    ("PATCH", "/api/v1/volunteers/me"): Rule(EVERYONE, data=lambda w: {"skills_note": "会修"}),
    ("POST", "/api/v1/volunteers/me/withdrawal"): Rule(EVERYONE,
                                                       data=lambda w: {"reason": "工作调动"}),
    ("GET", "/api/v1/volunteers"): Rule(VOLUNTEER_STAFF),
    ("GET", "/api/v1/volunteers/{uuid}"): Rule(VOLUNTEER_STAFF, kwargs=_volunteer("community"),
                                               foreign=_volunteer("other_community")),
    ("POST", "/api/v1/volunteers/{uuid}/decision"): Rule(
        VOLUNTEER_STAFF, kwargs=_volunteer("community", "pending"),
        foreign=_volunteer("other_community", "pending"), data=lambda w: {"action": "approve"}),
    ("POST", "/api/v1/volunteers/{uuid}/commendations"): Rule(
        VOLUNTEER_STAFF, kwargs=_volunteer("community"), foreign=_volunteer("other_community"),
        data=lambda w: {"title": "优秀志愿者", "awarded_by": "街道", "awarded_on": "2024-05-01"}),
    ("POST", "/api/v1/volunteers/{uuid}/certificates"): Rule(
        VOLUNTEER_STAFF, kwargs=_volunteer("community"), foreign=_volunteer("other_community")),
    ("GET", "/api/v1/volunteer-teams"): Rule(VOLUNTEER_STAFF),
    # A community's team (community staff may not create a team of the whole street)
    ("POST", "/api/v1/volunteer-teams"): Rule(VOLUNTEER_STAFF, data=lambda w: {
        "name": "测试服务队", "team_type": "legal", "community": str(w.community.uuid)}),
    ("GET", "/api/v1/volunteer-teams/{uuid}/members"): Rule(
        VOLUNTEER_STAFF, kwargs=_team("community"), foreign=_team("other_community")),
    ("POST", "/api/v1/volunteer-teams/{uuid}/members"): Rule(
        VOLUNTEER_STAFF, kwargs=_team("community"), foreign=_team("other_community"),
        data=lambda w: {"volunteer": "00000000-0000-4000-8000-000000000000"}),
    ("GET", "/api/v1/party/figures"): Rule(VOLUNTEER_STAFF),
    ("POST", "/api/v1/party/reports"): Rule(EVERYONE, data=lambda w: {"name": "张三"}),
    ("POST", "/api/v1/party/reports/{uuid}/decision"): Rule(
        VOLUNTEER_STAFF, kwargs=_report("community"), foreign=_report("other_community"),
        data=lambda w: {"confirm": True}),
    ("GET", "/api/v1/party/projects"): Rule(EVERYONE),
    ("POST", "/api/v1/party/projects"): Rule(VOLUNTEER_STAFF, data=lambda w: {
        "title": "爱心理发", "planned_claims": 3}),
    ("POST", "/api/v1/party/projects/{uuid}/claims"): Rule(
        EVERYONE, kwargs=_project("community"), foreign=_project("other_community"),
        data=lambda w: {}),
}
