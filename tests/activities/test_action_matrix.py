"""The access matrix for every state-changing activity action, not only one: each button of the
staff page `activities:transition` (every key of `views.TRANSITIONS`) and every other activity
and class action, posted through the page and called through the API by every role of the
`world` (and anonymous visitors, and the staff of the other community), each on a fresh object
in the state the action starts from.

Refused roles go first and must leave the database as it was: 403 for a role the page or
operation is not for, the login page (401 in the API) for anonymous visitors, 404 for staff of
the other community (they cannot see the object), and on the residents' pages a refusal by the
service comes back as the page with an error message. Allowed roles get through and the
database moves (status, row created, field set): the effect is asserted, not only the code."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from tests.access.rules import EVERYONE, ROLES

pytestmark = pytest.mark.django_db

MANAGERS = frozenset({"community_staff", "street_admin"})
#: Every role of the world, anonymous visitors, and community B's staff and resident.
ALL = ("anonymous", *ROLES, "other_staff", "other_resident")
OUTSIDERS = ("other_staff", "other_resident")  # community A's objects are a 404 to them
#: signup_create answers the system (no person) "please sign in" (a ValidationError, 400)
#: before asking the policy; still a refusal, and nothing is written.
SYSTEM_REFUSED_AS_INVALID = {"signup:self", "signup:volunteer", "signup:stranger",
                             "signup:door_plate"}
LIVE = -datetime.timedelta(minutes=10)  # started ten minutes ago: check-in is open
API = "/api/v1"


@dataclass(frozen=True)
class Action:
    #: Roles that may take the action (anonymous visitors and community B never may).
    allowed: frozenset
    #: (world, user or None) -> ctx: a fresh object in the state the action starts from.
    setup: Callable
    #: ctx -> a value of the database the action changes (status, count, field).
    effect: Callable
    #: ctx -> (url, form data) for the page, or None.
    page: Callable | None = None
    #: ctx -> (method, path, JSON body) for the API, or None.
    api: Callable | None = None
    #: The page and operation are for staff (@roles_required, require_roles): other roles get
    #: 403 before any lookup. Otherwise they are for every signed-in person, community B's
    #: people get 404, and a refusal by the service is an error message on the page (403 in
    #: the API).
    for_staff: bool = True
    #: (ctx, actor) -> calls the service directly (actor None: the system), or None.
    service: Callable | None = None
    #: The system (actor=None: demo loader, periodic task) may take the action.
    system: bool = False


def _user(world, role):
    if role == "anonymous":
        return None
    if role in OUTSIDERS:
        return world.other["community_staff" if role == "other_staff" else "resident"]
    return world.users[role]


def _unique(name):
    import uuid

    return f"{name}{uuid.uuid4().hex[:6]}"


# --- fresh objects ------------------------------------------------------------------------


def _activity(**kwargs):
    def setup(world, user):
        from tests.factories import activity_make

        return SimpleNamespace(activity=activity_make(world.community, **kwargs), user=user)

    return setup


def _ended(world, user):
    from linli.activities import services
    from tests.factories import activity_make

    activity = activity_make(world.community, starts_in=LIVE)
    return SimpleNamespace(activity=services.activity_end(activity=activity, actor=None),
                           user=user)


def _credit_failed(world, user):
    """An ended activity whose participant's crediting failed (to be retried)."""
    from linli.activities import services
    from linli.activities.models import Attendance, CreditStatus
    from tests.factories import activity_make, activity_resident

    activity = activity_make(world.community, starts_in=LIVE)
    attendance = services.walkin_record(
        activity=activity, actor=world.users["community_staff"],
        resident=activity_resident(world.community, name="张阿姨"))
    services.activity_end(activity=activity, actor=None)
    Attendance.objects.filter(pk=attendance.pk).update(credit_status=CreditStatus.FAILED,
                                                       credit_note="积分账户暂不可用")
    return SimpleNamespace(activity=activity, attendance=attendance, user=user)


def _someones_signup(world, *, starts_in=None):
    from linli.accounts.models import Role
    from linli.activities import services
    from tests.factories import activity_make, activity_resident, user_with_role

    activity = activity_make(world.community, starts_in=starts_in)
    person = user_with_role(Role.RESIDENT, world.community)
    activity_resident(world.community, user=person)
    return services.signup_create(activity=activity, actor=person)


def _own_signup(*, starts_in=None):
    """The acting person's own sign-up (someone else's where they cannot sign up)."""

    def setup(world, user):
        from linli.activities import policies, services
        from tests.factories import activity_make

        activity = activity_make(world.community, starts_in=starts_in)
        if user is not None and policies.can_sign_up(user, activity):
            signup = services.signup_create(activity=activity, actor=user)
        else:
            signup = _someones_signup(world, starts_in=starts_in)
            activity = signup.activity
        return SimpleNamespace(activity=activity, signup=signup, user=user)

    return setup


def _signup(world, user):
    signup = _someones_signup(world, starts_in=LIVE)
    return SimpleNamespace(activity=signup.activity, signup=signup, user=user)


def _signup_published(world, user):
    signup = _someones_signup(world)
    return SimpleNamespace(activity=signup.activity, signup=signup, user=user)


def _volunteer_attendance(world, user):
    from linli.activities import services
    from tests.factories import activity_make

    activity = activity_make(world.community, starts_in=LIVE)
    attendance = services.walkin_record(activity=activity, actor=world.users["community_staff"],
                                        name="刘阿姨", role="volunteer")
    return SimpleNamespace(activity=activity, attendance=attendance, user=user)


def _stranger(world, user):
    """A published activity and a resident of its community outside the actor's household."""
    from tests.factories import activity_make, activity_resident

    return SimpleNamespace(activity=activity_make(world.community), user=user,
                           resident=activity_resident(world.community, name="别家老人"))


def _door(world, user):
    """A household every role of the world is confirmed family of (door-plate binding)."""
    from tests.factories import activity_door_household, activity_make

    household = activity_door_household(world.community, users=list(world.users.values()))
    return SimpleNamespace(activity=activity_make(world.community), household=household,
                           member=household.residents.get(), user=user)


def _class(*, future=False):
    def setup(world, user):
        from tests.factories import culture_class_make

        fields = {"name": _unique("剪纸班")}
        if future:
            today = timezone.localdate()
            fields.update(weekdays=list(range(7)), term_start=today + datetime.timedelta(days=1),
                          term_end=today + datetime.timedelta(days=8))
        klass = culture_class_make(world.community, **fields)
        return SimpleNamespace(klass=klass, session=klass.sessions.order_by("date").first(),
                               user=user)

    return setup


def _class_missing_a_session(world, user):
    ctx = _class()(world, user)
    ctx.klass.sessions.order_by("-date").first().delete()
    return ctx


def _own_enrolment(world, user):
    from linli.accounts.models import Role
    from linli.activities import policies, services
    from tests.factories import activity_resident, user_with_role

    ctx = _class()(world, user)
    actor = user
    if actor is None or not policies.can_enrol(actor, ctx.klass):
        actor = user_with_role(Role.RESIDENT, world.community)
        activity_resident(world.community, user=actor)
    ctx.enrolment = services.enrolment_create(culture_class=ctx.klass, actor=actor)
    return ctx


def _enrolled_session(world, user):
    from linli.accounts.models import Role
    from linli.activities import services
    from tests.factories import activity_resident, user_with_role

    ctx = _class()(world, user)  # the spring term: its sessions have begun
    person = user_with_role(Role.RESIDENT, world.community)
    activity_resident(world.community, user=person)
    ctx.enrolment = services.enrolment_create(culture_class=ctx.klass, actor=person)
    return ctx


def _nothing(world, user):
    return SimpleNamespace(world=world, user=user)


# --- effects ------------------------------------------------------------------------------


def _status(c):
    from linli.activities.models import Activity

    return Activity.objects.get(pk=c.activity.pk).status


def _signups(c):
    return c.activity.signups.count()


def _signup_status(c):
    from linli.activities.models import Signup

    return Signup.objects.get(pk=c.signup.pk).status


def _attendances(c):
    return c.activity.attendances.count()


def _credit(c):
    from linli.activities.models import Attendance

    return Attendance.objects.filter(pk=c.attendance.pk).values_list(
        "credit_status", "credit_note").get()


def _checked_out(c):
    from linli.activities.models import Attendance

    return Attendance.objects.get(pk=c.attendance.pk).checked_out_at is not None


def _field(name):
    def effect(c):
        from linli.activities.models import Activity

        return getattr(Activity.objects.get(pk=c.activity.pk), name)

    return effect


def _photos(c):
    return c.activity.photos.count()


def _enrolments(c):
    return c.klass.enrolments.count()


def _enrolment_status(c):
    from linli.activities.models import Enrolment

    return Enrolment.objects.get(pk=c.enrolment.pk).status


def _follows(c):
    return c.klass.follows.count()


def _sessions(c):
    return c.klass.sessions.count()


def _session_cancelled(c):
    from linli.activities.models import ClassSession

    return ClassSession.objects.get(pk=c.session.pk).cancelled


def _session_attendances(c):
    return c.session.attendances.count()


def _activities_of_a(c):
    from linli.activities.models import Activity

    return Activity.objects.filter(community=c.world.community).count()


def _classes_of_a(c):
    from linli.activities.models import CultureClass

    return CultureClass.objects.filter(community=c.world.community).count()


# --- requests -----------------------------------------------------------------------------


def _page(name, data=None, key="activity"):
    def build(c):
        obj = getattr(c, key)
        return reverse(f"activities:{name}", kwargs={"uuid": obj.uuid}), (
            data(c) if callable(data) else dict(data or {}))

    return build


def _api(path, body=None, key="activity", method="POST"):
    def build(c):
        obj = getattr(c, key, None)
        url = API + (path.format(uuid=obj.uuid) if obj is not None else path)
        return method, url, body(c) if callable(body) else (
            dict(body) if body is not None else {})

    build.operation = ("POST" if method == "MULTIPART" else method, API + path)
    return build


def _token(c):
    from linli.activities import services

    return services.checkin_token(activity=c.activity)


def _ticket(c):
    from linli.activities import services

    return services.ticket_token(signup=c.signup)


def _new_activity(c):
    from tests.access.rules_activities import _new_activity as body

    return body(c.world)


def _new_class(c):
    from tests.access.rules_activities import NEW_CLASS

    return {**NEW_CLASS, "name": _unique("书法班"), "community": str(c.world.community.uuid)}


def _photo(c):
    from tests.factories import points_png

    return {"photo": points_png(), "caption": "合影"}


def _svc(service_name, /, **kwargs):
    """ctx, actor -> services.<name>(..., actor=actor); kwargs map argument -> ctx -> value."""

    def call(c, actor):
        from linli.activities import services

        values = {k: (v(c) if callable(v) else v) for k, v in kwargs.items()}
        return getattr(services, service_name)(actor=actor, **values)

    return call


def _on_activity(c):
    return c.activity


def _make_activity(c, actor):
    from tests.factories import activity_make

    return activity_make(c.world.community, actor=actor, publish=False)


def _make_class(c, actor):
    from tests.factories import culture_class_make

    return culture_class_make(c.world.community, actor=actor, name=_unique("书法班"))


def _photo_add(c, actor):
    from linli.activities import services
    from tests.factories import points_png

    return services.activity_photo_add(activity=c.activity, actor=actor, image=points_png())


def _follow(c, actor):
    from linli.activities import services

    return services.class_follow_set(culture_class=c.klass, user=actor, follow=True)


#: The buttons of the staff page `activities:transition` (its `action` field), each with the
#: state it starts from and the effect: every key of views.TRANSITIONS must be here.
TRANSITIONS = {
    "publish": Action(MANAGERS, _activity(publish=False), _status,
                      api=_api("/activities/{uuid}/publish"), system=True,
                      service=_svc("activity_publish", activity=_on_activity)),
    "start": Action(MANAGERS, _activity(), _status, api=_api("/activities/{uuid}/start"),
                    service=_svc("activity_start", activity=_on_activity), system=True),
    "end": Action(MANAGERS, _activity(starts_in=LIVE), _status,
                  api=_api("/activities/{uuid}/end"),
                  service=_svc("activity_end", activity=_on_activity), system=True),
    "credit": Action(MANAGERS, _credit_failed, _credit, api=_api("/activities/{uuid}/credit"),
                     service=_svc("activity_credit", activity=_on_activity), system=True),
}

ACTIONS = {
    **{f"transition:{name}": Action(
        rule.allowed, rule.setup, rule.effect, api=rule.api, service=rule.service,
        system=rule.system, page=_page("transition", {"action": name})) for name, rule in TRANSITIONS.items()},
    "activity:create": Action(MANAGERS, _nothing, _activities_of_a, service=_make_activity,
                              system=True, api=_api("/activities", _new_activity)),
    "activity:edit": Action(MANAGERS, _activity(), _field("capacity"),
                            service=_svc("activity_update", activity=_on_activity, capacity=50),
                            api=_api("/activities/{uuid}", {"capacity": 50}, method="PATCH")),
    "activity:cancel": Action(MANAGERS, _activity(), _status,
                              service=_svc("activity_cancel", activity=_on_activity,
                                           reason="暴雨预警"),
                              page=_page("cancel", {"reason": "暴雨预警"}),
                              api=_api("/activities/{uuid}/cancel", {"reason": "暴雨预警"})),
    "activity:summary": Action(MANAGERS, _ended, _status,
                               service=_svc("activity_summarise", activity=_on_activity,
                                            summary="活动顺利"),
                               page=_page("summary", {"summary": "活动顺利，老人们很开心"}),
                               api=_api("/activities/{uuid}/summary", {"summary": "活动顺利"})),
    "activity:beneficiaries": Action(
        MANAGERS, _ended, _field("beneficiaries"), system=True,
        service=_svc("activity_beneficiaries_set", activity=_on_activity, count=3,
                     reason="上门"),
        page=_page("beneficiaries", {"count": "2", "reason": "上门探访"}),
        api=_api("/activities/{uuid}/beneficiaries", {"count": 3, "reason": "上门"})),
    "activity:photo": Action(MANAGERS, _ended, _photos, service=_photo_add,
                             api=_api("/activities/{uuid}/photos", _photo, method="MULTIPART")),
    "signup:self": Action(EVERYONE, _activity(), _signups, for_staff=False,
                          service=_svc("signup_create", activity=_on_activity),
                          page=_page("signup"), api=_api("/activities/{uuid}/signups")),
    "signup:volunteer": Action(frozenset({"volunteer"}), _activity(), _signups,
                               for_staff=False,
                               service=_svc("signup_create", activity=_on_activity,
                                            role="volunteer"),
                               page=_page("signup", {"role": "volunteer"}),
                               api=_api("/activities/{uuid}/signups", {"role": "volunteer"})),
    # Another household's elder: only the organisers may sign them up (they phoned in).
    "signup:stranger": Action(
        MANAGERS, _stranger, _signups, for_staff=False,
        service=_svc("signup_create", activity=_on_activity, resident=lambda c: c.resident),
        api=_api("/activities/{uuid}/signups", lambda c: {"resident": str(c.resident.uuid)})),
    "signup:door_plate": Action(
        EVERYONE, _door, _signups, for_staff=False,
        service=_svc("signup_create", activity=_on_activity, resident=lambda c: c.member),
        page=lambda c: (reverse("activities:door_signup", kwargs={
            "token": c.household.door_token, "uuid": c.activity.uuid}),
            {"resident": str(c.member.uuid)})),
    "signup:cancel_own": Action(EVERYONE, _own_signup(), _signup_status, for_staff=False,
                                service=_svc("signup_cancel", signup=lambda c: c.signup),
                                page=_page("signup_cancel"),
                                api=_api("/activities/{uuid}/signups/cancel")),
    # Someone else's sign-up: the organisers cancel it for them (no page or API offers it).
    "signup:cancel_other": Action(MANAGERS, _signup_published, _signup_status,
                                  service=_svc("signup_cancel", signup=lambda c: c.signup)),
    "checkin:self": Action(EVERYONE, _own_signup(starts_in=LIVE), _attendances,
                           for_staff=False,
                           service=_svc("checkin_record", activity=_on_activity, token=_token),
                           page=_page("checkin", lambda c: {"t": _token(c)}),
                           api=_api("/activities/{uuid}/checkins",
                                    lambda c: {"token": _token(c)})),
    "checkin:staff": Action(MANAGERS, _signup, _attendances,
                            service=_svc("checkin_by_staff", signup=lambda c: c.signup),
                            page=_page("staff_checkin", key="signup"),
                            api=_api("/activities/{uuid}/attendances",
                                     lambda c: {"signup": str(c.signup.uuid)})),
    "checkin:ticket": Action(MANAGERS, _signup, _attendances,
                             service=_svc("checkin_by_ticket", token=_ticket),
                             page=lambda c: (reverse("activities:scan"), {"t": _ticket(c)}),
                             api=_api("/activities/{uuid}/attendances",
                                      lambda c: {"ticket": _ticket(c)})),
    "checkin:walk_in": Action(MANAGERS, _activity(starts_in=LIVE), _attendances,
                              service=_svc("walkin_record", activity=_on_activity,
                                           name="路过的居民"),
                              page=_page("walkin", {"name": "路过的居民", "role": "participant"}),
                              api=_api("/activities/{uuid}/attendances", {"name": "路过的居民"})),
    "checkout": Action(MANAGERS, _volunteer_attendance, _checked_out,
                       service=_svc("attendance_checkout", attendance=lambda c: c.attendance),
                       page=_page("checkout", key="attendance"),
                       api=_api("/activity-attendances/{uuid}/checkout", key="attendance")),
    "class:create": Action(MANAGERS, _nothing, _classes_of_a, service=_make_class, system=True,
                           api=_api("/classes", _new_class)),
    "class:generate": Action(MANAGERS, _class_missing_a_session, _sessions, system=True,
                             service=_svc("class_sessions_generate",
                                          culture_class=lambda c: c.klass),
                             page=_page("class_generate", key="klass"),
                             api=_api("/classes/{uuid}/sessions/generate", key="klass")),
    "class:enrol": Action(EVERYONE, _class(), _enrolments, for_staff=False,
                          service=_svc("enrolment_create", culture_class=lambda c: c.klass),
                          page=_page("class_enrol", key="klass"),
                          api=_api("/classes/{uuid}/enrolments", key="klass")),
    "class:withdraw_own": Action(EVERYONE, _own_enrolment, _enrolment_status, for_staff=False,
                                 service=_svc("enrolment_withdraw",
                                              enrolment=lambda c: c.enrolment),
                                 page=_page("class_withdraw", key="klass")),
    # Someone else's enrolment: the class's organisers withdraw it for them (service only).
    "class:withdraw_other": Action(MANAGERS, _enrolled_session, _enrolment_status,
                                   service=_svc("enrolment_withdraw",
                                                enrolment=lambda c: c.enrolment)),
    "class:follow": Action(EVERYONE, _class(), _follows, for_staff=False, service=_follow,
                           page=_page("class_follow", {"follow": "1"}, key="klass"),
                           api=_api("/classes/{uuid}/follow", {"follow": True}, key="klass")),
    "session:cancel": Action(MANAGERS, _class(future=True), _session_cancelled,
                             service=_svc("session_cancel", session=lambda c: c.session,
                                          note="老师生病"),
                             page=_page("session_cancel", {"note": "老师生病"}, key="session")),
    "session:attendance": Action(
        MANAGERS, _enrolled_session, _session_attendances,
        service=_svc("session_attendance_set", session=lambda c: c.session,
                     present=lambda c: [c.enrolment]),
        page=_page("session", lambda c: {"present": [str(c.enrolment.uuid)]}, key="session"),
        api=_api("/class-sessions/{uuid}/attendance",
                 lambda c: {"present": [str(c.enrolment.uuid)]}, key="session")),
}

CASES = sorted((name, channel) for name, rule in ACTIONS.items()
               for channel in ("page", "api") if getattr(rule, channel) is not None)


# --- the guards ---------------------------------------------------------------------------


def test_every_transition_action_of_the_view_has_a_rule():
    from linli.activities import views

    assert set(views.TRANSITIONS) == set(TRANSITIONS)


def test_every_state_changing_activity_operation_of_the_api_is_in_the_matrix():
    from tests.test_access_matrix import api_operations

    covered = {rule.api.operation for rule in ACTIONS.values() if rule.api is not None}
    ours = {(m, p) for m, p in api_operations() if m != "GET" and p.startswith(
        (f"{API}/activit", f"{API}/class"))}
    assert sorted(ours - covered) == [], "activity operations missing from ACTIONS"


def test_every_key_of_the_transition_page_is_posted_by_the_matrix():
    assert {name.split(":", 1)[1] for name in ACTIONS if name.startswith("transition:")} == set(
        TRANSITIONS)


# --- the matrix ---------------------------------------------------------------------------


def _send(client, channel, rule, ctx):
    import json

    if channel == "page":
        url, data = rule.page(ctx)
        return client.post(url, data)
    method, url, body = rule.api(ctx)
    if method == "MULTIPART":
        return client.post(url, body)
    return getattr(client, method.lower())(url, data=json.dumps(body, default=str),
                                           content_type="application/json")


def _answer_ok(channel, rule, role, allowed, response) -> bool:
    status = response.status_code
    if channel == "api":
        if allowed:
            return status in (200, 201)
        code = response.json().get("error", {}).get("code") if status in (401, 403) else None
        if role == "anonymous":
            return status == 401 and code == "unauthenticated"
        if role == "other_staff" or (role in OUTSIDERS and not rule.for_staff):
            return status == 404  # community B's people cannot see community A's objects
        return status == 403 and code == "forbidden"
    login = status == 302 and "/accounts/login/" in response["Location"]
    if allowed:
        return status == 302 and not login
    if role == "anonymous":
        return login
    if role == "other_staff" or (role in OUTSIDERS and not rule.for_staff):
        return status == 404
    if rule.for_staff:
        return status == 403
    # A page for everyone signed in: the service refused, the page says so.
    errors = [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    return status == 302 and bool(errors)


@pytest.mark.parametrize(("name", "channel"), CASES, ids=[f"{n}-{c}" for n, c in CASES])
def test_action_access(client, world, name, channel):
    rule = ACTIONS[name]
    wrong = []
    # refused roles first, each on a fresh object, so nothing an allowed role did hides a leak
    for role in sorted(ALL, key=lambda r: (r in rule.allowed, ALL.index(r))):
        allowed = role in rule.allowed
        user = _user(world, role)
        ctx = rule.setup(world, user)
        before = rule.effect(ctx)
        client.logout()
        if user is not None:
            client.force_login(user)
        response = _send(client, channel, rule, ctx)
        after = rule.effect(ctx)
        moved = after != before
        if not (_answer_ok(channel, rule, role, allowed, response) and moved == allowed):
            wrong.append((role, response.status_code, before, after))
    assert not wrong, f"{name} ({channel}): unexpected answers (role, status, before, after) {wrong}"


SERVICE_CASES = sorted(name for name, rule in ACTIONS.items() if rule.service is not None)


@pytest.mark.parametrize("name", SERVICE_CASES)
def test_action_is_decided_by_the_service(world, name):
    """The service itself refuses (PermissionDenied) every person who may not act, and the
    system where it does not genuinely act; nothing changes. Allowed actors move the DB."""
    from linli.common.exceptions import PermissionDenied, ValidationError

    rule = ACTIONS[name]
    wrong = []
    roles = (*ROLES, *OUTSIDERS, "system")
    for role in sorted(roles, key=lambda r: (r in rule.allowed, roles.index(r))):
        allowed = rule.system if role == "system" else role in rule.allowed
        actor = None if role == "system" else _user(world, role)
        ctx = rule.setup(world, actor)
        ctx.world = world
        before = rule.effect(ctx)
        try:
            rule.service(ctx, actor)
        except PermissionDenied as exc:
            outcome = f"refused: {exc.message}"
            ok = not allowed
        except ValidationError as exc:
            outcome = f"invalid: {exc.message}"
            ok = role == "system" and not allowed and name in SYSTEM_REFUSED_AS_INVALID
        except Exception as exc:  # noqa: BLE001 - any other answer is reported, not hidden
            outcome = f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"
            ok = False
        else:
            outcome = "done"
            ok = allowed
        moved = rule.effect(ctx) != before
        if not ok or moved != allowed:
            wrong.append((role, outcome, before, rule.effect(ctx)))
    assert not wrong, f"{name}: unexpected outcomes (role, outcome, before, after) {wrong}"
