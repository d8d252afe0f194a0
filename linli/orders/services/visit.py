"""The visit: 签到 (check-in within its window, with an optional location far from the
address flagged for staff), staff confirming an early visit, 圆单 (completion with the minutes
actually served, 民政部令第67号) and the service photo."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.common.exceptions import DomainError, ValidationError, require
from linli.common.photos import MAX_BYTES, photo_save, photo_validate
from linli.orders import policies
from linli.orders.models import (
    Order,
)
from linli.orders.services.guards import _current, _expect, _require_volunteer
from linli.orders.services.loop import _slot_text
from linli.orders.services.notifications import _notify, _order_url, _requesters, _staff_of
from linli.orders.services.settings import (
    checkin_closes_minutes,
    checkin_max_distance_m,
    checkin_opens_minutes,
    max_service_minutes,
    min_service_minutes,
)
from linli.orders.states import ORDER_MACHINE


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
    return ORDER_MACHINE.move(order, "confirm_early", actor=actor,
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
    """The photo re-encoded (EXIF and its GPS position left behind: it is taken in someone's
    home) into storage under a fresh name; the row is written by the caller."""
    photo_save(order.photo, photo)


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
    if photo is None:
        raise ValidationError(_("Please choose a photo (JPEG, PNG or WebP)."), field="photo")
    if photo.size is not None and photo.size > MAX_BYTES:
        raise PhotoTooLarge(_("The photo is too large (at most 5 MB)."), field="photo")
    _store_photo(order, photo)
    return ORDER_MACHINE.move(order, "photo", actor=actor,
                              note=str(_("Photo added")), photo=order.photo.name)
