"""Masking of personal identifiers: shown masked everywhere unless a permitted reveal is logged."""

from __future__ import annotations


def mask_mobile(mobile: str | None) -> str:
    """`13812345678` → `138****5678`."""
    if not mobile:
        return ""
    if len(mobile) < 7:
        return "*" * len(mobile)
    return f"{mobile[:3]}{'*' * (len(mobile) - 7)}{mobile[-4:]}"


def mask_id_number(id_number: str | None) -> str:
    """`110101199003071234` → `110***********1234`."""
    if not id_number:
        return ""
    if len(id_number) < 8:
        return "*" * len(id_number)
    return f"{id_number[:3]}{'*' * (len(id_number) - 7)}{id_number[-4:]}"
