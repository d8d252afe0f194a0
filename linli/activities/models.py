"""Activities (文明实践活动) with sign-up, waitlist and QR check-in, culture classes (居民文化苑)
with weekly sessions, and in-app notices.

Seats are counters on the activity and the class, changed only by guarded conditional updates
(see services/signups.py and services/classes.py); the CheckConstraints below are the backstop.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.common.models import TimeStampedModel, TransitionEvent

ELDER_AGE = 60
ADULT_AGE = 18


class ActivityKind(models.TextChoices):
    PRACTICE = "practice", _("Civilization practice")
    VOLUNTEER = "volunteer", _("Volunteer service")
    CULTURE = "culture", _("Culture")
    PARTY = "party", _("Party lesson")
    FESTIVAL = "festival", _("Festival")
    HEALTH = "health", _("Health")
    SPORTS = "sports", _("Sports")
    OTHER = "other", _("Other")


class Audience(models.TextChoices):
    ALL = "all", _("Everyone")
    ELDERS = "elders", _("Elders (60 and over)")
    CHILDREN = "children", _("Children with a guardian")
    PARTY_MEMBERS = "party_members", pgettext_lazy("audience", "Party members")


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Open for sign-up")
    ONGOING = "ongoing", _("In progress")
    ENDED = "ended", _("Ended")
    SUMMARISED = "summarised", _("Summarised")
    CANCELLED = "cancelled", _("Cancelled")


#: States in which residents can see an activity.
VISIBLE_STATUSES = (ActivityStatus.PUBLISHED, ActivityStatus.ONGOING, ActivityStatus.ENDED,
                    ActivityStatus.SUMMARISED, ActivityStatus.CANCELLED)


def cover_path(instance, filename: str) -> str:
    return f"activities/covers/{instance.uuid}/{filename[-60:]}"


def photo_path(instance, filename: str) -> str:
    return f"activities/photos/{instance.activity.uuid}/{filename[-60:]}"


class Activity(TimeStampedModel):
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT,
                                  related_name="activities", verbose_name=_("community"))
    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(_("type"), max_length=16, choices=ActivityKind.choices,
                            default=ActivityKind.PRACTICE)
    description = models.TextField(_("description"), blank=True)
    organiser = models.CharField(_("organising team"), max_length=64)
    place = models.CharField(_("place"), max_length=128)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    signup_opens_at = models.DateTimeField(_("sign-up opens at"))
    signup_closes_at = models.DateTimeField(_("sign-up closes at"))
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices,
                                default=Audience.ALL)
    capacity = models.PositiveIntegerField(_("places for participants"))
    seats_taken = models.PositiveIntegerField(_("places taken"), default=0, editable=False)
    volunteers_needed = models.PositiveIntegerField(_("volunteers needed"), default=0)
    volunteer_seats_taken = models.PositiveIntegerField(default=0, editable=False)
    points = models.PositiveIntegerField(_("points per participant"), default=0,
                                         help_text=_("Credited to the participant's household."))
    volunteer_minutes = models.PositiveIntegerField(
        _("most service minutes per volunteer"), default=0,
        help_text=_("Volunteers are credited the minutes they actually served, up to this."))
    cover = models.ImageField(_("cover photo"), upload_to=cover_path, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ActivityStatus.choices,
                              default=ActivityStatus.DRAFT, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=255, blank=True)
    attendance_closed_at = models.DateTimeField(_("attendance closed at"), null=True, blank=True)
    beneficiaries = models.PositiveIntegerField(_("other people served"), default=0)
    beneficiaries_reason = models.CharField(_("who else was served"), max_length=255,
                                            blank=True)
    attendee_count = models.PositiveIntegerField(_("attendees"), default=0)
    no_show_count = models.PositiveIntegerField(_("no-shows"), default=0)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.CheckConstraint(name="activities_activity_seats_within_capacity",
                                   condition=Q(seats_taken__lte=F("capacity"))),
            models.CheckConstraint(
                name="activities_activity_volunteers_within_needed",
                condition=Q(volunteer_seats_taken__lte=F("volunteers_needed"))),
            models.CheckConstraint(name="activities_activity_ends_after_start",
                                   condition=Q(ends_at__gt=F("starts_at"))),
            models.CheckConstraint(name="activities_activity_signup_window",
                                   condition=Q(signup_closes_at__gt=F("signup_opens_at"))),
            models.CheckConstraint(name="activities_activity_capacity_positive",
                                   condition=Q(capacity__gte=1)),
        ]
        indexes = [models.Index(fields=["community", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def person_times(self) -> int:
        return self.attendee_count + self.beneficiaries

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def signup_open(self) -> bool:
        now = timezone.now()
        return (self.status == ActivityStatus.PUBLISHED
                and self.signup_opens_at <= now <= self.signup_closes_at)

    @property
    def is_finished(self) -> bool:
        return self.status in (ActivityStatus.ENDED, ActivityStatus.SUMMARISED)


class ActivityEvent(TransitionEvent):
    """One row per state transition (written by `ACTIVITY_MACHINE.move`), and the activity's
    creation and later head counts of people served, which change no state."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="events")
    states = ActivityStatus
    # The statuses keep their choices, so pages show the translated label.
    from_status = models.CharField(_("from status"), max_length=24,
                                   choices=ActivityStatus.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=24, choices=ActivityStatus.choices)

    class Meta(TransitionEvent.Meta):
        verbose_name = _("activity event")
        verbose_name_plural = _("activity events")


class ActivityPhoto(TimeStampedModel):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=photo_path)
    caption = models.CharField(_("caption"), max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")

    def __str__(self) -> str:
        return self.caption or self.image.name


class SignupRole(models.TextChoices):
    PARTICIPANT = "participant", _("Participant")
    VOLUNTEER = "volunteer", _("Serving volunteer")


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Place confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("Did not come")


#: Statuses that hold the person's one sign-up for an activity (duplicates are refused).
ACTIVE_SIGNUP = (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)


class Signup(TimeStampedModel):
    """One person's place (or waiting-list entry) for an activity. The person is a registry
    resident when known (their household earns the points), else an account."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="signups")
    role = models.CharField(_("as"), max_length=12, choices=SignupRole.choices,
                            default=SignupRole.PARTICIPANT)
    resident = models.ForeignKey("registry.Resident", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="activity_signups")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="activity_signups")
    name = models.CharField(_("name"), max_length=64)
    signed_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=SignupStatus.choices)
    promoted_at = models.DateTimeField(_("moved up from the waiting list"), null=True,
                                       blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        constraints = [
            models.CheckConstraint(name="activities_signup_has_person",
                                   condition=Q(resident__isnull=False) | Q(user__isnull=False)),
            models.UniqueConstraint(
                fields=["activity", "resident"],
                condition=Q(resident__isnull=False, status__in=["confirmed", "waitlisted"]),
                name="activities_signup_unique_resident"),
            models.UniqueConstraint(
                fields=["activity", "user"],
                condition=Q(resident__isnull=True, status__in=["confirmed", "waitlisted"]),
                name="activities_signup_unique_user"),
        ]
        indexes = [models.Index(fields=["activity", "role", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name} @ {self.activity_id}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_SIGNUP


class CheckinMethod(models.TextChoices):
    SELF_QR = "self_qr", _("Scanned the organiser's code")
    STAFF_SCAN = "staff_scan", _("Organiser scanned the ticket")
    STAFF = "staff", _("Marked by staff")
    WALK_IN = "walk_in", _("Walk-in recorded by staff")


class CreditStatus(models.TextChoices):
    NONE = "none", _("Nothing to credit")
    PENDING = "pending", _("Waiting to be credited")
    CREDITED = "credited", _("Credited")
    FAILED = "failed", _("Could not be credited")


class Attendance(TimeStampedModel):
    """Someone was there. One per sign-up (check-in is idempotent); walk-ins have none."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="attendances")
    signup = models.OneToOneField(Signup, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="attendance")
    role = models.CharField(_("as"), max_length=12, choices=SignupRole.choices,
                            default=SignupRole.PARTICIPANT)
    resident = models.ForeignKey("registry.Resident", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="activity_attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="activity_attendances")
    name = models.CharField(_("name"), max_length=64)
    method = models.CharField(_("how"), max_length=12, choices=CheckinMethod.choices)
    checked_in_at = models.DateTimeField(_("checked in at"), default=timezone.now)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    minutes_served = models.PositiveIntegerField(_("minutes served"), null=True, blank=True)
    credit_status = models.CharField(_("credit"), max_length=10, choices=CreditStatus.choices,
                                     default=CreditStatus.NONE)
    points_credited = models.PositiveIntegerField(default=0)
    minutes_credited = models.PositiveIntegerField(default=0)
    credit_note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["checked_in_at", "id"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(fields=["activity", "resident"],
                                    condition=Q(resident__isnull=False),
                                    name="activities_attendance_unique_resident"),
            models.CheckConstraint(
                name="activities_attendance_checkout_after_checkin",
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_out_at__gte=F("checked_in_at"))),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.activity_id}"

    @property
    def points_key(self) -> str:
        return f"activity-points:{self.uuid}"

    @property
    def minutes_key(self) -> str:
        return f"activity-minutes:{self.uuid}"


# --- culture classes --------------------------------------------------------------------

weekday_list = RegexValidator(r"^[0-6](,[0-6])*$", _("Choose at least one weekday."))


class CultureClass(TimeStampedModel):
    """A free class of the residents' culture garden (舞蹈队, 书法研讨班 …), meeting weekly."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT,
                                  related_name="culture_classes", verbose_name=_("community"))
    name = models.CharField(pgettext_lazy("class", "name"), max_length=64)
    kind = models.CharField(_("type"), max_length=16, choices=ActivityKind.choices,
                            default=ActivityKind.CULTURE)
    description = models.TextField(_("description"), blank=True)
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="taught_classes",
                                verbose_name=_("teacher's account"))
    teacher_name = models.CharField(_("teacher"), max_length=64)
    place = models.CharField(_("place"), max_length=128)
    weekdays = models.CharField(_("weekdays"), max_length=13, validators=[weekday_list],
                                help_text=_("0 = Monday … 6 = Sunday, comma-separated."))
    start_time = models.TimeField(_("starts at"))
    end_time = models.TimeField(_("ends at"))
    term_name = models.CharField(_("term"), max_length=32)
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"))
    capacity = models.PositiveIntegerField(_("places"))
    enrolled_count = models.PositiveIntegerField(default=0, editable=False)
    is_active = models.BooleanField(_("running"), default=True)

    class Meta:
        ordering = ["community_id", "name"]
        verbose_name = _("culture class")
        verbose_name_plural = _("culture classes")
        constraints = [
            models.UniqueConstraint(fields=["community", "name", "term_name"],
                                    name="activities_cultureclass_unique_name"),
            models.CheckConstraint(name="activities_cultureclass_enrolled_within_capacity",
                                   condition=Q(enrolled_count__lte=F("capacity"))),
            models.CheckConstraint(name="activities_cultureclass_term_order",
                                   condition=Q(term_end__gte=F("term_start"))),
            models.CheckConstraint(name="activities_cultureclass_time_order",
                                   condition=Q(end_time__gt=F("start_time"))),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def weekday_numbers(self) -> list[int]:
        return sorted({int(d) for d in self.weekdays.split(",") if d != ""})

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.enrolled_count, 0)


class ClassSession(TimeStampedModel):
    culture_class = models.ForeignKey(CultureClass, on_delete=models.CASCADE,
                                      related_name="sessions")
    date = models.DateField(_("date"), db_index=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    cancelled = models.BooleanField(_("cancelled"), default=False)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("class session")
        verbose_name_plural = _("class sessions")
        constraints = [
            models.UniqueConstraint(fields=["culture_class", "date"],
                                    name="activities_classsession_unique_date"),
        ]

    def __str__(self) -> str:
        return f"{self.culture_class.name} {self.date}"


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Enrolment(TimeStampedModel):
    culture_class = models.ForeignKey(CultureClass, on_delete=models.PROTECT,
                                      related_name="enrolments")
    resident = models.ForeignKey("registry.Resident", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="class_enrolments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="class_enrolments")
    name = models.CharField(_("name"), max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.ENROLLED)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.CheckConstraint(name="activities_enrolment_has_person",
                                   condition=Q(resident__isnull=False) | Q(user__isnull=False)),
            models.UniqueConstraint(fields=["culture_class", "resident"],
                                    condition=Q(resident__isnull=False, status="enrolled"),
                                    name="activities_enrolment_unique_resident"),
            models.UniqueConstraint(fields=["culture_class", "user"],
                                    condition=Q(resident__isnull=True, status="enrolled"),
                                    name="activities_enrolment_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.culture_class_id}"


class SessionAttendance(models.Model):
    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE,
                                related_name="attendances")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT,
                                  related_name="attendances")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("class attendance")
        verbose_name_plural = _("class attendances")
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"],
                                    name="activities_sessionattendance_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} @ {self.session_id}"


class ClassFollow(models.Model):
    """A resident follows a class: its sessions appear on their calendar."""

    culture_class = models.ForeignKey(CultureClass, on_delete=models.CASCADE,
                                      related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="class_follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("class follower")
        verbose_name_plural = _("class followers")
        constraints = [
            models.UniqueConstraint(fields=["culture_class", "user"],
                                    name="activities_classfollow_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.culture_class_id}"
