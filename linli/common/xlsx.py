"""Spreadsheet exports never fail on a stored value.

openpyxl refuses (IllegalCharacterError) the control characters its
`ILLEGAL_CHARACTERS_RE` matches; a name stored before input cleaning existed, or written by
an import or a raw update, must not take a community's whole export down with a 500.
"""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from linli.common.text import BIDI_CONTROLS


def safe_cell(value):
    """The value as openpyxl can store it: strings lose the characters openpyxl refuses and
    bidi overrides (which would reverse the cell's text); other values are unchanged."""
    if isinstance(value, str):
        return BIDI_CONTROLS.sub("", ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def safe_row(values) -> list:
    return [safe_cell(v) for v in values]
