"""Activity photos and cover pictures: what is accepted, and at most nine per activity.

What is stored is what linli.common.photos prepares (decoded and encoded again, so EXIF and
the phone's GPS position are left behind, scaled down past its longest side, under a name the
server chooses). Activities accept JPEG, PNG and WebP only, and word the refusals their own
way.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from linli.activities import policies
from linli.activities.models import (
    Activity,
    ActivityPhoto,
    ActivityStatus,
)
from linli.common.exceptions import Conflict, ValidationError, require
from linli.common.photos import FORMATS, MAX_BYTES, photo_prepare

MAX_IMAGE_BYTES = MAX_BYTES
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}
_EXTENSIONS = {FORMATS[kind] for kind in IMAGE_FORMATS}


def image_prepare(upload, *, field: str = "cover") -> ContentFile | None:
    """The picture to store for `upload` (None when there is none), or a refusal naming
    `field`: at most 5 MB, and a JPEG, PNG or WebP that decodes."""
    if upload is None:
        return None
    if upload.size > MAX_IMAGE_BYTES:
        raise ValidationError(_("The photo must be at most 5 MB."), field=field)
    try:
        info = photo_prepare(upload, field=field)
    except ValidationError as exc:
        if exc.code == "photo_unreadable":
            raise ValidationError(_("This file is not a photo we can read."),
                                  field=field) from None
        raise ValidationError(_("Please upload a JPEG, PNG or WebP photo."),
                              field=field) from None
    if info.ext not in _EXTENSIONS:
        raise ValidationError(_("Please upload a JPEG, PNG or WebP photo."), field=field)
    return info.content


def image_validate(upload, *, field: str = "cover") -> None:
    """Refuse what `image_prepare` would refuse (for checks before anything is written)."""
    image_prepare(upload, field=field)


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
    stored = image_prepare(image, field="photo")
    return ActivityPhoto.objects.create(activity=activity, image=stored,
                                        caption=(caption or "").strip()[:100])
