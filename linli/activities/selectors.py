"""Reads of activities and classes, each scoped to who may see them.

- Residents (and every other signed-in role) see the published activities and running classes
  of the communities they belong to: their household's community and the communities of their
  roles (street roles: the whole street).
- Community staff manage the activities of their communities; street administrators the
  whole street. Drafts are visible to managers only.
- Anything out of scope is `None` here and a 404 in views and the API.
"""

from __future__ import annotations

import calendar as calendar_lib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import Role
from linli.accounts.selectors import communities_for
from linli.activities.models import (
    ACTIVE_SIGNUP,
    VISIBLE_STATUSES,
    Activity,
    ActivityKind,
    ActivityStatus,
    Attendance,
    ClassFollow,
    ClassSession,
    CultureClass,
    Enrolment,
    EnrolmentStatus,
    SessionAttendance,
    Signup,
    SignupStatus,
)

#: Roles that create and run activities and classes.
MANAGER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN})
ALL_ROLES = frozenset(Role.values)


def resident_for_user(user):
    """The registry record of the signed-in person, if any."""
    from linli.registry.models import Resident

    if not getattr(user, "is_authenticated", False):
        return None
    return (Resident.objects.filter(user=user, moved_out=False, deceased=False)
            .select_related("household__community").first())


def member_communities_for(user) -> QuerySet:
    """Communities whose activities the user may see and join."""
    from linli.registry.models import Community, Resident

    if not getattr(user, "is_authenticated", False):
        return Community.objects.none()
    by_role = communities_for(user, ALL_ROLES).values("pk")
    # Two indexed subqueries (not a join through every household and resident with DISTINCT,
    # which reads the whole registry on each page).
    by_household = Resident.objects.filter(user=user).values("household__community_id")
    return Community.objects.filter(Q(pk__in=by_role) | Q(pk__in=by_household))


def home_community_id_for(user) -> int | None:
    """The community of the signed-in person's own (current) household, if any: one column,
    not the resident record."""
    from linli.registry.models import Resident

    if not getattr(user, "is_authenticated", False):
        return None
    return (Resident.objects.filter(user=user, moved_out=False, deceased=False)
            .values_list("household__community_id", flat=True).first())


def managed_communities_for(user) -> QuerySet:
    return communities_for(user, MANAGER_ROLES)


def is_manager(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.has_role(*MANAGER_ROLES)


def household_members_for(*, user) -> list:
    """Whom the user may sign up: themself and the other current members of their household
    (a son signing up his mother for the elders' birthday party)."""
    from linli.registry.models import Resident

    me = resident_for_user(user)
    if me is None:
        return []
    members = Resident.objects.filter(household_id=me.household_id, moved_out=False,
                                      deceased=False, anonymised_at__isnull=True)
    return sorted(members, key=lambda r: (r.pk != me.pk, r.pk))


# --- activities -------------------------------------------------------------------------


def activity_list_for_user(
    *,
    user,
    community=None,
    status: str = "",
    kind: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    query: str = "",
) -> QuerySet:
    if not getattr(user, "is_authenticated", False):
        return Activity.objects.none()
    scope = Q(community__in=member_communities_for(user), status__in=VISIBLE_STATUSES)
    if is_manager(user):
        scope |= Q(community__in=managed_communities_for(user))
    qs = Activity.objects.filter(pk__in=Activity.objects.filter(scope).values("pk"))
    if community is not None:
        qs = qs.filter(community=community)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if since:
        qs = qs.filter(ends_at__gte=since)
    if until:
        qs = qs.filter(starts_at__lte=until)
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(organiser__icontains=query)
                       | Q(place__icontains=query))
    return qs.select_related("community").order_by("starts_at", "id")


def activity_get_for_user(*, user, uuid) -> Activity | None:
    return activity_list_for_user(user=user).filter(uuid=uuid).first()


def activity_manage_list(*, user, community=None, status: str = "", query: str = "") -> QuerySet:
    qs = Activity.objects.filter(community__in=managed_communities_for(user))
    if community is not None:
        qs = qs.filter(community=community)
    if status:
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(organiser__icontains=query))
    return qs.select_related("community").order_by("-starts_at", "-id")


def activity_get_for_manager(*, user, uuid) -> Activity | None:
    return activity_manage_list(user=user).filter(uuid=uuid).first()


def signup_list_for_activity(*, activity: Activity, role: str = "", status: str = "") -> QuerySet:
    qs = Signup.objects.filter(activity=activity)
    if role:
        qs = qs.filter(role=role)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("resident__household", "user", "attendance").order_by(
        "status", "created_at", "id")


def _own_signups_q(user) -> Q:
    return Q(user=user) | Q(signed_up_by=user) | Q(resident__user=user)


def signup_list_for_user(*, user, active_only: bool = False) -> QuerySet:
    if not getattr(user, "is_authenticated", False):
        return Signup.objects.none()
    qs = Signup.objects.filter(_own_signups_q(user))
    if active_only:
        qs = qs.filter(status__in=ACTIVE_SIGNUP)
    return qs.select_related("activity__community", "resident").order_by(
        "-activity__starts_at", "-id").distinct()


def signup_get_for_user(*, user, uuid) -> Signup | None:
    """A sign-up the user made or is the subject of, or one in a community they manage."""
    scope = _own_signups_q(user)
    if is_manager(user):
        scope |= Q(activity__community__in=managed_communities_for(user))
    return (Signup.objects.filter(scope, uuid=uuid)
            .select_related("activity__community", "resident__household").first())


def signups_of_user_for_activity(*, user, activity: Activity) -> list[Signup]:
    return list(Signup.objects.filter(_own_signups_q(user), activity=activity)
                .select_related("resident", "attendance").order_by("created_at", "id")
                .distinct())


def attendance_list_for_activity(*, activity: Activity) -> QuerySet:
    return Attendance.objects.filter(activity=activity).select_related(
        "resident__household", "signup").order_by("checked_in_at", "id")


def attendance_get_for_manager(*, user, uuid) -> Attendance | None:
    return (Attendance.objects.filter(uuid=uuid,
                                      activity__community__in=managed_communities_for(user))
            .select_related("activity").first())


def waitlist_position(signup: Signup) -> int | None:
    if signup.status != SignupStatus.WAITLISTED:
        return None
    return Signup.objects.filter(
        activity_id=signup.activity_id, role=signup.role, status=SignupStatus.WAITLISTED,
    ).filter(Q(created_at__lt=signup.created_at)
             | Q(created_at=signup.created_at, id__lt=signup.id)).count() + 1


# --- classes ----------------------------------------------------------------------------


def class_list_for_user(*, user, community=None) -> QuerySet:
    if not getattr(user, "is_authenticated", False):
        return CultureClass.objects.none()
    scope = Q(community__in=member_communities_for(user), is_active=True)
    if is_manager(user):
        scope |= Q(community__in=managed_communities_for(user))
    qs = CultureClass.objects.filter(pk__in=CultureClass.objects.filter(scope).values("pk"))
    if community is not None:
        qs = qs.filter(community=community)
    return qs.select_related("community").order_by("community_id", "name")


def class_get_for_user(*, user, uuid) -> CultureClass | None:
    return class_list_for_user(user=user).filter(uuid=uuid).first()


def class_manage_list(*, user) -> QuerySet:
    return (CultureClass.objects.filter(community__in=managed_communities_for(user))
            .select_related("community").order_by("community_id", "name"))


def class_get_for_manager(*, user, uuid) -> CultureClass | None:
    return class_manage_list(user=user).filter(uuid=uuid).first()


def session_get_for_manager(*, user, uuid) -> ClassSession | None:
    return (ClassSession.objects.filter(
        uuid=uuid, culture_class__community__in=managed_communities_for(user))
        .select_related("culture_class").first())


def enrolment_list_for_class(*, culture_class: CultureClass) -> QuerySet:
    return Enrolment.objects.filter(culture_class=culture_class,
                                    status=EnrolmentStatus.ENROLLED).order_by("created_at", "id")


def enrolment_of_user(*, user, culture_class: CultureClass) -> Enrolment | None:
    return Enrolment.objects.filter(
        Q(user=user) | Q(resident__user=user), culture_class=culture_class,
        status=EnrolmentStatus.ENROLLED).first()


def is_following(*, user, culture_class: CultureClass) -> bool:
    return ClassFollow.objects.filter(user=user, culture_class=culture_class).exists()


def session_list_for_class(*, culture_class: CultureClass, since: date | None = None) -> QuerySet:
    qs = ClassSession.objects.filter(culture_class=culture_class)
    if since:
        qs = qs.filter(date__gte=since)
    return qs.annotate(present=Count("attendances")).order_by("starts_at", "id")


# --- calendar ---------------------------------------------------------------------------


@dataclass
class CalendarItem:
    """One thing happening on a day: an activity or a class session."""

    title: str
    kind: str
    kind_label: str
    starts_at: datetime
    ends_at: datetime
    place: str
    url_name: str
    uuid: object
    is_class: bool
    status: str = ""
    status_label: str = ""
    #: The item's page; filled by `calendar_link` (one URL reversal per page, not per item).
    url: str = ""
    #: Local start and end times ("09:30"), as the page shows them.
    start_hm: str = ""
    end_hm: str = ""


@dataclass
class CalendarDay:
    day: date
    items: list[CalendarItem] = field(default_factory=list)
    in_month: bool = True
    #: The day's page; filled by `calendar_link`.
    url: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.items


def _aware(day: date, at: time = time.min) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def calendar_items(*, community, start: date, end: date, include_drafts: bool = False
                   ) -> dict[date, list[CalendarItem]]:
    """Activities and class sessions of `community` from `start` to `end` (inclusive), by
    local date. Cancelled activities and sessions are left out."""
    statuses = [s for s in VISIBLE_STATUSES if s != ActivityStatus.CANCELLED]
    if include_drafts:
        statuses.append(ActivityStatus.DRAFT)
    days: dict[date, list[CalendarItem]] = defaultdict(list)
    activities = Activity.objects.filter(
        community=community, status__in=statuses,
        starts_at__gte=_aware(start), starts_at__lt=_aware(end + timedelta(days=1)))
    # Labels translated once per call: `get_FOO_display()` hashes every (lazy) choice label
    # on each call, which costs more than the rest of an item.
    kinds = {k: str(v) for k, v in ActivityKind.choices}
    status_labels = {k: str(v) for k, v in ActivityStatus.choices}
    for a in activities.values("uuid", "title", "kind", "starts_at", "ends_at", "place",
                               "status"):
        days[timezone.localtime(a["starts_at"]).date()].append(CalendarItem(
            title=a["title"], kind=a["kind"], kind_label=kinds.get(a["kind"], a["kind"]),
            starts_at=a["starts_at"], ends_at=a["ends_at"], place=a["place"],
            url_name="activities:detail", uuid=a["uuid"], is_class=False, status=a["status"],
            status_label=status_labels.get(a["status"], a["status"])))
    sessions = ClassSession.objects.filter(
        culture_class__community=community, culture_class__is_active=True, cancelled=False,
        date__gte=start, date__lte=end).values(
        "date", "starts_at", "ends_at", "culture_class__uuid", "culture_class__name",
        "culture_class__kind", "culture_class__place")
    for s in sessions:
        kind = s["culture_class__kind"]
        days[s["date"]].append(CalendarItem(
            title=s["culture_class__name"], kind=kind, kind_label=kinds.get(kind, kind),
            starts_at=s["starts_at"], ends_at=s["ends_at"], place=s["culture_class__place"],
            url_name="activities:class_detail", uuid=s["culture_class__uuid"], is_class=True))
    for items in days.values():
        items.sort(key=lambda i: (i.starts_at, i.title))
    return days


def month_grid(*, community, year: int, month: int, include_drafts: bool = False
               ) -> list[list[CalendarDay]]:
    """Weeks (Monday first) of the month, each a list of seven days with their items."""
    cal = calendar_lib.Calendar(firstweekday=0)
    weeks = cal.monthdatescalendar(year, month)
    items = calendar_items(community=community, start=weeks[0][0], end=weeks[-1][-1],
                           include_drafts=include_drafts)
    return [[CalendarDay(day=d, items=items.get(d, []), in_month=d.month == month)
             for d in week] for week in weeks]


def calendar_link(*, weeks: list[list[CalendarDay]] | None = None,
                  items: list[CalendarItem] | None = None, day_url: str = "") -> None:
    """Fill in the `url` of calendar days and items. Each URL pattern is reversed once per
    page and the day or UUID substituted, instead of a `{% url %}` per cell in the template.
    `day_url`: the day page's URL for 2000-01-01 with the query string the page keeps."""
    from django.urls import reverse

    placeholder = "00000000-0000-0000-0000-000000000000"
    bases = {name: reverse(name, kwargs={"uuid": placeholder})
             for name in ("activities:detail", "activities:class_detail")}
    every = list(items or [])
    for week in weeks or []:
        for d in week:
            if day_url:
                d.url = day_url.replace("2000-01-01", d.day.isoformat(), 1)
            every.extend(d.items)
    for item in every:
        item.url = bases[item.url_name].replace(placeholder, str(item.uuid), 1)
        item.start_hm = f"{timezone.localtime(item.starts_at):%H:%M}"
        item.end_hm = f"{timezone.localtime(item.ends_at):%H:%M}"


@dataclass
class CalendarWarning:
    code: str  # "empty_day" or "repeated_type"
    message: str
    days: list[date]


def calendar_warnings(*, weeks: list[list[CalendarDay]]) -> list[CalendarWarning]:
    """For staff planning "天天有活动，每天不重样": days of the month with nothing on, and
    activity types held more than once in the same week (classes are weekly by design, so
    only activities count towards repetition)."""
    warnings: list[CalendarWarning] = []
    empty = [d.day for week in weeks for d in week if d.in_month and d.is_empty]
    if empty:
        warnings.append(CalendarWarning(
            "empty_day",
            _("%(count)s day(s) this month have nothing on: %(days)s.") % {
                "count": len(empty), "days": "、".join(d.strftime("%-m/%-d") for d in empty)},
            empty))
    labels = dict(ActivityKind.choices)
    for week in weeks:
        kinds = Counter()
        kind_days: dict[str, list[date]] = defaultdict(list)
        for d in week:
            for item in d.items:
                if not item.is_class:
                    kinds[item.kind] += 1
                    kind_days[item.kind].append(d.day)
        for kind, n in sorted(kinds.items()):
            if n > 1:
                warnings.append(CalendarWarning(
                    "repeated_type",
                    _("The week of %(monday)s has %(count)s “%(kind)s” activities; "
                      "vary the programme.") % {
                        "monday": week[0].day.strftime("%-m/%-d"), "count": n,
                        "kind": labels.get(kind, kind)},
                    kind_days[kind]))
    return warnings


# --- person-times (the dashboard's figure) ----------------------------------------------


@dataclass
class PersonTimes:
    activities: int
    attendees: int
    beneficiaries: int
    class_attendances: int

    @property
    def total(self) -> int:
        return self.attendees + self.beneficiaries + self.class_attendances


def person_times_breakdown(*, communities, since: date | None = None,
                           until: date | None = None) -> PersonTimes:
    """People served by finished activities (attendees plus the beneficiaries the organiser
    counted) and class attendances, for activities/sessions starting within the dates."""
    acts = Activity.objects.filter(
        community__in=communities,
        status__in=[ActivityStatus.ENDED, ActivityStatus.SUMMARISED])
    sessions = SessionAttendance.objects.filter(session__culture_class__community__in=communities)
    if since:
        acts = acts.filter(starts_at__gte=_aware(since))
        sessions = sessions.filter(session__date__gte=since)
    if until:
        acts = acts.filter(starts_at__lt=_aware(until + timedelta(days=1)))
        sessions = sessions.filter(session__date__lte=until)
    totals = acts.aggregate(n=Count("id"), attendees=Sum("attendee_count"),
                            beneficiaries=Sum("beneficiaries"))
    return PersonTimes(activities=totals["n"] or 0, attendees=totals["attendees"] or 0,
                       beneficiaries=totals["beneficiaries"] or 0,
                       class_attendances=sessions.count())


def person_times_served(*, communities, since: date | None = None,
                        until: date | None = None) -> int:
    """服务人次: the total the dashboard shows (see `person_times_breakdown`)."""
    return person_times_breakdown(communities=communities, since=since, until=until).total


def upcoming_for_user(*, user, days: int = 14) -> QuerySet:
    now = timezone.now()
    return activity_list_for_user(user=user, since=now, until=now + timedelta(days=days)).filter(
        status__in=[ActivityStatus.PUBLISHED, ActivityStatus.ONGOING])


def volunteer_signup_open(activity: Activity) -> bool:
    return activity.volunteers_needed > 0



def door_upcoming(*, community) -> QuerySet:
    """What the door-plate home offers: the community's activities open for sign-up now,
    soonest first."""
    now = timezone.now()
    return Activity.objects.filter(
        community=community, status=ActivityStatus.PUBLISHED, signup_opens_at__lte=now,
        signup_closes_at__gte=now).order_by("starts_at", "id")


def door_household_for_member(*, user, token: str):
    """The household of a door plate, if the user belongs to it (a resident of it, or a
    confirmed family member); else None."""
    from linli.registry.selectors import household_by_token, household_ids_of_member

    household = household_by_token(token)
    if household is None or household.pk not in household_ids_of_member(user):
        return None
    return household
