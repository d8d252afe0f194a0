"""The service catalogue: the default projects a community starts with, and staff's changes
to it."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from linli.common.exceptions import Conflict, ValidationError, require
from linli.common.numbers import whole_number
from linli.orders import policies
from linli.orders.models import (
    Funding,
    ProjectKind,
    ServiceProject,
)

#: The default catalogue (code, name, minutes, funding, points, kind, min age, max age, health).
DEFAULT_PROJECTS = [
    ("haircut", "爱心理发", 45, Funding.COMMUNITY, 5, ProjectKind.VISIT, 18, None, False),
    ("meals", "助餐送餐", 30, Funding.COMMUNITY, 2, ProjectKind.MEAL, 16, 70, True),
    ("cleaning", "卫生清洁", 120, Funding.REQUESTER, 5, ProjectKind.VISIT, 18, 65, True),
    ("company", "精神慰藉", 60, Funding.COMMUNITY, 3, ProjectKind.VISIT, 16, None, False),
    ("errands", "代买代办", 60, Funding.REQUESTER, 3, ProjectKind.VISIT, 16, 70, False),
    ("legal", "法律咨询", 60, Funding.COMMUNITY, 3, ProjectKind.VISIT, 22, None, False),
    ("counselling", "阳光心语 心理疏导", 60, Funding.COMMUNITY, 3, ProjectKind.VISIT, 22, None,
     False),
    ("classroom", "希望小课堂", 90, Funding.COMMUNITY, 5, ProjectKind.VISIT, 16, None, False),
    ("watch", "邻里守望", 30, Funding.COMMUNITY, 2, ProjectKind.VISIT, 16, None, False),
]


PROJECT_FIELDS = {"name", "description", "team", "skill", "default_minutes", "funding",
                  "points", "volunteer_min_age", "volunteer_max_age", "needs_good_health",
                  "requester_min_age", "active", "order", "kind"}


#: Project code -> the volunteer skill (linli.volunteers default skills) it needs.
PROJECT_SKILLS = {"haircut": "haircut", "cleaning": "cleaning", "company": "companion",
                  "errands": "shopping", "legal": "legal", "counselling": "counselling",
                  "classroom": "tutoring", "meals": "meal"}


def project_catalogue_ensure(*, community, actor=None) -> list[ServiceProject]:
    """The default catalogue for a community (idempotent; existing entries are kept).
    `actor=None`: the system seeding a community (demo loader, set-up)."""
    from linli.volunteers.models import Skill

    if actor is not None:
        require(policies.can_edit_projects(actor, community),
                _("Only community staff may change the service catalogue."))
    skills = {s.code: s for s in Skill.objects.filter(code__in=set(PROJECT_SKILLS.values()))}
    projects = []
    for order, (code, name, minutes, funding, points, kind, min_age, max_age,
                health) in enumerate(DEFAULT_PROJECTS):
        project, _created = ServiceProject.objects.get_or_create(
            community=community, code=code,
            defaults={"name": name, "default_minutes": minutes, "funding": funding,
                      "points": points, "kind": kind, "volunteer_min_age": min_age,
                      "volunteer_max_age": max_age, "needs_good_health": health,
                      "order": order, "skill": skills.get(PROJECT_SKILLS.get(code, ""))},
        )
        skill = skills.get(PROJECT_SKILLS.get(code, ""))
        if project.skill_id is None and skill is not None:
            # an entry made before its skill existed gets the link; a chosen skill is kept
            ServiceProject.objects.filter(pk=project.pk, skill__isnull=True).update(skill=skill)
            project.skill = skill
        projects.append(project)
    return projects


def _project_clean(fields: dict, community, project: ServiceProject | None = None) -> dict:
    unknown = set(fields) - PROJECT_FIELDS
    if unknown:
        raise ValidationError(_("Unknown field."), field=sorted(unknown)[0])
    if "name" in fields and not (fields["name"] or "").strip():
        raise ValidationError(_("Please enter a name."), field="name")
    minutes = fields.get("default_minutes")
    if minutes is not None:
        whole_number(minutes, low=1, high=24 * 60, field="default_minutes",
                     message=_("The duration must be between 1 minute and 24 hours."))
    if fields.get("funding") is not None and fields["funding"] not in Funding.values:
        raise ValidationError(_("Unknown funding."), field="funding")
    low = fields.get("volunteer_min_age", getattr(project, "volunteer_min_age", None))
    high = fields.get("volunteer_max_age", getattr(project, "volunteer_max_age", None))
    if low is not None and high is not None and high < low:
        raise ValidationError(_("The maximum age is below the minimum age."),
                              field="volunteer_max_age")
    team = fields.get("team")
    if team is not None and (team.street_id != community.street_id
                             or (team.community_id and team.community_id != community.pk)):
        raise ValidationError(_("This team does not serve this community."), field="team")
    return fields


@transaction.atomic
def project_create(*, community, code: str, name: str, actor, **fields) -> ServiceProject:
    require(policies.can_edit_projects(actor, community),
            _("Only community staff may change the service catalogue."))
    fields = _project_clean({"name": name, **fields}, community)
    if not code or ServiceProject.objects.filter(community=community, code=code).exists():
        raise Conflict(_("A service with this code already exists."), field="code")
    return ServiceProject.objects.create(community=community, code=code, **fields)


@transaction.atomic
def project_update(*, project: ServiceProject, actor, **fields) -> ServiceProject:
    require(policies.can_edit_projects(actor, project.community),
            _("Only community staff may change the service catalogue."))
    fields = _project_clean(fields, project.community, project)
    for key, value in fields.items():
        setattr(project, key, value)
    project.save()
    return project
