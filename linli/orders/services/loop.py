"""The order loop up to the visit: 点单 (submit, with the duplicate rules), review and 派单
(refuse, dispatch, reassign), the volunteer's answer (accept, decline, time out) and
cancellation.

Every status change is `ORDER_MACHINE.move` (linli.orders.states): one guarded conditional
UPDATE from the status the service read, so of two actors racing for the same order exactly
one wins, on SQLite and PostgreSQL alike, and one `OrderEvent` per transition. A project paid
with the requester's hours reserves the expected minutes when a volunteer accepts; reassigning
or cancelling releases that hold."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.common.exceptions import Conflict, ValidationError, require
from linli.ledger import services as ledger
from linli.orders import policies
from linli.orders.models import (
    OPEN_STATES,
    Channel,
    Funding,
    Order,
    OrderEvent,
    OrderStatus,
    ProjectKind,
    ServiceProject,
)
from linli.orders.services.eligibility import (
    requester_eligibility_problem,
    volunteer_eligibility_problem,
)
from linli.orders.services.guards import (
    _current,
    _expect,
    _refuse_move,
    _require_volunteer,
    household_member,
    volunteer_of,
)
from linli.orders.services.notifications import (
    _notify,
    _offer_notifications,
    _order_url,
    _requesters,
    _staff_of,
)
from linli.orders.services.settings import accept_minutes
from linli.orders.services.settlement import _release_hold
from linli.orders.states import ORDER_MACHINE


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
                               volunteer=volunteer, team=team, dispatched_by=actor,
                               dispatched_at=now, accept_by=now + timedelta(minutes=accept_minutes()))
    _offer_notifications(order)
    return order


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
                               volunteer=volunteer, team=team, dispatched_by=actor,
                               dispatched_at=now, accepted_at=None,
                               accept_by=now + timedelta(minutes=accept_minutes()))
    if was_accepted:
        _release_hold(order, actor)
    if previous is not None and previous != volunteer:
        _notify(previous.user, _("An order was given to someone else"), order.project.name,
                _order_url(order))
    _offer_notifications(order)
    return order


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
