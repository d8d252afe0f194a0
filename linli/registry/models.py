"""Places: district → street (the tenant) → community → grid.

Estates, buildings, households and residents hang below the grid.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from linli.common.dates import age_on
from linli.common.models import TimeStampedModel

six_digits = RegexValidator(r"^\d{6}$", _("Enter a 6-digit GB/T 2260 code."))
three_digits = RegexValidator(r"^\d{3}$", _("Enter a 3-digit code."))


class District(TimeStampedModel):
    """A county-level division (区/县/县级市), GB/T 2260 code."""

    code = models.CharField(_("division code"), max_length=6, unique=True, validators=[six_digits])
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        ordering = ["code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class Street(TimeStampedModel):
    """A street office (街道) — the tenant: every record belongs to exactly one street."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="streets",
                                 verbose_name=_("district"))
    code = models.CharField(_("street code"), max_length=3, validators=[three_digits],
                            help_text=_("GB/T 10114 three-digit code within the district."))
    name = models.CharField(_("name"), max_length=64)
    phone = models.CharField(_("public phone"), max_length=32, blank=True)

    class Meta:
        ordering = ["district__code", "code"]
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="registry_street_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def full_code(self) -> str:
        return f"{self.district.code}{self.code}"


class Community(TimeStampedModel):
    """A community (社区) with its residents' committee; the usual unit of staff scope."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="communities",
                               verbose_name=_("street"))
    code = models.CharField(_("community code"), max_length=3, validators=[three_digits])
    name = models.CharField(_("name"), max_length=64)
    address = models.CharField(_("office address"), max_length=255, blank=True)
    phone = models.CharField(_("public phone"), max_length=32, blank=True)

    class Meta:
        ordering = ["street_id", "code"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = [
            models.UniqueConstraint(fields=["street", "code"], name="registry_community_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name


class Grid(TimeStampedModel):
    """A grid (网格): the patch one grid worker answers for."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="grids",
                                  verbose_name=_("community"))
    number = models.CharField(_("grid number"), max_length=3, validators=[three_digits])
    name = models.CharField(_("name"), max_length=64)
    boundary = models.TextField(_("boundary description"), blank=True)
    phone = models.CharField(_("public contact phone"), max_length=32, blank=True,
                             help_text=_("Shown on door plates and to visitors."))

    class Meta:
        ordering = ["community_id", "number"]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="registry_grid_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.community.name} {self.name}"

    @property
    def code(self) -> str:
        """Built from the parents: district(6) + street(3) + community(3) + grid(3)."""
        community = self.community
        return f"{community.street.full_code}{community.code}{self.number}"


def new_door_token() -> str:
    return secrets.token_urlsafe(16)


class Estate(TimeStampedModel):
    """A residential estate (小区) within a community."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="estates",
                                  verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        ordering = ["community_id", "name"]
        verbose_name = _("estate")
        verbose_name_plural = _("estates")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="registry_estate_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Building(TimeStampedModel):
    """A building (楼栋) in an estate; it belongs to exactly one grid."""

    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, related_name="buildings",
                               verbose_name=_("estate"))
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="buildings",
                             verbose_name=_("grid"))
    name = models.CharField(_("building"), max_length=32)
    address = models.CharField(_("address"), max_length=255)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True,
                                   blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True,
                                    blank=True)

    class Meta:
        ordering = ["estate_id", "name"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [
            models.UniqueConstraint(fields=["estate", "name"], name="registry_building_unique_name"),
            models.CheckConstraint(
                name="registry_building_coordinates_pair",
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.estate.name}{self.name}"


class Unit(models.Model):
    """A stairwell unit (单元) of a building."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units",
                                 verbose_name=_("building"))
    name = models.CharField(_("unit"), max_length=16)

    class Meta:
        ordering = ["building_id", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["building", "name"], name="registry_unit_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Household(TimeStampedModel):
    """A household (户): the unit that holds civic points and owns a door plate."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="households",
                                  verbose_name=_("community"))
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="households",
                             verbose_name=_("grid"))
    number = models.CharField(_("household number"), max_length=32)
    address = models.CharField(_("address"), max_length=255)
    building = models.ForeignKey(Building, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="households", verbose_name=_("building"))
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="households", verbose_name=_("unit"))
    room = models.CharField(_("room"), max_length=16, blank=True)
    head = models.ForeignKey("Resident", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("head of household"))
    door_token = models.CharField(_("door-plate token"), max_length=32, unique=True,
                                  default=new_door_token, editable=False)
    door_token_rotated_at = models.DateTimeField(_("door plate replaced at"), null=True,
                                                 blank=True)

    history = HistoricalRecords(excluded_fields=["door_token"])

    class Meta:
        ordering = ["community_id", "number"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        # A grid worker's list: one grid's households in (community, number) order.
        indexes = [
            models.Index(fields=["grid", "community", "number"],
                         name="registry_household_grid_list"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"],
                                    name="registry_household_unique_number"),
        ]

    def __str__(self) -> str:
        return self.address


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class PoliticalStatus(models.TextChoices):
    MASSES = "masses", _("Masses")
    PARTY_MEMBER = "party_member", _("Party member")
    PROBATIONARY = "probationary", _("Probationary party member")
    LEAGUE_MEMBER = "league_member", _("League member")
    OTHER_PARTY = "other_party", _("Member of another party")


class ResidenceType(models.TextChoices):
    REGISTERED = "registered", _("Registered (hukou)")
    PERMANENT = "permanent", _("Permanent resident")
    FLOATING = "floating", _("Floating population")
    SEPARATED = "separated", _("Registered here, living elsewhere")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    IN_LAW = "in_law", _("Child-in-law")
    OTHER = "other", _("Other")


class SensitiveBasis(models.TextChoices):
    """PIPL Art. 13/28: why health or disability details may be held."""

    NONE = "", _("None recorded")
    CONSENT = "consent", _("Separate written consent")
    LEGAL_DUTY = "legal_duty", _("Legal duty (civil affairs assistance)")


class Tag(models.Model):
    """A resident tag (独居, 高龄, 低保 …), configured per street. `sensitive` tags describe
    health or disability and need a recorded consent or legal basis."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="tags",
                               verbose_name=_("street"))
    name = models.CharField(_("name"), max_length=16)
    sensitive = models.BooleanField(_("sensitive (health or disability)"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["street_id", "order", "name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="registry_tag_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Resident(TimeStampedModel):
    """A person living in (or registered to) a household. `user` links their login, if any.

    The ID number is stored only encrypted (`id_number_encrypted`), with a keyed hash for
    exact lookup and its masked form for display; the plain value never reaches a template
    unless a reveal has been logged."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="residents",
                                  verbose_name=_("household"))
    user = models.OneToOneField("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="resident", verbose_name=_("account"))
    name = models.CharField(_("name"), max_length=64)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=255, blank=True,
                                   db_index=True, editable=False)
    name_initials = models.CharField(_("pinyin initials"), max_length=64, blank=True,
                                     db_index=True, editable=False)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_number_encrypted = models.TextField(_("ID number (encrypted)"), blank=True, editable=False)
    id_number_hash = models.CharField(_("ID number hash"), max_length=64, blank=True,
                                      db_index=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True,
                                        editable=False)
    mobile = models.CharField(_("mobile number"), max_length=11, blank=True, db_index=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=16, blank=True)
    political_status = models.CharField(_("political status"), max_length=16,
                                        choices=PoliticalStatus.choices, blank=True)
    residence_type = models.CharField(_("residence type"), max_length=16,
                                      choices=ResidenceType.choices,
                                      default=ResidenceType.REGISTERED)
    relation = models.CharField(_("relation to head"), max_length=16, choices=Relation.choices,
                                blank=True)
    moved_out = models.BooleanField(_("moved out"), default=False)
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)
    deceased = models.BooleanField(_("deceased"), default=False)
    deceased_on = models.DateField(_("date of death"), null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="residents",
                                  verbose_name=_("tags"))
    health_note = models.TextField(_("health and disability details"), blank=True)
    sensitive_basis = models.CharField(_("basis for sensitive data"), max_length=16,
                                       choices=SensitiveBasis.choices, blank=True)
    sensitive_basis_note = models.CharField(_("consent or legal basis reference"),
                                            max_length=255, blank=True)
    guardian = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="wards", verbose_name=_("guardian"))
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["name_pinyin", "name_initials"])

    class Meta:
        ordering = ["household_id", "id"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        # The registry list walks households in order and takes each one's active members.
        indexes = [
            models.Index(fields=["household", "id"], name="registry_resident_active",
                         condition=Q(moved_out=False, deceased=False,
                                     anonymised_at__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], condition=~Q(id_number_hash=""),
                                    name="registry_resident_unique_id_number"),
            models.CheckConstraint(
                name="registry_resident_sensitive_needs_basis",
                condition=Q(health_note="") | ~Q(sensitive_basis=""),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def age(self) -> int | None:
        return age_on(self.birth_date, timezone.localdate())

    @property
    def mobile_masked(self) -> str:
        from linli.common.masking import mask_mobile

        return mask_mobile(self.mobile)

    @property
    def is_active_member(self) -> bool:
        return not (self.moved_out or self.deceased or self.anonymised_at)


class BindingKind(models.TextChoices):
    MEMBER = "member", _("Household member")
    PROXY = "proxy", _("Family member living elsewhere (proxy)")


class BindingStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class HouseholdBinding(TimeStampedModel):
    """An account asking to act for a household: as a member (linked to a Resident) or as a
    proxy for one member. The grid worker (or, for a proxy, that member) confirms it."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="bindings",
                                  verbose_name=_("household"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="household_bindings", verbose_name=_("account"))
    kind = models.CharField(_("kind"), max_length=8, choices=BindingKind.choices)
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices,
                                blank=True)
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="bindings", verbose_name=_("resident"),
                                 help_text=_("The member this account is, or acts for."))
    status = models.CharField(_("status"), max_length=12, choices=BindingStatus.choices,
                              default=BindingStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("household binding")
        verbose_name_plural = _("household bindings")
        constraints = [
            models.UniqueConstraint(fields=["household", "user"],
                                    condition=~Q(status="rejected"),
                                    name="registry_householdbinding_unique_open"),
        ]


class GridVisit(models.Model):
    """When a grid worker last opened the collection page, to show what changed since."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)
    previous_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user"], name="registry_gridvisit_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.seen_at:%Y-%m-%d %H:%M}"


class DeletionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")


class DeletionRequest(TimeStampedModel):
    """A resident's request to delete their personal data (PIPL Art. 47)."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE,
                                 related_name="deletion_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=DeletionStatus.choices,
                              default=DeletionStatus.PENDING)
    processed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="registry_deletion_status"),
        ]


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    READING = "reading", _("Reading the file")
    MAPPING = "mapping", _("Waiting for the column mapping")
    CHECKING = "checking", _("Checking rows")
    CHECKED = "checked", _("Checked")
    COMMITTING = "committing", _("Saving")
    DONE = "done", _("Saved")
    FAILED = "failed", _("Failed")


class ImportMode(models.TextChoices):
    ALL = "all", _("Save all rows or nothing")
    PARTIAL = "partial", _("Save the good rows, download the bad ones")


class ImportJob(TimeStampedModel):
    """One uploaded roster: read (headings, samples), mapped by staff (columns and values),
    checked row by row (preview), then saved — all or nothing, or the good rows only."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    file_name = models.CharField(_("file name"), max_length=255)
    storage_name = models.CharField(max_length=255)
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices,
                              default=ImportStatus.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    create_count = models.PositiveIntegerField(default=0)
    update_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=255, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: Spreadsheet row of the header; per column: {"heading", "samples"}.
    header_row = models.PositiveIntegerField(default=0)
    columns = models.JSONField(default=list, blank=True)
    #: Per column index (as text): up to 100 distinct values, for the value-mapping step.
    distinct = models.JSONField(default=dict, blank=True)
    #: Field key per column or null (ignored): Linli's guess until staff confirm it.
    mapping = models.JSONField(default=list, blank=True)
    mapping_confirmed = models.BooleanField(default=False)
    #: kind -> {written value: code}; tags: tag name, "+new" or "" (ignore).
    values = models.JSONField(default=dict, blank=True)
    sensitive_basis = models.CharField(max_length=16, choices=SensitiveBasis.choices,
                                       blank=True)
    mode = models.CharField(max_length=8, choices=ImportMode.choices, default=ImportMode.ALL)
    #: What the save would create: {"estates": [...], "buildings": [...], "units": n,
    #: "households": n, "household_examples": [...]} (names capped).
    places = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0 if self.status in (ImportStatus.QUEUED, ImportStatus.READING,
                                        ImportStatus.CHECKING) else 100
        return min(100, int(self.processed_rows * 100 / self.total_rows))

    @property
    def running(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.READING, ImportStatus.CHECKING,
                               ImportStatus.COMMITTING)

    @property
    def creates_places(self) -> bool:
        p = self.places or {}
        return bool(p.get("estates") or p.get("buildings") or p.get("units")
                    or p.get("households"))


class ImportProfile(TimeStampedModel):
    """What a community's staff chose last time: the column mapping by heading as written
    ({heading: field key or ""}) and the value mappings, offered first on the next import."""

    community = models.OneToOneField(Community, on_delete=models.CASCADE, related_name="+")
    columns = models.JSONField(default=dict, blank=True)
    values = models.JSONField(default=dict, blank=True)


class RowOutcome(models.TextChoices):
    CREATE = "create", _("New")
    UPDATE = "update", _("Update")
    ERROR = "error", _("Error")
    SKIPPED = "skipped", _("Skipped")


class ImportRow(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row = models.PositiveIntegerField()
    #: The roster's own label of the row: its 序号 when mapped, else the name.
    label = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=8, choices=RowOutcome.choices)
    name = models.CharField(max_length=64, blank=True)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["job_id", "row"]
        indexes = [models.Index(fields=["job", "outcome", "row"])]

    def __str__(self) -> str:
        return f"{self.row}: {self.outcome}"
