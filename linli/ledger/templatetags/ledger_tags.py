from django import template
from django.utils.translation import gettext as _

from linli.ledger.units import format_duration

register = template.Library()


@register.filter
def duration(minutes) -> str:
    return format_duration(minutes)


@register.filter
def amount(value, unit: str) -> str:
    """An amount in its unit: minutes as a duration, points as a number."""
    if unit == "time":
        return duration(value)
    return _("%(n)s points") % {"n": f"{int(value):,}"}


@register.filter
def signed_amount(value, unit: str) -> str:
    value = int(value)
    return ("+" if value > 0 else "") + amount(value, unit)


@register.filter
def percent_of(value, total) -> int:
    try:
        return max(0, min(100, round(100 * int(value) / int(total))))
    except (TypeError, ValueError, ZeroDivisionError):
        return 0
