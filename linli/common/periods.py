"""Calendar periods a limit counts over (a household's claims of an item, an award rule's cap,
exchanges of one goods): the month, quarter or year containing a day.

The choice values are stored in several apps' columns; they never change."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Period(models.TextChoices):
    MONTH = "month", _("per month")
    QUARTER = "quarter", _("per quarter")
    YEAR = "year", _("per year")


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """[start, end) of the month, quarter or year containing `day`."""
    if period == Period.YEAR:
        return date(day.year, 1, 1), date(day.year + 1, 1, 1)
    if period == Period.QUARTER:
        first = (day.month - 1) // 3 * 3 + 1
        start = date(day.year, first, 1)
        end = date(day.year + 1, 1, 1) if first == 10 else date(day.year, first + 3, 1)
        return start, end
    start = date(day.year, day.month, 1)
    end = date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
    return start, end


def period_range(period: str, day: date) -> tuple[datetime, datetime]:
    """`period_bounds` as aware datetimes at local midnight, for `created_at` ranges."""
    start, end = period_bounds(period, day)
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tz), datetime.combine(end, time.min, tz)
