"""Volunteers, teams, certificates and party members (双报到) over JSON."""


from datetime import date, datetime
from typing import Literal
from uuid import UUID

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import StrictBool

from linli.common.api import (
    ERRORS,
    CleanStr,
    IsoDate,
    NameStr,
    Pagination,
    WallTime,
    body_int,
    require_roles,
)
from linli.common.exceptions import ValidationError
from linli.registry.models import Grid
from linli.volunteers import selectors, services
from linli.volunteers.models import (
    PartyOrganisation,
    PartyProject,
    Skill,
    Team,
    TeamType,
    Volunteer,
    VolunteerStatus,
)

router = Router(tags=["volunteers"])
STAFF = tuple(selectors.VOLUNTEER_STAFF_ROLES)


class SlotIn(Schema):
    weekday: body_int(0, 6) = Field(..., description="0 = Monday … 6 = Sunday")
    start: WallTime
    end: WallTime


class SkillOut(Schema):
    code: str
    name: str


class VolunteerOut(Schema):
    uuid: UUID
    name: str
    number: str | None
    status: VolunteerStatus
    community: str
    skills: list[str]
    availability: list[SlotIn]
    health_ok: bool
    consent_at: datetime | None
    status_reason: str
    created_at: datetime

    @staticmethod
    def resolve_name(obj: Volunteer) -> str:
        return obj.resident.name

    @staticmethod
    def resolve_community(obj: Volunteer) -> str:
        return obj.community.name

    @staticmethod
    def resolve_skills(obj: Volunteer) -> list[str]:
        return [s.code for s in obj.skills.all()]

    @staticmethod
    def resolve_availability(obj: Volunteer) -> list[dict]:
        return [{"weekday": s.weekday, "start": s.start, "end": s.end}
                for s in obj.availability.all()]


class RegistrationIn(Schema):
    skills: list[str] = Field(default_factory=list, max_length=30)
    skills_note: str = Field("", max_length=255)
    availability: list[SlotIn] = Field(..., min_length=1, max_length=50)
    service_grid: UUID | None = None
    health_ok: StrictBool
    health_note: str = Field("", max_length=255)
    consent: StrictBool
    emergency_contact: str = Field("", max_length=64)
    emergency_phone: str = Field("", max_length=20)


class ProfileIn(Schema):
    """Only the fields sent are changed."""

    skills: list[str] | None = Field(None, max_length=30)
    skills_note: str | None = Field(None, max_length=255)
    availability: list[SlotIn] | None = Field(None, min_length=1, max_length=50)
    service_grid: UUID | None = Field(None, description="A grid of your community; send "
                                                        "clear_service_grid to serve anywhere.")
    clear_service_grid: StrictBool = False
    health_ok: StrictBool | None = None
    health_note: str | None = Field(None, max_length=255)
    emergency_contact: str | None = Field(None, max_length=64)
    emergency_phone: str | None = Field(None, max_length=20)


class WithdrawalIn(Schema):
    reason: str = Field(..., min_length=1, max_length=255)


class VolunteerDecisionIn(Schema):
    action: Literal["approve", "reject", "suspend", "reinstate"]
    reason: str = Field("", max_length=255)


class RecordOut(Schema):
    volunteer: VolunteerOut
    service_minutes: int
    service_count: int
    teams: list[str]
    commendations: list[str]
    evaluations: int
    certificates: list[str]


class CommendationIn(Schema):
    title: CleanStr = Field(..., min_length=1, max_length=120)
    awarded_by: NameStr = Field(..., min_length=1, max_length=120)
    awarded_on: IsoDate
    note: str = Field("", max_length=255)


class CommendationOut(Schema):
    uuid: UUID
    title: str
    awarded_by: str
    awarded_on: date


class CertificateOut(Schema):
    token: str
    serial: str
    issuer: str
    content_hash: str
    revoked: bool
    pdf_url: str
    verify_url: str
    created_at: datetime

    @staticmethod
    def resolve_revoked(obj) -> bool:
        return obj.revoked_at is not None

    @staticmethod
    def resolve_pdf_url(obj) -> str:
        from django.urls import reverse

        return reverse("volunteers:staff_certificate_pdf", kwargs={"token": obj.token})

    @staticmethod
    def resolve_verify_url(obj) -> str:
        from django.urls import reverse

        return reverse("volunteers:verify", kwargs={"token": obj.token})


class TeamOut(Schema):
    uuid: UUID
    name: str
    team_type: TeamType
    community: str | None
    members: int

    @staticmethod
    def resolve_community(obj: Team) -> str | None:
        return obj.community.name if obj.community_id else None

    @staticmethod
    def resolve_members(obj: Team) -> int:
        return getattr(obj, "member_count", None) or obj.memberships.count()


class TeamIn(Schema):
    name: NameStr = Field(..., min_length=1, max_length=64)
    team_type: TeamType = TeamType.OTHER
    community: UUID | None = None
    description: str = Field("", max_length=1000)


class MemberIn(Schema):
    volunteer: UUID
    is_leader: StrictBool = False


class MemberOut(Schema):
    volunteer: UUID
    name: str
    number: str | None
    is_leader: bool


class PartyProjectOut(Schema):
    uuid: UUID
    title: str
    community: str
    planned_claims: int
    claimed_count: int
    status: str

    @staticmethod
    def resolve_community(obj: PartyProject) -> str:
        return obj.community.name


class PartyProjectIn(Schema):
    community: UUID | None = None
    title: NameStr = Field(..., min_length=1, max_length=120)
    planned_claims: body_int(1, 10000)
    description: str = Field("", max_length=2000)


class PartyClaimIn(Schema):
    organisation: UUID | None = Field(None, description="Staff claim for a party "
                                                         "organisation; omit to claim as yourself.")


class PartyClaimOut(Schema):
    uuid: UUID
    project: UUID
    claimed_count: int
    planned_claims: int


class ReportIn(Schema):
    name: NameStr = Field(..., min_length=1, max_length=64)
    work_unit: str = Field("", max_length=120)


class ReportOut(Schema):
    uuid: UUID
    name: str
    community: str
    status: str

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name


class ReportDecisionIn(Schema):
    confirm: StrictBool
    note: str = Field("", max_length=255)


class FiguresOut(Schema):
    members_reported: int
    organisations: int
    estate_branches: int
    projects_published: int
    projects_claimed: int
    claims: int
    good_deeds: int
    volunteers: int
    teams: int


class VolunteerFilters(Schema):
    status: VolunteerStatus | None = None
    q: str = Field("", max_length=32)


def _staff_volunteer(request, uuid) -> Volunteer:
    require_roles(request, *STAFF)
    volunteer = selectors.volunteer_get_for_user(user=request.auth, uuid=uuid)
    if volunteer is None:
        raise Http404
    return volunteer


def _own(request) -> Volunteer:
    volunteer = selectors.volunteer_for_user(request.auth)
    if volunteer is None:
        raise Http404
    return volunteer


@router.get("/volunteers/skills", response={200: list[SkillOut], **ERRORS})
def skill_list(request):
    return list(Skill.objects.all())


@router.post("/volunteers/registrations", response={201: VolunteerOut, **ERRORS})
def volunteer_register(request, payload: RegistrationIn):
    """Register the signed-in resident as a volunteer (real name from the registry)."""
    skills = list(Skill.objects.filter(code__in=payload.skills))
    if len(skills) != len(set(payload.skills)):
        raise ValidationError(_("Unknown skill."), field="skills")
    grid = None
    if payload.service_grid:
        grid = Grid.objects.filter(uuid=payload.service_grid).first()
        if grid is None:
            raise ValidationError(_("Unknown grid."), field="service_grid")
    volunteer = services.volunteer_register(
        user=request.auth, skills=skills, skills_note=payload.skills_note,
        availability=[services.Slot(s.weekday, s.start, s.end) for s in payload.availability],
        service_grid=grid, health_ok=payload.health_ok, health_note=payload.health_note,
        consent=payload.consent, emergency_contact=payload.emergency_contact,
        emergency_phone=payload.emergency_phone)
    return Status(201, volunteer)


@router.get("/volunteers/me", response={200: RecordOut, **ERRORS})
def volunteer_me(request):
    volunteer = _own(request)
    return _record(volunteer)


def _record(volunteer: Volunteer) -> dict:
    record = selectors.volunteer_record(volunteer=volunteer)
    return {
        "volunteer": volunteer, "service_minutes": record.service_minutes,
        "service_count": record.service_count,
        "teams": [m.team.name for m in record.memberships],
        "commendations": [c.title for c in record.commendations],
        "evaluations": len(record.evaluations),
        "certificates": [c.serial for c in record.certificates],
    }


@router.patch("/volunteers/me", response={200: VolunteerOut, **ERRORS})
def volunteer_profile_update(request, payload: ProfileIn):
    """Change my skills, weekly times, service area, health declaration or emergency contact."""
    volunteer = _own(request)
    changes: dict = {}
    if payload.skills is not None:
        skills = list(Skill.objects.filter(code__in=payload.skills))
        if len(skills) != len(set(payload.skills)):
            raise ValidationError(_("Unknown skill."), field="skills")
        changes["skills"] = skills
    if payload.availability is not None:
        changes["availability"] = [services.Slot(s.weekday, s.start, s.end)
                                   for s in payload.availability]
    if payload.clear_service_grid:
        changes["service_grid"] = None
    elif payload.service_grid is not None:
        grid = Grid.objects.filter(uuid=payload.service_grid).first()
        if grid is None:
            raise ValidationError(_("Unknown grid."), field="service_grid")
        changes["service_grid"] = grid
    for name in ("skills_note", "health_ok", "health_note", "emergency_contact",
                 "emergency_phone"):
        value = getattr(payload, name)
        if value is not None:
            changes[name] = value
    services.volunteer_update(volunteer=volunteer, actor=request.auth, **changes)
    return Volunteer.objects.get(pk=volunteer.pk)


@router.post("/volunteers/me/withdrawal", response={200: VolunteerOut, **ERRORS})
def volunteer_withdraw(request, payload: WithdrawalIn):
    """退出志愿者 with a reason. Refused (409) while you have accepted or in-service orders;
    the message names them."""
    volunteer = _own(request)
    return services.volunteer_withdraw(volunteer=volunteer, actor=request.auth,
                                       reason=payload.reason)


@router.post("/volunteers/me/certificates", response={201: CertificateOut, **ERRORS})
def certificate_request(request):
    """Issue a proof of service to yourself, free of charge."""
    certificate = services.certificate_issue(volunteer=_own(request), actor=request.auth)
    return Status(201, certificate)


@router.get("/volunteers", response={200: list[VolunteerOut], **ERRORS})
@paginate(Pagination)
def volunteer_list(request, filters: Query[VolunteerFilters]):
    require_roles(request, *STAFF)
    return selectors.volunteer_list_for_user(
        user=request.auth, status=filters.status or "", q=filters.q
    ).prefetch_related("skills", "availability")


@router.get("/volunteers/{uuid}", response={200: RecordOut, **ERRORS})
def volunteer_get(request, uuid: UUID):
    return _record(_staff_volunteer(request, uuid))


@router.post("/volunteers/{uuid}/decision", response={200: VolunteerOut, **ERRORS})
def volunteer_decide(request, uuid: UUID, payload: VolunteerDecisionIn):
    """Approve, reject (reason), suspend (reason) or reinstate a volunteer."""
    volunteer = _staff_volunteer(request, uuid)
    actor = request.auth
    if payload.action == "approve":
        services.volunteer_approve(volunteer=volunteer, actor=actor, note=payload.reason)
    elif payload.action == "reject":
        services.volunteer_reject(volunteer=volunteer, actor=actor, reason=payload.reason)
    elif payload.action == "suspend":
        services.volunteer_suspend(volunteer=volunteer, actor=actor, reason=payload.reason)
    else:
        services.volunteer_reinstate(volunteer=volunteer, actor=actor, note=payload.reason)
    return volunteer


@router.post("/volunteers/{uuid}/commendations", response={201: CommendationOut, **ERRORS})
def commendation_create(request, uuid: UUID, payload: CommendationIn):
    volunteer = _staff_volunteer(request, uuid)
    return Status(201, services.commendation_create(volunteer=volunteer, actor=request.auth,
                                                    **payload.dict()))


@router.post("/volunteers/{uuid}/certificates", response={201: CertificateOut, **ERRORS})
def certificate_issue(request, uuid: UUID):
    volunteer = _staff_volunteer(request, uuid)
    return Status(201, services.certificate_issue(volunteer=volunteer, actor=request.auth))


@router.get("/volunteer-teams", response={200: list[TeamOut], **ERRORS})
@paginate(Pagination)
def team_list(request):
    require_roles(request, *STAFF)
    return selectors.team_list_for_user(user=request.auth)


@router.post("/volunteer-teams", response={201: TeamOut, **ERRORS})
def team_create(request, payload: TeamIn):
    require_roles(request, *STAFF)
    communities = selectors.staff_communities(request.auth)
    community = None
    if payload.community:
        community = communities.filter(uuid=payload.community).first()
        if community is None:
            raise Http404
    base = community or communities.select_related("street").first()
    if base is None:
        raise Http404
    team = services.team_create(street=base.street, community=community, name=payload.name,
                                team_type=payload.team_type, description=payload.description,
                                actor=request.auth)
    return Status(201, team)


def _team(request, uuid) -> Team:
    require_roles(request, *STAFF)
    team = selectors.team_get_for_user(user=request.auth, uuid=uuid)
    if team is None:
        raise Http404
    return team


@router.get("/volunteer-teams/{uuid}/members", response={200: list[MemberOut], **ERRORS})
def team_member_list(request, uuid: UUID):
    team = _team(request, uuid)
    return [{"volunteer": m.volunteer.uuid, "name": m.volunteer.resident.name,
             "number": m.volunteer.number, "is_leader": m.is_leader}
            for m in selectors.team_members(team)]


@router.post("/volunteer-teams/{uuid}/members", response={201: MemberOut, **ERRORS})
def team_member_add(request, uuid: UUID, payload: MemberIn):
    team = _team(request, uuid)
    volunteer = selectors.volunteer_get_for_user(user=request.auth, uuid=payload.volunteer)
    if volunteer is None:
        raise Http404
    m = services.team_member_add(team=team, volunteer=volunteer, is_leader=payload.is_leader,
                                 actor=request.auth)
    return Status(201, {"volunteer": volunteer.uuid, "name": volunteer.resident.name,
                        "number": volunteer.number, "is_leader": m.is_leader})


@router.get("/party/figures", response={200: FiguresOut, **ERRORS})
def party_figures(request):
    """The seed's figures for the caller's communities, counted from records."""
    require_roles(request, *STAFF)
    communities = selectors.staff_communities(request.auth)
    party = selectors.party_figures(communities=communities)
    vol = selectors.volunteer_figures(communities=communities)
    return {**party.__dict__, "volunteers": vol.volunteers, "teams": vol.teams}


@router.post("/party/reports", response={201: ReportOut, **ERRORS})
def party_report_create(request, payload: ReportIn):
    """Report to your community as a party member (双报到)."""
    from linli.ledger.selectors import resident_for_user

    resident = resident_for_user(request.auth)
    if resident is None:
        raise ValidationError(_("Your account is not linked to a resident record yet."))
    report = services.party_member_report_create(
        community=resident.household.community, name=payload.name, user=request.auth,
        resident=resident, mobile=request.auth.mobile, work_unit=payload.work_unit,
        actor=request.auth)
    return Status(201, report)


@router.post("/party/reports/{uuid}/decision", response={200: ReportOut, **ERRORS})
def party_report_decide(request, uuid: UUID, payload: ReportDecisionIn):
    require_roles(request, *STAFF)
    report = selectors.party_report_get_for_user(user=request.auth, uuid=uuid)
    if report is None:
        raise Http404
    return services.party_member_report_decide(report=report, actor=request.auth,
                                               confirm=payload.confirm, note=payload.note)


@router.get("/party/projects", response={200: list[PartyProjectOut], **ERRORS})
@paginate(Pagination)
def party_project_list(request):
    """Staff: the projects of their communities; a party member: those of their community."""
    if request.auth.has_role(*STAFF):
        return selectors.party_project_list_for_user(user=request.auth)
    report = selectors.party_report_for_user(user=request.auth)
    return selectors.party_project_list_open_for_member(report=report).select_related(
        "community")


@router.post("/party/projects", response={201: PartyProjectOut, **ERRORS})
def party_project_create(request, payload: PartyProjectIn):
    require_roles(request, *STAFF)
    communities = selectors.staff_communities(request.auth)
    community = (communities.filter(uuid=payload.community).first() if payload.community
                 else communities.first())
    if community is None:
        raise Http404
    project = services.party_project_create(
        community=community, title=payload.title, planned_claims=payload.planned_claims,
        description=payload.description, actor=request.auth)
    return Status(201, project)


@router.post("/party/projects/{uuid}/claims", response={201: PartyClaimOut, **ERRORS})
def project_claim(request, uuid: UUID, payload: PartyClaimIn):
    """Claim a place in a project: as a confirmed party member, or (staff) for an
    organisation. Never more claims than planned, even under concurrent requests."""
    user = request.auth
    if payload.organisation is not None:
        require_roles(request, *STAFF)
        project = selectors.party_project_get_for_user(user=user, uuid=uuid)
        if project is None:
            raise Http404
        org = PartyOrganisation.objects.filter(community=project.community,
                                               uuid=payload.organisation).first()
        if org is None:
            raise Http404
        claim = services.project_claim_create(project=project, organisation=org, actor=user)
    else:
        project = selectors.party_project_get_for_member(user=user, uuid=uuid)
        if project is None:
            raise Http404
        report = selectors.party_report_for_user(user=user)
        claim = services.project_claim_create(project=project, member=report, actor=user)
    project.refresh_from_db()
    return Status(201, {"uuid": claim.uuid, "project": project.uuid,
                        "claimed_count": project.claimed_count,
                        "planned_claims": project.planned_claims})
