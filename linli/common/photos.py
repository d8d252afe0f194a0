"""The one way a photo from a phone is checked and stored (claim evidence, goods pictures,
activity photos, civic reports).

What is stored is never the uploaded file: the picture is decoded with Pillow and encoded
again, so a script or other file dressed up as `.jpg` is refused (it does not decode) and
whatever rode along in the file — EXIF with the phone's GPS position, comments, thumbnails
of the uncropped original — is left behind. The position is read before it is dropped and
handed back to callers that want it (a civic report's location). A photo larger than
`LONGEST_SIDE` is scaled down instead of refused; only the upload itself has a byte cap.
Names are chosen by the server (random, with the checked kind's extension), so nothing of
the uploaded name reaches the storage path.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from linli.common.exceptions import ValidationError

#: The upload's own size limit (the request is refused before it is decoded).
MAX_BYTES = 5 * 1024 * 1024
#: Decoding more pixels than this is refused outright (a "decompression bomb": a few
#: kilobytes that expand to gigabytes); every real phone photo is well below it.
MAX_PIXELS = 120_000_000
#: The stored photo's longest side; larger photos are scaled down to it.
LONGEST_SIDE = 2560
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp",
                 "gif": "image/gif"}
_GPS_IFD = 0x8825
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
                  Image.DecompressionBombError)


@dataclass(frozen=True)
class PhotoInfo:
    """A checked photo, ready to store: `content` is the re-encoded file (named at random),
    `gps` the (latitude, longitude) the original carried, in degrees (WGS-84, as phones
    record it), or None."""

    content: ContentFile
    ext: str
    width: int
    height: int
    gps: tuple[float, float] | None

    @property
    def name(self) -> str:
        return self.content.name


def _refuse(field: str, code: str) -> ValidationError:
    """One message for both refusals; the code tells a file that is no picture at all
    (`photo_unreadable`) from a picture of a kind not taken (`photo_kind`)."""
    return ValidationError(_("Please choose a photo (JPEG, PNG or WebP)."), field=field,
                           code=code)


def _check_size(upload, field: str) -> None:
    if getattr(upload, "size", None) is not None and upload.size > MAX_BYTES:
        raise ValidationError(_("The photo is too large (at most 5 MB)."), field=field)


def photo_validate(upload, *, field: str = "photo") -> str:
    """The file's extension if it is a real picture of an accepted kind, else a clear error.
    Reads the header and checks the data; decodes nothing (see `photo_prepare`)."""
    _check_size(upload, field)
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            width, height = image.size
            if kind not in FORMATS or not width or not height or width * height > MAX_PIXELS:
                raise _refuse(field, "photo_kind")
            image.verify()
    except _DECODE_ERRORS:
        raise _refuse(field, "photo_unreadable") from None
    finally:
        upload.seek(0)
    return FORMATS[kind]


def random_name(ext: str) -> str:
    return f"{uuid.uuid4().hex}.{ext}"


def photo_name(upload, *, field: str = "photo") -> str:
    """Validate and return a random file name keeping only the checked extension."""
    return random_name(photo_validate(upload, field=field))


def _degrees(value, ref) -> float | None:
    try:
        d, m, s = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60 + s / 3600
    return -degrees if str(ref).upper() in ("S", "W") else degrees


def _gps(image: Image.Image) -> tuple[float, float] | None:
    try:
        gps = image.getexif().get_ifd(_GPS_IFD)
    except Exception:  # a broken EXIF block must not cost the photo
        return None
    if not gps or 2 not in gps or 4 not in gps:
        return None
    lat, lon = _degrees(gps[2], gps.get(1, "N")), _degrees(gps[4], gps.get(3, "E"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    if lat == 0 and lon == 0:  # no fix: some phones write zeros
        return None
    return round(lat, 7), round(lon, 7)


def _encode(image: Image.Image, kind: str, icc_profile: bytes | None) -> bytes:
    out = io.BytesIO()
    # No `exif=`, `pnginfo=` or comment is passed on: Pillow then writes none of them.
    extra = {"icc_profile": icc_profile} if icc_profile else {}
    if kind == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=85, optimize=True, **extra)
    elif kind == "WEBP":
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        image.save(out, "WEBP", quality=85, **extra)
    elif kind == "PNG":
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True, **extra)
    else:  # GIF: the first frame, as a still picture
        if image.mode not in ("P", "L", "1"):
            image = image.convert("P", palette=Image.Palette.ADAPTIVE)
        image.save(out, "GIF")
    return out.getvalue()


def photo_prepare(upload, *, field: str = "photo", longest_side: int = LONGEST_SIDE
                  ) -> PhotoInfo:
    """Check the upload is a photo of an accepted kind, read its GPS position, and return it
    re-encoded: turned upright by its EXIF orientation, scaled down to `longest_side`,
    without EXIF or other metadata. Refuses anything that does not decode with the same
    clear message."""
    photo_validate(upload, field=field)
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            gps = _gps(image)
            icc_profile = image.info.get("icc_profile")
            if kind == "JPEG":
                # Decode at a reduced scale straight away when the photo is far larger.
                image.draft("RGB", (longest_side, longest_side))
            image.load()
            upright = ImageOps.exif_transpose(image)
            # Some encoders copy what the image carries (EXIF, XMP, text) when not told
            # otherwise; keep only what draws the picture.
            upright.info = {k: v for k, v in upright.info.items() if k == "transparency"}
            if max(upright.size) > longest_side:
                upright.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
            data = _encode(upright, kind, icc_profile)
            width, height = upright.size
    except _DECODE_ERRORS:
        raise _refuse(field, "photo_unreadable") from None
    finally:
        upload.seek(0)
    ext = FORMATS[kind]
    return PhotoInfo(content=ContentFile(data, name=random_name(ext)), ext=ext, width=width,
                     height=height, gps=gps)


def photo_save(file_field, upload, *, field: str = "photo") -> PhotoInfo:
    """Prepare `upload` and store it in a model's file field (the row is not saved)."""
    info = photo_prepare(upload, field=field)
    file_field.save(info.name, info.content, save=False)
    return info


def content_type_for(name: str) -> str:
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
