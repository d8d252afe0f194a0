"""The civic points bank (文明储蓄银行): a community's resident convention, versioned, turned
into point items; claims against those items; automatic awards by rule.

Points themselves live in the ledger (one household points account per household); this app
records why they were given. A claim points at the exact item version it was made under, and
the items of an adopted convention never change, so a new version never rewrites past awards.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.common.models import TimeStampedModel, TransitionEvent
from linli.common.periods import Period


class ConventionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ADOPTED = "adopted", _("In force")
    SUPERSEDED = "superseded", _("Superseded")


class Convention(TimeStampedModel):
    """One version of a community's resident convention (居民公约) with its adoption record:
    a residents' meeting (or household representatives' meeting) with more than half of those
    entitled present, deciding by more than half of those present (城市居民委员会组织法)."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT,
                                  related_name="conventions", verbose_name=_("community"))
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=100)
    status = models.CharField(_("status"), max_length=12, choices=ConventionStatus.choices,
                              default=ConventionStatus.DRAFT)
    allows_deductions = models.BooleanField(
        _("has deduction items"), default=False,
        help_text=_("Only a convention adopted with deduction items may take points away."))
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    meeting = models.CharField(_("residents' meeting"), max_length=100, blank=True)
    entitled_count = models.PositiveIntegerField(_("entitled to attend"), null=True, blank=True)
    present_count = models.PositiveIntegerField(_("present"), null=True, blank=True)
    votes_for = models.PositiveIntegerField(_("votes in favour"), null=True, blank=True)
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["community_id", "-version"]
        verbose_name = _("convention version")
        verbose_name_plural = _("convention versions")
        constraints = [
            models.UniqueConstraint(fields=["community", "version"],
                                    name="points_convention_unique_version"),
            models.UniqueConstraint(fields=["community"], condition=Q(status="adopted"),
                                    name="points_convention_one_in_force"),
            models.CheckConstraint(
                name="points_convention_adoption_record",
                condition=Q(status="draft") | Q(
                    adopted_on__isnull=False, entitled_count__isnull=False,
                    present_count__isnull=False, votes_for__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def is_draft(self) -> bool:
        return self.status == ConventionStatus.DRAFT


class Category(models.TextChoices):
    SANITATION = "sanitation", _("Environmental hygiene")
    WASTE = "waste", _("Waste sorting")
    MUTUAL_AID = "mutual_aid", _("Neighbourly help")
    FILIAL = "filial", _("Care for elders and family")
    CUSTOMS = "customs", _("Civilised customs")
    DOGS = "dogs", _("Responsible dog keeping")
    VOLUNTEERING = "volunteering", _("Volunteer service")
    OTHER = "other", _("Other")


class ConventionItem(TimeStampedModel):
    """One quantified rule of a convention version. Immutable once the version is adopted."""

    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="items",
                                   verbose_name=_("convention"))
    code = models.CharField(_("code"), max_length=16)
    title = models.CharField(_("title"), max_length=100)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    points = models.PositiveIntegerField(_("points"))
    is_deduction = models.BooleanField(_("deduction"), default=False)
    evidence = models.CharField(_("evidence required"), max_length=200, blank=True)
    photo_required = models.BooleanField(_("photo required"), default=False)
    cap_count = models.PositiveIntegerField(
        _("times per household per period"), null=True, blank=True,
        help_text=_("Empty: no limit."))
    period = models.CharField(_("period"), max_length=8, choices=Period.choices,
                              default=Period.MONTH)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["convention_id", "order", "code"]
        verbose_name = _("convention item")
        verbose_name_plural = _("convention items")
        constraints = [
            models.UniqueConstraint(fields=["convention", "code"],
                                    name="points_conventionitem_unique_code"),
            models.CheckConstraint(name="points_conventionitem_points_positive",
                                   condition=Q(points__gt=0)),
            models.CheckConstraint(name="points_conventionitem_cap_positive",
                                   condition=Q(cap_count__isnull=True) | Q(cap_count__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def signed_points(self) -> int:
        return -self.points if self.is_deduction else self.points


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ClaimOrigin(models.TextChoices):
    SELF = "self", _("Self-reported")
    INSPECTION = "inspection", _("Recorded on inspection")


class Claim(TimeStampedModel):
    """A household's claim under one item version: self-reported by a member (photo and note)
    or recorded by a grid worker; approved (the ledger is credited once) or rejected."""

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT,
                                  related_name="point_claims", verbose_name=_("household"))
    item = models.ForeignKey(ConventionItem, on_delete=models.PROTECT, related_name="claims",
                             verbose_name=_("item"))
    resident = models.ForeignKey("registry.Resident", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="point_claims",
                                 verbose_name=_("member"))
    origin = models.CharField(_("origin"), max_length=12, choices=ClaimOrigin.choices)
    occurred_on = models.DateField(_("date"), default=timezone.localdate)
    note = models.CharField(_("note"), max_length=500, blank=True)
    photo = models.FileField(_("photo"), upload_to="points/claims/%Y/%m/", blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ClaimStatus.choices,
                              default=ClaimStatus.PENDING, db_index=True)
    #: Signed points the approval moved (a deduction may be less than the item if the
    #: household's balance was lower).
    points = models.IntegerField(_("points"), default=0)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    transfer = models.OneToOneField("ledger.Transfer", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("points claim")
        verbose_name_plural = _("points claims")
        indexes = [models.Index(fields=["household", "created_at"]),
                   models.Index(fields=["household", "status", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.household} {self.item.code} {self.status}"

    @property
    def reference(self) -> str:
        return f"points-claim:{self.uuid}"


class ClaimEvent(TransitionEvent):
    """One transition of a claim: who, when, which action, from, to, note."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    states = ClaimStatus


class AwardSource(models.TextChoices):
    """What an automatic award rule counts. The codes are internal (other apps award by
    them); people see the names."""

    VOLUNTEER_HOUR = "volunteer_hour", pgettext_lazy("award source", "Volunteer service hours")
    ACTIVITY_ATTENDANCE = "activity_attendance", pgettext_lazy("award source",
                                                                "Taking part in activities")
    SERVICE_ORDER = "service_order", pgettext_lazy("award source", "Completed service orders")


class AwardRule(TimeStampedModel):
    """Points given automatically for a counted source (volunteer hours, activity attendance)."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT,
                                  related_name="award_rules", verbose_name=_("community"))
    code = models.CharField(_("code"), max_length=32)
    title = models.CharField(_("title"), max_length=100)
    points_per_unit = models.PositiveIntegerField(_("points per unit"))
    unit_label = models.CharField(pgettext_lazy("measure", "unit"), max_length=16, blank=True)
    cap_points = models.PositiveIntegerField(_("points per household per period"), null=True,
                                             blank=True)
    period = models.CharField(_("period"), max_length=8, choices=Period.choices,
                              default=Period.MONTH)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["community_id", "code"]
        verbose_name = _("award rule")
        verbose_name_plural = _("award rules")
        constraints = [
            models.UniqueConstraint(fields=["community", "code"],
                                    name="points_awardrule_unique_code"),
            models.CheckConstraint(name="points_awardrule_points_positive",
                                   condition=Q(points_per_unit__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def source_label(self) -> str:
        """The Chinese name of what the rule counts (never the internal code)."""
        if self.code in AwardSource.values:
            return str(AwardSource(self.code).label)
        return self.title


class Award(TimeStampedModel):
    """Points given by a rule for one source record; one per (rule, source)."""

    rule = models.ForeignKey(AwardRule, on_delete=models.PROTECT, related_name="awards")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT,
                                  related_name="point_awards")
    resident = models.ForeignKey("registry.Resident", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="point_awards")
    source_reference = models.CharField(max_length=50)
    quantity = models.PositiveIntegerField()
    points = models.PositiveIntegerField()
    transfer = models.OneToOneField("ledger.Transfer", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "source_reference"],
                                    name="points_award_unique_source"),
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} {self.source_reference} {self.points}"
