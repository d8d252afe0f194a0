"""Culture classes (居民文化苑): classes and their weekly sessions, enrolment with a guarded
place counter, followers, session attendance and calling off a session."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.activities import policies, selectors
from linli.activities.models import (
    ActivityKind,
    ClassFollow,
    ClassSession,
    CultureClass,
    Enrolment,
    EnrolmentStatus,
    SessionAttendance,
)
from linli.activities.services.notices import notice_send
from linli.common.exceptions import Conflict, ValidationError, require
from linli.common.numbers import whole_number
from linli.common.text import clean_name, clean_text


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
    whole_number(cap, low=1, high=10_000, field="capacity")


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
