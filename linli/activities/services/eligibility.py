"""Who an activity is for: its audience (elders, party members, children with a guardian)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.activities.models import (
    ADULT_AGE,
    ELDER_AGE,
    Activity,
    Audience,
)
from linli.common.dates import age_on
from linli.common.exceptions import ValidationError


def check_audience(*, activity: Activity, resident, actor) -> None:
    """Refuse a participant the activity is not for; ages count on the activity's day."""
    from linli.registry.models import PoliticalStatus

    if activity.audience == Audience.ALL:
        return
    day = timezone.localtime(activity.starts_at).date()
    if resident is None:
        raise ValidationError(
            _("This activity is for %(audience)s; your account is not linked to a resident "
              "record yet.") % {"audience": activity.get_audience_display()})
    age = age_on(resident.birth_date, day)
    if activity.audience == Audience.ELDERS and (age is None or age < ELDER_AGE):
        raise ValidationError(_("This activity is for elders aged 60 and over."))
    if activity.audience == Audience.PARTY_MEMBERS and resident.political_status not in (
            PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY):
        raise ValidationError(_("This activity is for party members."))
    if activity.audience == Audience.CHILDREN and age is not None and age < ADULT_AGE:
        if resident.user_id is not None and resident.user_id == actor.pk:
            raise ValidationError(_("A parent or guardian needs to sign children up and "
                                    "come along."))
