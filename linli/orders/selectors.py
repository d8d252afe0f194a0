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
    Count,
    Q,
    QuerySet,
    Sum,
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
    """Each branch is a condition on one of the order's own indexed columns (the people,
    teams and households behind them come from small subqueries), so the scope needs no join
    and no DISTINCT and the database can answer each branch from its index."""
    from linli.registry.models import Household
    from linli.registry.selectors import household_ids_of_member
    from linli.volunteers.models import TeamMembership, Volunteer

    if not user.is_authenticated:
        return Q(pk__in=[])
    q = Q(household_id__in=household_ids_of_member(user)) | Q(requested_by=user)
    q |= Q(volunteer_id__in=Volunteer.objects.filter(user=user).values("pk"))
    q |= Q(status=OrderStatus.DISPATCHED, volunteer__isnull=True,
           team_id__in=TeamMembership.objects.filter(volunteer__user=user).values("team_id"))
    staff = communities_for(user, MANAGER_ROLES)
    q |= Q(community__in=staff)
    if user.has_role(Role.GRID_WORKER):
        q |= Q(household_id__in=Household.objects.filter(
            grid__in=grids_for(user, {Role.GRID_WORKER})).values("pk"))
    return q


def order_list_for_user(*, user, status: str = "", since: datetime | None = None) -> QuerySet:
    qs = Order.objects.filter(_scope(user))
    if status:
        qs = qs.filter(status=status)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.select_related("project", "household", "beneficiary", "volunteer__resident",
                             "team", "community").order_by("-created_at", "-id")


def order_get_for_user(*, user, uuid) -> Order | None:
    return order_list_for_user(user=user).filter(uuid=uuid).first()


def order_get_for_manager(*, user, uuid) -> Order | None:
    return board_for_user(user=user, states=None).select_related("project__skill").filter(
        uuid=uuid).first()


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


#: What an order card shows ("my orders", the volunteer's lists): only these columns are read.
CARD_FIELDS = ("uuid", "status", "slot_start", "volunteer_id", "project__name",
               "household__address", "volunteer__resident__name")
#: What a row of the staff board shows.
BOARD_ROW_FIELDS = (*CARD_FIELDS, "escalations", "checkin_far", "team__name",
                    "beneficiary__name")


def as_cards(qs: QuerySet) -> QuerySet:
    """`qs` reading only what an order card shows (a list page, not the order page)."""
    return qs.select_related(None).select_related(
        "project", "household", "volunteer__resident").only(*CARD_FIELDS)


def as_board_rows(qs: QuerySet) -> QuerySet:
    """`qs` reading only what a row of the staff board shows."""
    return qs.select_related(None).select_related(
        "project", "household", "beneficiary", "volunteer__resident", "team").only(
        *BOARD_ROW_FIELDS)


def offers_for_volunteer(*, volunteer) -> QuerySet:
    """Orders offered to the volunteer, or to one of their teams and not yet taken."""
    return Order.objects.filter(
        Q(volunteer=volunteer) | Q(volunteer__isnull=True, team__memberships__volunteer=volunteer),
        status=OrderStatus.DISPATCHED,
    ).distinct().select_related("project", "household", "beneficiary",
                                "volunteer__resident").order_by("slot_start")


def tasks_for_volunteer(*, volunteer) -> QuerySet:
    return Order.objects.filter(volunteer=volunteer, status__in=(
        OrderStatus.ACCEPTED, OrderStatus.IN_SERVICE)).select_related(
        "project", "household", "beneficiary", "volunteer__resident").order_by("slot_start")


def service_records_for_volunteer(*, volunteer) -> QuerySet:
    """志愿服务条例 Art. 19 / 民政部令第67号: each completed order is one service record with
    the time actually served."""
    return Order.objects.filter(volunteer=volunteer, status__in=DONE_STATES).select_related(
        "project", "community").order_by("-checked_out_at")


def service_totals(*, community=None, since: datetime | None = None) -> dict:
    """Service person-times and hours banked (the seed's 1,165 services / 3,300 hours): settled
    orders only, counted at the minutes actually paid."""
    qs = Order.objects.filter(status=OrderStatus.SETTLED)
    if community is not None:
        qs = qs.filter(community=community)
    if since is not None:
        qs = qs.filter(settled_at__gte=since)
    agg = qs.aggregate(n=Count("pk"), minutes=Coalesce(Sum("settled_minutes"), 0),
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


def _ranking_sql(order: Order, now: datetime, limit: int, q: str = "",
                 skill_id: int | None = None) -> tuple[str, list]:
    """One statement, portable between SQLite and PostgreSQL. The per-volunteer signals come
    from small pre-aggregated sets (CTEs) joined once, rather than correlated subqueries per
    row, so ranking 20,000 volunteers stays one pass over the eligible rows."""
    from linli.registry.models import Community, Household, Resident
    from linli.volunteers.models import AvailabilitySlot, TeamMembership, Volunteer

    project = order.project
    household = order.household
    today = timezone.localdate(now)
    start = timezone.localtime(order.slot_start)
    end = timezone.localtime(order.slot_end)
    t = {
        "order": Order._meta.db_table, "vol": Volunteer._meta.db_table,
        "skills": Volunteer.skills.through._meta.db_table,
        "avail": AvailabilitySlot._meta.db_table, "member": TeamMembership._meta.db_table,
        "res": Resident._meta.db_table, "home": Household._meta.db_table,
        "community": Community._meta.db_table,
    }
    w = WEIGHTS
    load_states, busy_states = list(LOAD_STATES), list(BUSY_STATES)

    def marks(values) -> str:
        return ", ".join(["%s"] * len(values))

    max_age = "AND r.birth_date > %s" if project.volunteer_max_age is not None else ""
    name_filter = "AND r.name LIKE %s ESCAPE '\\'" if q else ""
    skill_filter = (f"AND v.id IN (SELECT volunteer_id FROM {t['skills']} WHERE skill_id = %s)"
                    if skill_id else "")
    health = "AND v.health_ok = %s" if project.needs_good_health else ""
    sql = f"""
WITH stats AS (
    SELECT volunteer_id,
        SUM(CASE WHEN status IN ({marks(load_states)}) AND slot_start >= %s
            THEN 1 ELSE 0 END) AS recent_load,
        AVG(rating) AS rating,
        MAX(CASE WHEN status IN ({marks(busy_states)}) AND slot_start < %s AND slot_end > %s
            THEN 1 ELSE 0 END) AS busy
    FROM {t["order"]} WHERE volunteer_id IS NOT NULL GROUP BY volunteer_id),
flags AS (
    SELECT volunteer_id, MAX(s) AS has_skill, MAX(a) AS is_available, MAX(m) AS in_team,
        MAX(k) AS has_hours
    FROM (
        SELECT volunteer_id, 1 AS s, 0 AS a, 0 AS m, 0 AS k FROM {t["skills"]}
        WHERE skill_id = %s
        UNION ALL
        SELECT volunteer_id, 0, 1, 0, 1 FROM {t["avail"]}
        WHERE weekday = %s AND start <= %s AND "end" >= %s
        UNION ALL
        SELECT volunteer_id, 0, 0, 0, 1 FROM {t["avail"]}
        UNION ALL
        SELECT volunteer_id, 0, 0, 1, 0 FROM {t["member"]} WHERE team_id = %s
    ) AS signals GROUP BY volunteer_id),
scored AS (
    SELECT v.id AS id,
        COALESCE(f.has_skill, 0) AS has_skill,
        COALESCE(f.is_available, 0) AS is_available,
        COALESCE(f.in_team, 0) AS in_team,
        COALESCE(f.has_hours, 0) AS has_hours,
        CASE WHEN h.building_id = %s THEN 3 WHEN h.grid_id = %s THEN 2
             WHEN h.community_id = %s THEN 1 ELSE 0 END AS place,
        COALESCE(st.recent_load, 0) AS recent_load,
        st.rating AS rating
    FROM {t["vol"]} v
    JOIN {t["res"]} r ON r.id = v.resident_id
    JOIN {t["home"]} h ON h.id = r.household_id
    LEFT JOIN stats st ON st.volunteer_id = v.id
    LEFT JOIN flags f ON f.volunteer_id = v.id
    WHERE v.status = %s
      AND v.community_id IN (SELECT id FROM {t["community"]} WHERE street_id = %s)
      AND r.birth_date <= %s {max_age} {health}
      AND v.resident_id <> %s AND COALESCE(st.busy, 0) = 0 {name_filter} {skill_filter})
SELECT id, has_skill, is_available, in_team, place, recent_load, rating, has_hours,
    has_skill * {w["skill"]} + is_available * {w["available"]} + in_team * {w["team"]}
    + CASE place WHEN 3 THEN {w["building"]} WHEN 2 THEN {w["grid"]}
                 WHEN 1 THEN {w["community"]} ELSE 0 END
    + COALESCE(rating, 3.0) * {w["rating"]} - recent_load * {w["load"]} AS score
FROM scored ORDER BY has_skill DESC, score DESC, recent_load, id LIMIT %s
"""
    from django.db import connection

    ops = connection.ops
    dt, day, clock = (ops.adapt_datetimefield_value, ops.adapt_datefield_value,
                      ops.adapt_timefield_value)
    params: list = [*load_states, dt(now - timedelta(days=30))]
    params += [*busy_states, dt(order.slot_end), dt(order.slot_start)]
    params += [project.skill_id or 0]
    params += [start.weekday(), clock(start.time()),
               clock(end.time() if end.date() == start.date() else start.time())]
    params += [project.team_id or 0]
    params += [household.building_id or 0, household.grid_id, household.community_id]
    params += ["active", order.community.street_id]
    params += [day(_years_ago(today, project.volunteer_min_age))]
    if project.volunteer_max_age is not None:
        params += [day(_years_ago(today, project.volunteer_max_age + 1))]
    if project.needs_good_health:
        params += [True]
    params += [order.beneficiary_id]
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params += [f"%{escaped}%"]
    if skill_id:
        params += [skill_id]
    params += [limit]
    return sql, params


@dataclass
class _Signals:
    has_skill: bool
    is_available: bool
    in_team: bool
    place: int
    load: int
    rating: float | None
    has_hours: bool = True
    skill_required: bool = True


def _labels() -> dict:
    """The reason chips' fixed texts, translated once per ranking rather than once per
    candidate."""
    return {
        "no_skill_needed": _("the service needs no particular skill"),
        "skill": _("has the skill"), "no_skill": _("no matching skill"),
        "available": _("available in this slot"),
        "outside": _("slot outside their usual hours"),
        "no_hours": _("no usual hours recorded"),
        "place": {3: _("same building"), 2: _("same grid"), 1: _("same community")},
        "elsewhere": _("another community"),
        "team": _("member of the responsible team"),
        "load": _("%(n)s orders in the last 30 days"),
        "rating": _("average rating %(r).1f"), "unrated": _("not rated yet"),
        "fit": _("age and health fit (Art. 15)"),
    }


def _reasons(c, labels: dict | None = None) -> list[str]:
    """Each chip says only what the data shows."""
    t = labels or _labels()
    reasons = []
    if not c.skill_required:
        reasons.append(t["no_skill_needed"])
    else:
        reasons.append(t["skill"] if c.has_skill else t["no_skill"])
    if c.is_available:
        reasons.append(t["available"])
    elif c.has_hours:
        reasons.append(t["outside"])
    else:
        reasons.append(t["no_hours"])
    reasons.append(t["place"].get(c.place, t["elsewhere"]))
    if c.in_team:
        reasons.append(t["team"])
    reasons.append(t["load"] % {"n": c.load})
    reasons.append(t["rating"] % {"r": c.rating} if c.rating is not None else t["unrated"])
    reasons.append(t["fit"])
    return reasons


def candidates_for_order(*, order: Order, limit: int = 10, now: datetime | None = None,
                         q: str = "", skill=None) -> list[Candidate]:
    """Every volunteer who may do this order, best first, each with the reasons.

    Hard filters (Art. 15 and common sense): active, same street, age within the project's
    bounds, declared healthy when the work is physical, not the served person, not already
    committed to an overlapping order. Soft signals, summed into the score: skill, weekly
    availability covering the slot, distance (same building, grid, community), membership
    of the project's team, average rating, and load over the last 30 days (fewer is better,
    so work is shared fairly). When the service needs a skill, a volunteer who has it always
    ranks above one who has not, however close or fresh the other is. `q` narrows the list to
    names containing it, `skill` to volunteers with that skill. Filtering, scoring and the
    top-N cut all happen in SQL."""
    from django.db import connection

    from linli.volunteers.models import Volunteer

    sql, params = _ranking_sql(order, now or timezone.now(), limit, q=q,
                               skill_id=skill.pk if skill is not None else None)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    volunteers = Volunteer.objects.select_related("resident").in_bulk(
        [row[0] for row in rows])
    result = []
    required = order.project.skill_id is not None
    labels = _labels()
    for pk, has_skill, available, team, place, load, rating, hours, score in rows:
        signals = _Signals(bool(has_skill), bool(available), bool(team), int(place), int(load),
                           float(rating) if rating is not None else None,
                           has_hours=bool(hours), skill_required=required)
        result.append(Candidate(volunteer=volunteers[pk], score=round(float(score), 1),
                                reasons=_reasons(signals, labels), load=signals.load,
                                rating=signals.rating))
    return result


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
