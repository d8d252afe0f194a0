"""Access rules for activities, sign-ups, check-in, calendar and culture classes."""

from datetime import timedelta

from tests.access.rules import EVERYONE, PUBLIC, Rule

MANAGERS = frozenset({"community_staff", "street_admin"})


def _community(w, which):
    return getattr(w, which)


def _staff(w, which):
    return w.users["community_staff"] if which == "community" else w.other["community_staff"]


def _activity(which, **kwargs):
    def build(w):
        from tests.factories import activity_make

        return {"uuid": activity_make(_community(w, which), **kwargs).uuid}

    return build


def _live(which):
    return _activity(which, starts_in=-timedelta(minutes=10))


def _signup(which):
    def build(w):
        from linli.accounts.models import Role
        from linli.activities.services import signup_create
        from tests.factories import activity_make, activity_resident, user_with_role

        community = _community(w, which)
        activity = activity_make(community, starts_in=-timedelta(minutes=10))
        person = user_with_role(Role.RESIDENT, community)
        activity_resident(community, user=person)
        return {"uuid": signup_create(activity=activity, actor=person).uuid}

    return build


def _attendance(which):
    def build(w):
        from linli.activities.services import walkin_record
        from tests.factories import activity_make

        activity = activity_make(_community(w, which), starts_in=-timedelta(minutes=10))
        return {"uuid": walkin_record(activity=activity, actor=_staff(w, which),
                                      name="路过的居民", role="volunteer").uuid}

    return build


def _unique(name):
    import uuid

    return f"{name}{uuid.uuid4().hex[:6]}"


def _class(which):
    def build(w):
        from tests.factories import culture_class_make

        return {"uuid": culture_class_make(_community(w, which), name=_unique("剪纸班")).uuid}

    return build


def _session(which):
    def build(w):
        from tests.factories import culture_class_make

        klass = culture_class_make(_community(w, which), name=_unique("舞蹈队"))
        return {"uuid": klass.sessions.first().uuid}

    return build


def _future_session(which):
    def build(w):
        import datetime

        from django.utils import timezone

        from tests.factories import culture_class_make

        today = timezone.localdate()
        klass = culture_class_make(_community(w, which), name=_unique("声乐队"),
                                   weekdays=list(range(7)),
                                   term_start=today + datetime.timedelta(days=1),
                                   term_end=today + datetime.timedelta(days=8))
        return {"uuid": klass.sessions.first().uuid}

    return build


def _door(which, *, members_of_world: bool):
    def build(w):
        from tests.factories import activity_door_household, activity_make

        community = _community(w, which)
        users = list(w.users.values()) if members_of_world else []
        household = activity_door_household(community, users=users)
        return {"token": household.door_token, "uuid": activity_make(community).uuid}

    return build


def _new_activity(w):
    from django.utils import timezone

    start = timezone.now() + timedelta(days=3)
    return {"community": str(w.community.uuid), "title": "微党课", "kind": "party",
            "organiser": "社区党委", "place": "党群服务中心", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "signup_opens_at": timezone.now().isoformat(),
            "signup_closes_at": (start - timedelta(hours=1)).isoformat(), "capacity": 40}


NEW_CLASS = {"name": "书法研讨班", "teacher_name": "李老师", "place": "文化苑一楼",
             "weekdays": [2], "start_time": "14:30", "end_time": "16:00", "term_name": "秋季",
             "term_start": "2026-09-01", "term_end": "2026-12-31", "capacity": 25}

PAGE_RULES = {
    "activities:list": Rule(EVERYONE),
    "activities:mine": Rule(EVERYONE),
    "activities:calendar": Rule(EVERYONE),
    "activities:calendar_day": Rule(EVERYONE, kwargs=lambda w: {"day": "2026-03-03"}),
    "activities:ics": Rule(PUBLIC, kwargs=lambda w: {"community_uuid": w.community.uuid}),
    "activities:classes": Rule(EVERYONE),
    "activities:class_detail": Rule(EVERYONE, kwargs=_class("community"),
                                    foreign=_class("other_community")),
    "activities:class_enrol": Rule(EVERYONE, method="POST", kwargs=_class("community"),
                                   foreign=_class("other_community")),
    "activities:class_withdraw": Rule(EVERYONE, method="POST", kwargs=_class("community"),
                                      foreign=_class("other_community")),
    "activities:class_follow": Rule(EVERYONE, method="POST", kwargs=_class("community"),
                                    foreign=_class("other_community"),
                                    data=lambda w: {"follow": "1"}),
    "activities:detail": Rule(EVERYONE, kwargs=_activity("community"),
                              foreign=_activity("other_community")),
    "activities:signup": Rule(EVERYONE, method="POST", kwargs=_activity("community"),
                              foreign=_activity("other_community")),
    "activities:signup_cancel": Rule(EVERYONE, method="POST", kwargs=_activity("community"),
                                     foreign=_activity("other_community")),
    "activities:ticket": Rule(EVERYONE, kwargs=_activity("community"),
                              foreign=_activity("other_community")),
    "activities:checkin": Rule(EVERYONE, kwargs=_live("community"),
                               foreign=_live("other_community")),
    "activities:manage": Rule(MANAGERS),
    "activities:create": Rule(MANAGERS),
    "activities:scan": Rule(MANAGERS),
    "activities:manage_detail": Rule(MANAGERS, kwargs=_activity("community"),
                                     foreign=_activity("other_community")),
    "activities:edit": Rule(MANAGERS, kwargs=_activity("community"),
                            foreign=_activity("other_community")),
    "activities:transition": Rule(MANAGERS, method="POST",
                                  kwargs=_activity("community", publish=False),
                                  foreign=_activity("other_community", publish=False),
                                  data=lambda w: {"action": "publish"}),
    "activities:cancel": Rule(MANAGERS, kwargs=_activity("community"),
                              foreign=_activity("other_community")),
    "activities:summary": Rule(MANAGERS, kwargs=_activity("community"),
                               foreign=_activity("other_community")),
    "activities:beneficiaries": Rule(MANAGERS, method="POST", kwargs=_activity("community"),
                                     foreign=_activity("other_community"),
                                     data=lambda w: {"count": "2", "reason": "上门探访"}),
    "activities:qr": Rule(MANAGERS, kwargs=_live("community"), foreign=_live("other_community")),
    "activities:qr_fragment": Rule(MANAGERS, kwargs=_live("community"),
                                   foreign=_live("other_community")),
    "activities:walkin": Rule(MANAGERS, method="POST", kwargs=_live("community"),
                              foreign=_live("other_community"),
                              data=lambda w: {"name": "路过的居民", "role": "participant"}),
    "activities:staff_checkin": Rule(MANAGERS, method="POST", kwargs=_signup("community"),
                                     foreign=_signup("other_community")),
    "activities:checkout": Rule(MANAGERS, method="POST", kwargs=_attendance("community"),
                                foreign=_attendance("other_community")),
    "activities:class_manage": Rule(MANAGERS),
    "activities:class_create": Rule(MANAGERS),
    "activities:class_admin": Rule(MANAGERS, kwargs=_class("community"),
                                   foreign=_class("other_community")),
    "activities:class_generate": Rule(MANAGERS, method="POST", kwargs=_class("community"),
                                      foreign=_class("other_community")),
    "activities:session": Rule(MANAGERS, kwargs=_session("community"),
                               foreign=_session("other_community")),
    "activities:session_cancel": Rule(MANAGERS, kwargs=_future_session("community"),
                                      foreign=_future_session("other_community")),
    # Every role is family of the household here; anyone else's door plate is a 404.
    "activities:door_signup": Rule(EVERYONE, kwargs=_door("community", members_of_world=True),
                                   foreign=_door("other_community", members_of_world=False)),
}

A = "/api/v1/activities/{uuid}"

API_RULES = {
    ("GET", "/api/v1/activities"): Rule(EVERYONE),
    ("POST", "/api/v1/activities"): Rule(MANAGERS, data=_new_activity),
    ("GET", A): Rule(EVERYONE, kwargs=_activity("community"),
                     foreign=_activity("other_community")),
    ("PATCH", A): Rule(MANAGERS, kwargs=_activity("community"),
                       foreign=_activity("other_community"), data=lambda w: {"capacity": 50}),
    ("POST", A + "/publish"): Rule(MANAGERS, kwargs=_activity("community", publish=False),
                                   foreign=_activity("other_community", publish=False)),
    ("POST", A + "/start"): Rule(MANAGERS, kwargs=_activity("community"),
                                 foreign=_activity("other_community")),
    ("POST", A + "/end"): Rule(MANAGERS, kwargs=_live("community"),
                               foreign=_live("other_community")),
    ("POST", A + "/credit"): Rule(MANAGERS, kwargs=_activity("community"),
                                  foreign=_activity("other_community")),
    ("POST", A + "/cancel"): Rule(MANAGERS, kwargs=_activity("community"),
                                  foreign=_activity("other_community"),
                                  data=lambda w: {"reason": "暴雨预警"}),
    ("POST", A + "/summary"): Rule(MANAGERS, kwargs=_activity("community"),
                                   foreign=_activity("other_community"),
                                   data=lambda w: {"summary": "活动顺利"}),
    ("POST", A + "/beneficiaries"): Rule(MANAGERS, kwargs=_activity("community"),
                                         foreign=_activity("other_community"),
                                         data=lambda w: {"count": 3, "reason": "上门"}),
    ("POST", A + "/photos"): Rule(MANAGERS, kwargs=_live("community"),
                                  foreign=_live("other_community")),
    ("GET", A + "/photos"): Rule(EVERYONE, kwargs=_activity("community"),
                                 foreign=_activity("other_community")),
    ("GET", A + "/signups"): Rule(MANAGERS, kwargs=_activity("community"),
                                  foreign=_activity("other_community")),
    ("POST", A + "/signups"): Rule(EVERYONE, kwargs=_activity("community"),
                                   foreign=_activity("other_community")),
    ("POST", A + "/signups/cancel"): Rule(EVERYONE, kwargs=_activity("community"),
                                          foreign=_activity("other_community")),
    ("GET", "/api/v1/me/activity-signups"): Rule(EVERYONE),
    ("GET", A + "/checkin-code"): Rule(MANAGERS, kwargs=_live("community"),
                                       foreign=_live("other_community")),
    ("POST", A + "/checkins"): Rule(EVERYONE, kwargs=_live("community"),
                                    foreign=_live("other_community"),
                                    data=lambda w: {"token": "forged"}),
    ("GET", A + "/attendances"): Rule(MANAGERS, kwargs=_live("community"),
                                      foreign=_live("other_community")),
    ("POST", A + "/attendances"): Rule(MANAGERS, kwargs=_live("community"),
                                       foreign=_live("other_community"),
                                       data=lambda w: {"name": "路过的居民"}),
    ("POST", "/api/v1/activity-attendances/{uuid}/checkout"): Rule(
        MANAGERS, kwargs=_attendance("community"), foreign=_attendance("other_community")),
    ("GET", "/api/v1/activity-calendar"): Rule(EVERYONE),
    ("GET", "/api/v1/activity-stats/person-times"): Rule(MANAGERS),
    ("GET", "/api/v1/classes"): Rule(EVERYONE),
    ("POST", "/api/v1/classes"): Rule(MANAGERS, data=lambda w: {
        **NEW_CLASS, "community": str(w.community.uuid)}),
    ("GET", "/api/v1/classes/{uuid}"): Rule(EVERYONE, kwargs=_class("community"),
                                            foreign=_class("other_community")),
    ("GET", "/api/v1/classes/{uuid}/sessions"): Rule(EVERYONE, kwargs=_class("community"),
                                                     foreign=_class("other_community")),
    ("POST", "/api/v1/classes/{uuid}/sessions/generate"): Rule(
        MANAGERS, kwargs=_class("community"), foreign=_class("other_community")),
    ("POST", "/api/v1/classes/{uuid}/enrolments"): Rule(EVERYONE, kwargs=_class("community"),
                                                        foreign=_class("other_community")),
    ("POST", "/api/v1/classes/{uuid}/follow"): Rule(EVERYONE, kwargs=_class("community"),
                                                    foreign=_class("other_community"),
                                                    data=lambda w: {"follow": True}),
    ("POST", "/api/v1/class-sessions/{uuid}/attendance"): Rule(
        MANAGERS, kwargs=_session("community"), foreign=_session("other_community"),
        data=lambda w: {"present": []}),
}
