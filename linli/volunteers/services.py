"""Writes for volunteers, teams, commendations, certificates and party members (双报到).

Every status change is `VOLUNTEER_MACHINE.move` (the table in `states.py`): one guarded
update from the status the service decided on, so two staff members deciding at once cannot
both succeed; each transition writes a `VolunteerEvent`.
Messages go out through `notify` (inbox now, outside channels after commit).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import Role
from linli.accounts.services import role_grant, role_revoke
from linli.common.exceptions import Conflict, ValidationError, require
from linli.notifications.services import notify
from linli.volunteers import policies, reference
from linli.volunteers.models import (
    AvailabilitySlot,
    Certificate,
    Commendation,
    GoodDeed,
    PartyMemberReport,
    PartyOrganisation,
    PartyProject,
    ProjectClaim,
    ProjectStatus,
    ReportStatus,
    Skill,
    Team,
    TeamMembership,
    TeamType,
    Volunteer,
    VolunteerEvent,
    VolunteerSequence,
    VolunteerStatus,
)
from linli.volunteers.states import VOLUNTEER_MACHINE

CONSENT_VERSION = "2025-1"
MIN_REGISTRATION_AGE = 18

DEFAULT_TEAMS = [
    ("政策宣传志愿服务队", TeamType.POLICY),
    ("文艺体育志愿服务队", TeamType.CULTURE_SPORTS),
    ("技术技能志愿服务队", TeamType.TECHNICAL),
    ("法律援助志愿服务队", TeamType.LEGAL),
    ("助老助残志愿服务队", TeamType.ELDER_DISABLED),
    ("心理疏导志愿服务队", TeamType.COUNSELLING),
    ("环境卫生志愿服务队", TeamType.ENVIRONMENT),
    ("医疗健康志愿服务队", TeamType.HEALTH),
    ("助学支教志愿服务队", TeamType.EDUCATION),
    ("平安巡防志愿服务队", TeamType.SAFETY),
    ("文明劝导志愿服务队", TeamType.CIVILITY),
]


def skills_ensure_defaults() -> list[Skill]:
    """Every skill, in order, after making sure the default ones (`reference.py`) exist."""
    reference.load()
    return list(Skill.objects.all())


@dataclass(frozen=True)
class Slot:
    weekday: int
    start: time
    end: time


def _validate_slots(slots: Iterable[Slot]) -> list[Slot]:
    slots = sorted(slots, key=lambda s: (s.weekday, s.start))
    for slot in slots:
        if not 0 <= int(slot.weekday) <= 6:
            raise ValidationError(_("Choose a day of the week."), field="availability")
        if slot.start >= slot.end:
            raise ValidationError(_("Each time range must end after it starts."),
                                  field="availability")
    for a, b in zip(slots, slots[1:], strict=False):
        if a.weekday == b.weekday and b.start < a.end:
            raise ValidationError(_("Time ranges on the same day must not overlap."),
                                  field="availability")
    return slots


def _replace_slots(volunteer: Volunteer, slots: list[Slot]) -> None:
    volunteer.availability.all().delete()
    AvailabilitySlot.objects.bulk_create(
        AvailabilitySlot(volunteer=volunteer, weekday=s.weekday, start=s.start, end=s.end)
        for s in slots
    )


def _community_staff(community):
    from linli.accounts.models import User

    return User.objects.filter(roles__role=Role.COMMUNITY_STAFF, roles__community=community,
                               is_active=True).distinct()


@transaction.atomic
def volunteer_register(
    *,
    user,
    skills: Iterable[Skill] = (),
    skills_note: str = "",
    availability: Iterable[Slot] = (),
    service_grid=None,
    health_ok: bool | None = None,
    health_note: str = "",
    consent: bool = False,
    emergency_contact: str = "",
    emergency_phone: str = "",
) -> Volunteer:
    """Real-name registration (Art. 7) of the signed-in person, from their resident record."""
    from linli.registry.models import Resident

    resident = Resident.objects.select_related("household__community__street").filter(
        user=user).first()
    if resident is None or not resident.is_active_member:
        raise ValidationError(_("Your account is not linked to a resident record yet. "
                                "Ask your grid worker or the community office to link it."))
    age = resident.age
    if age is not None and age < MIN_REGISTRATION_AGE:
        raise ValidationError(_("Volunteers under 18 register at the community office "
                                "together with a guardian."))
    if not consent:
        raise ValidationError(_("Please read and accept the consent statement."),
                              field="consent")
    if health_ok is None:
        raise ValidationError(_("Please declare whether you are fit for volunteer service."),
                              field="health_ok")
    slots = _validate_slots(availability)
    if not slots:
        raise ValidationError(_("Add at least one time when you are available."),
                              field="availability")
    community = resident.household.community
    if service_grid is not None and service_grid.community_id != community.id:
        raise ValidationError(_("Choose a grid of your own community."), field="service_grid")
    now = timezone.now()
    fields = {
        "community": community, "skills_note": skills_note.strip()[:255],
        "service_grid": service_grid, "health_ok": bool(health_ok),
        "health_note": health_note.strip()[:255], "health_declared_at": now,
        "consent_at": now, "consent_version": CONSENT_VERSION,
        "emergency_contact": emergency_contact.strip()[:64],
        "emergency_phone": emergency_phone.strip()[:20],
    }
    volunteer = Volunteer.objects.filter(resident=resident).first()
    if volunteer is None and Volunteer.objects.filter(user=user).exists():
        raise Conflict(_("This account is already registered as a volunteer."))
    if volunteer is None:
        try:
            with transaction.atomic():
                volunteer = Volunteer.objects.create(resident=resident, user=user, **fields)
        except IntegrityError as exc:
            raise Conflict(_("You have already registered as a volunteer.")) from exc
        # A new row has no status to leave: its first event is written here, not by a move.
        VolunteerEvent.objects.create(volunteer=volunteer, actor=user, action="register",
                                      from_status="", to_status=VolunteerStatus.PENDING)
    else:
        VOLUNTEER_MACHINE.move(volunteer, "register", actor=user, status_reason="", **fields)
    volunteer.skills.set(list(skills))
    _replace_slots(volunteer, slots)
    url = reverse("volunteers:staff_detail", kwargs={"uuid": volunteer.uuid})
    for staff in _community_staff(community):
        notify(user=staff, title=_("New volunteer registration"),
               body=_("%(name)s has registered as a volunteer and awaits approval.")
               % {"name": resident.name}, url=url)
    return volunteer


_UNSET = object()


@transaction.atomic
def volunteer_update(
    *,
    volunteer: Volunteer,
    actor,
    skills: Iterable[Skill] | None = None,
    skills_note: str | None = None,
    availability: Iterable[Slot] | None = None,
    service_grid=_UNSET,
    health_ok: bool | None = None,
    health_note: str | None = None,
    emergency_contact: str | None = None,
    emergency_phone: str | None = None,
) -> Volunteer:
    """The volunteer keeps their skills, availability, service area, health declaration and
    emergency contact current. Only the volunteer themself changes them."""
    require(policies.can_edit_profile(actor, volunteer),
            _("Only the volunteer can change their own details."))
    if volunteer.status in (VolunteerStatus.REJECTED, VolunteerStatus.WITHDRAWN):
        raise Conflict(_("Register again to change these details."))
    changed = []
    if skills_note is not None:
        volunteer.skills_note = skills_note.strip()[:255]
        changed.append("skills_note")
    if service_grid is not _UNSET:
        if service_grid is not None and service_grid.community_id != volunteer.community_id:
            raise ValidationError(_("Choose a grid of your own community."),
                                  field="service_grid")
        volunteer.service_grid = service_grid
        changed.append("service_grid")
    if emergency_contact is not None:
        volunteer.emergency_contact = emergency_contact.strip()[:64]
        changed.append("emergency_contact")
    if emergency_phone is not None:
        volunteer.emergency_phone = emergency_phone.strip()[:20]
        changed.append("emergency_phone")
    if health_ok is not None:
        volunteer.health_ok = health_ok
        volunteer.health_declared_at = timezone.now()
        changed += ["health_ok", "health_declared_at"]
    if health_note is not None:
        volunteer.health_note = health_note.strip()[:255]
        changed.append("health_note")
    if changed:
        volunteer.save(update_fields=[*changed, "updated_at"])
    if skills is not None:
        volunteer.skills.set(list(skills))
    if availability is not None:
        slots = _validate_slots(availability)
        if not slots:
            raise ValidationError(_("Add at least one time when you are available."),
                                  field="availability")
        _replace_slots(volunteer, slots)
    return volunteer


def _decide_refused() -> str:
    return _("Only staff of the volunteer's community may decide, and never on their own "
             "registration.")


def _next_number(street) -> str:
    year = timezone.localdate().year
    try:
        with transaction.atomic():
            VolunteerSequence.objects.get_or_create(street=street, year=year)
    except IntegrityError:
        pass
    VolunteerSequence.objects.filter(street=street, year=year).update(last=F("last") + 1)
    last = VolunteerSequence.objects.get(street=street, year=year).last
    return f"{street.code}{year}{last:05d}"


@transaction.atomic
def volunteer_approve(*, volunteer: Volunteer, actor, note: str = "") -> Volunteer:
    """Approve a registration: a volunteer number, the `volunteer` role, a message."""
    require(policies.can_decide_volunteer(actor, volunteer), _decide_refused())
    if volunteer.status != VolunteerStatus.PENDING:
        raise Conflict(_("Only registrations awaiting approval can be approved."))
    street = volunteer.community.street
    number = volunteer.number or _next_number(street)
    VOLUNTEER_MACHINE.move(volunteer, "approve", actor=actor, note=note, number=number,
                           approved_at=timezone.now(), approved_by=actor, status_reason="")
    role_grant(user=volunteer.user, role=Role.VOLUNTEER, scope=volunteer.community,
               granted_by=actor)
    notify(user=volunteer.user, title=_("Your volunteer registration is approved"),
           body=_("Welcome! Your volunteer number is %(number)s.") % {"number": number},
           url=reverse("volunteers:me"), channels=("inbox", "sms"))
    return volunteer


def _decide_with_reason(*, volunteer: Volunteer, actor, reason: str, action: str,
                        title: str) -> Volunteer:
    """A refusal or suspension: staff state why, and the volunteer is told that reason."""
    require(policies.can_decide_volunteer(actor, volunteer), _decide_refused())
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason."), field="reason")
    VOLUNTEER_MACHINE.move(volunteer, action, actor=actor, note=reason,
                           status_reason=reason[:255])
    notify(user=volunteer.user, title=title, body=reason, url=reverse("volunteers:me"))
    return volunteer


@transaction.atomic
def volunteer_reject(*, volunteer: Volunteer, actor, reason: str) -> Volunteer:
    return _decide_with_reason(volunteer=volunteer, actor=actor, reason=reason, action="reject",
                               title=_("Your volunteer registration was not approved"))


@transaction.atomic
def volunteer_suspend(*, volunteer: Volunteer, actor, reason: str) -> Volunteer:
    return _decide_with_reason(volunteer=volunteer, actor=actor, reason=reason,
                               action="suspend", title=_("Your volunteer service is suspended"))


@transaction.atomic
def volunteer_reinstate(*, volunteer: Volunteer, actor, note: str = "") -> Volunteer:
    require(policies.can_decide_volunteer(actor, volunteer), _decide_refused())
    VOLUNTEER_MACHINE.move(volunteer, "reinstate", actor=actor, note=note, status_reason="")
    notify(user=volunteer.user, title=_("Your volunteer service is resumed"), body=note,
           url=reverse("volunteers:me"))
    return volunteer


WITHDRAWABLE = VOLUNTEER_MACHINE.by_action["withdraw"].sources


def withdrawal_problem(*, volunteer: Volunteer) -> str:
    """Why the volunteer cannot withdraw now (empty when they can): a service they accepted or
    are giving must be finished or handed back first, so no elder is left waiting."""
    from linli.volunteers.selectors import open_service_orders

    if volunteer.status not in WITHDRAWABLE:
        return _("This cannot be done while the volunteer is “%(status)s”.") % {
            "status": volunteer.get_status_display()}
    orders = open_service_orders(volunteer=volunteer)
    if orders:
        names = "、".join(f"{o.project.name}（{o.beneficiary.name}，"
                         f"{timezone.localtime(o.slot_start):%m-%d %H:%M}）" for o in orders)
        return _("You still have services you accepted or are giving: %(orders)s. Finish them "
                 "or ask the community office to hand them to someone else, then withdraw.") % {
            "orders": names}
    return ""


@transaction.atomic
def volunteer_withdraw(*, volunteer: Volunteer, actor, reason: str = "") -> Volunteer:
    """退出志愿者: the volunteer leaves with a stated reason. Refused while they hold accepted or
    in-service orders (named in the message). Their record, hours and certificates stay; team
    memberships and the volunteer role end (the account keeps its other roles); they may
    register again later."""
    require(policies.can_withdraw(actor, volunteer),
            _("Only the volunteer can withdraw."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please tell us why you are leaving."), field="reason")
    problem = withdrawal_problem(volunteer=volunteer)
    if problem:
        raise Conflict(problem, code="open_orders")
    VOLUNTEER_MACHINE.move(volunteer, "withdraw", actor=actor, note=reason,
                           status_reason=reason[:255])
    TeamMembership.objects.filter(volunteer=volunteer).delete()
    # Approval granted the role in the volunteer's community; leaving takes it back there
    # (registering again and being approved grants it again).
    role_revoke(user=volunteer.user, role=Role.VOLUNTEER, scope=volunteer.community,
                revoked_by=actor)
    for staff in _community_staff(volunteer.community):
        notify(user=staff, title=_("A volunteer has withdrawn"),
               body=_("%(name)s: %(reason)s") % {"name": volunteer.resident.name,
                                                  "reason": reason},
               url=reverse("volunteers:staff_detail", kwargs={"uuid": volunteer.uuid}))
    return volunteer


# --- teams ------------------------------------------------------------------------------


@transaction.atomic
def team_create(*, street, name: str, team_type: str = TeamType.OTHER, community=None,
                description: str = "", actor) -> Team:
    require(policies.can_create_team(actor, street=street, community=community),
            _("A community's team is created by its staff; a team of the whole street by the "
              "street administrator."))
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Enter a name."), field="name")
    if team_type not in TeamType.values:
        raise ValidationError(_("Choose a team type."), field="team_type")
    if community is not None and community.street_id != street.id:
        raise ValidationError(_("Choose a community of this street."), field="community")
    if Team.objects.filter(street=street, name=name).exists():
        raise Conflict(_("A team with this name already exists."), field="name")
    return Team.objects.create(street=street, community=community, name=name[:64],
                               team_type=team_type, description=description)


@transaction.atomic
def team_member_add(*, team: Team, volunteer: Volunteer, is_leader: bool = False,
                    actor) -> TeamMembership:
    require(policies.can_join_team(actor, team, volunteer),
            _("Only staff looking after this team and the volunteer's community may add "
              "members."))
    if volunteer.status != VolunteerStatus.ACTIVE:
        raise Conflict(_("Only active volunteers can join a team."), field="volunteer")
    if volunteer.community.street_id != team.street_id or (
        team.community_id and team.community_id != volunteer.community_id
    ):
        raise ValidationError(_("This volunteer belongs to another community."),
                              field="volunteer")
    membership, created = TeamMembership.objects.get_or_create(
        team=team, volunteer=volunteer, defaults={"is_leader": is_leader})
    if not created and membership.is_leader != is_leader:
        membership.is_leader = is_leader
        membership.save(update_fields=["is_leader"])
    if created:
        notify(user=volunteer.user, title=_("You joined a volunteer team"),
               body=team.name, url=reverse("volunteers:my_teams"))
    return membership


@transaction.atomic
def team_member_remove(*, team: Team, volunteer: Volunteer, actor) -> None:
    """A volunteer leaves a team, or staff who manage the team remove them."""
    require(policies.can_leave_team(actor, team, volunteer),
            _("Only the volunteer or staff looking after this team may remove a member."))
    TeamMembership.objects.filter(team=team, volunteer=volunteer).delete()


# --- commendations and certificates -----------------------------------------------------


@transaction.atomic
def commendation_create(*, volunteer: Volunteer, title: str, awarded_by: str,
                        awarded_on: date, note: str = "", actor) -> Commendation:
    require(policies.can_commend(actor, volunteer),
            _("Only staff of the volunteer's community may record a commendation, and never "
              "for themselves."))
    title, awarded_by = (title or "").strip(), (awarded_by or "").strip()
    if not title:
        raise ValidationError(_("Enter a title."), field="title")
    if not awarded_by:
        raise ValidationError(_("Enter who awarded it."), field="awarded_by")
    if awarded_on > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."), field="awarded_on")
    commendation = Commendation.objects.create(
        volunteer=volunteer, title=title[:120], awarded_by=awarded_by[:120],
        awarded_on=awarded_on, note=note[:255], recorded_by=actor)
    notify(user=volunteer.user, title=_("You received a commendation"), body=title,
           url=reverse("volunteers:me"))
    return commendation


def content_hash(content: dict) -> str:
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def issuer_for(volunteer: Volunteer) -> str:
    """谁组织谁记录，谁记录谁证明: the community's residents' committee records the service."""
    community = volunteer.community
    return f"{community.street.name}{community.name}居民委员会"


@transaction.atomic
def certificate_issue(*, volunteer: Volunteer, actor, request=None) -> Certificate:
    """Issue a proof of service (free of charge) from the record as it stands today."""
    from linli.volunteers.selectors import volunteer_record

    require(policies.can_issue_certificate(actor, volunteer),
            _("A certificate is issued to the volunteer themself or by staff of their "
              "community."))

    if volunteer.status not in (VolunteerStatus.ACTIVE, VolunteerStatus.SUSPENDED,
                                VolunteerStatus.WITHDRAWN) or not volunteer.number:
        raise Conflict(_("A certificate can only be issued to an approved volunteer."))
    record = volunteer_record(volunteer=volunteer)
    today = timezone.localdate()
    count = Certificate.objects.filter(volunteer__community__street=volunteer.community.street,
                                       created_at__year=today.year).count()
    serial = f"ZM{volunteer.community.street.code}{today:%Y}{count + 1:05d}"
    while Certificate.objects.filter(serial=serial).exists():
        count += 1
        serial = f"ZM{volunteer.community.street.code}{today:%Y}{count + 1:05d}"
    content = {
        "serial": serial,
        "name": volunteer.resident.name,
        "id_number": volunteer.resident.id_number_masked,
        "volunteer_number": volunteer.number,
        "registered_on": (volunteer.approved_at or volunteer.created_at).date().isoformat()
        if (volunteer.approved_at or volunteer.created_at) else "",
        "service_minutes": record.service_minutes,
        "service_count": record.service_count,
        "first_service": record.first_service.isoformat() if record.first_service else "",
        "last_service": record.last_service.isoformat() if record.last_service else "",
        "teams": [m.team.name for m in record.memberships],
        "commendations": [f"{c.awarded_on:%Y-%m-%d} {c.title}" for c in record.commendations],
        "issuer": issuer_for(volunteer),
        "issued_on": today.isoformat(),
    }
    return Certificate.objects.create(
        volunteer=volunteer, serial=serial, issuer=content["issuer"], content=content,
        content_hash=content_hash(content), issued_by=actor)


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, actor, reason: str) -> Certificate:
    require(policies.can_revoke_certificate(actor, certificate),
            _("Only staff of the volunteer's community may revoke a certificate, and never "
              "their own."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason."), field="reason")
    updated = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason[:255])
    if updated != 1:
        raise Conflict(_("This certificate is already revoked."))
    certificate.refresh_from_db()
    return certificate


# --- party members (双报到) ---------------------------------------------------------------


@transaction.atomic
def party_organisation_create(*, community, name: str, kind: str, estate=None,
                              secretary: str = "", actor) -> PartyOrganisation:
    from linli.volunteers.models import PartyOrgKind

    require(policies.can_manage_party(actor, community), _party_refused())

    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Enter a name."), field="name")
    if kind not in PartyOrgKind.values:
        raise ValidationError(_("Choose a kind."), field="kind")
    if estate is not None and estate.community_id != community.id:
        raise ValidationError(_("Choose an estate of this community."), field="estate")
    if PartyOrganisation.objects.filter(community=community, name=name).exists():
        raise Conflict(_("An organisation with this name has already reported."), field="name")
    return PartyOrganisation.objects.create(community=community, name=name[:120], kind=kind,
                                            estate=estate, secretary=secretary[:64])


@transaction.atomic
def party_member_report_create(*, community, name: str, mobile: str = "", user=None,
                               resident=None, organisation=None, work_unit: str = "",
                               actor) -> PartyMemberReport:
    """A party member reports to a community: by themselves (awaits confirmation) or entered
    by staff (confirmed at once)."""
    require(policies.can_report_party_member(actor, community=community, member_user=user),
            _("Report yourself, or ask the community office to enter your report."))
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Enter a name."), field="name")
    if organisation is not None and organisation.community_id != community.id:
        raise ValidationError(_("Choose an organisation of this community."),
                              field="organisation")
    if user is not None and PartyMemberReport.objects.filter(community=community,
                                                             user=user).exists():
        raise Conflict(_("You have already reported to this community."))
    by_staff = actor is not None and (user is None or actor.pk != user.pk)
    report = PartyMemberReport.objects.create(
        community=community, user=user, resident=resident, name=name[:64], mobile=mobile[:11],
        organisation=organisation, work_unit=work_unit[:120],
        status=ReportStatus.CONFIRMED if by_staff else ReportStatus.PENDING,
        decided_by=actor if by_staff else None,
        decided_at=timezone.now() if by_staff else None)
    if not by_staff:
        for staff in _community_staff(community):
            notify(user=staff, title=_("A party member has reported"), body=name,
                   url=reverse("volunteers:party_staff"))
    return report


@transaction.atomic
def party_member_report_decide(*, report: PartyMemberReport, actor, confirm: bool,
                               note: str = "") -> PartyMemberReport:
    require(policies.can_decide_party_report(actor, report),
            _("Only staff of the community may confirm a report, and never their own."))
    to = ReportStatus.CONFIRMED if confirm else ReportStatus.REJECTED
    if not confirm and not note.strip():
        raise ValidationError(_("Give a reason."), field="note")
    updated = PartyMemberReport.objects.filter(pk=report.pk, status=ReportStatus.PENDING).update(
        status=to, decided_by=actor, decided_at=timezone.now(), note=note[:255])
    if updated != 1:
        raise Conflict(_("This report has already been decided."))
    report.refresh_from_db()
    if report.user_id:
        notify(user=report.user,
               title=_("Your party-member report is confirmed") if confirm
               else _("Your party-member report was not confirmed"),
               body=note, url=reverse("volunteers:party"))
    return report


def _party_refused() -> str:
    return _("Only staff of this community may do this.")


@transaction.atomic
def party_project_create(*, community, title: str, planned_claims: int, description: str = "",
                         actor) -> PartyProject:
    require(policies.can_manage_party(actor, community), _party_refused())
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("Enter a title."), field="title")
    if isinstance(planned_claims, bool) or int(planned_claims) < 1:
        raise ValidationError(_("Plan at least one claim."), field="planned_claims")
    return PartyProject.objects.create(community=community, title=title[:120],
                                       description=description, created_by=actor,
                                       planned_claims=int(planned_claims))


@transaction.atomic
def project_claim_create(*, project: PartyProject, actor, member: PartyMemberReport | None = None,
                         organisation: PartyOrganisation | None = None) -> ProjectClaim:
    """Claim one of the project's planned places. The counter moves by a guarded update, so
    concurrent claims never exceed `planned_claims` on SQLite or PostgreSQL."""
    if (member is None) == (organisation is None):
        raise ValidationError(_("A claim is made by one party member or one organisation."))
    require(policies.can_claim_project(actor, project, member=member,
                                       organisation=organisation),
            _("A party member claims for themself; staff of the community claim for a party "
              "organisation."))
    claimant = member or organisation
    if claimant.community_id != project.community_id:
        raise ValidationError(_("Only those who reported to this community can claim."))
    if member is not None and member.status != ReportStatus.CONFIRMED:
        raise Conflict(_("Your report to the community has not been confirmed yet."))
    existing = ProjectClaim.objects.filter(project=project, member=member,
                                           organisation=organisation)
    if existing.exists():
        raise Conflict(_("Already claimed."))
    taken = PartyProject.objects.filter(
        pk=project.pk, status=ProjectStatus.OPEN, claimed_count__lt=F("planned_claims")
    ).update(claimed_count=F("claimed_count") + 1, updated_at=timezone.now())
    if taken != 1:
        raise Conflict(_("All places in this project have been claimed."))
    try:
        with transaction.atomic():
            claim = ProjectClaim.objects.create(project=project, member=member,
                                                organisation=organisation, claimed_by=actor)
    except IntegrityError as exc:
        raise Conflict(_("Already claimed.")) from exc
    project.refresh_from_db(fields=["claimed_count"])
    return claim


@transaction.atomic
def party_project_close(*, project: PartyProject, actor) -> PartyProject:
    require(policies.can_manage_party(actor, project.community), _party_refused())
    updated = PartyProject.objects.filter(pk=project.pk, status=ProjectStatus.OPEN).update(
        status=ProjectStatus.CLOSED, updated_at=timezone.now())
    if updated != 1:
        raise Conflict(_("This project is already closed."))
    project.status = ProjectStatus.CLOSED
    return project


@transaction.atomic
def good_deed_create(*, community, title: str, done_on: date | None = None,
                     description: str = "", photo=None, member: PartyMemberReport | None = None,
                     organisation: PartyOrganisation | None = None,
                     project: PartyProject | None = None, actor) -> GoodDeed:
    require(policies.can_manage_party(actor, community), _party_refused())
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("Describe what was done."), field="title")
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."), field="done_on")
    for obj, field in ((member, "member"), (organisation, "organisation"), (project, "project")):
        if obj is not None and obj.community_id != community.id:
            raise ValidationError(_("Choose one of this community."), field=field)
    deed = GoodDeed(community=community, title=title[:120], description=description,
                    done_on=done_on, member=member, organisation=organisation, project=project,
                    recorded_by=actor)
    if photo is not None:
        deed.photo = photo
    deed.save()
    return deed
