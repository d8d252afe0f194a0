"""Writes for service projects, the order loop and meal delivery.

Every transition is one service. Each re-reads the order's status, checks that the actor may
make the move, then changes the row with a guarded conditional UPDATE
(`filter(pk=…, status=FROM).update(status=TO, …)`) and checks the row count: of two actors racing
for the same order exactly one wins, on SQLite and PostgreSQL alike. Each transition writes one
`OrderEvent`; notifications go out after commit.

Hours: a community-funded project issues the volunteer's actual minutes from the street's
issuer; a project paid with the requester's hours reserves the expected minutes on the served
resident's account when a volunteer accepts and pays from that hold on confirmation. Either way
the payment carries the key `order-settle:<order uuid>`, so it happens once however often
confirmation is retried.
"""

from __future__ import annotations

import logging
import math
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import Role
from linli.common.exceptions import Conflict, DomainError, NotFound, ValidationError, require
from linli.ledger import services as ledger
from linli.ledger.models import Reservation, ReservationStatus, TransferKind
from linli.orders import policies
from linli.orders.models import (
    CONFIRMED_STATES,
    OPEN_STATES,
    Channel,
    Funding,
    Meal,
    MealOrder,
    MealStatus,
    Order,
    OrderEvent,
    OrderStatus,
    ProjectKind,
    ServiceProject,
)
from linli.orders.states import ORDER_MACHINE, refusal

logger = logging.getLogger(__name__)

MANAGER_ROLES = policies.MANAGER_ROLES


def accept_minutes() -> int:
    return int(getattr(settings, "ORDER_ACCEPT_MINUTES", 120))


def auto_confirm_days() -> int:
    return int(getattr(settings, "ORDER_AUTO_CONFIRM_DAYS", 3))


def dispatch_escalate_minutes() -> int:
    return int(getattr(settings, "ORDER_DISPATCH_ESCALATE_MINUTES", 60))


def checkin_opens_minutes() -> int:
    """How long before the booked slot the volunteer may check in."""
    return int(getattr(settings, "ORDERS_CHECKIN_OPENS_MINUTES", 30))


def checkin_closes_minutes() -> int:
    """How long after the booked slot ends check-in is still accepted."""
    return int(getattr(settings, "ORDERS_CHECKIN_CLOSES_MINUTES", 60))


def checkin_max_distance_m() -> int:
    """A check-in further than this from the household's building is flagged for staff."""
    return int(getattr(settings, "ORDERS_CHECKIN_MAX_DISTANCE_M", 500))


def min_service_minutes() -> int:
    return int(getattr(settings, "ORDERS_MIN_SERVICE_MINUTES", 5))


def max_service_minutes() -> int:
    return int(getattr(settings, "ORDERS_MAX_SERVICE_MINUTES", 8 * 60))


# --- who may act (the predicates live in policies; re-exported for older callers) ---------

manages = policies.manages
grid_worker_of = policies.grid_worker_of
household_member = policies.household_member
volunteer_of = policies.volunteer_of


def _require_volunteer(actor) -> None:
    require(policies.is_volunteer(actor), _("Only an active volunteer may do this."))


def _expect(order: Order, action: str) -> None:
    """The order's state must allow `action` (else Conflict: an illegal move, not a
    permission problem)."""
    if not policies.available(order, action):
        raise _refuse_move(order, action)


# --- eligibility (Art. 15) ------------------------------------------------------------------


def age_on(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def volunteer_eligibility_problem(*, volunteer, project: ServiceProject,
                                  today: date | None = None) -> str:
    """Why `volunteer` may not do `project` (empty when they may): 志愿服务条例 Art. 15 wants
    assignments that fit the volunteer's age, skills and health."""
    from linli.volunteers.models import VolunteerStatus

    today = today or timezone.localdate()
    if volunteer.status != VolunteerStatus.ACTIVE:
        return _("The volunteer is not active.")
    if volunteer.community.street_id != project.community.street_id:
        return _("The volunteer belongs to another street.")
    age = age_on(volunteer.resident.birth_date, today)
    if age is None:
        return _("The volunteer's age is not recorded.")
    if age < project.volunteer_min_age:
        return _("The volunteer is younger than this service allows.")
    if project.volunteer_max_age is not None and age > project.volunteer_max_age:
        return _("The volunteer is older than this service allows.")
    if project.needs_good_health and not volunteer.health_ok:
        return _("This service needs a volunteer who has declared good health.")
    return ""


def requester_eligibility_problem(*, resident, project: ServiceProject,
                                  today: date | None = None) -> str:
    today = today or timezone.localdate()
    if project.requester_min_age is not None:
        age = age_on(resident.birth_date, today)
        if age is None or age < project.requester_min_age:
            return _("This service is for residents aged %(age)s or over.") % {
                "age": project.requester_min_age}
    tag_ids = set(project.requester_tags.values_list("pk", flat=True))
    if tag_ids and not resident.tags.filter(pk__in=tag_ids).exists():
        names = "、".join(project.requester_tags.values_list("name", flat=True))
        return _("This service is for residents marked: %(tags)s.") % {"tags": names}
    return ""


# --- notifications ---------------------------------------------------------------------------


def _notify(user, title: str, body: str, url: str = "") -> None:
    """Send after commit, so a rolled-back transition sends nothing."""
    if user is None:
        return
    try:
        from linli.notifications.services import notify
    except ImportError:  # the inbox is optional; the order loop works without it
        return

    def send():
        try:
            notify(user=user, title=title, body=body, url=url)
        except Exception:  # a failed message must never undo or break a finished transition
            logger.exception("notification failed for order")

    transaction.on_commit(send)


def _order_url(order: Order) -> str:
    from django.urls import reverse

    return reverse("orders:detail", kwargs={"uuid": order.uuid})


def _staff_of(community_id: int) -> list:
    from linli.accounts.models import RoleAssignment

    return [a.user for a in RoleAssignment.objects.filter(
        role=Role.COMMUNITY_STAFF, community_id=community_id, user__is_active=True
    ).select_related("user")]


def _requesters(order: Order) -> list:
    users = []
    if order.requested_by_id:
        users.append(order.requested_by)
    if order.beneficiary.user_id and order.beneficiary.user_id != order.requested_by_id:
        users.append(order.beneficiary.user)
    return users


# --- projects ---------------------------------------------------------------------------------


#: The default catalogue (code, name, minutes, funding, points, kind, min age, max age, health).
DEFAULT_PROJECTS = [
    ("haircut", "爱心理发", 45, Funding.COMMUNITY, 5, ProjectKind.VISIT, 18, None, False),
    ("meals", "助餐送餐", 30, Funding.COMMUNITY, 2, ProjectKind.MEAL, 16, 70, True),
    ("cleaning", "卫生清洁", 120, Funding.REQUESTER, 5, ProjectKind.VISIT, 18, 65, True),
    ("company", "精神慰藉", 60, Funding.COMMUNITY, 3, ProjectKind.VISIT, 16, None, False),
    ("errands", "代买代办", 60, Funding.REQUESTER, 3, ProjectKind.VISIT, 16, 70, False),
    ("legal", "法律咨询", 60, Funding.COMMUNITY, 3, ProjectKind.VISIT, 22, None, False),
    ("counselling", "阳光心语 心理疏导", 60, Funding.COMMUNITY, 3, ProjectKind.VISIT, 22, None,
     False),
    ("classroom", "希望小课堂", 90, Funding.COMMUNITY, 5, ProjectKind.VISIT, 16, None, False),
    ("watch", "邻里守望", 30, Funding.COMMUNITY, 2, ProjectKind.VISIT, 16, None, False),
]

PROJECT_FIELDS = {"name", "description", "team", "skill", "default_minutes", "funding",
                  "points", "volunteer_min_age", "volunteer_max_age", "needs_good_health",
                  "requester_min_age", "active", "order", "kind"}


#: Project code -> the volunteer skill (linli.volunteers default skills) it needs.
PROJECT_SKILLS = {"haircut": "haircut", "cleaning": "cleaning", "company": "companion",
                  "errands": "shopping", "legal": "legal", "counselling": "counselling",
                  "classroom": "tutoring", "meals": "meal"}


def project_catalogue_ensure(*, community, actor=None) -> list[ServiceProject]:
    """The default catalogue for a community (idempotent; existing entries are kept).
    `actor=None`: the system seeding a community (demo loader, set-up)."""
    from linli.volunteers.models import Skill

    if actor is not None:
        require(policies.can_edit_projects(actor, community),
                _("Only community staff may change the service catalogue."))
    skills = {s.code: s for s in Skill.objects.filter(code__in=set(PROJECT_SKILLS.values()))}
    projects = []
    for order, (code, name, minutes, funding, points, kind, min_age, max_age,
                health) in enumerate(DEFAULT_PROJECTS):
        project, _created = ServiceProject.objects.get_or_create(
            community=community, code=code,
            defaults={"name": name, "default_minutes": minutes, "funding": funding,
                      "points": points, "kind": kind, "volunteer_min_age": min_age,
                      "volunteer_max_age": max_age, "needs_good_health": health,
                      "order": order, "skill": skills.get(PROJECT_SKILLS.get(code, ""))},
        )
        skill = skills.get(PROJECT_SKILLS.get(code, ""))
        if project.skill_id is None and skill is not None:
            # an entry made before its skill existed gets the link; a chosen skill is kept
            ServiceProject.objects.filter(pk=project.pk, skill__isnull=True).update(skill=skill)
            project.skill = skill
        projects.append(project)
    return projects


def _project_clean(fields: dict, community, project: ServiceProject | None = None) -> dict:
    unknown = set(fields) - PROJECT_FIELDS
    if unknown:
        raise ValidationError(_("Unknown field."), field=sorted(unknown)[0])
    if "name" in fields and not (fields["name"] or "").strip():
        raise ValidationError(_("Please enter a name."), field="name")
    minutes = fields.get("default_minutes")
    if minutes is not None and not 1 <= minutes <= 24 * 60:
        raise ValidationError(_("The duration must be between 1 minute and 24 hours."),
                              field="default_minutes")
    if fields.get("funding") is not None and fields["funding"] not in Funding.values:
        raise ValidationError(_("Unknown funding."), field="funding")
    low = fields.get("volunteer_min_age", getattr(project, "volunteer_min_age", None))
    high = fields.get("volunteer_max_age", getattr(project, "volunteer_max_age", None))
    if low is not None and high is not None and high < low:
        raise ValidationError(_("The maximum age is below the minimum age."),
                              field="volunteer_max_age")
    team = fields.get("team")
    if team is not None and (team.street_id != community.street_id
                             or (team.community_id and team.community_id != community.pk)):
        raise ValidationError(_("This team does not serve this community."), field="team")
    return fields


@transaction.atomic
def project_create(*, community, code: str, name: str, actor, **fields) -> ServiceProject:
    require(policies.can_edit_projects(actor, community),
            _("Only community staff may change the service catalogue."))
    fields = _project_clean({"name": name, **fields}, community)
    if not code or ServiceProject.objects.filter(community=community, code=code).exists():
        raise Conflict(_("A service with this code already exists."), field="code")
    return ServiceProject.objects.create(community=community, code=code, **fields)


@transaction.atomic
def project_update(*, project: ServiceProject, actor, **fields) -> ServiceProject:
    require(policies.can_edit_projects(actor, project.community),
            _("Only community staff may change the service catalogue."))
    fields = _project_clean(fields, project.community, project)
    for key, value in fields.items():
        setattr(project, key, value)
    project.save()
    return project


# --- the transition primitive ----------------------------------------------------------------


def _current(order: Order) -> Order:
    fresh = Order.objects.select_related(
        "project__community", "household__grid", "beneficiary", "volunteer__resident__household",
        "volunteer__user", "requested_by", "team").filter(pk=order.pk).first()
    if fresh is None:
        raise NotFound(_("Not found."))
    return fresh


#: The refusal of a move the order's status does not allow (the machine's `refuse`).
_refuse_move = refusal


# --- submit ------------------------------------------------------------------------------------


def slot_validate(*, slot_start: datetime, slot_end: datetime) -> None:
    if slot_end <= slot_start:
        raise ValidationError(_("The end of the time slot must be after its start."),
                              field="slot_end")
    if slot_end - slot_start > timedelta(hours=12):
        raise ValidationError(_("A time slot may be at most 12 hours long."), field="slot_end")
    now = timezone.now()
    if slot_end <= now:
        raise ValidationError(_("Please choose a time in the future."), field="slot_start")
    if slot_start > now + timedelta(days=60):
        raise ValidationError(_("Please choose a time within the next 60 days."),
                              field="slot_start")


@transaction.atomic
def order_submit(*, project: ServiceProject, household, actor, slot_start: datetime,
                 slot_end: datetime, beneficiary=None, note: str = "",
                 channel: str | None = None, overlap_confirmed: bool = False) -> Order:
    """点单: the resident, a confirmed family proxy (代点单), or staff taking a phone call.

    The same service for the same household and time, still open, is refused (Conflict
    `duplicate`, naming the existing order; a partial unique constraint backs this against
    races). An open order of the same service whose time overlaps is only a warning: Conflict
    `overlap` unless the caller confirms with `overlap_confirmed=True`."""
    from django.db import IntegrityError

    from linli.registry.models import Resident

    require(policies.can_submit(actor, household),
            _("Only the household, its grid worker or community staff may order for this "
              "household."))

    if household.community_id != project.community_id:
        raise ValidationError(_("This service is not offered to this household."),
                              field="project")
    if not project.active:
        raise ValidationError(_("This service is not available at the moment."),
                              field="project")
    if project.kind == ProjectKind.MEAL:
        raise ValidationError(_("Meals are ordered on the meal page."), field="project")
    member = household_member(actor, household.pk)
    if channel is None:
        if member:
            own = Resident.objects.filter(user=actor, household=household).exists()
            channel = Channel.SELF if own else Channel.PROXY
        else:
            channel = Channel.PHONE
    if channel not in Channel.values:
        raise ValidationError(_("Unknown channel."), field="channel")
    active = Resident.objects.filter(household=household, moved_out=False, deceased=False,
                                     anonymised_at__isnull=True)
    if beneficiary is None:
        beneficiary = (active.filter(user=actor).first()
                       or active.filter(bindings__user=actor, bindings__status="confirmed")
                       .first()
                       or (active.filter(pk=household.head_id).first() if household.head_id
                           else None)
                       or active.order_by("birth_date", "id").first())
    if beneficiary is None or not active.filter(pk=beneficiary.pk).exists():
        raise ValidationError(_("Choose who in the household is to be served."),
                              field="beneficiary")
    slot_validate(slot_start=slot_start, slot_end=slot_end)
    problem = requester_eligibility_problem(resident=beneficiary, project=project)
    if problem:
        raise ValidationError(problem, field="project")
    if project.funding == Funding.REQUESTER:
        account = ledger.resident_account_ensure(resident=beneficiary)
        if account.available < project.default_minutes:
            raise ValidationError(
                _("This service is paid with banked hours: %(need)s minutes are needed, "
                  "%(have)s are available.") % {"need": project.default_minutes,
                                                 "have": account.available},
                field="project", code="insufficient_funds")
    _refuse_duplicates(project=project, household=household, slot_start=slot_start,
                       slot_end=slot_end, overlap_confirmed=overlap_confirmed)
    try:
        with transaction.atomic():
            order = Order.objects.create(
                project=project, community_id=project.community_id, household=household,
                beneficiary=beneficiary, requested_by=actor, channel=channel,
                slot_start=slot_start, slot_end=slot_end, note=(note or "")[:255],
                funding=project.funding, expected_minutes=project.default_minutes,
            )
    except IntegrityError:
        # A concurrent submission of the very same order got in first.
        _refuse_duplicates(project=project, household=household, slot_start=slot_start,
                           slot_end=slot_end, overlap_confirmed=True)
        raise
    OrderEvent.objects.create(order=order, at=order.created_at, actor=actor, action="submit",
                              from_status="", to_status=OrderStatus.SUBMITTED,
                              note=Channel(channel).label)
    for user in _staff_of(order.community_id):
        _notify(user, _("New service order"),
                f"{project.name} · {household.address}", _order_url(order))
    return order


def _slot_text(order: Order) -> str:
    from django.utils import formats

    start, end = timezone.localtime(order.slot_start), timezone.localtime(order.slot_end)
    return f"{formats.date_format(start, 'SHORT_DATETIME_FORMAT')}–{end:%H:%M}"


def open_duplicates(*, project: ServiceProject, household, slot_start: datetime,
                    slot_end: datetime):
    """Open orders of the same service for the household whose time overlaps (exact
    duplicates included), earliest first."""
    return Order.objects.filter(household=household, project=project, status__in=OPEN_STATES,
                                slot_start__lt=slot_end, slot_end__gt=slot_start).order_by(
        "slot_start", "id")


def _refuse_duplicates(*, project, household, slot_start, slot_end,
                       overlap_confirmed: bool) -> None:
    clashes = list(open_duplicates(project=project, household=household,
                                   slot_start=slot_start, slot_end=slot_end))
    exact = next((o for o in clashes if o.slot_start == slot_start and o.slot_end == slot_end),
                 None)
    if exact is not None:
        raise Conflict(
            _("This household already has this order: %(project)s at %(time)s (%(status)s). "
              "It cannot be ordered twice.") % {
                "project": project.name, "time": _slot_text(exact),
                "status": exact.get_status_display()},
            field="slot_start", code="duplicate")
    if clashes and not overlap_confirmed:
        other = clashes[0]
        raise Conflict(
            _("This household already has an open order of %(project)s at an overlapping "
              "time: %(time)s (%(status)s). Order it again anyway?") % {
                "project": project.name, "time": _slot_text(other),
                "status": other.get_status_display()},
            field="slot_start", code="overlap")


# --- review and dispatch ---------------------------------------------------------------------


@transaction.atomic
def order_refuse(*, order: Order, actor, reason: str) -> Order:
    """Art. 13: a request is reviewed and answered; a refusal says why."""
    order = _current(order)
    require(policies.can_refuse(actor, order),
            _("Only community staff of this community may refuse this order."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give the reason for refusing."), field="reason")
    order = ORDER_MACHINE.move(order, "refuse", actor=actor, note=reason, reason=reason[:255])
    for user in _requesters(order):
        _notify(user, _("Your order could not be accepted"), reason, _order_url(order))
    return order


def _check_target(order: Order, *, volunteer, team) -> None:
    if (volunteer is None) == (team is None):
        raise ValidationError(_("Choose one volunteer or one team."), field="volunteer")
    if volunteer is not None:
        problem = volunteer_eligibility_problem(volunteer=volunteer, project=order.project)
        if problem:
            raise ValidationError(problem, field="volunteer")
        if volunteer.resident_id == order.beneficiary_id:
            raise ValidationError(_("A volunteer cannot serve themself."), field="volunteer")
    if team is not None:
        if not team.active or team.street_id != order.community.street_id or (
                team.community_id and team.community_id != order.community_id):
            raise ValidationError(_("This team does not serve this community."), field="team")


def _offer_notifications(order: Order) -> None:
    from linli.volunteers.models import TeamMembership

    if order.volunteer_id:
        _notify(order.volunteer.user, _("A service order for you"),
                f"{order.project.name} · {timezone.localtime(order.slot_start):%m-%d %H:%M}",
                _order_url(order))
    elif order.team_id:
        for m in TeamMembership.objects.filter(team_id=order.team_id).select_related(
                "volunteer__user"):
            _notify(m.volunteer.user, _("A service order for your team"),
                    f"{order.project.name} · "
                    f"{timezone.localtime(order.slot_start):%m-%d %H:%M}", _order_url(order))


@transaction.atomic
def order_dispatch(*, order: Order, actor, volunteer=None, team=None, note: str = "") -> Order:
    """派单: offer the order to one volunteer, or to a team whose members can grab it."""
    order = _current(order)
    require(policies.can_dispatch(actor, order),
            _("Only community staff of this community may dispatch this order."))
    _check_target(order, volunteer=volunteer, team=team)
    now = timezone.now()
    order = ORDER_MACHINE.move(order, "dispatch", actor=actor,
                               note=note or (volunteer.resident.name if volunteer else team.name),
                               volunteer=volunteer, team=team, dispatched_by=actor, dispatched_at=now,
                               accept_by=now + timedelta(minutes=accept_minutes()))
    _offer_notifications(order)
    return order


def _release_hold(order: Order, actor=None) -> None:
    if order.funding != Funding.REQUESTER:
        return
    if not Reservation.objects.filter(reference=order.reference,
                                      status=ReservationStatus.HELD).exists():
        return
    ledger.reservation_release(reference=order.reference,
                               idempotency_key=f"order-release:{order.uuid}:{order.acceptances}",
                               memo=order.project.name, actor=actor)


@transaction.atomic
def order_reassign(*, order: Order, actor, volunteer=None, team=None, note: str = "") -> Order:
    """Staff move an offered or accepted order to someone else (the hold is released)."""
    order = _current(order)
    require(policies.can_reassign(actor, order),
            _("Only community staff of this community may reassign this order."))
    _check_target(order, volunteer=volunteer, team=team)
    previous = order.volunteer
    was_accepted = order.status == OrderStatus.ACCEPTED
    now = timezone.now()
    order = ORDER_MACHINE.move(order, "reassign", actor=actor,
                               note=note or (volunteer.resident.name if volunteer else team.name),
                               volunteer=volunteer, team=team, dispatched_by=actor, dispatched_at=now,
                               accepted_at=None, accept_by=now + timedelta(minutes=accept_minutes()))
    if was_accepted:
        _release_hold(order, actor)
    if previous is not None and previous != volunteer:
        _notify(previous.user, _("An order was given to someone else"), order.project.name,
                _order_url(order))
    _offer_notifications(order)
    return order


# --- the volunteer's moves ----------------------------------------------------------------------


@transaction.atomic
def order_accept(*, order: Order, actor) -> Order:
    """接单. Offered to one volunteer: only they may accept. Offered to a team: the first
    member to grab it wins; the guarded update makes the others lose cleanly."""
    order = _current(order)
    _require_volunteer(actor)
    _expect(order, "accept")
    require(policies.can_accept(actor, order),
            _("Only the volunteer this order is offered to (or a member of the team it is "
              "offered to) may accept it."))
    volunteer = volunteer_of(actor)
    if order.volunteer_id is not None:
        guard = Q(volunteer=volunteer)
    else:
        guard = Q(volunteer__isnull=True, team_id=order.team_id)
    problem = volunteer_eligibility_problem(volunteer=volunteer, project=order.project)
    if problem:
        raise ValidationError(problem)
    if volunteer.resident_id == order.beneficiary_id:
        raise ValidationError(_("A volunteer cannot serve themself."))
    order = ORDER_MACHINE.move(order, "accept", actor=actor, extra_filter=guard,
                               note=volunteer.resident.name, volunteer=volunteer,
                               accepted_at=timezone.now(), acceptances=F("acceptances") + 1)
    if order.funding == Funding.REQUESTER:
        account = ledger.resident_account_ensure(resident=order.beneficiary)
        ledger.reservation_create(
            account=account, amount=order.expected_minutes, reference=order.reference,
            idempotency_key=f"order-reserve:{order.uuid}:{order.acceptances}",
            memo=order.project.name, actor=actor)
    for user in _requesters(order):
        _notify(user, _("A volunteer is coming"),
                _("%(name)s will come at %(time)s.") % {
                    "name": volunteer.resident.name,
                    "time": timezone.localtime(order.slot_start).strftime("%m-%d %H:%M")},
                _order_url(order))
    return order


@transaction.atomic
def order_decline(*, order: Order, actor, reason: str = "") -> Order:
    """The volunteer it was offered to says no: back to dispatch."""
    order = _current(order)
    _require_volunteer(actor)
    _expect(order, "decline")
    if order.volunteer_id is None:
        raise Conflict(_("This order is offered to your team; leave it for another member."),
                       code="illegal_transition")
    require(policies.can_decline(actor, order),
            _("Only the volunteer this order is offered to may decline it."))
    order = ORDER_MACHINE.move(order, "decline", actor=actor, note=(reason or "")[:500],
                               extra_filter=Q(volunteer=order.volunteer), volunteer=None, team=None,
                               accept_by=None)
    for user in _staff_of(order.community_id):
        _notify(user, _("An order was declined"), order.project.name, _order_url(order))
    return order


@transaction.atomic
def order_time_out(*, order: Order, now: datetime | None = None) -> Order:
    """Nobody accepted in time: back to dispatch, counted as an escalation."""
    now = now or timezone.now()
    order = _current(order)
    if order.status != OrderStatus.DISPATCHED or order.accept_by is None or (
            order.accept_by > now):
        raise _refuse_move(order, "time_out")
    order = ORDER_MACHINE.move(order, "time_out", note=_("Not accepted in time"),
                               extra_filter=Q(accept_by__lte=now), volunteer=None, team=None,
                               accept_by=None, escalations=F("escalations") + 1)
    for user in _staff_of(order.community_id):
        _notify(user, _("Order not accepted in time"), order.project.name, _order_url(order))
    return order


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def _when(value: datetime) -> str:
    from django.utils import formats

    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def checkin_window(order: Order) -> tuple[datetime, datetime]:
    """When check-in opens and closes. Staff confirming an early visit lifts the opening."""
    opens = order.slot_start - timedelta(minutes=checkin_opens_minutes())
    if order.early_confirmed_at is not None:
        opens = min(opens, order.early_confirmed_at)
    return opens, order.slot_end + timedelta(minutes=checkin_closes_minutes())


def _location(latitude, longitude) -> tuple[float, float] | None:
    if latitude is None and longitude is None:
        return None
    if latitude is None or longitude is None:
        raise ValidationError(_("Send both latitude and longitude, or neither."),
                              field="latitude" if latitude is None else "longitude")
    try:
        lat, lng = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise ValidationError(_("The location is not a valid latitude and longitude."),
                              field="latitude") from None
    if isinstance(latitude, bool) or isinstance(longitude, bool) or not (
            math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90
            and -180 <= lng <= 180):
        raise ValidationError(_("The location is not a valid latitude and longitude."),
                              field="latitude")
    return lat, lng


@transaction.atomic
def order_check_in(*, order: Order, actor, latitude=None, longitude=None,
                   now: datetime | None = None) -> Order:
    """签到 at the door. Opens `ORDERS_CHECKIN_OPENS_MINUTES` before the booked slot and closes
    `ORDERS_CHECKIN_CLOSES_MINUTES` after it ends, so service time cannot start a day early.
    A location from the phone, if sent, is kept; when it is further than
    `ORDERS_CHECKIN_MAX_DISTANCE_M` from the household's building (if the building has
    coordinates) the order is flagged for staff, not refused: GPS indoors is often poor."""
    now = now or timezone.now()
    order = _current(order)
    _require_volunteer(actor)
    _expect(order, "check_in")
    require(policies.can_check_in(actor, order),
            _("Only the volunteer assigned to this order may check in."))
    opens, closes = checkin_window(order)
    if now < opens:
        raise ValidationError(
            _("Check-in opens at %(time)s, %(minutes)s minutes before the booked time "
              "(%(slot)s).") % {"time": _when(opens), "minutes": checkin_opens_minutes(),
                                "slot": _slot_text(order)}, field="check_in",
            code="checkin_not_open")
    if now > closes:
        raise ValidationError(
            _("Check-in closed at %(time)s, %(minutes)s minutes after the booked time ended. "
              "Please contact community staff.") % {"time": _when(closes),
                                                     "minutes": checkin_closes_minutes()},
            field="check_in", code="checkin_closed")
    fields: dict = {"checked_in_at": now}
    note = ""
    where = _location(latitude, longitude)
    if where is not None:
        fields.update(checkin_latitude=Decimal(f"{where[0]:.6f}"),
                      checkin_longitude=Decimal(f"{where[1]:.6f}"))
        building = order.household.building
        if building is not None and building.latitude is not None:
            distance = haversine_m(where[0], where[1], float(building.latitude),
                                   float(building.longitude))
            fields["checkin_distance_m"] = int(round(distance))
            if distance > checkin_max_distance_m():
                fields["checkin_far"] = True
                note = _("Checked in %(m)s m from the address") % {"m": int(round(distance))}
    order = ORDER_MACHINE.move(order, "check_in", actor=actor, note=note, **fields)
    if order.checkin_far:
        for user in _staff_of(order.community_id):
            _notify(user, _("A check-in far from the address"), note, _order_url(order))
    return order


@transaction.atomic
def order_confirm_early(*, order: Order, actor, note: str = "") -> Order:
    """Staff confirm that this visit happens before its booked slot (the elder asked for it):
    check-in may then open now, and the service may be completed before the slot starts."""
    order = _current(order)
    require(policies.can_confirm_early(actor, order),
            _("Only community staff of this community may confirm an early visit."))
    _expect(order, "confirm_early")
    return ORDER_MACHINE.move(order, "confirm_early", to=order.status, actor=actor,
                              note=note or str(_("Early visit confirmed by staff")),
                              early_confirmed_by=actor, early_confirmed_at=timezone.now())


def completion_bounds(order: Order, now: datetime | None = None) -> tuple[int, int]:
    """The minutes a volunteer may state at completion: at least `ORDERS_MIN_SERVICE_MINUTES`,
    at most the time since check-in (rounded up) and never more than
    `ORDERS_MAX_SERVICE_MINUTES`."""
    now = now or timezone.now()
    elapsed = max(1, math.ceil((now - order.checked_in_at).total_seconds() / 60))
    return min_service_minutes(), min(elapsed, max_service_minutes())


def _store_photo(order: Order, photo) -> None:
    """The file into storage under a fresh name; the row is written by the caller."""
    from linli.points.photos import photo_name

    order.photo.save(photo_name(photo), photo, save=False)


def _attach_photo(order: Order, photo) -> Order:
    _store_photo(order, photo)
    order.save(update_fields=["photo", "updated_at"])
    return order


@transaction.atomic
def order_complete(*, order: Order, actor, minutes: int | None = None, note: str = "",
                   photo=None, now: datetime | None = None) -> Order:
    """圆单. 民政部令第67号: service time is the time actually served, so the stated minutes
    lie between a minimum and the time since check-in (capped), and a service cannot be
    completed before its booked slot starts unless staff confirmed an early visit."""
    now = now or timezone.now()
    order = _current(order)
    _require_volunteer(actor)
    _expect(order, "complete")
    require(policies.can_complete(actor, order),
            _("Only the volunteer assigned to this order may complete it."))
    if now < order.slot_start and order.early_confirmed_at is None:
        raise ValidationError(
            _("The booked time starts at %(time)s; the service cannot be completed before "
              "then unless community staff confirm an early visit.") % {
                "time": _when(order.slot_start)}, field="minutes", code="before_slot")
    low, high = completion_bounds(order, now)
    if high < low:
        raise ValidationError(
            _("A service lasts at least %(min)s minutes; it is %(elapsed)s minutes since "
              "check-in.") % {"min": low, "elapsed": high}, field="minutes",
            code="too_short")
    if minutes is None:
        minutes = high
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < low:
        raise ValidationError(
            _("Enter the minutes served: between %(min)s and %(max)s.") % {
                "min": low, "max": high}, field="minutes")
    if minutes > high:
        raise ValidationError(
            _("Only the time actually served counts: at most %(max)s minutes since check-in.")
            % {"max": high}, field="minutes")
    if photo is not None:
        from linli.points.photos import photo_validate

        photo_validate(photo)
    order = ORDER_MACHINE.move(order, "complete", actor=actor, note=(note or "")[:500],
                               checked_out_at=now, actual_minutes=minutes,
                               completion_note=(note or "")[:500])
    if photo is not None:
        order = _attach_photo(order, photo)
    for user in _requesters(order):
        _notify(user, _("Service completed: please rate it"), order.project.name,
                _order_url(order))
    return order


class PhotoTooLarge(DomainError):
    """413: the upload is larger than a service photo may be."""

    status = 413
    code = "too_large"


@transaction.atomic
def order_photo_attach(*, order: Order, actor, photo) -> Order:
    """The serving volunteer adds (or replaces) the service photo while serving or before the
    household has confirmed; the same checks as the completion form."""
    order = _current(order)
    _require_volunteer(actor)
    _expect(order, "photo")
    require(policies.can_attach_photo(actor, order),
            _("Only the volunteer assigned to this order may add its photo."))
    from linli.points.photos import MAX_BYTES

    if photo is None:
        raise ValidationError(_("Please choose a photo (JPEG, PNG or WebP)."), field="photo")
    if photo.size is not None and photo.size > MAX_BYTES:
        raise PhotoTooLarge(_("The photo is too large (at most 5 MB)."), field="photo")
    _store_photo(order, photo)
    return ORDER_MACHINE.move(order, "photo", to=order.status, actor=actor,
                              note=str(_("Photo added")), photo=order.photo.name)


# --- confirmation, dispute, settlement ------------------------------------------------------


def _settle_quietly(order: Order, actor=None) -> Order:
    """Settle right after confirmation; if the ledger refuses (say, a storage limit), the
    confirmation stands and staff can retry the settlement."""

    try:
        with transaction.atomic():
            return _settle(order, actor)
    except DomainError:
        logger.warning("settlement of order %s deferred", order.uuid, exc_info=True)
        return _current(order)


@transaction.atomic
def order_rate(*, order: Order, actor, stars: int, comment: str = "") -> Order:
    """评单: 1–5 stars by the resident, their proxy, or the grid worker on their behalf."""
    order = _current(order)
    require(policies.can_rate(actor, order),
            _("Only the household, its grid worker or community staff may rate this service."))
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ValidationError(_("Give 1 to 5 stars."), field="stars")
    order = ORDER_MACHINE.move(order, "rate", actor=actor, note=f"{stars}★ {comment}".strip(),
                               rating=stars, rating_comment=(comment or "")[:500], rated_by=actor,
                               confirmed_at=timezone.now())
    return _settle_quietly(order, actor)


@transaction.atomic
def order_auto_confirm(*, order: Order, now: datetime | None = None) -> Order:
    """Nobody rated within the set number of days: the service counts as confirmed."""
    now = now or timezone.now()
    order = _current(order)
    cutoff = now - timedelta(days=auto_confirm_days())
    if order.status != OrderStatus.COMPLETED or order.checked_out_at > cutoff:
        raise _refuse_move(order, "auto_confirm")
    order = ORDER_MACHINE.move(order, "auto_confirm", note=_("No rating within %(days)s days") % {"days": auto_confirm_days()},
                               extra_filter=Q(checked_out_at__lte=cutoff), confirmed_at=now)
    return _settle_quietly(order)


@transaction.atomic
def order_dispute(*, order: Order, actor, reason: str) -> Order:
    """申诉: instead of rating, the household says the service was not as recorded."""
    order = _current(order)
    require(policies.can_dispute(actor, order),
            _("Only the household, its grid worker or community staff may dispute this "
              "service."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please say what went wrong."), field="reason")
    order = ORDER_MACHINE.move(order, "dispute", actor=actor, note=reason, reason=reason[:255])
    for user in _staff_of(order.community_id):
        _notify(user, _("An order is disputed"), reason, _order_url(order))
    return order


@transaction.atomic
def order_resolve(*, order: Order, actor, pay: bool, note: str,
                  minutes: int | None = None) -> Order:
    """Staff decide a dispute: pay (possibly fewer minutes) or void it (nothing is paid)."""
    order = _current(order)
    require(policies.can_resolve(actor, order),
            _("Only community staff of this community may resolve this dispute."))
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Please record how the dispute was resolved."), field="note")
    if order.status != OrderStatus.DISPUTED:
        raise _refuse_move(order, "resolve")
    if not pay:
        order = ORDER_MACHINE.move(order, "resolve", to=OrderStatus.CANCELLED, actor=actor, note=note, resolution=note[:255])
        _release_hold(order, actor)
        return order
    minutes = order.actual_minutes if minutes is None else minutes
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not (
            1 <= minutes <= order.actual_minutes):
        raise ValidationError(
            _("The minutes paid must be between 1 and the %(max)s recorded.") % {
                "max": order.actual_minutes}, field="minutes")
    order = ORDER_MACHINE.move(order, "resolve", to=OrderStatus.RESOLVED, actor=actor, note=note, resolution=note[:255],
                               actual_minutes=minutes, confirmed_at=timezone.now())
    return _settle_quietly(order, actor)


#: The points rule (linli.points) under which a completed service awards the project's points.
POINTS_RULE = "service_order"


def service_points(*, project_points: int, minutes: int, expected_minutes: int) -> int:
    """Points for one service scale with the time served: the project's points for the full
    expected duration (or longer), a proportional share (rounded down) for less, and nothing
    for a service shorter than `ORDERS_MIN_SERVICE_MINUTES`. So a one-minute "service" earns
    nothing and 30 minutes of a 60-minute, 3-point service earn 1 point."""
    if not project_points or minutes < min_service_minutes() or expected_minutes <= 0:
        return 0
    return project_points * min(minutes, expected_minutes) // expected_minutes


def _award_points(order: Order, actor=None) -> None:
    """The service's points (see `service_points`) to the volunteer's household, once per
    order (the points service is idempotent on the source). A switched-off rule simply
    awards nothing."""
    from linli.points import services as points
    from linli.points.models import AwardRule

    quantity = service_points(project_points=order.project.points,
                              minutes=order.settled_minutes or order.actual_minutes or 0,
                              expected_minutes=order.expected_minutes)
    if not quantity:
        return
    resident = order.volunteer.resident
    household = resident.household
    try:
        with transaction.atomic():
            if not AwardRule.objects.filter(community_id=household.community_id,
                                            code=POINTS_RULE).exists():
                points.award_rule_set(community=household.community, code=POINTS_RULE,
                                      title=_("Completed service orders"), points_per_unit=1,
                                      unit_label=_("points"))
            points.award_for_source(household=household, rule_code=POINTS_RULE,
                                    source_reference=order.reference,
                                    quantity=quantity, actor=actor,
                                    resident=resident)
    except DomainError:
        logger.warning("no points for order %s", order.uuid, exc_info=True)


@transaction.atomic
def order_settle(*, order: Order, actor) -> Order:
    """Bank the volunteer's actual minutes, exactly once (key `order-settle:<uuid>`).
    Settling a settled order returns it unchanged. Staff retry a settlement the ledger
    deferred; `actor=None` is the system settling right after a confirmation."""
    order = _current(order)
    require(actor is None or policies.can_settle(actor, order),
            _("Only community staff may settle this order."))
    return _settle(order, actor)


def _settle(order: Order, actor) -> Order:
    """The settlement itself; callers have decided who may trigger it."""
    order = _current(order)
    if order.status == OrderStatus.SETTLED:
        return order
    if order.status not in CONFIRMED_STATES:
        raise _refuse_move(order, "settle")
    minutes = order.actual_minutes
    volunteer_resident = order.volunteer.resident
    key = f"order-settle:{order.uuid}"
    memo = f"{order.project.name} · {timezone.localtime(order.slot_start):%Y-%m-%d}"
    if order.funding == Funding.REQUESTER:
        credit = ledger.resident_account_ensure(resident=volunteer_resident)
        held = Reservation.objects.filter(reference=order.reference).order_by("-id").first()
        reserved = held.amount if held is not None else 0
        pay = min(minutes, reserved)
        if pay:
            ledger.reservation_settle(reference=order.reference, idempotency_key=key,
                                      credit=credit, amount=pay, kind=TransferKind.SETTLEMENT,
                                      memo=memo, actor=actor)
        if minutes > pay:
            # Served longer than the requester reserved: the street issues the difference.
            ledger.earning_create(resident=volunteer_resident, minutes=minutes - pay,
                                  reference=order.reference,
                                  idempotency_key=f"{key}:extra" if pay else key,
                                  memo=memo, actor=actor)
    else:
        ledger.earning_create(resident=volunteer_resident, minutes=minutes,
                              reference=order.reference, idempotency_key=key, memo=memo,
                              actor=actor)
    try:
        with transaction.atomic():
            order = ORDER_MACHINE.move(order, "settle", actor=actor,
                                       note=_("%(minutes)s minutes banked") % {"minutes": minutes},
                                       settled_minutes=minutes, settled_at=timezone.now())
    except Conflict:
        current = _current(order)
        if current.status == OrderStatus.SETTLED:  # a concurrent retry got there first
            return current
        raise
    _award_points(order, actor)
    _notify(order.volunteer.user, _("Hours banked"),
            _("%(minutes)s minutes for %(project)s.") % {"minutes": minutes,
                                                         "project": order.project.name},
            _order_url(order))
    return order


# --- cancel --------------------------------------------------------------------------------


@transaction.atomic
def order_cancel(*, order: Order, actor, reason: str = "") -> Order:
    """Before the service starts, the household or staff may cancel; a hold is released."""
    order = _current(order)
    require(policies.can_cancel(actor, order),
            _("Only the household, whoever placed the order, its grid worker or community "
              "staff may cancel it."))
    volunteer = order.volunteer
    order = ORDER_MACHINE.move(order, "cancel", actor=actor, note=(reason or "")[:500],
                               reason=(reason or "")[:255])
    _release_hold(order, actor)
    if volunteer is not None:
        _notify(volunteer.user, _("An order was cancelled"), order.project.name,
                _order_url(order))
    return order


# --- periodic work -----------------------------------------------------------------------------


def orders_escalate(*, now: datetime | None = None) -> dict:
    """Time out offers nobody accepted, flag orders left undispatched, auto-confirm orders
    nobody rated. Each order is handled in its own transaction; losing a race is fine."""
    now = now or timezone.now()
    done = {"timed_out": 0, "flagged": 0, "auto_confirmed": 0}
    for order in Order.objects.filter(status=OrderStatus.DISPATCHED, accept_by__lte=now):
        try:
            order_time_out(order=order, now=now)
            done["timed_out"] += 1
        except Conflict:
            pass
    stale = now - timedelta(minutes=dispatch_escalate_minutes())
    for order in Order.objects.filter(status=OrderStatus.SUBMITTED, escalations=0,
                                      created_at__lte=stale).select_related("project"):
        try:
            with transaction.atomic():
                ORDER_MACHINE.move(order, "escalate", extra_filter=Q(escalations=0),
                                   note=_("Waiting for dispatch too long"), escalations=1)
        except Conflict:  # dispatched or flagged meanwhile
            continue
        for user in _staff_of(order.community_id):
            _notify(user, _("Order waiting for dispatch"), order.project.name,
                    _order_url(order))
        done["flagged"] += 1
    cutoff = now - timedelta(days=auto_confirm_days())
    for order in Order.objects.filter(status=OrderStatus.COMPLETED, checked_out_at__lte=cutoff):
        try:
            order_auto_confirm(order=order, now=now)
            done["auto_confirmed"] += 1
        except Conflict:
            pass
    return done


# --- meals ---------------------------------------------------------------------------------------


@transaction.atomic
def meal_order_create(*, project: ServiceProject, household, actor, date: date,
                      meal: str = Meal.LUNCH, portions: int = 1, diet: str = "") -> MealOrder:
    if project.kind != ProjectKind.MEAL or project.community_id != household.community_id:
        raise ValidationError(_("This is not a meal service of this community."),
                              field="project")
    require(policies.can_order_meal(actor, household),
            _("Only the household, its grid worker or community staff may order meals for "
              "this household."))
    if meal not in Meal.values:
        raise ValidationError(_("Unknown meal."), field="meal")
    today = timezone.localdate()
    if date < today or date > today + timedelta(days=14):
        raise ValidationError(_("Meals can be ordered for today and the next 14 days."),
                              field="date")
    if isinstance(portions, bool) or not 1 <= portions <= 6:
        raise ValidationError(_("Order 1 to 6 portions."), field="portions")
    if MealOrder.objects.filter(household=household, date=date, meal=meal).exclude(
            status=MealStatus.CANCELLED).exists():
        raise Conflict(_("This meal is already ordered for that day."), field="date")
    return MealOrder.objects.create(project=project, community_id=household.community_id,
                                    household=household, requested_by=actor, date=date,
                                    meal=meal, portions=portions, diet=(diet or "")[:64])


@transaction.atomic
def meal_order_cancel(*, meal_order: MealOrder, actor) -> MealOrder:
    require(policies.can_cancel_meal(actor, meal_order),
            _("Only the household or community staff may cancel this meal."))
    if MealOrder.objects.filter(pk=meal_order.pk, status=MealStatus.ORDERED).update(
            status=MealStatus.CANCELLED, updated_at=timezone.now()) != 1:
        raise Conflict(_("This meal is already on its way and cannot be cancelled."),
                       code="illegal_transition")
    meal_order.refresh_from_db()
    return meal_order


@transaction.atomic
def meal_assign(*, community, date: date, meal: str, actor, volunteer,
                building=None) -> int:
    """Give one building's deliveries (or those without a building) to a volunteer."""
    require(policies.can_assign_meals(actor, community),
            _("Only community staff of this community may assign meal deliveries."))
    if volunteer is None or volunteer_eligibility_problem(
            volunteer=volunteer, project=ServiceProject(community=community,
                                                        volunteer_min_age=16)):
        raise ValidationError(_("Choose an active volunteer of this street."), field="volunteer")
    rows = MealOrder.objects.filter(community=community, date=date, meal=meal,
                                    status__in=(MealStatus.ORDERED, MealStatus.ASSIGNED))
    rows = rows.filter(household__building=building) if building is not None else rows.filter(
        household__building__isnull=True)
    count = rows.update(status=MealStatus.ASSIGNED, volunteer=volunteer,
                        updated_at=timezone.now())
    if count:
        _notify(volunteer.user, _("Meal deliveries for you"),
                _("%(count)s households on %(date)s.") % {"count": count, "date": date})
    return count


@transaction.atomic
def meal_deliver(*, meal_order: MealOrder, actor, delivered: bool, note: str = "") -> MealOrder:
    meal_order.refresh_from_db()
    require(policies.can_record_meal_outcome(actor, meal_order),
            _("Only the volunteer delivering this meal or community staff may record the "
              "outcome."))
    to = MealStatus.DELIVERED if delivered else MealStatus.NOT_HOME
    if MealOrder.objects.filter(pk=meal_order.pk, status=MealStatus.ASSIGNED).update(
            status=to, delivered_at=timezone.now(), outcome_note=(note or "")[:255],
            updated_at=timezone.now()) != 1:
        raise Conflict(_("This meal is not out for delivery."), code="illegal_transition")
    meal_order.refresh_from_db()
    if not delivered:
        for user in _staff_of(meal_order.community_id):
            _notify(user, _("Nobody answered for a meal delivery"), str(meal_order.household))
    return meal_order
