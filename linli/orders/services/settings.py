"""The order loop's time knobs, read from Django settings at each call (so
`override_settings` in tests and a changed environment apply without a restart)."""

from __future__ import annotations

from django.conf import settings


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
