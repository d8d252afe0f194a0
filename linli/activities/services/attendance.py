"""Check-in and check-out: the organiser's rotating code, attendees' tickets, staff check-in,
walk-ins. Checking in is idempotent: a repeat returns the first record."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.activities import policies, selectors
from linli.activities.models import (
    Activity,
    ActivityStatus,
    Attendance,
    CheckinMethod,
    CreditStatus,
    Signup,
    SignupRole,
    SignupStatus,
)
from linli.activities.services.credits import attendance_credit
from linli.common.exceptions import Conflict, NotFound, ValidationError, require
from linli.common.text import clean_text

#: The organiser's check-in code is replaced every minute and accepted for two.
CHECKIN_ROTATE_SECONDS = 60


CHECKIN_MAX_AGE_SECONDS = 120


CHECKIN_SALT = "linli.activities.checkin"


TICKET_SALT = "linli.activities.ticket"


#: Attendees may check in from an hour before the start until the end.
CHECKIN_OPENS_BEFORE = timedelta(hours=1)


def checkin_token(*, activity: Activity) -> str:
    """The organiser's rotating code: the activity's id, timestamped and signed."""
    return signing.TimestampSigner(salt=CHECKIN_SALT).sign(str(activity.uuid))


def checkin_token_verify(*, activity: Activity, token: str) -> None:
    try:
        value = signing.TimestampSigner(salt=CHECKIN_SALT).unsign(
            token or "", max_age=CHECKIN_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise ValidationError(_("This check-in code has expired. Please scan the code on the "
                                "organiser's phone again."), field="token",
                              code="token_expired") from None
    except signing.BadSignature:
        raise ValidationError(_("This check-in code is not valid."), field="token",
                              code="token_invalid") from None
    if value != str(activity.uuid):
        raise ValidationError(_("This check-in code belongs to another activity."),
                              field="token", code="token_invalid")


def ticket_token(*, signup: Signup) -> str:
    """The attendee's own code, for the organiser to scan."""
    return signing.Signer(salt=TICKET_SALT).sign(str(signup.uuid))


def ticket_signup(*, token: str) -> Signup:
    try:
        value = signing.Signer(salt=TICKET_SALT).unsign(token or "")
    except signing.BadSignature:
        raise ValidationError(_("This ticket code is not valid."), field="token",
                              code="token_invalid") from None
    signup = Signup.objects.select_related("activity").filter(uuid=value).first()
    if signup is None:
        raise NotFound(_("Not found."))
    return signup


def _check_checkin_open(activity: Activity) -> None:
    now = timezone.now()
    if activity.status == ActivityStatus.ONGOING:
        return
    if (activity.status == ActivityStatus.PUBLISHED
            and activity.starts_at - CHECKIN_OPENS_BEFORE <= now <= activity.ends_at):
        return
    if activity.status in (ActivityStatus.ENDED, ActivityStatus.SUMMARISED):
        raise Conflict(_("Attendance for this activity is closed."), code="checkin_closed")
    raise Conflict(_("Check-in opens an hour before the activity starts."),
                   code="checkin_closed")


def _attend(*, signup: Signup, method: str, recorded_by) -> Attendance:
    """Record that the person of `signup` is here; a repeat returns the first record."""
    existing = Attendance.objects.filter(signup=signup).first()
    if existing is not None:
        return existing
    if signup.status == SignupStatus.WAITLISTED:
        raise Conflict(_("%(name)s is on the waiting list and has no place yet.")
                       % {"name": signup.name}, code="waitlisted")
    if signup.status != SignupStatus.CONFIRMED:
        raise Conflict(_("This sign-up was cancelled."), code="cancelled")
    try:
        with transaction.atomic():
            return Attendance.objects.create(
                activity_id=signup.activity_id, signup=signup, role=signup.role,
                resident=signup.resident, user=signup.user, name=signup.name, method=method,
                recorded_by=recorded_by)
    except IntegrityError:
        existing = (Attendance.objects.filter(signup=signup).first()
                    or Attendance.objects.filter(activity_id=signup.activity_id,
                                                 resident=signup.resident).first())
        if existing is None:
            raise
        return existing


@transaction.atomic
def checkin_record(*, activity: Activity, actor, token: str,
                   signups: Iterable[Signup] | None = None) -> list[Attendance]:
    """Self check-in with the organiser's code: the actor and anyone they signed up who came
    with them. Idempotent: checking in twice returns the first records."""
    require(policies.can_check_in_self(actor, activity),
            _("Please sign in as a resident of this community to check in."))
    checkin_token_verify(activity=activity, token=token)
    activity.refresh_from_db()
    _check_checkin_open(activity)
    mine = selectors.signups_of_user_for_activity(user=actor, activity=activity)
    if signups is not None:
        wanted = {s.pk for s in signups}
        mine = [s for s in mine if s.pk in wanted]
    mine = [s for s in mine if s.status in (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)
            or hasattr(s, "attendance")]
    if not mine:
        raise Conflict(_("You have not signed up for this activity. Please ask the organiser "
                         "to record you."), code="not_signed_up")
    return [_attend(signup=s, method=CheckinMethod.SELF_QR, recorded_by=actor) for s in mine]


def _require_manager(*, actor, activity: Activity) -> None:
    require(policies.can_check_in_others(actor, activity),
            _("Only the organisers may check people in."))


@transaction.atomic
def checkin_by_ticket(*, token: str, actor) -> Attendance:
    """The organiser scanned the attendee's ticket code."""
    signup = ticket_signup(token=token)
    _require_manager(actor=actor, activity=signup.activity)
    _check_checkin_open(signup.activity)
    return _attend(signup=signup, method=CheckinMethod.STAFF_SCAN, recorded_by=actor)


@transaction.atomic
def checkin_by_staff(*, signup: Signup, actor) -> Attendance:
    _require_manager(actor=actor, activity=signup.activity)
    _check_checkin_open(Activity.objects.get(pk=signup.activity_id))
    return _attend(signup=signup, method=CheckinMethod.STAFF, recorded_by=actor)


@transaction.atomic
def walkin_record(*, activity: Activity, actor, name: str = "", resident=None,
                  role: str = SignupRole.PARTICIPANT) -> Attendance:
    """Someone came without signing up; staff record them (a resident, or just a name)."""
    _require_manager(actor=actor, activity=activity)
    activity.refresh_from_db()
    _check_checkin_open(activity)
    if role not in SignupRole.values:
        raise ValidationError(_("Unknown role."), field="role")
    if resident is not None:
        if resident.household.community.street_id != activity.community.street_id:
            raise NotFound(_("Not found."))
        existing = Attendance.objects.filter(activity=activity, resident=resident).first()
        if existing is not None:
            return existing
        name = resident.name
    name = clean_text(name or "")
    if not name:
        raise ValidationError(_("Please give the person's name."), field="name")
    try:
        with transaction.atomic():
            return Attendance.objects.create(
                activity=activity, role=role, resident=resident,
                user=resident.user if resident is not None else None, name=name[:64],
                method=CheckinMethod.WALK_IN, recorded_by=actor)
    except IntegrityError:
        return Attendance.objects.get(activity=activity, resident=resident)


@transaction.atomic
def attendance_checkout(*, attendance: Attendance, actor, at: datetime | None = None
                        ) -> Attendance:
    """A volunteer leaves: the minutes actually served are recorded (once). If the activity
    has already ended, the minutes are credited straight away."""
    attendance = Attendance.objects.select_related("activity").get(pk=attendance.pk)
    require(policies.can_check_out(actor, attendance),
            _("Only the organisers may check people out."))
    if attendance.checked_out_at is not None:
        return attendance
    if attendance.credit_status == CreditStatus.CREDITED:
        raise Conflict(_("Already credited; the check-out can no longer change."))
    at = at or timezone.now()
    activity = attendance.activity
    at = min(at, max(activity.ends_at, attendance.checked_in_at))
    if at < attendance.checked_in_at:
        raise ValidationError(_("Check-out cannot be before check-in."), field="at")
    start = max(attendance.checked_in_at, activity.starts_at) if (
        attendance.role == SignupRole.PARTICIPANT) else attendance.checked_in_at
    minutes = max(int((at - start).total_seconds() // 60), 0)
    rows = Attendance.objects.filter(pk=attendance.pk, checked_out_at__isnull=True).update(
        checked_out_at=at, minutes_served=minutes)
    attendance.refresh_from_db()
    if rows == 1 and activity.is_finished and attendance.role == SignupRole.VOLUNTEER:
        transaction.on_commit(lambda: attendance_credit(attendance=attendance, actor=actor))
    return attendance
