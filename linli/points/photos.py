"""Photo uploads (claim evidence, goods pictures): checked with Pillow before they are stored.

Files go to the default storage under a random name and are served only through views that
check who may see them, never from a public media URL."""

from __future__ import annotations

import uuid

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from linli.common.exceptions import ValidationError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp",
                 "gif": "image/gif"}


def photo_validate(upload: UploadedFile, *, field: str = "photo") -> str:
    """The file's extension if it is a real picture of an accepted kind, else a clear error."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError(_("The photo is too large (at most 5 MB)."), field=field)
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
        raise ValidationError(_("Please choose a photo (JPEG, PNG or WebP)."),
                              field=field) from None
    finally:
        upload.seek(0)
    if kind not in FORMATS or width * height > MAX_PIXELS or not width or not height:
        raise ValidationError(_("Please choose a photo (JPEG, PNG or WebP)."), field=field)
    return FORMATS[kind]


def photo_name(upload: UploadedFile, *, field: str = "photo") -> str:
    """Validate and return a random file name keeping only the checked extension."""
    return f"{uuid.uuid4().hex}.{photo_validate(upload, field=field)}"


def content_type_for(name: str) -> str:
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
