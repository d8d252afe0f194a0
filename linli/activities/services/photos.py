"""Activity photos and cover pictures: what is accepted, and at most nine per activity."""

from __future__ import annotations

import io

from django.db import transaction
from django.utils.translation import gettext as _

from linli.activities import policies
from linli.activities.models import (
    Activity,
    ActivityPhoto,
    ActivityStatus,
)
from linli.common.exceptions import Conflict, ValidationError, require

MAX_IMAGE_BYTES = 5 * 1024 * 1024


IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}


def image_validate(upload, *, field: str = "cover") -> None:
    """A real photo (Pillow can decode it) in a common format, at most 5 MB."""
    from PIL import Image, UnidentifiedImageError

    if upload is None:
        return
    if upload.size > MAX_IMAGE_BYTES:
        raise ValidationError(_("The photo must be at most 5 MB."), field=field)
    try:
        upload.seek(0)
        data = upload.read()
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            img.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ValidationError(_("This file is not a photo we can read."), field=field) from None
    finally:
        upload.seek(0)
    if fmt not in IMAGE_FORMATS:
        raise ValidationError(_("Please upload a JPEG, PNG or WebP photo."), field=field)


MAX_PHOTOS = 9


@transaction.atomic
def activity_photo_add(*, activity: Activity, actor, image, caption: str = "") -> ActivityPhoto:
    """One photo of an activity under way or held (at most nine per activity)."""
    require(policies.can_add_photos(actor, activity),
            _("Only the community's staff may add photos of this activity."))
    if image is None:
        raise ValidationError(_("Please choose a photo (JPEG, PNG or WebP)."), field="photo")
    activity.refresh_from_db()
    if activity.status not in (ActivityStatus.ONGOING, ActivityStatus.ENDED,
                               ActivityStatus.SUMMARISED):
        raise Conflict(_("Photos can be added once the activity is under way."),
                       code="wrong_state")
    if activity.photos.count() >= MAX_PHOTOS:
        raise Conflict(_("At most nine photos per activity."), code="too_many_photos")
    image_validate(image, field="photo")
    return ActivityPhoto.objects.create(activity=activity, image=image,
                                        caption=(caption or "").strip()[:100])
