"""Pickup codes: made by the exchange, read back at the counter (services and selectors both
use them, so they live apart from either)."""

from __future__ import annotations

import secrets
import unicodedata

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud at the counter


def new_pickup_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(8))


def normalise_code(code: str) -> str:
    """What the clerk typed or scanned: full-width letters folded, spaces and dashes dropped,
    upper case; a scanned QR code carries the counter URL with `?code=…`."""
    code = unicodedata.normalize("NFKC", code or "").strip()
    if "code=" in code:
        code = code.split("code=", 1)[1].split("&", 1)[0]
    return "".join(ch for ch in code.upper() if ch.isalnum())[:16]
