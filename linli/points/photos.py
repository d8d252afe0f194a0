"""Moved to `linli.common.photos` (one photo module for every app); these names stay only
until the last caller outside points imports them from there."""

from linli.common.photos import (  # noqa: F401
    MAX_BYTES,
    content_type_for,
    photo_name,
    photo_validate,
)
