"""The one input-hygiene rule for text entering Linli (forms, API, imports) and leaving it
(spreadsheets, calendar feeds).

- `clean_text` drops NUL and the other C0/C1 control characters (keeping newline and tab
  only where a field allows several lines) and the bidirectional override/isolate marks, and
  trims the ends. Such characters are never meant in a name or a title: a BEL or a
  right-to-left override shows on a page as garbage or reverses what follows, and openpyxl
  refuses to write them.
- `clean_name` refuses (rather than silently drops) bidi overrides: a name that reads
  differently from what it contains is a spoofing attempt the person should see refused.
- `fold_code` applies NFKC for codes and numbers, so full-width digits (`１２３`) and letters
  become their ASCII forms before they are checked or stored.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

from linli.common.exceptions import ValidationError

#: C0 controls except \t \n, DEL, and C1 controls.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROLS_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Bidi embeddings/overrides U+202A–U+202E and isolates U+2066–U+2069.
BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """`value` without control characters or bidi marks, ends trimmed. A single-line field
    turns a tab or line break into a space (a pasted name keeps its word gap)."""
    if not isinstance(value, str):
        return value
    value = BIDI_CONTROLS.sub("", value)
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        return _CONTROLS.sub("", value).strip()
    value = re.sub(r"[\t\n\r]+", " ", value)
    return _CONTROLS_SINGLE_LINE.sub("", value).strip()


def clean_name(value: str, *, field: str = "name") -> str:
    """A person's or a thing's name: refused if it holds bidi overrides, else cleaned."""
    if not isinstance(value, str):
        return value
    if BIDI_CONTROLS.search(value):
        raise ValidationError(
            _("The name contains invisible direction-control characters (such as U+202E), "
              "which could make it read differently from what it is. Please retype it."),
            field=field)
    return clean_text(value)


def fold_code(value: str) -> str:
    """Codes, numbers, ID and phone numbers: NFKC-folded (full-width to ASCII), cleaned."""
    if not isinstance(value, str):
        return value
    return clean_text(unicodedata.normalize("NFKC", value))


_MOBILE_SEPARATORS = re.compile(r"[\s-]+")


def fold_mobile(value) -> str:
    """A mobile as stored and compared: full-width digits folded (NFKC), and the spaces and
    dashes people type inside a number dropped."""
    text = fold_code(str(value or ""))
    return _MOBILE_SEPARATORS.sub("", text) if text else ""


def is_uuid(value) -> bool:
    """Whether `value` reads as a UUID (the public id in every URL and QR code): a lookup by
    anything else is a 404, never a database error."""
    import uuid

    try:
        uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return False
    return True
