"""The activities API: activities, sign-ups, check-in, attendance, calendar, person-times,
culture classes. Every operation declares its error responses.

Input that is well formed but breaks a rule (an activity that ends before it starts, a full
class, a sign-up after the deadline) answers 409 with the service's error code and the
offending field: the schema promises the shape of a request, the services decide whether its
content fits. linli/api.py maps every domain error, for every router alike."""

from datetime import date, datetime, time
from typing import Annotated
from uuid import UUID

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import StrictBool, StringConstraints

from linli.activities import policies, selectors, services
from linli.activities.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Attendance,
    Audience,
    CheckinMethod,
    ClassSession,
    CreditStatus,
    CultureClass,
    Enrolment,
    Signup,
    SignupRole,
    SignupStatus,
)
from linli.common.api import (
    ERRORS,
    CleanStr,
    IsoDate,
    IsoDateTime,
    NameStr,
    Pagination,
    WallTime,
    body_int,
    require_roles,
)
from linli.common.exceptions import ValidationError

router = Router(tags=["activities"])
MANAGERS = tuple(selectors.MANAGER_ROLES)


def _check_years(values: dict) -> None:
    for name, value in values.items():
        if isinstance(value, datetime) and not 2000 <= value.year <= 2100:
            raise ValidationError(_("Dates must be between the years 2000 and 2100."), field=name)


# --- schemas ----------------------------------------------------------------------------

#: The activity's counts, bounded as the services check them; one declaration for the create
#: and the edit schemas.
ActivityCapacity = body_int(1, 100_000)
VolunteersNeeded = body_int(0, 10_000)
ActivityPoints = body_int(0, 10_000)
VolunteerMinutes = body_int(0, 7 * 24 * 60)


class ActivityOut(Schema):
    uuid: UUID
    community: UUID
    community_name: str
    title: str
    kind: ActivityKind
    description: str
    organiser: str
    place: str
    starts_at: datetime
    ends_at: datetime
    signup_opens_at: datetime
    signup_closes_at: datetime
    audience: Audience
    capacity: int
    seats_taken: int
    volunteers_needed: int
    volunteer_seats_taken: int
    points: int
    volunteer_minutes: int
    status: ActivityStatus
    cancel_reason: str
    attendee_count: int
    no_show_count: int
    beneficiaries: int
    beneficiaries_reason: str
    person_times: int
    summary: str

    @staticmethod
    def resolve_community(obj: Activity) -> UUID:
        return obj.community.uuid

    @staticmethod
    def resolve_community_name(obj: Activity) -> str:
        return obj.community.name


class ActivityIn(Schema):
    community: UUID
    title: NameStr = Field(..., min_length=1, max_length=100)
    kind: ActivityKind = ActivityKind.PRACTICE
    description: str = Field("", max_length=5000)
    organiser: NameStr = Field(..., min_length=1, max_length=64)
    place: CleanStr = Field(..., min_length=1, max_length=128)
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    signup_opens_at: IsoDateTime
    signup_closes_at: IsoDateTime
    audience: Audience = Audience.ALL
    capacity: ActivityCapacity
    volunteers_needed: VolunteersNeeded = 0
    points: ActivityPoints = 0
    volunteer_minutes: VolunteerMinutes = 0


class ActivityPatch(Schema):
    title: Annotated[NameStr, StringConstraints(min_length=1, max_length=100)] | None = None
    kind: ActivityKind | None = None
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None
    organiser: Annotated[NameStr, StringConstraints(min_length=1, max_length=64)] | None = None
    place: Annotated[CleanStr, StringConstraints(min_length=1, max_length=128)] | None = None
    starts_at: IsoDateTime | None = None
    ends_at: IsoDateTime | None = None
    signup_opens_at: IsoDateTime | None = None
    signup_closes_at: IsoDateTime | None = None
    audience: Audience | None = None
    capacity: ActivityCapacity | None = None
    volunteers_needed: VolunteersNeeded | None = None
    points: ActivityPoints | None = None
    volunteer_minutes: VolunteerMinutes | None = None


class ActivityFilter(Schema):
    community: UUID | None = None
    status: ActivityStatus | None = None
    kind: ActivityKind | None = None
    since: IsoDate | None = None
    until: IsoDate | None = None
    q: str = Field("", max_length=64)


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=255)


class SummaryIn(Schema):
    summary: str = Field(..., min_length=1, max_length=10_000)


class BeneficiariesIn(Schema):
    count: body_int(0, 100_000)
    reason: str = Field("", max_length=255)


class PhotoIn(Schema):
    caption: str = Field("", max_length=100)


class PhotoOut(Schema):
    uuid: UUID
    url: str
    caption: str
    created_at: datetime

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.image.url


class SignupOut(Schema):
    uuid: UUID
    activity: UUID
    activity_title: str
    name: str
    role: SignupRole
    status: SignupStatus
    waitlist_position: int | None
    for_resident: UUID | None
    created_at: datetime
    promoted_at: datetime | None
    checked_in: bool

    @staticmethod
    def resolve_activity(obj: Signup) -> UUID:
        return obj.activity.uuid

    @staticmethod
    def resolve_activity_title(obj: Signup) -> str:
        return obj.activity.title

    @staticmethod
    def resolve_waitlist_position(obj: Signup) -> int | None:
        return selectors.waitlist_position(obj)

    @staticmethod
    def resolve_for_resident(obj: Signup) -> UUID | None:
        return obj.resident.uuid if obj.resident_id else None

    @staticmethod
    def resolve_checked_in(obj: Signup) -> bool:
        return hasattr(obj, "attendance")


class SignupIn(Schema):
    resident: UUID | None = Field(None, description="A member of your household; omit for yourself.")
    role: SignupRole = SignupRole.PARTICIPANT


class SignupCancelIn(Schema):
    signup: UUID | None = Field(None, description="Which of your sign-ups; omit for the first.")


class AttendanceOut(Schema):
    uuid: UUID
    activity: UUID
    name: str
    role: SignupRole
    method: CheckinMethod
    checked_in_at: datetime
    checked_out_at: datetime | None
    minutes_served: int | None
    credit_status: CreditStatus
    points_credited: int
    minutes_credited: int
    credit_note: str

    @staticmethod
    def resolve_activity(obj: Attendance) -> UUID:
        return obj.activity.uuid


class CheckinIn(Schema):
    token: str = Field(..., min_length=1, max_length=200)


class AttendanceIn(Schema):
    """Staff check-in: a sign-up, an attendee's ticket code, or a walk-in (name, mobile)."""

    signup: UUID | None = None
    ticket: str | None = Field(None, min_length=1, max_length=200)
    name: str = Field("", max_length=64)
    mobile: str = Field("", pattern=r"^(1\d{10})?$")
    role: SignupRole = SignupRole.PARTICIPANT


class CheckinCodeOut(Schema):
    token: str
    url: str
    valid_seconds: int
    renew_seconds: int


class CalendarItemOut(Schema):
    title: str
    kind: ActivityKind
    starts_at: datetime
    ends_at: datetime
    place: str
    is_class: bool
    uuid: UUID
    status: str


class CalendarDayOut(Schema):
    date: date
    items: list[CalendarItemOut]


class CalendarWarningOut(Schema):
    code: str
    message: str
    days: list[date]


class CalendarOut(Schema):
    community: UUID
    month: str
    days: list[CalendarDayOut]
    warnings: list[CalendarWarningOut]


class CalendarFilter(Schema):
    community: UUID | None = None
    month: str = Field("", pattern=r"^(\d{4}-\d{2})?$")


class PersonTimesOut(Schema):
    activities: int
    attendees: int
    beneficiaries: int
    class_attendances: int
    total: int


class PersonTimesFilter(Schema):
    community: UUID | None = None
    since: IsoDate | None = None
    until: IsoDate | None = None


class CountOut(Schema):
    count: int


class ClassOut(Schema):
    uuid: UUID
    community: UUID
    name: str
    kind: ActivityKind
    description: str
    teacher_name: str
    place: str
    weekdays: list[int]
    start_time: WallTime
    end_time: WallTime
    term_name: str
    term_start: date
    term_end: date
    capacity: int
    enrolled_count: int
    is_active: bool

    @staticmethod
    def resolve_community(obj: CultureClass) -> UUID:
        return obj.community.uuid

    @staticmethod
    def resolve_weekdays(obj: CultureClass) -> list[int]:
        return obj.weekday_numbers


class ClassIn(Schema):
    community: UUID
    name: NameStr = Field(..., min_length=1, max_length=64)
    kind: ActivityKind = ActivityKind.CULTURE
    description: str = Field("", max_length=5000)
    teacher_name: NameStr = Field(..., min_length=1, max_length=64)
    place: CleanStr = Field(..., min_length=1, max_length=128)
    weekdays: list[body_int(0, 6)] = Field(..., min_length=1, max_length=7,
                                          description="0 = Monday … 6 = Sunday")
    start_time: WallTime
    end_time: WallTime
    term_name: CleanStr = Field(..., min_length=1, max_length=32)
    term_start: IsoDate
    term_end: IsoDate
    capacity: body_int(1, 10_000)


class SessionOut(Schema):
    uuid: UUID
    date: date
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    note: str
    present: int


class EnrolmentOut(Schema):
    uuid: UUID
    culture_class: UUID
    name: str
    status: str
    created_at: datetime

    @staticmethod
    def resolve_culture_class(obj: Enrolment) -> UUID:
        return obj.culture_class.uuid


class FollowIn(Schema):
    follow: StrictBool = True


class FollowOut(Schema):
    following: bool


class SessionAttendanceIn(Schema):
    present: list[UUID] = Field(default_factory=list, max_length=10_000)


# --- helpers ----------------------------------------------------------------------------


def _activity(request, uuid: UUID) -> Activity:
    activity = selectors.activity_get_for_user(user=request.auth, uuid=uuid)
    if activity is None:
        raise Http404
    return activity


def _managed_activity(request, uuid: UUID) -> Activity:
    require_roles(request, *MANAGERS)
    activity = selectors.activity_get_for_manager(user=request.auth, uuid=uuid)
    if activity is None:
        raise Http404
    return activity


def _managed_community(request, uuid: UUID):
    community = selectors.managed_communities_for(request.auth).filter(uuid=uuid).first()
    if community is None:
        raise Http404
    return community


def _day_start(day: date | None):
    return timezone.make_aware(datetime.combine(day, time.min)) if day else None


def _day_end(day: date | None):
    return timezone.make_aware(datetime.combine(day, time.max)) if day else None


# --- activities -------------------------------------------------------------------------


@router.get("/activities", response={200: list[ActivityOut], **ERRORS})
@paginate(Pagination)
def activity_list(request, filters: Query[ActivityFilter]):
    """Activities the caller may see (residents: published ones of their community;
    managers also their drafts)."""
    community = None
    if filters.community:
        community = selectors.member_communities_for(request.auth).filter(
            uuid=filters.community).first() or selectors.managed_communities_for(
            request.auth).filter(uuid=filters.community).first()
        if community is None:
            raise Http404
    return selectors.activity_list_for_user(
        user=request.auth, community=community, status=filters.status or "",
        kind=filters.kind or "", since=_day_start(filters.since),
        until=_day_end(filters.until), query=filters.q)


@router.post("/activities", response={201: ActivityOut, **ERRORS})
def activity_create(request, payload: ActivityIn):
    """Create a draft activity (community staff, street administrators)."""
    require_roles(request, *MANAGERS)
    data = payload.model_dump()
    _check_years(data)
    community = _managed_community(request, data.pop("community"))
    activity = services.activity_create(community=community, actor=request.auth, **data)
    return Status(201, activity)


@router.get("/activities/{uuid}", response={200: ActivityOut, **ERRORS})
def activity_get(request, uuid: UUID):
    return _activity(request, uuid)


@router.patch("/activities/{uuid}", response={200: ActivityOut, **ERRORS})
def activity_update(request, uuid: UUID, payload: ActivityPatch):
    activity = _managed_activity(request, uuid)
    fields = payload.model_dump(exclude_unset=True)
    if any(v is None for v in fields.values()):
        raise ValidationError(_("Fields cannot be set to null."))
    _check_years(fields)
    return services.activity_update(activity=activity, actor=request.auth, **fields)


def _transition(name):
    def operation(request, uuid: UUID):
        activity = _managed_activity(request, uuid)
        getattr(services, name)(activity=activity, actor=request.auth)
        activity.refresh_from_db()
        return activity

    operation.__name__ = name
    return operation


router.post("/activities/{uuid}/publish", response={200: ActivityOut, **ERRORS},
            summary="Publish a draft (draft → published)")(_transition("activity_publish"))
router.post("/activities/{uuid}/start", response={200: ActivityOut, **ERRORS},
            summary="Start (published → ongoing)")(_transition("activity_start"))
router.post("/activities/{uuid}/end", response={200: ActivityOut, **ERRORS},
            summary="End: close attendance, record no-shows, credit points and hours")(
    _transition("activity_end"))
router.post("/activities/{uuid}/credit", response={200: ActivityOut, **ERRORS},
            summary="Retry crediting of a finished activity (idempotent)")(
    _transition("activity_credit"))


@router.post("/activities/{uuid}/cancel", response={200: ActivityOut, **ERRORS})
def activity_cancel(request, uuid: UUID, payload: ReasonIn):
    """Cancel; everyone signed up gets an in-app notice."""
    activity = _managed_activity(request, uuid)
    return services.activity_cancel(activity=activity, actor=request.auth,
                                    reason=payload.reason)


@router.post("/activities/{uuid}/summary", response={200: ActivityOut, **ERRORS})
def activity_summarise(request, uuid: UUID, payload: SummaryIn):
    activity = _managed_activity(request, uuid)
    return services.activity_summarise(activity=activity, actor=request.auth,
                                       summary=payload.summary)


@router.post("/activities/{uuid}/beneficiaries", response={200: ActivityOut, **ERRORS})
def activity_beneficiaries(request, uuid: UUID, payload: BeneficiariesIn):
    """Other people served (with who they were); counts towards person-times."""
    activity = _managed_activity(request, uuid)
    return services.activity_beneficiaries_set(activity=activity, actor=request.auth,
                                               count=payload.count, reason=payload.reason)


@router.post("/activities/{uuid}/photos", response={201: PhotoOut, **ERRORS})
def activity_photo_add(request, uuid: UUID, payload: Form[PhotoIn],
                       photo: File[UploadedFile] = None):
    """Add a photo (multipart form: `photo`, optional `caption`) to an activity under way or
    held. JPEG, PNG or WebP that Pillow can read, at most 5 MB, at most nine per activity.
    Errors: 404 not found or not yours to manage, 409 with `error.code` `invalid` and
    `error.fields[0].field = "photo"` for a missing, unreadable or too large file,
    `wrong_state` before the activity is under way, `too_many_photos` after nine."""
    activity = _managed_activity(request, uuid)
    made = services.activity_photo_add(activity=activity, actor=request.auth, image=photo,
                                       caption=payload.caption)
    return Status(201, made)


@router.get("/activities/{uuid}/photos", response={200: list[PhotoOut], **ERRORS})
def activity_photo_list(request, uuid: UUID):
    """The photos of an activity (residents see them once it is summarised)."""
    activity = _activity(request, uuid)
    if not policies.can_add_photos(request.auth, activity) and (
            activity.status != ActivityStatus.SUMMARISED):
        return []
    return list(activity.photos.all())


# --- sign-ups ---------------------------------------------------------------------------


@router.get("/activities/{uuid}/signups", response={200: list[SignupOut], **ERRORS})
@paginate(Pagination)
def signup_list(request, uuid: UUID):
    activity = _managed_activity(request, uuid)
    return selectors.signup_list_for_activity(activity=activity).select_related("activity")


@router.post("/activities/{uuid}/signups", response={201: SignupOut, **ERRORS})
def signup_create(request, uuid: UUID, payload: SignupIn):
    """Sign up yourself or a member of your household: a place, or the waiting list."""
    activity = _activity(request, uuid)
    resident = None
    if payload.resident:
        # Only looked up within the activity's street; whether the caller may sign this
        # person up is the service's decision (403 when not).
        from linli.registry.models import Resident

        resident = Resident.objects.filter(
            uuid=payload.resident, moved_out=False, deceased=False,
            household__community__street_id=activity.community.street_id,
        ).select_related("household").first()
        if resident is None:
            raise Http404
    signup = services.signup_create(activity=activity, actor=request.auth, resident=resident,
                                    role=payload.role)
    return Status(201, signup)


@router.post("/activities/{uuid}/signups/cancel", response={200: SignupOut, **ERRORS})
def signup_cancel(request, uuid: UUID, payload: SignupCancelIn):
    """Cancel one of your sign-ups; the first person waiting moves up."""
    activity = _activity(request, uuid)
    mine = [s for s in selectors.signups_of_user_for_activity(user=request.auth,
                                                              activity=activity)
            if s.is_active and (payload.signup is None or s.uuid == payload.signup)]
    if not mine:
        raise Http404
    return services.signup_cancel(signup=mine[0], actor=request.auth)


@router.get("/me/activity-signups", response={200: list[SignupOut], **ERRORS})
@paginate(Pagination)
def my_signups(request):
    """Your sign-ups and those you made for your family."""
    return selectors.signup_list_for_user(user=request.auth)


# --- check-in and attendance ------------------------------------------------------------


@router.get("/activities/{uuid}/checkin-code", response={200: CheckinCodeOut, **ERRORS})
def checkin_code(request, uuid: UUID):
    """The organiser's rotating check-in code and the URL it encodes."""
    activity = _managed_activity(request, uuid)
    token = services.checkin_token(activity=activity)
    url = request.build_absolute_uri(
        reverse("activities:checkin", kwargs={"uuid": activity.uuid}) + f"?t={token}")
    return {"token": token, "url": url, "valid_seconds": services.CHECKIN_MAX_AGE_SECONDS,
            "renew_seconds": services.CHECKIN_ROTATE_SECONDS}


@router.post("/activities/{uuid}/checkins", response={200: list[AttendanceOut], **ERRORS})
def checkin(request, uuid: UUID, payload: CheckinIn):
    """Check in with the organiser's code (idempotent)."""
    activity = _activity(request, uuid)
    return services.checkin_record(activity=activity, actor=request.auth, token=payload.token)


@router.get("/activities/{uuid}/attendances", response={200: list[AttendanceOut], **ERRORS})
@paginate(Pagination)
def attendance_list(request, uuid: UUID):
    activity = _managed_activity(request, uuid)
    return selectors.attendance_list_for_activity(activity=activity).select_related("activity")


@router.post("/activities/{uuid}/attendances", response={200: AttendanceOut, **ERRORS})
def attendance_record(request, uuid: UUID, payload: AttendanceIn):
    """Staff check-in of a sign-up, of a scanned ticket code, or of a walk-in."""
    from linli.registry.models import Resident

    activity = _managed_activity(request, uuid)
    if payload.ticket:
        if services.ticket_signup(token=payload.ticket).activity_id != activity.pk:
            raise ValidationError(_("This ticket belongs to another activity."), field="ticket")
        return services.checkin_by_ticket(token=payload.ticket, actor=request.auth)
    if payload.signup:
        signup = Signup.objects.filter(activity=activity, uuid=payload.signup).first()
        if signup is None:
            raise Http404
        return services.checkin_by_staff(signup=signup, actor=request.auth)
    resident = None
    if payload.mobile:
        resident = Resident.objects.filter(mobile=payload.mobile,
                                           household__community=activity.community,
                                           moved_out=False, deceased=False).first()
    return services.walkin_record(activity=activity, actor=request.auth, name=payload.name,
                                  resident=resident, role=payload.role)


@router.post("/activity-attendances/{uuid}/checkout", response={200: AttendanceOut, **ERRORS})
def attendance_checkout(request, uuid: UUID):
    """Check a volunteer out: the minutes actually served are recorded."""
    require_roles(request, *MANAGERS)
    attendance = selectors.attendance_get_for_manager(user=request.auth, uuid=uuid)
    if attendance is None:
        raise Http404
    return services.attendance_checkout(attendance=attendance, actor=request.auth)


# --- calendar and person-times ----------------------------------------------------------


@router.get("/activity-calendar", response={200: CalendarOut, **ERRORS})
def calendar(request, filters: Query[CalendarFilter]):
    """A month of a community's activities and class sessions; managers also get planning
    warnings (empty days, one type repeated within a week)."""
    communities = selectors.member_communities_for(request.auth)
    managed = selectors.managed_communities_for(request.auth)
    if filters.community:
        community = (communities.filter(uuid=filters.community).first()
                     or managed.filter(uuid=filters.community).first())
        if community is None:
            raise Http404
    else:
        me = selectors.resident_for_user(request.auth)
        community = me.household.community if me else (communities.first() or managed.first())
        if community is None:
            raise Http404
    today = timezone.localdate()
    year, month = today.year, today.month
    if filters.month:
        year, month = (int(x) for x in filters.month.split("-"))
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise ValidationError(_("Give the month as YYYY-MM."), field="month")
    manages = managed.filter(pk=community.pk).exists()
    weeks = selectors.month_grid(community=community, year=year, month=month,
                                 include_drafts=manages)
    days = [{"date": d.day, "items": [vars(i) for i in d.items]}
            for week in weeks for d in week if d.in_month]
    warnings = [vars(w) for w in selectors.calendar_warnings(weeks=weeks)] if manages else []
    return {"community": community.uuid, "month": f"{year}-{month:02d}", "days": days,
            "warnings": warnings}


@router.get("/activity-stats/person-times", response={200: PersonTimesOut, **ERRORS})
def person_times(request, filters: Query[PersonTimesFilter]):
    """服务人次: people served by finished activities and classes in the caller's scope."""
    require_roles(request, *MANAGERS)
    communities = selectors.managed_communities_for(request.auth)
    if filters.community:
        communities = communities.filter(uuid=filters.community)
        if not communities.exists():
            raise Http404
    result = selectors.person_times_breakdown(communities=communities, since=filters.since,
                                              until=filters.until)
    return {**vars(result), "total": result.total}


# --- culture classes --------------------------------------------------------------------


def _class(request, uuid: UUID) -> CultureClass:
    culture_class = selectors.class_get_for_user(user=request.auth, uuid=uuid)
    if culture_class is None:
        raise Http404
    return culture_class


@router.get("/classes", response={200: list[ClassOut], **ERRORS})
@paginate(Pagination)
def class_list(request):
    return selectors.class_list_for_user(user=request.auth)


@router.post("/classes", response={201: ClassOut, **ERRORS})
def class_create(request, payload: ClassIn):
    """Create a class; its weekly sessions for the term are generated."""
    require_roles(request, *MANAGERS)
    data = payload.model_dump()
    community = _managed_community(request, data.pop("community"))
    culture_class = services.class_create(community=community, actor=request.auth, **data)
    return Status(201, culture_class)


@router.get("/classes/{uuid}", response={200: ClassOut, **ERRORS})
def class_get(request, uuid: UUID):
    return _class(request, uuid)


@router.get("/classes/{uuid}/sessions", response={200: list[SessionOut], **ERRORS})
@paginate(Pagination)
def class_sessions(request, uuid: UUID):
    return selectors.session_list_for_class(culture_class=_class(request, uuid))


@router.post("/classes/{uuid}/sessions/generate", response={200: CountOut, **ERRORS})
def class_generate(request, uuid: UUID):
    require_roles(request, *MANAGERS)
    culture_class = selectors.class_get_for_manager(user=request.auth, uuid=uuid)
    if culture_class is None:
        raise Http404
    return {"count": services.class_sessions_generate(culture_class=culture_class,
                                                      actor=request.auth)}


@router.post("/classes/{uuid}/enrolments", response={201: EnrolmentOut, **ERRORS})
def class_enrol(request, uuid: UUID):
    enrolment = services.enrolment_create(culture_class=_class(request, uuid),
                                          actor=request.auth)
    return Status(201, enrolment)


@router.post("/classes/{uuid}/follow", response={200: FollowOut, **ERRORS})
def class_follow(request, uuid: UUID, payload: FollowIn):
    following = services.class_follow_set(culture_class=_class(request, uuid),
                                          user=request.auth, follow=payload.follow)
    return {"following": following}


@router.post("/class-sessions/{uuid}/attendance", response={200: CountOut, **ERRORS})
def session_attendance(request, uuid: UUID, payload: SessionAttendanceIn):
    """Record who came to a session (the full list)."""
    require_roles(request, *MANAGERS)
    session: ClassSession | None = selectors.session_get_for_manager(user=request.auth, uuid=uuid)
    if session is None:
        raise Http404
    wanted = set(payload.present)
    enrolments = [e for e in selectors.enrolment_list_for_class(
        culture_class=session.culture_class) if e.uuid in wanted]
    if len(enrolments) != len(wanted):
        raise ValidationError(_("Some of these people are not enrolled in the class."),
                              field="present")
    return {"count": services.session_attendance_set(session=session, actor=request.auth,
                                                     present=enrolments)}

