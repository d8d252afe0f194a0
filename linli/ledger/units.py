"""Display of ledger amounts: minutes as hours and minutes, points as a number."""

from django.utils.translation import gettext as _


def format_duration(minutes) -> str:
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
