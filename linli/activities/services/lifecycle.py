"""An activity's life: create, edit, publish, start, cancel, end (close attendance), summarise,
and the head count of people served besides those who checked in.

Every state change goes through `ACTIVITY_MACHINE.move` (linli/activities/states.py): one
guarded UPDATE from the status the caller decided on, then the event row; who may act is
decided here first, with the policy predicates.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.activities import policies
from linli.activities.models import (
    Activity,
    ActivityEvent,
    ActivityKind,
    ActivityPhoto,
    ActivityStatus,
    Attendance,
    Audience,
    CreditStatus,
    Signup,
    SignupRole,
    SignupStatus,
)
from linli.activities.services.credits import activity_credit
from linli.activities.services.notices import activity_url, notice_send, signup_recipients
from linli.activities.services.photos import image_prepare
from linli.activities.services.signups import promote_waitlist
from linli.activities.states import ACTIVITY_MACHINE
from linli.common.exceptions import Conflict, ValidationError, require
from linli.common.numbers import whole_number
from linli.common.text import clean_name, clean_text

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
        whole_number(values.get(name), low=low, high=high, field=name)


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
    cover = image_prepare(cover)
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
    cover = image_prepare(cover)
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
        promote_waitlist(activity=activity, role=role)
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
    url = activity_url(activity)
    told: set[int] = set()
    signups = Signup.objects.filter(activity=activity, status__in=[
        SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]).select_related(
        "user", "signed_up_by", "resident__user")
    for signup in signups:
        for user in signup_recipients(signup):
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
    photos = [(image_prepare(upload, field="photos"), caption) for upload, caption in photos]
    activity = ACTIVITY_MACHINE.move(activity, "summarise", actor=actor, summary=summary)
    for stored, caption in photos:
        ActivityPhoto.objects.create(activity=activity, image=stored, caption=(caption or "")[:100])
    return activity


@transaction.atomic
def activity_beneficiaries_set(*, activity: Activity, actor, count: int, reason: str) -> Activity:
    """The organiser counts people served who did not check in (home visits, passers-by at a
    stall), with who they were. Feeds person-times served."""
    require(policies.can_set_beneficiaries(actor, activity),
            _("Only the community's staff may count the people served."))
    reason = (reason or "").strip()
    whole_number(count, low=0, high=100_000, field="count",
                 message=_("Enter a whole number from 0 to 100000."))
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
