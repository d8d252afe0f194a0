"""Volunteers (志愿服务条例 Art. 7 real-name registration), teams, skills, weekly availability,
commendations and certificates (民政部令第67号), and party members reporting to a community
(双报到) with the projects they claim and the good deeds they record.

Service hours are not stored here: they live in the ledger's time account of the volunteer's
resident record, so the record and the certificate read them from there.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.common.models import TimeStampedModel, TransitionEvent


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Skill(models.Model):
    """What a volunteer can do (理发, 维修, 法律咨询 …); dispatch matches on these."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(pgettext_lazy("skill", "name"), max_length=32, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name


class VolunteerStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    ACTIVE = "active", pgettext_lazy("volunteer status", "Active")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Volunteer(TimeStampedModel):
    """A registered volunteer: one per resident and per account.

    The volunteer number (street code + year + sequence) is given on approval and is never
    the ID number. Health is a self-declaration (fit for service yes/no plus an optional note,
    which is sensitive and shown only to staff); consent records when and to which text.
    """

    resident = models.OneToOneField("registry.Resident", on_delete=models.PROTECT,
                                    related_name="volunteer", verbose_name=_("resident"))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="volunteer", verbose_name=_("account"))
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT,
                                  related_name="volunteers", verbose_name=_("community"))
    number = models.CharField(_("volunteer number"), max_length=20, unique=True, null=True,
                              blank=True)
    status = models.CharField(_("status"), max_length=12, choices=VolunteerStatus.choices,
                              default=VolunteerStatus.PENDING, db_index=True)
    skills = models.ManyToManyField(Skill, blank=True, related_name="volunteers",
                                    verbose_name=_("skills"))
    skills_note = models.CharField(_("other skills"), max_length=255, blank=True)
    # Service area: the community, optionally narrowed to one grid.
    service_grid = models.ForeignKey("registry.Grid", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="volunteers",
                                     verbose_name=_("service grid"))
    service_radius_m = models.PositiveIntegerField(_("service radius (metres)"), default=2000)
    health_ok = models.BooleanField(_("fit for volunteer service (self-declared)"),
                                    default=False)
    health_note = models.CharField(_("health notes"), max_length=255, blank=True)
    health_declared_at = models.DateTimeField(_("health declared at"), null=True, blank=True)
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    consent_version = models.CharField(_("consent text version"), max_length=16, blank=True)
    emergency_contact = models.CharField(_("emergency contact"), max_length=64, blank=True)
    emergency_phone = models.CharField(_("emergency phone"), max_length=20, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    status_reason = models.CharField(_("reason"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        constraints = [
            models.CheckConstraint(
                name="volunteers_volunteer_active_has_number",
                condition=~Q(status="active") | Q(number__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.number or self.resident.name

    @property
    def name(self) -> str:
        return self.resident.name

    @property
    def consented(self) -> bool:
        return self.consent_at is not None


class VolunteerEvent(TransitionEvent):
    """One status transition of a volunteer: who, when, from, to, why."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="events")
    states = VolunteerStatus


class VolunteerSequence(models.Model):
    """Next volunteer number per street and year; bumped with a guarded update."""

    street = models.ForeignKey("registry.Street", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street", "year"],
                                    name="volunteers_volunteersequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class AvailabilitySlot(models.Model):
    """A weekly window in which the volunteer can serve (local time)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE,
                                  related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("availability")
        verbose_name_plural = _("availability")
        constraints = [
            models.CheckConstraint(name="volunteers_availabilityslot_start_before_end",
                                   condition=Q(start__lt=F("end"))),
            models.CheckConstraint(name="volunteers_availabilityslot_weekday_range",
                                   condition=Q(weekday__gte=0, weekday__lte=6)),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class TeamType(models.TextChoices):
    POLICY = "policy", _("Policy outreach")
    CULTURE_SPORTS = "culture_sports", _("Culture and sports")
    TECHNICAL = "technical", _("Technical skills")
    LEGAL = "legal", _("Legal aid")
    ELDER_DISABLED = "elder_disabled", _("Help for elders and the disabled")
    COUNSELLING = "counselling", _("Psychological counselling")
    ENVIRONMENT = "environment", _("Environment and sanitation")
    HEALTH = "health", _("Health care")
    EDUCATION = "education", _("Study support")
    SAFETY = "safety", _("Neighbourhood watch")
    CIVILITY = "civility", _("Civility promotion")
    OTHER = "other", _("Other")


class Team(TimeStampedModel):
    """A volunteer team of the street, or of one community when `community` is set."""

    street = models.ForeignKey("registry.Street", on_delete=models.PROTECT,
                               related_name="volunteer_teams", verbose_name=_("street"))
    community = models.ForeignKey("registry.Community", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="volunteer_teams",
                                  verbose_name=_("community"))
    name = models.CharField(pgettext_lazy("team", "name"), max_length=64)
    team_type = models.CharField(_("type"), max_length=16, choices=TeamType.choices,
                                 default=TeamType.OTHER)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["street", "name"],
                                    name="volunteers_team_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships",
                             verbose_name=_("team"))
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE,
                                  related_name="memberships", verbose_name=_("volunteer"))
    is_leader = models.BooleanField(_("team leader"), default=False)
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)

    class Meta:
        ordering = ["-is_leader", "joined_at", "id"]
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [
            models.UniqueConstraint(fields=["team", "volunteer"],
                                    name="volunteers_teammembership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.volunteer}"


class Commendation(TimeStampedModel):
    """A commendation (表彰) recorded against a volunteer (Art. 19)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE,
                                  related_name="commendations", verbose_name=_("volunteer"))
    title = models.CharField(_("title"), max_length=120)
    awarded_by = models.CharField(_("awarded by"), max_length=120)
    awarded_on = models.DateField(_("awarded on"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-awarded_on", "-id"]
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")

    def __str__(self) -> str:
        return self.title


class Certificate(TimeStampedModel):
    """A proof of volunteer service (志愿服务证明). `content` is the exact statement printed;
    the public verification page shows only that, checked against `content_hash`."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT,
                                  related_name="certificates", verbose_name=_("volunteer"))
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    serial = models.CharField(_("certificate number"), max_length=32, unique=True)
    issuer = models.CharField(_("issuing organisation"), max_length=120)
    content = models.JSONField(_("content"))
    content_hash = models.CharField(_("content hash"), max_length=64)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revocation"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.serial


# --- Party members reporting to the community (双报到) -----------------------------------


class PartyOrgKind(models.TextChoices):
    ESTATE_BRANCH = "estate_branch", _("Estate party branch")
    COMMUNITY_BRANCH = "community_branch", _("Community party branch")
    UNIT = "unit", _("Party organisation of a work unit")


class PartyOrganisation(TimeStampedModel):
    """A party organisation reporting to a community: its own estate branches
    (小区党支部) or the organisation of an employer (在职党组织报到)."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT,
                                  related_name="party_organisations",
                                  verbose_name=_("community"))
    name = models.CharField(pgettext_lazy("organisation", "name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=PartyOrgKind.choices)
    estate = models.ForeignKey("registry.Estate", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("estate"))
    secretary = models.CharField(_("secretary"), max_length=64, blank=True)
    reported_on = models.DateField(_("reported on"), default=timezone.localdate)

    class Meta:
        ordering = ["community", "name"]
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"],
                                    name="volunteers_partyorganisation_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class PartyMemberReport(TimeStampedModel):
    """One party member reporting (报到) to a community, usually the one they live in."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT,
                                  related_name="party_member_reports",
                                  verbose_name=_("community"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="party_reports",
                             verbose_name=_("account"))
    resident = models.ForeignKey("registry.Resident", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="party_reports",
                                 verbose_name=_("resident"))
    name = models.CharField(_("name"), max_length=64)
    mobile = models.CharField(_("mobile number"), max_length=11, blank=True)
    organisation = models.ForeignKey(PartyOrganisation, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="members",
                                     verbose_name=_("party organisation"))
    work_unit = models.CharField(_("work unit"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ReportStatus.choices,
                              default=ReportStatus.PENDING, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("party member report")
        verbose_name_plural = _("party member reports")
        constraints = [
            models.UniqueConstraint(fields=["community", "user"],
                                    condition=Q(user__isnull=False),
                                    name="volunteers_partymemberreport_unique_user"),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectStatus(models.TextChoices):
    OPEN = "open", _("Open for claims")
    CLOSED = "closed", _("Closed")


class PartyProject(TimeStampedModel):
    """A service project the community publishes for party members and organisations to
    claim (认领). `claimed_count` moves only by guarded update and never exceeds the plan."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT,
                                  related_name="party_projects", verbose_name=_("community"))
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    planned_claims = models.PositiveIntegerField(_("planned number of claims"))
    claimed_count = models.PositiveIntegerField(_("claims so far"), default=0)
    status = models.CharField(_("status"), max_length=8, choices=ProjectStatus.choices,
                              default=ProjectStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("party service project")
        verbose_name_plural = _("party service projects")
        constraints = [
            models.CheckConstraint(name="volunteers_partyproject_claims_within_plan",
                                   condition=Q(claimed_count__lte=F("planned_claims"))),
            models.CheckConstraint(name="volunteers_partyproject_plan_positive",
                                   condition=Q(planned_claims__gte=1)),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def remaining(self) -> int:
        return max(self.planned_claims - self.claimed_count, 0)


class ProjectClaim(TimeStampedModel):
    """A claim of a project by one reported party member or by one party organisation."""

    project = models.ForeignKey(PartyProject, on_delete=models.PROTECT, related_name="claims",
                                verbose_name=_("project"))
    member = models.ForeignKey(PartyMemberReport, null=True, blank=True,
                               on_delete=models.PROTECT, related_name="claims",
                               verbose_name=_("party member"))
    organisation = models.ForeignKey(PartyOrganisation, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="claims",
                                     verbose_name=_("party organisation"))
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("project claim")
        verbose_name_plural = _("project claims")
        constraints = [
            models.CheckConstraint(
                name="volunteers_projectclaim_one_claimant",
                condition=Q(member__isnull=False, organisation__isnull=True)
                | Q(member__isnull=True, organisation__isnull=False),
            ),
            models.UniqueConstraint(fields=["project", "member"],
                                    condition=Q(member__isnull=False),
                                    name="volunteers_projectclaim_unique_member"),
            models.UniqueConstraint(fields=["project", "organisation"],
                                    condition=Q(organisation__isnull=False),
                                    name="volunteers_projectclaim_unique_organisation"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.member or self.organisation}"


def good_deed_photo_path(instance: GoodDeed, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"volunteers/deeds/{instance.uuid}.{ext[:5]}"


class GoodDeed(TimeStampedModel):
    """A good deed (实事好事) done by a reported party member or organisation, with evidence."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT,
                                  related_name="good_deeds", verbose_name=_("community"))
    member = models.ForeignKey(PartyMemberReport, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="good_deeds",
                               verbose_name=_("party member"))
    organisation = models.ForeignKey(PartyOrganisation, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="good_deeds",
                                     verbose_name=_("party organisation"))
    project = models.ForeignKey(PartyProject, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="good_deeds", verbose_name=_("project"))
    title = models.CharField(_("what was done"), max_length=120)
    description = models.TextField(_("details"), blank=True)
    done_on = models.DateField(_("date"), default=timezone.localdate)
    photo = models.ImageField(_("photo"), upload_to=good_deed_photo_path, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-done_on", "-id"]
        verbose_name = _("good deed")
        verbose_name_plural = _("good deeds")

    def __str__(self) -> str:
        return self.title
