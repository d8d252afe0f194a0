"""Resident ID numbers (GB 11643): 18 characters, valid birth date, mod 11-2 check digit.

The area code is only a soft check: old and new division codes both occur in real numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from linli.common.exceptions import ValidationError
from linli.common.text import fold_code
from linli.registry.privacy import normalise_id_number


@dataclass
class IdNumberInfo:
    number: str
    birth_date: date
    gender: str  # "M" or "F"
    warnings: list[str] = field(default_factory=list)


def id_number_parse(value: str, *, field_name: str = "id_number",
                    today: date | None = None) -> IdNumberInfo:
    """Validate and decode an ID number; raise ValidationError with a user-facing message.
    The number returned is ASCII: full-width digits and letters typed or pasted
    (`１１０１…ｘ`) are folded (NFKC) first, and digits of other scripts, which `isdigit()`
    also accepts, are refused, so what is stored, hashed and searched is one spelling.
    `today` (a batch passes it once) is the latest possible birth date."""
    number = normalise_id_number(fold_code(str(value or "")))
    if len(number) != 18:
        raise ValidationError(_("An ID number has 18 characters."), field=field_name)
    if (not number.isascii() or not number[:17].isdigit()
            or not (number[17].isdigit() or number[17] == "X")):
        raise ValidationError(
            _("An ID number is 17 digits followed by a digit or X."), field=field_name
        )
    if ric.calc_check_digit(number) != number[17]:
        raise ValidationError(
            _("The check digit (last character) is wrong; please check the number."),
            field=field_name,
        )
    try:  # what ric.get_birth_date reads, without its second clean-up of the number
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValidationError(_("The birth date inside the ID number is not a valid date."),
                              field=field_name) from exc
    if birth > (today or timezone.localdate()) or birth.year < 1890:
        raise ValidationError(_("The birth date inside the ID number is not a valid date."),
                              field=field_name)
    warnings = []
    if not _area_known(number[:6], birth.year):
        warnings.append(_("The area code is not a known division code; please double-check it."))
    gender = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumberInfo(number=number, birth_date=birth, gender=gender, warnings=warnings)


@lru_cache(maxsize=4096)
def _area_known(area: str, year: int) -> bool:
    """Whether the division code existed in the birth year (only these inputs matter)."""
    try:
        ric.get_birth_place(f"{area}{year}0101000X")
    except stdnum_errors.ValidationError:
        return False
    return True


def id_number_compose(area: str, birth_date: date, sequence: int) -> str:
    """Build a valid number (demo data and tests): odd `sequence` is male, even female."""
    body = f"{area}{birth_date:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")
