"""Reads for volunteers and party members, each scoped to who may see it.

Community staff see their communities, a street administrator the whole street; a volunteer
sees their own record. The dispatch engine uses `volunteer_list_eligible` and `is_available`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from linli.accounts.models import Role
from linli.accounts.selectors import communities_for
from linli.volunteers.models import (
    Certificate,
    Commendation,
    GoodDeed,
    PartyMemberReport,
    PartyOrganisation,
    PartyOrgKind,
    PartyProject,
    ProjectClaim,
    ReportStatus,
    Team,
    TeamMembership,
    Volunteer,
    VolunteerStatus,
)

#: Roles that manage volunteers and party members.
VOLUNTEER_STAFF_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN})


def staff_communities(user) -> QuerySet:
    return communities_for(user, VOLUNTEER_STAFF_ROLES)


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


# --- volunteers -------------------------------------------------------------------------


def volunteer_for_user(user) -> Volunteer | None:
    if not user.is_authenticated:
        return None
    return (Volunteer.objects.select_related("resident", "community__street", "service_grid")
            .filter(user=user).first())


def volunteer_list_for_user(*, user, status: str = "", q: str = "") -> QuerySet:
    qs = Volunteer.objects.filter(community__in=staff_communities(user)).select_related(
        "resident", "community", "user")
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(resident__name__icontains=q) | Q(number__icontains=q)
                       | Q(resident__name_initials__icontains=q))
    return qs


def volunteer_get_for_user(*, user, uuid) -> Volunteer | None:
    return volunteer_list_for_user(user=user).filter(uuid=uuid).first()


def volunteer_list_eligible(
    *,
    community,
    on: date | None = None,
    min_age: int | None = None,
    max_age: int | None = None,
    skills: Iterable | None = None,
) -> QuerySet:
    """Volunteers who may be assigned (志愿服务条例 Art. 15): active, consented, declared fit,
    living member of the registry, aged `min_age`–`max_age` (18–70 unless configured by
    VOLUNTEER_MIN_AGE / VOLUNTEER_MAX_AGE); optionally holding any of `skills`."""
    on = on or timezone.localdate()
    min_age = getattr(settings, "VOLUNTEER_MIN_AGE", 18) if min_age is None else min_age
    max_age = getattr(settings, "VOLUNTEER_MAX_AGE", 70) if max_age is None else max_age
    youngest_birth = _years_ago(on, min_age)  # born on or before this date
    oldest_birth = _years_ago(on, max_age + 1)  # born after this date
    qs = Volunteer.objects.filter(
        community=community,
        status=VolunteerStatus.ACTIVE,
        consent_at__isnull=False,
        health_ok=True,
        resident__birth_date__isnull=False,
        resident__birth_date__lte=youngest_birth,
        resident__birth_date__gt=oldest_birth,
        resident__moved_out=False,
        resident__deceased=False,
        resident__anonymised_at__isnull=True,
    )
    if skills is not None:
        qs = qs.filter(skills__in=list(skills)).distinct()
    return qs.select_related("resident", "user", "service_grid").prefetch_related(
        "skills", "availability")


#: Order states in which a volunteer has promised a service (接单) or is giving it.
OPEN_ORDER_STATES = ("accepted", "in_service")


def open_service_orders(*, volunteer: Volunteer) -> list:
    """Service orders the volunteer accepted or is serving, earliest first. The orders app
    sits above this one, so the orders are reached through the reverse relation it declares
    (`Order.volunteer`, related name `service_orders`) rather than by importing it."""
    related = getattr(volunteer, "service_orders", None)
    if related is None:
        return []
    return list(related.filter(status__in=OPEN_ORDER_STATES)
                .select_related("project", "beneficiary").order_by("slot_start", "id"))


def is_available(volunteer: Volunteer, start: datetime, end: datetime) -> bool:
    """Whether [start, end) lies inside one of the volunteer's weekly windows (local time).
    Only the weekly windows are checked; the orders app adds its own clash check."""
    if end <= start:
        return False
    start, end = timezone.localtime(start), timezone.localtime(end)
    if end.date() != start.date():
        return False  # weekly windows never span midnight
    return any(
        s.weekday == start.weekday() and s.start <= start.time() and end.time() <= s.end
        for s in volunteer.availability.all()
    )


# --- service record (Art. 19, 民政部令第67号) ---------------------------------------------


#: Providers of evaluations (评单) for the record page. The orders app registers one:
#: a callable (volunteer) -> iterable of dicts with `date`, `title`, `rating`, `comment`.
EVALUATION_PROVIDERS: list[Callable] = []
#: Providers of services served: (volunteer) -> iterable of dicts `date`, `title`, `minutes`.
SERVICE_PROVIDERS: list[Callable] = []


def register_evaluation_provider(provider: Callable) -> None:
    if provider not in EVALUATION_PROVIDERS:
        EVALUATION_PROVIDERS.append(provider)


def register_service_provider(provider: Callable) -> None:
    if provider not in SERVICE_PROVIDERS:
        SERVICE_PROVIDERS.append(provider)


def _collect(providers: list[Callable], volunteer: Volunteer) -> list[dict]:
    rows: list[dict] = []
    for provider in providers:
        rows.extend(provider(volunteer) or [])
    return sorted(rows, key=lambda r: str(r.get("date", "")), reverse=True)


@dataclass
class ServiceRecord:
    volunteer: Volunteer
    service_minutes: int = 0
    service_count: int = 0
    first_service: date | None = None
    last_service: date | None = None
    earnings: list = field(default_factory=list)
    services: list[dict] = field(default_factory=list)
    evaluations: list[dict] = field(default_factory=list)
    commendations: list = field(default_factory=list)
    memberships: list = field(default_factory=list)
    certificates: list = field(default_factory=list)

    @property
    def service_hours(self) -> str:
        return f"{self.service_minutes / 60:.1f}"


def volunteer_record(*, volunteer: Volunteer) -> ServiceRecord:
    """Hours are the time bank's earn transfers to the volunteer's account, net of any that
    were reversed (actual time served, as the ledger recorded it)."""
    from linli.ledger.models import Transfer, TransferKind
    from linli.ledger.selectors import own_time_account

    record = ServiceRecord(volunteer=volunteer)
    account = own_time_account(resident=volunteer.resident)
    if account is not None:
        earns = (Transfer.objects.filter(credit=account, kind=TransferKind.EARN)
                 .exclude(reversals__isnull=False).order_by("-created_at", "-id"))
        earnings = list(earns)
        record.earnings = earnings[:50]
        record.service_minutes = sum(t.amount for t in earnings)
        record.service_count = len(earnings)
        if earnings:
            record.first_service = timezone.localtime(earnings[-1].created_at).date()
            record.last_service = timezone.localtime(earnings[0].created_at).date()
    record.services = _collect(SERVICE_PROVIDERS, volunteer)
    record.evaluations = _collect(EVALUATION_PROVIDERS, volunteer)
    record.commendations = list(Commendation.objects.filter(volunteer=volunteer))
    record.memberships = list(TeamMembership.objects.filter(volunteer=volunteer)
                              .select_related("team"))
    record.certificates = list(Certificate.objects.filter(volunteer=volunteer))
    return record


def certificate_by_token(token: str) -> Certificate | None:
    return Certificate.objects.filter(token=token).first()


def certificate_get_for_user(*, user, token: str) -> Certificate | None:
    """The volunteer's own certificate, or one of a volunteer in the staff's communities."""
    qs = Certificate.objects.select_related("volunteer").filter(token=token)
    return qs.filter(Q(volunteer__user=user)
                     | Q(volunteer__community__in=staff_communities(user))).first()


def certificate_get_for_staff(*, user, token: str) -> Certificate | None:
    return Certificate.objects.select_related("volunteer").filter(
        token=token, volunteer__community__in=staff_communities(user)).first()


# --- teams ------------------------------------------------------------------------------


def team_list_for_user(*, user) -> QuerySet:
    """Street teams are visible to staff of any community of the street; community teams to
    staff of that community."""
    communities = staff_communities(user)
    street_ids = communities.values("street_id")
    return (Team.objects.filter(Q(community__in=communities)
                                | Q(community__isnull=True, street_id__in=street_ids))
            .annotate(member_count=Count("memberships", distinct=True))
            .select_related("community", "street"))


def team_get_for_user(*, user, uuid) -> Team | None:
    return team_list_for_user(user=user).filter(uuid=uuid).first()


def team_list_for_volunteer(*, volunteer: Volunteer | None) -> QuerySet:
    if volunteer is None:
        return TeamMembership.objects.none()
    return TeamMembership.objects.filter(volunteer=volunteer).select_related("team")


def team_members(team: Team) -> QuerySet:
    return team.memberships.select_related("volunteer__resident").order_by(
        "-is_leader", "joined_at", "id")


# --- party members ----------------------------------------------------------------------


def party_report_for_user(*, user) -> PartyMemberReport | None:
    if not user.is_authenticated:
        return None
    return (PartyMemberReport.objects.filter(user=user).select_related("community",
                                                                       "organisation")
            .order_by("-created_at").first())


def party_report_list_for_user(*, user, status: str = "") -> QuerySet:
    qs = PartyMemberReport.objects.filter(community__in=staff_communities(user)).select_related(
        "community", "organisation")
    return qs.filter(status=status) if status else qs


def party_report_get_for_user(*, user, uuid) -> PartyMemberReport | None:
    return party_report_list_for_user(user=user).filter(uuid=uuid).first()


def party_organisation_list_for_user(*, user) -> QuerySet:
    return PartyOrganisation.objects.filter(community__in=staff_communities(user)).annotate(
        member_count=Count("members", filter=Q(members__status=ReportStatus.CONFIRMED)))


def party_organisation_get_for_user(*, user, uuid) -> PartyOrganisation | None:
    return party_organisation_list_for_user(user=user).filter(uuid=uuid).first()


def party_project_list_for_user(*, user) -> QuerySet:
    return PartyProject.objects.filter(community__in=staff_communities(user)).select_related(
        "community")


def party_project_get_for_user(*, user, uuid) -> PartyProject | None:
    return party_project_list_for_user(user=user).filter(uuid=uuid).first()


def party_project_list_open_for_member(*, report: PartyMemberReport | None) -> QuerySet:
    if report is None:
        return PartyProject.objects.none()
    return PartyProject.objects.filter(community_id=report.community_id)


def party_project_get_for_member(*, user, uuid) -> PartyProject | None:
    report = party_report_for_user(user=user)
    return party_project_list_open_for_member(report=report).filter(uuid=uuid).first()


def claim_list_for_member(*, report: PartyMemberReport | None) -> QuerySet:
    if report is None:
        return ProjectClaim.objects.none()
    return ProjectClaim.objects.filter(member=report).select_related("project")


def good_deed_list_for_user(*, user) -> QuerySet:
    return GoodDeed.objects.filter(community__in=staff_communities(user)).select_related(
        "member", "organisation", "project", "community")


@dataclass(frozen=True)
class PartyFigures:
    members_reported: int
    organisations: int
    estate_branches: int
    projects_published: int
    projects_claimed: int
    claims: int
    good_deeds: int


def party_figures(*, communities) -> PartyFigures:
    """The seed's figures (487 party members reporting, 5 estate branches, 32 projects
    claimed, 224 good deeds), counted from records for the given communities."""
    orgs = PartyOrganisation.objects.filter(community__in=communities)
    projects = PartyProject.objects.filter(community__in=communities)
    return PartyFigures(
        members_reported=PartyMemberReport.objects.filter(
            community__in=communities, status=ReportStatus.CONFIRMED).count(),
        organisations=orgs.count(),
        estate_branches=orgs.filter(kind=PartyOrgKind.ESTATE_BRANCH).count(),
        projects_published=projects.count(),
        projects_claimed=projects.filter(claimed_count__gt=0).count(),
        claims=ProjectClaim.objects.filter(project__community__in=communities).count(),
        good_deeds=GoodDeed.objects.filter(community__in=communities).count(),
    )


@dataclass(frozen=True)
class VolunteerFigures:
    volunteers: int
    teams: int
    pending: int


def volunteer_figures(*, communities) -> VolunteerFigures:
    """Active volunteers and teams (the seed's 149 in 紫轩社区, 260+ and 11 teams street-wide)."""
    street_ids = communities.values("street_id")
    return VolunteerFigures(
        volunteers=Volunteer.objects.filter(community__in=communities,
                                            status=VolunteerStatus.ACTIVE).count(),
        teams=Team.objects.filter(Q(community__in=communities)
                                  | Q(community__isnull=True, street_id__in=street_ids),
                                  active=True).count(),
        pending=Volunteer.objects.filter(community__in=communities,
                                         status=VolunteerStatus.PENDING).count(),
    )
