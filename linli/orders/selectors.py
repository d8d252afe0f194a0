"""Reads for orders, each scoped to who may see it:

- the household's members and confirmed proxies see its orders (and whoever placed one);
- a volunteer sees the orders offered or assigned to them, and those offered to their teams;
- a grid worker sees the orders of households in their grids;
- community staff see their communities' orders, a street administrator the whole street.

Anything outside that scope is simply not found (404).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import Role
from linli.accounts.selectors import communities_for, grids_for
from linli.orders.models import (
    MealOrder,
    MealStatus,
    Order,
    OrderStatus,
    ProjectKind,
    ServiceProject,
)

MANAGER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN})
#: Orders waiting for staff on the dispatch board.
BOARD_STATES = (OrderStatus.SUBMITTED, OrderStatus.DISPATCHED, OrderStatus.DISPUTED)
#: States in which a volunteer is committed to the slot.
BUSY_STATES = (OrderStatus.ACCEPTED, OrderStatus.IN_SERVICE)
#: States that count towards a volunteer's recent load.
LOAD_STATES = (OrderStatus.ACCEPTED, OrderStatus.IN_SERVICE, OrderStatus.COMPLETED,
               OrderStatus.RATED, OrderStatus.AUTO_CONFIRMED, OrderStatus.DISPUTED,
               OrderStatus.RESOLVED, OrderStatus.SETTLED)
#: Completed orders: each one is a volunteer service record.
DONE_STATES = (OrderStatus.COMPLETED, OrderStatus.RATED, OrderStatus.AUTO_CONFIRMED,
               OrderStatus.RESOLVED, OrderStatus.SETTLED)


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


# --- projects -----------------------------------------------------------------------------


def project_list_for_household(*, household, kind: str | None = ProjectKind.VISIT) -> QuerySet:
    qs = ServiceProject.objects.filter(community_id=household.community_id, active=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("order", "id")


def project_list_for_user(*, user) -> QuerySet:
    """Staff see their communities' catalogues; residents the catalogue of their households."""
    from linli.registry.selectors import household_ids_of_member

    staff = communities_for(user)
    member = household_ids_of_member(user)
    return ServiceProject.objects.filter(
        Q(community__in=staff) | Q(community__households__in=member, active=True)
    ).distinct().select_related("community", "team", "skill").order_by(
        "community_id", "order", "id")


def project_list_for_manager(*, user) -> QuerySet:
    return ServiceProject.objects.filter(
        community__in=communities_for(user, MANAGER_ROLES)).select_related(
        "community", "team", "skill").order_by("community_id", "order", "id")


def project_get_for_user(*, user, uuid) -> ServiceProject | None:
    return project_list_for_user(user=user).filter(uuid=uuid).first()


def project_get_for_manager(*, user, uuid) -> ServiceProject | None:
    return project_list_for_manager(user=user).filter(uuid=uuid).first()


# --- orders -------------------------------------------------------------------------------


def _scope(user) -> Q:
    from linli.registry.selectors import household_ids_of_member

    if not user.is_authenticated:
        return Q(pk__in=[])
    q = Q(household_id__in=household_ids_of_member(user)) | Q(requested_by=user)
    q |= Q(volunteer__user=user)
    q |= Q(status=OrderStatus.DISPATCHED, volunteer__isnull=True,
           team__memberships__volunteer__user=user)
    staff = communities_for(user, MANAGER_ROLES)
    q |= Q(community__in=staff)
    if user.has_role(Role.GRID_WORKER):
        q |= Q(household__grid__in=grids_for(user, {Role.GRID_WORKER}))
    return q


def order_list_for_user(*, user, status: str = "", since: datetime | None = None) -> QuerySet:
    qs = Order.objects.filter(pk__in=Order.objects.filter(_scope(user)).values("pk"))
    if status:
        qs = qs.filter(status=status)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.select_related("project", "household", "beneficiary", "volunteer__resident",
                             "team", "community").order_by("-created_at", "-id")


def order_get_for_user(*, user, uuid) -> Order | None:
    return order_list_for_user(user=user).filter(uuid=uuid).first()


def order_get_for_manager(*, user, uuid) -> Order | None:
    return board_for_user(user=user, states=None).filter(uuid=uuid).first()


def orders_of_household(*, user, household) -> QuerySet:
    return order_list_for_user(user=user).filter(household=household)


def board_for_user(*, user, states=BOARD_STATES) -> QuerySet:
    """The staff dispatch board: orders of the communities the user manages."""
    qs = Order.objects.filter(community__in=communities_for(user, MANAGER_ROLES))
    if states:
        qs = qs.filter(status__in=states)
    return qs.select_related("project", "household__grid", "beneficiary",
                             "volunteer__resident", "team", "community").order_by(
        "-escalations", "slot_start", "id")


def offers_for_volunteer(*, volunteer) -> QuerySet:
    """Orders offered to the volunteer, or to one of their teams and not yet taken."""
    return Order.objects.filter(
        Q(volunteer=volunteer) | Q(volunteer__isnull=True, team__memberships__volunteer=volunteer),
        status=OrderStatus.DISPATCHED,
    ).distinct().select_related("project", "household", "beneficiary").order_by("slot_start")


def tasks_for_volunteer(*, volunteer) -> QuerySet:
    return Order.objects.filter(volunteer=volunteer, status__in=(
        OrderStatus.ACCEPTED, OrderStatus.IN_SERVICE)).select_related(
        "project", "household", "beneficiary").order_by("slot_start")


def service_records_for_volunteer(*, volunteer) -> QuerySet:
    """志愿服务条例 Art. 19 / 民政部令第67号: each completed order is one service record with
    the time actually served."""
    return Order.objects.filter(volunteer=volunteer, status__in=DONE_STATES).select_related(
        "project", "community").order_by("-checked_out_at")


def service_totals(*, community=None, since: datetime | None = None) -> dict:
    """Person-times and hours served (the seed's 1,165 services / 3,300 hours)."""
    qs = Order.objects.filter(status__in=DONE_STATES)
    if community is not None:
        qs = qs.filter(community=community)
    if since is not None:
        qs = qs.filter(checked_out_at__gte=since)
    agg = qs.aggregate(n=Count("pk"), minutes=Coalesce(Sum("actual_minutes"), 0),
                       volunteers=Count("volunteer", distinct=True))
    return {"services": agg["n"], "minutes": agg["minutes"], "hours": agg["minutes"] / 60,
            "volunteers": agg["volunteers"]}


# --- dispatch ranking ----------------------------------------------------------------------

WEIGHTS = {"skill": 40, "available": 30, "building": 30, "grid": 20, "community": 10,
           "team": 10, "rating": 5, "load": 4}


@dataclass
class Candidate:
    volunteer: object
    score: float
    reasons: list[str] = field(default_factory=list)
    load: int = 0
    rating: float | None = None


def candidate_queryset(*, order: Order, now: datetime | None = None) -> QuerySet:
    """Every volunteer who may do this order, with the ranking signals computed in SQL.

    Hard filters (Art. 15 and common sense): active, same street, age within the project's
    bounds, declared healthy when the work is physical, not the served person, not already
    committed to an overlapping order. Soft signals, summed into `score`: skill, weekly
    availability covering the slot, distance (same building, grid, community), membership
    of the project's team, average rating, and load over the last 30 days (fewer is better,
    so work is shared fairly)."""
    from linli.volunteers.models import (
        AvailabilitySlot,
        TeamMembership,
        Volunteer,
        VolunteerStatus,
    )

    now = now or timezone.now()
    project = order.project
    household = order.household
    today = timezone.localdate(now)
    start = timezone.localtime(order.slot_start)
    end = timezone.localtime(order.slot_end)

    qs = Volunteer.objects.filter(status=VolunteerStatus.ACTIVE,
                                  community__street_id=order.community.street_id)
    qs = qs.filter(resident__birth_date__lte=_years_ago(today, project.volunteer_min_age))
    if project.volunteer_max_age is not None:
        qs = qs.filter(resident__birth_date__gt=_years_ago(today, project.volunteer_max_age + 1))
    if project.needs_good_health:
        qs = qs.filter(health_ok=True)
    qs = qs.exclude(resident_id=order.beneficiary_id)
    busy = Order.objects.filter(volunteer_id=OuterRef("pk"), status__in=BUSY_STATES,
                                slot_start__lt=order.slot_end, slot_end__gt=order.slot_start)
    qs = qs.exclude(Exists(busy))

    if project.skill_id:
        skill = Exists(Volunteer.skills.through.objects.filter(
            volunteer_id=OuterRef("pk"), skill_id=project.skill_id))
    else:
        skill = Value(False)
    available = Exists(AvailabilitySlot.objects.filter(
        volunteer_id=OuterRef("pk"), weekday=start.weekday(), start__lte=start.time(),
        end__gte=end.time() if end.date() == start.date() else start.time()))
    team = (Exists(TeamMembership.objects.filter(volunteer_id=OuterRef("pk"),
                                                 team_id=project.team_id))
            if project.team_id else Value(False))
    place_cases = []
    if household.building_id:
        place_cases.append(When(resident__household__building_id=household.building_id,
                                then=Value(3)))
    place_cases += [When(resident__household__grid_id=household.grid_id, then=Value(2)),
                    When(resident__household__community_id=household.community_id,
                         then=Value(1))]
    place = Case(*place_cases, default=Value(0), output_field=IntegerField())
    recent = Order.objects.filter(volunteer_id=OuterRef("pk"), status__in=LOAD_STATES,
                                  slot_start__gte=now - timedelta(days=30))
    load = Coalesce(Subquery(recent.values("volunteer_id").annotate(n=Count("pk"))
                             .values("n")[:1], output_field=IntegerField()), Value(0))
    rated = Order.objects.filter(volunteer_id=OuterRef("pk"), rating__isnull=False)
    rating = Subquery(rated.values("volunteer_id").annotate(r=Avg("rating")).values("r")[:1],
                      output_field=FloatField())

    w = WEIGHTS
    qs = qs.annotate(
        has_skill=skill, is_available=available, in_team=team, place=place, load=load,
        rating=rating,
    ).annotate(
        score=Case(When(has_skill=True, then=Value(w["skill"])), default=Value(0))
        + Case(When(is_available=True, then=Value(w["available"])), default=Value(0))
        + Case(When(in_team=True, then=Value(w["team"])), default=Value(0))
        + Case(When(place=3, then=Value(w["building"])), When(place=2, then=Value(w["grid"])),
               When(place=1, then=Value(w["community"])), default=Value(0))
        + Coalesce(F("rating"), Value(3.0)) * w["rating"] - F("load") * w["load"],
    )
    return qs.order_by("-score", "load", "pk")


def _reasons(c) -> list[str]:
    reasons = []
    reasons.append(_("has the skill") if c.has_skill else _("no matching skill"))
    reasons.append(_("available in this slot") if c.is_available
                   else _("slot outside their usual hours"))
    reasons.append({3: _("same building"), 2: _("same grid"), 1: _("same community")}.get(
        c.place, _("another community")))
    if c.in_team:
        reasons.append(_("member of the responsible team"))
    reasons.append(_("%(n)s orders in the last 30 days") % {"n": c.load})
    reasons.append(_("average rating %(r).1f") % {"r": c.rating} if c.rating is not None
                   else _("not rated yet"))
    reasons.append(_("age and health fit (Art. 15)"))
    return reasons


def candidates_for_order(*, order: Order, limit: int = 10,
                         now: datetime | None = None) -> list[Candidate]:
    rows = candidate_queryset(order=order, now=now).select_related("resident__household")[:limit]
    return [Candidate(volunteer=c, score=round(float(c.score), 1), reasons=_reasons(c),
                      load=c.load, rating=c.rating) for c in rows]


def team_list_for_order(*, order: Order) -> QuerySet:
    from linli.volunteers.models import Team

    return Team.objects.filter(Q(community__isnull=True) | Q(community_id=order.community_id),
                               street_id=order.community.street_id, active=True).order_by(
        "name")


def volunteer_for_dispatch(*, order: Order, uuid):
    from linli.volunteers.models import Volunteer

    return Volunteer.objects.filter(uuid=uuid, community__street_id=order.community.street_id
                                    ).select_related("resident", "community", "user").first()


def team_for_dispatch(*, order: Order, uuid):
    return team_list_for_order(order=order).filter(uuid=uuid).first()


# --- meals ---------------------------------------------------------------------------------


def meal_list_for_user(*, user, day: date | None = None) -> QuerySet:
    from linli.registry.selectors import household_ids_of_member

    scope = Q(household_id__in=household_ids_of_member(user)) | Q(
        community__in=communities_for(user, MANAGER_ROLES)) | Q(volunteer__user=user)
    qs = MealOrder.objects.filter(pk__in=MealOrder.objects.filter(scope).values("pk"))
    if day is not None:
        qs = qs.filter(date=day)
    return qs.select_related("household__building", "volunteer__resident", "project").order_by(
        "date", "meal", "household__building_id", "household__number")


def meal_get_for_user(*, user, uuid) -> MealOrder | None:
    return meal_list_for_user(user=user).filter(uuid=uuid).first()


def meal_preparation(*, user, day: date, community=None) -> list[dict]:
    """The centre's preparation list: portions per meal and dietary need."""
    qs = MealOrder.objects.filter(community__in=communities_for(user, MANAGER_ROLES), date=day
                                  ).exclude(status=MealStatus.CANCELLED)
    if community is not None:
        qs = qs.filter(community=community)
    return list(qs.values("community__name", "meal", "diet").annotate(
        portions=Sum("portions"), households=Count("pk")).order_by(
        "community__name", "meal", "diet"))


def meal_rounds(*, user, day: date, meal: str, community=None) -> list[dict]:
    """Deliveries grouped by building, each with its households and assigned volunteer."""
    qs = MealOrder.objects.filter(community__in=communities_for(user, MANAGER_ROLES), date=day,
                                  meal=meal).exclude(status=MealStatus.CANCELLED)
    if community is not None:
        qs = qs.filter(community=community)
    groups: dict = {}
    for m in qs.select_related("household__building__estate", "volunteer__resident").order_by(
            "household__building_id", "household__number"):
        building = m.household.building
        key = building.pk if building else 0
        group = groups.setdefault(key, {"building": building, "orders": [],
                                        "volunteers": set(), "portions": 0})
        group["orders"].append(m)
        group["portions"] += m.portions
        if m.volunteer_id:
            group["volunteers"].add(m.volunteer.resident.name)
    return list(groups.values())


def meal_deliveries_for_volunteer(*, volunteer, day: date | None = None) -> QuerySet:
    qs = MealOrder.objects.filter(volunteer=volunteer).exclude(status=MealStatus.CANCELLED)
    if day is not None:
        qs = qs.filter(date=day)
    return qs.select_related("household__building").order_by(
        "date", "meal", "household__building_id", "household__number")
