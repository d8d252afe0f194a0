"""Who may serve and who may be served (志愿服务条例 Art. 15: assignments fit the volunteer's
age, skills and health; a service may be limited to residents of an age or with tags)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.common.dates import age_on
from linli.orders.models import (
    ServiceProject,
)


def volunteer_eligibility_problem(*, volunteer, project: ServiceProject,
                                  today: date | None = None) -> str:
    """Why `volunteer` may not do `project` (empty when they may): 志愿服务条例 Art. 15 wants
    assignments that fit the volunteer's age, skills and health."""
    from linli.volunteers.models import VolunteerStatus

    today = today or timezone.localdate()
    if volunteer.status != VolunteerStatus.ACTIVE:
        return _("The volunteer is not active.")
    if volunteer.community.street_id != project.community.street_id:
        return _("The volunteer belongs to another street.")
    age = age_on(volunteer.resident.birth_date, today)
    if age is None:
        return _("The volunteer's age is not recorded.")
    if age < project.volunteer_min_age:
        return _("The volunteer is younger than this service allows.")
    if project.volunteer_max_age is not None and age > project.volunteer_max_age:
        return _("The volunteer is older than this service allows.")
    if project.needs_good_health and not volunteer.health_ok:
        return _("This service needs a volunteer who has declared good health.")
    return ""


def requester_eligibility_problem(*, resident, project: ServiceProject,
                                  today: date | None = None) -> str:
    today = today or timezone.localdate()
    if project.requester_min_age is not None:
        age = age_on(resident.birth_date, today)
        if age is None or age < project.requester_min_age:
            return _("This service is for residents aged %(age)s or over.") % {
                "age": project.requester_min_age}
    tag_ids = set(project.requester_tags.values_list("pk", flat=True))
    if tag_ids and not resident.tags.filter(pk__in=tag_ids).exists():
        names = "、".join(project.requester_tags.values_list("name", flat=True))
        return _("This service is for residents marked: %(tags)s.") % {"tags": names}
    return ""
