"""The rules a resident's and a household's fields obey, stated once for every way a record
arrives: a page or the API (through `services.resident_clean` and `_household_clean`) and a
row of an imported roster (`imports.Checker`, then `imports._commit`).

Each rule takes values already read and cleaned by its caller (a form field, a JSON value, a
folded spreadsheet cell) and returns the value to store or raises `ValidationError` naming
the field. A spreadsheet row words a few messages for the person fixing the file ("the name
is empty: write the person's name"); those callers pass their wording as `missing`.

No database here: the rules that need one (an ID number registered already, the street's
tags, the guardian's community) stay in the services, which the import replaces by
whole-file checks (`Checker.match`, `Checker.unresolved_guardians`).
"""

from __future__ import annotations

import re
from datetime import date

from django.utils.translation import gettext as _

from linli.common.dates import age_on
from linli.common.exceptions import ValidationError
from linli.registry.idnumbers import IdNumberInfo
from linli.registry.models import ResidenceType

NAME_MAX = 64
ETHNICITY_MAX = 16
BASIS_NOTE_MAX = 255
HOUSEHOLD_NUMBER_MAX = 32
ADDRESS_MAX = 255
#: Children under this age are recorded only with a guardian link (PIPL Art. 31).
CHILD_AGE = 14
ADULT_AGE = 18
#: Nobody living was born before this; an earlier date is a typing or parsing mistake.
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
#: ASCII digits only: `\d` would also take full-width and other scripts' digits.
MOBILE_RE = re.compile(r"^1[0-9]{10}$")


# --- Residents ------------------------------------------------------------------------------

def name(value: str, *, missing: str | None = None) -> str:
    """A person's name: given, and at most NAME_MAX characters."""
    if not value:
        raise ValidationError(missing or _("Please enter the name."), field="name")
    if len(value) > NAME_MAX:
        raise ValidationError(_("The name is too long (64 characters at most)."), field="name")
    return value


def birth_date(day: date | None, *, today: date) -> date | None:
    """A birth date typed as such (one read from an ID number is checked by its parser)."""
    if day and day > today:
        raise ValidationError(_("The birth date cannot be in the future."), field="birth_date")
    if day and day < EARLIEST_BIRTH_DATE:
        raise ValidationError(_("The birth date is too early (1900-01-01 at the earliest)."),
                              field="birth_date")
    return day


def birth_date_agrees(info: IdNumberInfo, day: date | None) -> date:
    """The ID number gives the birth date: one written besides must be the same."""
    if day and day != info.birth_date:
        raise ValidationError(
            _("The birth date does not agree with the ID number (%(date)s).")
            % {"date": info.birth_date.isoformat()},
            field="birth_date",
        )
    return info.birth_date


def gender_agrees(info: IdNumberInfo, gender: str) -> str:
    """The ID number gives the gender: one written besides must be the same."""
    if gender and gender != info.gender:
        raise ValidationError(_("The gender does not agree with the ID number."),
                              field="gender")
    return info.gender


def is_mobile(digits: str) -> bool:
    return bool(MOBILE_RE.match(digits))


def mobile(digits: str) -> str:
    """A mobile number as stored (folded by the caller): empty, or 11 digits starting with 1."""
    if digits and not is_mobile(digits):
        raise ValidationError(_("Enter an 11-digit mobile number starting with 1."),
                              field="mobile")
    return digits


def ethnicity(value: str | None) -> str:
    return (value or "").strip()[:ETHNICITY_MAX]


def residence_type(code: str) -> str:
    """Someone recorded without a residence type lives here with their registration."""
    return code or ResidenceType.REGISTERED


def not_in_future(day: date | None, *, field: str, today: date) -> date | None:
    """A day something happened (moved out, died)."""
    if day and day > today:
        raise ValidationError(_("This date cannot be in the future."), field=field)
    return day


def life_event(*, on: bool, day: date | None, birth: date | None, today: date,
               field: str, not_on: str) -> tuple[bool, date | None]:
    """A moving-out or a death: the date only with the flag (`not_on` says so), not in the
    future, not before the birth. Returns (flag, date or None)."""
    if day and not on:
        raise ValidationError(not_on, field=field)
    not_in_future(day, field=field, today=today)
    if day and birth and day < birth:
        raise ValidationError(_("This date is before the birth date."), field=field)
    return on, (day if on else None)


def basis_note(value: str | None) -> str:
    return (value or "").strip()[:BASIS_NOTE_MAX]


def needs_guardian(birth: date | None, *, today: date) -> bool:
    return bool(birth) and age_on(birth, today) < CHILD_AGE


def guardian_adult(guardian_birth: date | None, *, today: date) -> None:
    if guardian_birth and age_on(guardian_birth, today) < ADULT_AGE:
        raise ValidationError(_("The guardian must be an adult."), field="guardian")


# --- Households -----------------------------------------------------------------------------

def household_number(value: str) -> str:
    if not value:
        raise ValidationError(_("Please enter the household number."), field="number")
    if len(value) > HOUSEHOLD_NUMBER_MAX:
        raise ValidationError(_("The household number is too long."), field="number")
    return value


def address(value: str, *, missing: str | None = None) -> str:
    if not value:
        raise ValidationError(missing or _("Please enter the address."), field="address")
    return value[:ADDRESS_MAX]
