from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(minutes) -> str:
    """Minutes as hours and minutes: 90 → "1 h 30 min" (1小时30分钟)."""
    if minutes in (None, ""):
        return ""
    minutes = int(minutes)
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    if hours and rest:
        text = _("%(h)s h %(m)s min") % {"h": f"{hours:,}", "m": rest}
    elif hours:
        text = _("%(h)s h") % {"h": f"{hours:,}"}
    else:
        text = _("%(m)s min") % {"m": rest}
    return sign + text


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
