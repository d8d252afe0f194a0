"""Calendar arithmetic shared by every app (ages for eligibility, registry and statistics)."""

from __future__ import annotations

from datetime import date


def age_on(born: date | None, day: date) -> int | None:
    """Full years of someone born on `born` on `day` (None when the birth date is unknown).
    Someone born on 29 February turns a year older on 1 March in a common year."""
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
