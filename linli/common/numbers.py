"""The one check of a whole number a service takes (a count, a price, points, minutes).

A bool is refused although Python counts it as an int, and so is a number typed as text: a
service is called by forms, the API, imports and tasks, and only an `int` in the range may
reach a counter or a balance."""

from __future__ import annotations

from django.utils.translation import gettext as _

from linli.common.exceptions import ValidationError


def whole_number(value, *, low: int, high: int | None, field: str,
                 message: str | None = None) -> int:
    """`value` when it is an int from `low` to `high` (no upper bound when `high` is None),
    else a ValidationError on `field` with `message` (by default one naming the range)."""
    if (isinstance(value, bool) or not isinstance(value, int) or value < low
            or (high is not None and value > high)):
        if message is None:
            message = _("Enter a whole number from %(low)s to %(high)s.") % {
                "low": low, "high": high}
        raise ValidationError(message, field=field)
    return value
