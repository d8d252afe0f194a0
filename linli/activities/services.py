"""Writes for activities, sign-ups, check-in, crediting, culture classes and notices.

Seats: `Activity.seats_taken` (participants) and `volunteer_seats_taken` change only through
guarded conditional updates whose row count is checked (`_take_seat`), so concurrent sign-ups
admit exactly `capacity` people on SQLite and PostgreSQL alike. A cancellation frees its seat
and promotes the first person waiting inside the same transaction; on PostgreSQL the row lock
taken by the decrement is held until the promotion has re-taken the seat.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.activities import policies, selectors
from linli.activities.models import (
    ADULT_AGE,
    ELDER_AGE,
    Activity,
    ActivityEvent,
    ActivityKind,
    ActivityPhoto,
    ActivityStatus,
    Attendance,
    Audience,
    CheckinMethod,
    ClassFollow,
    ClassSession,
    CreditStatus,
    CultureClass,
    Enrolment,
    EnrolmentStatus,
    SessionAttendance,
    Signup,
    SignupRole,
    SignupStatus,
)
from linli.activities.states import ACTIVITY_MACHINE
from linli.common.exceptions import Conflict, NotFound, ValidationError, require
from linli.common.text import clean_name, clean_text

#: The organiser's check-in code is replaced every minute and accepted for two.
CHECKIN_ROTATE_SECONDS = 60
CHECKIN_MAX_AGE_SECONDS = 120
CHECKIN_SALT = "linli.activities.checkin"
TICKET_SALT = "linli.activities.ticket"
#: Attendees may check in from an hour before the start until the end.
CHECKIN_OPENS_BEFORE = timedelta(hours=1)
MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}


# --- notices ----------------------------------------------------------------------------


def notice_send(*, user, title: str, body: str = "", url: str = ""):
    """An in-app notice to one account, through the shared inbox."""
    from linli.notifications.services import notify

    return notify(user=user, title=str(title), body=str(body), url=url)


def _activity_url(activity: Activity) -> str:
    from django.urls import reverse

    return reverse("activities:detail", kwargs={"uuid": activity.uuid})


def _signup_recipients(signup: Signup) -> list:
    users = []
    for u in (signup.user, signup.signed_up_by,
              signup.resident.user if signup.resident_id else None):
        if u is not None and u not in users:
            users.append(u)
    return users


# --- validation -------------------------------------------------------------------------


def image_validate(upload, *, field: str = "cover") -> None:
    """A real photo (Pillow can decode it) in a common format, at most 5 MB."""
    from PIL import Image, UnidentifiedImageError

    if upload is None:
        return
    if upload.size > MAX_IMAGE_BYTES:
        raise ValidationError(_("The photo must be at most 5 MB."), field=field)
    try:
        upload.seek(0)
        data = upload.read()
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            img.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ValidationError(_("This file is not a photo we can read."), field=field) from None
    finally:
        upload.seek(0)
    if fmt not in IMAGE_FORMATS:
        raise ValidationError(_("Please upload a JPEG, PNG or WebP photo."), field=field)


ACTIVITY_FIELDS = ("title", "kind", "description", "organiser", "place", "starts_at", "ends_at",
                   "signup_opens_at", "signup_closes_at", "audience", "capacity",
                   "volunteers_needed", "points", "volunteer_minutes")


def _clean_activity_text(values: dict) -> None:
    """The API's cleaning (linli.common.text) applied in the service, so a title typed on a
    page is stored as the same title sent through the API: control characters dropped, bidi
    overrides refused in names."""
    for name in ("title", "organiser"):
        if isinstance(values.get(name), str):
            values[name] = clean_name(values[name], field=name)
    if isinstance(values.get("place"), str):
        values["place"] = clean_text(values["place"])
    if isinstance(values.get("description"), str):
        values["description"] = clean_text(values["description"], multiline=True)


def _validate_activity(values: dict) -> None:
    _clean_activity_text(values)
    if not (values.get("title") or "").strip():
        raise ValidationError(_("Please give the activity a title."), field="title")
    if not (values.get("organiser") or "").strip():
        raise ValidationError(_("Please name the organising team."), field="organiser")
    if not (values.get("place") or "").strip():
        raise ValidationError(_("Please give the place."), field="place")
    if values.get("kind") not in ActivityKind.values:
        raise ValidationError(_("Unknown activity type."), field="kind")
    if values.get("audience") not in Audience.values:
        raise ValidationError(_("Unknown audience."), field="audience")
    starts, ends = values["starts_at"], values["ends_at"]
    if ends <= starts:
        raise ValidationError(_("The activity must end after it starts."), field="ends_at")
    if ends - starts > timedelta(days=7):
        raise ValidationError(_("An activity lasts at most seven days."), field="ends_at")
    opens, closes = values["signup_opens_at"], values["signup_closes_at"]
    if closes <= opens:
        raise ValidationError(_("Sign-up must close after it opens."), field="signup_closes_at")
    if closes > ends:
        raise ValidationError(_("Sign-up must close before the activity ends."),
                              field="signup_closes_at")
    for name, low, high in (("capacity", 1, 100_000), ("volunteers_needed", 0, 10_000),
                            ("points", 0, 10_000), ("volunteer_minutes", 0, 7 * 24 * 60)):
        value = values.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(
                _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high},
                field=name)


# --- activities and their states --------------------------------------------------------


@transaction.atomic
def activity_create(*, community, actor, cover=None, **fields) -> Activity:
    values = {k: fields[k] for k in ACTIVITY_FIELDS if k in fields}
    values.setdefault("kind", ActivityKind.PRACTICE)
    values.setdefault("audience", Audience.ALL)
    values.setdefault("description", "")
    for k in ("volunteers_needed", "points", "volunteer_minutes"):
        values.setdefault(k, 0)
    require(policies.can_create_activity(actor, community),
            _("Only the community's staff may create its activities."))
    _validate_activity(values)
    image_validate(cover)
    activity = Activity(community=community, created_by=actor, **values)
    activity.title = activity.title.strip()
    if cover is not None:
        activity.cover = cover
    activity.save()
    ActivityEvent.objects.create(activity=activity, actor=actor, action="create",
                                 to_status=ActivityStatus.DRAFT)
    return activity


@transaction.atomic
def activity_update(*, activity: Activity, actor, cover=None, **fields) -> Activity:
    """Edit a draft or an activity open for sign-up. Places cannot drop below those taken;
    added places go to the waiting list at once."""
    activity.refresh_from_db()
    require(policies.can_edit_activity(actor, activity),
            _("Only the community's staff may edit this activity."))
    if activity.status not in (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED):
        raise Conflict(_("Only a draft or an activity open for sign-up can be edited."))
    values = {k: getattr(activity, k) for k in ACTIVITY_FIELDS}
    values.update({k: v for k, v in fields.items() if k in ACTIVITY_FIELDS})
    _validate_activity(values)
    image_validate(cover)
    if values["capacity"] < activity.seats_taken:
        raise ValidationError(
            _("%(n)s people already have a place; the capacity cannot be lower.")
            % {"n": activity.seats_taken}, field="capacity")
    if values["volunteers_needed"] < activity.volunteer_seats_taken:
        raise ValidationError(
            _("%(n)s volunteers already have a place; the number cannot be lower.")
            % {"n": activity.volunteer_seats_taken}, field="volunteers_needed")
    # Guarded: a concurrent sign-up may have taken a seat since the read above.
    rows = Activity.objects.filter(
        pk=activity.pk, seats_taken__lte=values["capacity"],
        volunteer_seats_taken__lte=values["volunteers_needed"],
        status__in=[ActivityStatus.DRAFT, ActivityStatus.PUBLISHED],
    ).update(updated_at=timezone.now(), **values)
    if rows != 1:
        raise Conflict(_("The activity changed meanwhile; please try again."))
    if cover is not None:
        activity.refresh_from_db()
        activity.cover = cover
        activity.save(update_fields=["cover", "updated_at"])
    activity.refresh_from_db()
    for role in SignupRole.values:
        _promote_waitlist(activity=activity, role=role)
    activity.refresh_from_db()
    return activity


@transaction.atomic
def activity_publish(*, activity: Activity, actor) -> Activity:
    require(policies.can_publish_activity(actor, activity),
            _("Only the community's staff may publish this activity."))
    if activity.ends_at <= timezone.now():
        raise Conflict(_("This activity is already over; it cannot be published."))
    return ACTIVITY_MACHINE.move(activity, "publish", actor=actor)


@transaction.atomic
def activity_start(*, activity: Activity, actor) -> Activity:
    require(policies.can_start_activity(actor, activity),
            _("Only the community's staff may start this activity."))
    return ACTIVITY_MACHINE.move(activity, "start", actor=actor)


@transaction.atomic
def activity_cancel(*, activity: Activity, actor, reason: str) -> Activity:
    """Cancel, and tell everyone signed up (an in-app notice per person)."""
    require(policies.can_cancel_activity(actor, activity),
            _("Only the community's staff may cancel this activity."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give the reason for cancelling."), field="reason")
    activity = ACTIVITY_MACHINE.move(activity, "cancel", actor=actor, note=reason,
                                     cancel_reason=reason[:255])
    when = timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M")
    url = _activity_url(activity)
    told: set[int] = set()
    signups = Signup.objects.filter(activity=activity, status__in=[
        SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]).select_related(
        "user", "signed_up_by", "resident__user")
    for signup in signups:
        for user in _signup_recipients(signup):
            key = (user.pk, signup.pk)
            if key in told:
                continue
            told.add(key)
            notice_send(
                user=user,
                title=_("Cancelled: %(title)s") % {"title": activity.title},
                body=_("“%(title)s” on %(when)s for %(name)s is cancelled. Reason: %(reason)s")
                % {"title": activity.title, "when": when, "name": signup.name, "reason": reason},
                url=url)
    return activity


def activity_end(*, activity: Activity, actor, note: str = "") -> Activity:
    """Close attendance (no-shows recorded, people counted), then credit points and hours.

    Closing is one transaction; crediting runs afterwards, one transaction per attendance, so
    one volunteer's full time account cannot undo the close. Crediting is idempotent (keys from
    the attendance record), so `activity_credit` can be re-run safely."""
    require(policies.can_end_activity(actor, activity),
            _("Only the community's staff may end this activity."))
    activity = _close_attendance(activity=activity, actor=actor, note=note)
    activity_credit(activity=activity, actor=actor)
    activity.refresh_from_db()
    return activity


@transaction.atomic
def _close_attendance(*, activity: Activity, actor, note: str = "") -> Activity:
    activity.refresh_from_db()
    if activity.status == ActivityStatus.PUBLISHED and activity.starts_at > timezone.now():
        raise Conflict(_("The activity has not started yet."))
    now = timezone.now()
    activity = ACTIVITY_MACHINE.move(activity, "end", actor=actor, note=note,
                                     attendance_closed_at=now)
    no_shows = Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED,
                                     attendance__isnull=True).update(status=SignupStatus.NO_SHOW)
    attendances = Attendance.objects.filter(activity=activity)
    if activity.points:
        attendances.filter(role=SignupRole.PARTICIPANT, resident__isnull=False).update(
            credit_status=CreditStatus.PENDING)
    attendances.filter(role=SignupRole.VOLUNTEER, resident__isnull=False).update(
        credit_status=CreditStatus.PENDING)
    attendees = attendances.filter(role=SignupRole.PARTICIPANT).count()
    Activity.objects.filter(pk=activity.pk).update(attendee_count=attendees,
                                                   no_show_count=no_shows)
    activity.refresh_from_db()
    return activity


def activity_credit(*, activity: Activity, actor=None) -> list[Attendance]:
    """Credit every pending or failed attendance of a finished activity (safe to repeat)."""
    require(policies.can_credit_activity(actor, activity),
            _("Only the community's staff may credit points and hours."))
    if not activity.is_finished:
        raise Conflict(_("Points and hours are credited after the activity has ended."))
    done = []
    for attendance in Attendance.objects.filter(
            activity=activity,
            credit_status__in=[CreditStatus.PENDING, CreditStatus.FAILED]).order_by("id"):
        done.append(attendance_credit(attendance=attendance, actor=actor))
    return done


def attendance_credit(*, attendance: Attendance, actor=None) -> Attendance:
    """Credit one attendance once: the participant's household gets the activity's points,
    a serving volunteer the minutes actually served (up to the activity's limit), both from
    the street's issuer through the ledger with keys derived from this record."""
    from linli.activities import crediting
    from linli.common.exceptions import DomainError

    attendance = Attendance.objects.select_related(
        "activity__community", "resident__household__community").get(pk=attendance.pk)
    require(policies.can_credit_activity(actor, attendance.activity),
            _("Only the community's staff may credit points and hours."))
    if attendance.credit_status == CreditStatus.CREDITED:
        return attendance
    activity = attendance.activity
    if not activity.is_finished:
        raise Conflict(_("Points and hours are credited after the activity has ended."))
    points = minutes = 0
    note = ""
    if attendance.resident_id is None:
        note = _("No resident record, so there is no account to credit.")
    elif attendance.role == SignupRole.PARTICIPANT:
        points = activity.points
    else:
        if attendance.minutes_served is None:
            Attendance.objects.filter(pk=attendance.pk).update(
                credit_status=CreditStatus.PENDING,
                credit_note=_("Waiting for the volunteer's check-out."))
            attendance.refresh_from_db()
            return attendance
        limit = activity.volunteer_minutes or activity.duration_minutes
        minutes = min(attendance.minutes_served, limit)
    try:
        with transaction.atomic():
            if points:
                award = crediting.credit_points(attendance=attendance, points=points,
                                                actor=actor)
                if award is None:
                    points = 0
                    note = _("The community has switched off points for activities.")
                else:
                    if award.points < award.quantity * award.rule.points_per_unit:
                        note = _("%(points)s points credited: the household reached the "
                                 "limit for activities in this period.") % {
                            "points": award.points}
                    points = award.points
            if minutes:
                crediting.credit_minutes(attendance=attendance, minutes=minutes, actor=actor)
            status = CreditStatus.CREDITED if (points or minutes) else CreditStatus.NONE
            Attendance.objects.filter(pk=attendance.pk).exclude(
                credit_status=CreditStatus.CREDITED).update(
                credit_status=status, points_credited=points, minutes_credited=minutes,
                credit_note=note)
    except DomainError as exc:
        Attendance.objects.filter(pk=attendance.pk).exclude(
            credit_status=CreditStatus.CREDITED).update(
            credit_status=CreditStatus.FAILED, credit_note=exc.message[:255])
    attendance.refresh_from_db()
    return attendance


@transaction.atomic
def activity_summarise(*, activity: Activity, actor, summary: str,
                       photos: Iterable[tuple] = ()) -> Activity:
    """Ended → summarised, with the write-up and up to nine photos."""
    require(policies.can_summarise_activity(actor, activity),
            _("Only the community's staff may write the summary."))
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError(_("Please write a short summary."), field="summary")
    photos = [(f, c) for f, c in photos if f is not None]
    if len(photos) + activity.photos.count() > 9:
        raise ValidationError(_("At most nine photos per activity."), field="photos")
    for upload, _caption in photos:
        image_validate(upload, field="photos")
    activity = ACTIVITY_MACHINE.move(activity, "summarise", actor=actor, summary=summary)
    for upload, caption in photos:
        ActivityPhoto.objects.create(activity=activity, image=upload, caption=(caption or "")[:100])
    return activity


MAX_PHOTOS = 9


@transaction.atomic
def activity_photo_add(*, activity: Activity, actor, image, caption: str = "") -> ActivityPhoto:
    """One photo of an activity under way or held (at most nine per activity)."""
    require(policies.can_add_photos(actor, activity),
            _("Only the community's staff may add photos of this activity."))
    if image is None:
        raise ValidationError(_("Please choose a photo (JPEG, PNG or WebP)."), field="photo")
    activity.refresh_from_db()
    if activity.status not in (ActivityStatus.ONGOING, ActivityStatus.ENDED,
                               ActivityStatus.SUMMARISED):
        raise Conflict(_("Photos can be added once the activity is under way."),
                       code="wrong_state")
    if activity.photos.count() >= MAX_PHOTOS:
        raise Conflict(_("At most nine photos per activity."), code="too_many_photos")
    image_validate(image, field="photo")
    return ActivityPhoto.objects.create(activity=activity, image=image,
                                        caption=(caption or "").strip()[:100])


@transaction.atomic
def activity_beneficiaries_set(*, activity: Activity, actor, count: int, reason: str) -> Activity:
    """The organiser counts people served who did not check in (home visits, passers-by at a
    stall), with who they were. Feeds person-times served."""
    require(policies.can_set_beneficiaries(actor, activity),
            _("Only the community's staff may count the people served."))
    reason = (reason or "").strip()
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 100_000:
        raise ValidationError(_("Enter a whole number from 0 to 100000."), field="count")
    if count and not reason:
        raise ValidationError(_("Please say who else was served."), field="reason")
    rows = Activity.objects.filter(
        pk=activity.pk, status__in=[ActivityStatus.ENDED, ActivityStatus.SUMMARISED]
    ).update(beneficiaries=count, beneficiaries_reason=reason[:255], updated_at=timezone.now())
    if rows != 1:
        raise Conflict(_("People served are counted after the activity has ended."))
    # Read after the UPDATE, whose row lock (or SQLite's write transaction) keeps the status
    # from changing meanwhile: the event names the status the row really has.
    activity.refresh_from_db()
    ActivityEvent.objects.create(activity=activity, actor=actor, action="count_served",
                                 from_status=activity.status, to_status=activity.status,
                                 note=f"beneficiaries={count}: {reason}"[:255])
    return activity


# --- sign-up, waiting list --------------------------------------------------------------

_SEAT_FIELDS = {
    SignupRole.PARTICIPANT: ("seats_taken", "capacity"),
    SignupRole.VOLUNTEER: ("volunteer_seats_taken", "volunteers_needed"),
}


def _take_seat(activity_id: int, role: str) -> bool:
    taken, limit = _SEAT_FIELDS[role]
    return Activity.objects.filter(pk=activity_id, **{f"{taken}__lt": F(limit)}).update(
        **{taken: F(taken) + 1}) == 1


def _free_seat(activity_id: int, role: str) -> None:
    taken, _limit = _SEAT_FIELDS[role]
    Activity.objects.filter(pk=activity_id, **{f"{taken}__gt": 0}).update(
        **{taken: F(taken) - 1})


def _promote_waitlist(*, activity: Activity, role: str) -> list[Signup]:
    """Give free places to those waiting, first come first served."""
    promoted = []
    while True:
        nxt = (Signup.objects.filter(activity=activity, role=role,
                                     status=SignupStatus.WAITLISTED)
               .order_by("created_at", "id").first())
        if nxt is None or not _take_seat(activity.pk, role):
            return promoted
        if Signup.objects.filter(pk=nxt.pk, status=SignupStatus.WAITLISTED).update(
                status=SignupStatus.CONFIRMED, promoted_at=timezone.now()) != 1:
            _free_seat(activity.pk, role)  # they left the list meanwhile; try the next
            continue
        nxt.refresh_from_db()
        promoted.append(nxt)
        for user in _signup_recipients(nxt):
            notice_send(
                user=user, title=_("You have a place: %(title)s") % {"title": activity.title},
                body=_("A place came free and %(name)s moved up from the waiting list for "
                       "“%(title)s” on %(when)s.") % {
                    "name": nxt.name, "title": activity.title,
                    "when": timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M")},
                url=_activity_url(activity))


def _age_on(resident, day: date) -> int | None:
    born = resident.birth_date
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _check_audience(*, activity: Activity, resident, actor) -> None:
    from linli.registry.models import PoliticalStatus

    if activity.audience == Audience.ALL:
        return
    day = timezone.localtime(activity.starts_at).date()
    if resident is None:
        raise ValidationError(
            _("This activity is for %(audience)s; your account is not linked to a resident "
              "record yet.") % {"audience": activity.get_audience_display()})
    age = _age_on(resident, day)
    if activity.audience == Audience.ELDERS and (age is None or age < ELDER_AGE):
        raise ValidationError(_("This activity is for elders aged 60 and over."))
    if activity.audience == Audience.PARTY_MEMBERS and resident.political_status not in (
            PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY):
        raise ValidationError(_("This activity is for party members."))
    if activity.audience == Audience.CHILDREN and age is not None and age < ADULT_AGE:
        if resident.user_id is not None and resident.user_id == actor.pk:
            raise ValidationError(_("A parent or guardian needs to sign children up and "
                                    "come along."))


def signup_create(*, activity: Activity, actor, resident=None,
                  role: str = SignupRole.PARTICIPANT) -> Signup:
    """Sign up the actor (or a member of their household). A place if one is free, else the
    waiting list; the same person twice is refused."""
    if role not in SignupRole.values:
        raise ValidationError(_("Unknown role."), field="role")
    if actor is None:
        raise ValidationError(_("Please sign in to sign up."))
    activity.refresh_from_db()
    if activity.status != ActivityStatus.PUBLISHED:
        raise Conflict(_("This activity is not open for sign-up."), code="signup_closed")
    now = timezone.now()
    if now < activity.signup_opens_at:
        raise Conflict(_("Sign-up opens on %(when)s.") % {
            "when": timezone.localtime(activity.signup_opens_at).strftime("%Y-%m-%d %H:%M")},
            code="signup_closed")
    if now > activity.signup_closes_at:
        raise Conflict(_("Sign-up has closed."), code="signup_closed")
    if role == SignupRole.VOLUNTEER:
        require(policies.can_sign_up(actor, activity, resident, role),
                _("Only registered volunteers can sign up to serve, and only themselves."))
        if activity.volunteers_needed == 0:
            raise ValidationError(_("This activity does not need volunteers."), field="role")
    else:
        require(policies.can_sign_up(actor, activity, resident, role),
                _("You can only sign up yourself or members of your household."))
    person = resident if resident is not None else selectors.resident_for_user(actor)
    if role != SignupRole.VOLUNTEER:
        _check_audience(activity=activity, resident=person, actor=actor)
    name = person.name if person is not None else (actor.name or actor.mobile)
    user = (person.user if person is not None else actor)
    try:
        with transaction.atomic():
            seated = _take_seat(activity.pk, role)
            signup = Signup.objects.create(
                activity=activity, role=role, resident=person, user=user, name=name,
                signed_up_by=actor,
                status=SignupStatus.CONFIRMED if seated else SignupStatus.WAITLISTED)
    except IntegrityError:
        raise Conflict(_("%(name)s has already signed up for this activity.") % {"name": name},
                       code="duplicate") from None
    return signup


@transaction.atomic
def signup_cancel(*, signup: Signup, actor) -> Signup:
    """Give up a place (or leave the waiting list); the first person waiting moves up."""
    activity = Activity.objects.get(pk=signup.activity_id)
    signup = Signup.objects.select_related("activity", "resident").get(pk=signup.pk)
    require(policies.can_cancel_signup(actor, signup),
            _("Only the person, whoever signed them up, their household or the organisers may "
              "cancel this sign-up."))
    if activity.status not in (ActivityStatus.PUBLISHED, ActivityStatus.DRAFT):
        raise Conflict(_("Sign-ups can no longer be cancelled: the activity has started."))
    was = Signup.objects.filter(pk=signup.pk).values_list("status", flat=True).get()
    rows = Signup.objects.filter(pk=signup.pk, status=was).filter(
        status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]).update(
        status=SignupStatus.CANCELLED, cancelled_at=timezone.now())
    if rows != 1:
        raise Conflict(_("This sign-up is already cancelled."), code="already_cancelled")
    if was == SignupStatus.CONFIRMED:
        _free_seat(activity.pk, signup.role)
        _promote_waitlist(activity=activity, role=signup.role)
    signup.refresh_from_db()
    return signup


# --- check-in ---------------------------------------------------------------------------


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


# --- culture classes --------------------------------------------------------------------


def _validate_class(values: dict) -> None:
    if not (values.get("name") or "").strip():
        raise ValidationError(_("Please give the class a name."), field="name")
    if not (values.get("teacher_name") or "").strip():
        raise ValidationError(_("Please name the teacher."), field="teacher_name")
    if not (values.get("place") or "").strip():
        raise ValidationError(_("Please give the place."), field="place")
    days = values.get("weekdays") or []
    if not days or any(not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 6
                       for d in days):
        raise ValidationError(_("Choose at least one weekday."), field="weekdays")
    if values["end_time"] <= values["start_time"]:
        raise ValidationError(_("The class must end after it starts."), field="end_time")
    if values["term_end"] < values["term_start"]:
        raise ValidationError(_("The term must end after it starts."), field="term_end")
    if (values["term_end"] - values["term_start"]).days > 366:
        raise ValidationError(_("A term lasts at most a year."), field="term_end")
    cap = values.get("capacity")
    if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= 10_000:
        raise ValidationError(_("Enter a whole number from %(low)s to %(high)s.")
                              % {"low": 1, "high": 10_000}, field="capacity")


@transaction.atomic
def class_create(*, community, actor, name: str, teacher_name: str, place: str,
                 weekdays: list[int], start_time: time, end_time: time, term_name: str,
                 term_start: date, term_end: date, capacity: int, teacher=None,
                 description: str = "", kind: str = ActivityKind.CULTURE,
                 generate_sessions: bool = True) -> CultureClass:
    name = clean_name(name or "", field="name")
    teacher_name = clean_name(teacher_name or "", field="teacher_name")
    place = clean_text(place or "")
    term_name = clean_text(term_name or "")
    description = clean_text(description or "", multiline=True)
    values = {"name": name, "teacher_name": teacher_name, "place": place, "weekdays": weekdays,
              "start_time": start_time, "end_time": end_time, "term_start": term_start,
              "term_end": term_end, "capacity": capacity}
    require(policies.can_create_class(actor, community),
            _("Only the community's staff may create its classes."))
    _validate_class(values)
    if kind not in ActivityKind.values:
        raise ValidationError(_("Unknown activity type."), field="kind")
    term_name = (term_name or "").strip() or str(term_start.year)
    if CultureClass.objects.filter(community=community, name=name.strip(),
                                   term_name=term_name).exists():
        raise Conflict(_("This community already has a class of that name this term."),
                       field="name")
    culture_class = CultureClass.objects.create(
        community=community, name=name.strip(), kind=kind, description=description,
        teacher=teacher, teacher_name=teacher_name.strip(), place=place.strip(),
        weekdays=",".join(str(d) for d in sorted(set(weekdays))), start_time=start_time,
        end_time=end_time, term_name=term_name[:32], term_start=term_start, term_end=term_end,
        capacity=capacity)
    if generate_sessions:
        class_sessions_generate(culture_class=culture_class)
    return culture_class


def session_dates(*, weekdays: Iterable[int], start: date, end: date) -> list[date]:
    """Every date from `start` to `end` (inclusive) falling on one of `weekdays` (0 = Monday)."""
    wanted = set(weekdays)
    out = []
    day = start
    while day <= end:
        if day.weekday() in wanted:
            out.append(day)
        day += timedelta(days=1)
    return out


@transaction.atomic
def class_sessions_generate(*, culture_class: CultureClass, actor=None) -> int:
    """Create the term's weekly sessions; dates that already have one are kept as they are."""
    require(policies.can_generate_sessions(actor, culture_class),
            _("Only the community's staff may add sessions."))
    existing = set(ClassSession.objects.filter(culture_class=culture_class)
                   .values_list("date", flat=True))
    new = []
    for day in session_dates(weekdays=culture_class.weekday_numbers,
                             start=culture_class.term_start, end=culture_class.term_end):
        if day in existing:
            continue
        new.append(ClassSession(
            culture_class=culture_class, date=day,
            starts_at=timezone.make_aware(datetime.combine(day, culture_class.start_time)),
            ends_at=timezone.make_aware(datetime.combine(day, culture_class.end_time))))
    ClassSession.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def session_cancel(*, session: ClassSession, actor, note: str) -> ClassSession:
    """Call off one session of a class (the teacher is ill, the hall is needed): everyone
    enrolled and everyone following the class gets an in-app notice with the reason, once."""
    session = ClassSession.objects.select_related("culture_class").get(pk=session.pk)
    require(policies.can_cancel_session(actor, session),
            _("Only the class's community staff may cancel a session."))
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Please give the reason for cancelling."), field="note")
    if session.ends_at <= timezone.now():
        raise Conflict(_("This session is already over; it cannot be cancelled."))
    if ClassSession.objects.filter(pk=session.pk, cancelled=False).update(
            cancelled=True, note=note[:255], updated_at=timezone.now()) != 1:
        raise Conflict(_("This session is already cancelled."), code="already_cancelled")
    session.refresh_from_db()
    culture_class = session.culture_class
    from django.urls import reverse

    url = reverse("activities:class_detail", kwargs={"uuid": culture_class.uuid})
    when = timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M")
    users: list = []
    for enrolment in Enrolment.objects.filter(
            culture_class=culture_class, status=EnrolmentStatus.ENROLLED).select_related(
            "user", "resident__user"):
        for u in (enrolment.user, enrolment.resident.user if enrolment.resident_id else None):
            if u is not None and u not in users:
                users.append(u)
    for follow in ClassFollow.objects.filter(culture_class=culture_class).select_related("user"):
        if follow.user not in users:
            users.append(follow.user)
    for user in users:
        notice_send(
            user=user,
            title=_("No class: %(name)s on %(date)s") % {
                "name": culture_class.name, "date": session.date.isoformat()},
            body=_("The session of “%(name)s” on %(when)s is cancelled. Reason: %(reason)s")
            % {"name": culture_class.name, "when": when, "reason": note},
            url=url)
    return session


def enrolment_create(*, culture_class: CultureClass, actor, resident=None) -> Enrolment:
    require(policies.can_enrol(actor, culture_class, resident),
            _("You can only enrol yourself or members of your household."))
    if not culture_class.is_active:
        raise Conflict(_("This class is not taking enrolments."))
    if resident is None:
        resident = selectors.resident_for_user(actor)
    name = resident.name if resident is not None else (actor.name or actor.mobile)
    user = resident.user if resident is not None else actor
    try:
        with transaction.atomic():
            if CultureClass.objects.filter(pk=culture_class.pk,
                                           enrolled_count__lt=F("capacity")).update(
                    enrolled_count=F("enrolled_count") + 1) != 1:
                raise Conflict(_("This class is full."), code="full")
            enrolment = Enrolment.objects.create(culture_class=culture_class, resident=resident,
                                                 user=user, name=name)
            ClassFollow.objects.get_or_create(culture_class=culture_class, user=actor)
    except IntegrityError:
        raise Conflict(_("%(name)s is already enrolled in this class.") % {"name": name},
                       code="duplicate") from None
    return enrolment


@transaction.atomic
def enrolment_withdraw(*, enrolment: Enrolment, actor) -> Enrolment:
    enrolment = Enrolment.objects.select_related("culture_class", "resident").get(pk=enrolment.pk)
    require(policies.can_withdraw(actor, enrolment),
            _("Only the person enrolled, their household or the class's community staff may "
              "withdraw this enrolment."))
    rows = Enrolment.objects.filter(pk=enrolment.pk, status=EnrolmentStatus.ENROLLED).update(
        status=EnrolmentStatus.WITHDRAWN, updated_at=timezone.now())
    if rows != 1:
        raise Conflict(_("Already withdrawn."))
    CultureClass.objects.filter(pk=enrolment.culture_class_id, enrolled_count__gt=0).update(
        enrolled_count=F("enrolled_count") - 1)
    enrolment.refresh_from_db()
    return enrolment


def class_follow_set(*, culture_class: CultureClass, user, follow: bool) -> bool:
    require(policies.can_follow_class(user, culture_class),
            _("Only residents of the class's community may follow it."))
    if follow:
        ClassFollow.objects.get_or_create(culture_class=culture_class, user=user)
    else:
        ClassFollow.objects.filter(culture_class=culture_class, user=user).delete()
    return follow


@transaction.atomic
def session_attendance_set(*, session: ClassSession, actor, present: Iterable[Enrolment]
                           ) -> int:
    """Record who came to one session (the full list: others are marked absent)."""
    require(policies.can_take_attendance(actor, session),
            _("Only the class's community staff may take attendance."))
    present = [e for e in present if e.culture_class_id == session.culture_class_id]
    if session.cancelled:
        raise Conflict(_("This session was cancelled."))
    if session.starts_at - timedelta(hours=1) > timezone.now():
        raise Conflict(_("Attendance is taken once the session has begun."))
    ids = {e.pk for e in present}
    SessionAttendance.objects.filter(session=session).exclude(enrolment_id__in=ids).delete()
    have = set(SessionAttendance.objects.filter(session=session)
               .values_list("enrolment_id", flat=True))
    SessionAttendance.objects.bulk_create(
        [SessionAttendance(session=session, enrolment_id=i, recorded_by=actor)
         for i in ids - have], ignore_conflicts=True)
    return len(ids)
