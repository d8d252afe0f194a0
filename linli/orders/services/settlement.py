"""After the service: 评单 (rating) or automatic confirmation, dispute and its resolution, and
settlement of the hours with the service points.

Hours: a community-funded project issues the volunteer's actual minutes from the street's
issuer; a project paid with the requester's hours pays from the hold made at acceptance (the
street issues any minutes served beyond it). Either way the payment carries the key
`order-settle:<order uuid>`, so it happens once however often confirmation is retried."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.common.exceptions import Conflict, DomainError, ValidationError, require
from linli.common.numbers import whole_number
from linli.ledger import services as ledger
from linli.ledger.models import TransferKind
from linli.ledger.selectors import reservation_is_held, reservation_latest
from linli.orders import policies
from linli.orders.models import (
    CONFIRMED_STATES,
    Funding,
    Order,
    OrderStatus,
)
from linli.orders.services.guards import _current, _refuse_move
from linli.orders.services.notifications import _notify, _order_url, _staff_of
from linli.orders.services.settings import auto_confirm_days, min_service_minutes
from linli.orders.states import ORDER_MACHINE

logger = logging.getLogger("linli.orders.services")


def _release_hold(order: Order, actor=None) -> None:
    if order.funding != Funding.REQUESTER:
        return
    if not reservation_is_held(reference=order.reference):
        return
    ledger.reservation_release(reference=order.reference,
                               idempotency_key=f"order-release:{order.uuid}:{order.acceptances}",
                               memo=order.project.name, actor=actor)


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
    whole_number(stars, low=1, high=5, field="stars", message=_("Give 1 to 5 stars."))
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
    order = ORDER_MACHINE.move(order, "auto_confirm",
                               note=_("No rating within %(days)s days") % {
                                   "days": auto_confirm_days()},
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
        order = ORDER_MACHINE.move(order, "resolve", to=OrderStatus.CANCELLED, actor=actor,
                                   note=note, resolution=note[:255])
        _release_hold(order, actor)
        return order
    minutes = order.actual_minutes if minutes is None else minutes
    whole_number(minutes, low=1, high=order.actual_minutes, field="minutes", message=_(
        "The minutes paid must be between 1 and the %(max)s recorded.") % {
            "max": order.actual_minutes})
    order = ORDER_MACHINE.move(order, "resolve", to=OrderStatus.RESOLVED, actor=actor,
                               note=note, resolution=note[:255],
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
    order (the points service is idempotent on the source). The award rule is the points
    bank's reference data: a missing or switched-off rule awards nothing, and orders never
    create one."""
    from linli.points import services as points

    quantity = service_points(project_points=order.project.points,
                              minutes=order.settled_minutes or order.actual_minutes or 0,
                              expected_minutes=order.expected_minutes)
    if not quantity:
        return
    resident = order.volunteer.resident
    household = resident.household
    try:
        with transaction.atomic():
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
        held = reservation_latest(reference=order.reference)
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
