"""Service-order API: projects, the order loop (one operation per transition), dispatch
candidates, meals. Out-of-scope objects answer 404; illegal transitions 409."""

from datetime import date, datetime
from uuid import UUID

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import StrictBool

from linli.accounts.models import Role
from linli.accounts.selectors import communities_for
from linli.common.api import (
    ERRORS,
    BodyInt,
    Error,
    IsoDate,
    IsoDateTime,
    NameStr,
    Pagination,
    body_number,
    require_roles,
)
from linli.common.exceptions import NotFound
from linli.orders import policies, selectors, services
from linli.orders.models import Funding, Meal, MealOrder, MealStatus, Order, OrderStatus

router = Router(tags=["orders"])

MANAGERS = (Role.COMMUNITY_STAFF, Role.STREET_ADMIN)
VOLUNTEERS = (Role.VOLUNTEER,)
SPEAKERS = (Role.RESIDENT, Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_ADMIN)
#: Roles that take part in the order loop at all; which of them may make a given move on a
#: given order is decided by the service (linli.orders.policies), not here.
ORDER_ROLES = (Role.RESIDENT, Role.VOLUNTEER, Role.GRID_WORKER, Role.COMMUNITY_STAFF,
               Role.STREET_ADMIN)


# --- schemas -----------------------------------------------------------------------------


class ProjectOut(Schema):
    uuid: UUID
    community: UUID
    code: str
    name: str
    description: str
    kind: str
    team: UUID | None
    default_minutes: int
    funding: Funding
    points: int
    volunteer_min_age: int
    volunteer_max_age: int | None
    needs_good_health: bool
    requester_min_age: int | None
    active: bool

    @staticmethod
    def resolve_community(obj) -> UUID:
        return obj.community.uuid

    @staticmethod
    def resolve_team(obj) -> UUID | None:
        return obj.team.uuid if obj.team_id else None


class ProjectPatch(Schema):
    """Only the fields sent are changed."""

    name: NameStr = Field("", min_length=1, max_length=64)
    description: str = Field("", max_length=255)
    default_minutes: BodyInt = Field(60, ge=1, le=1440)
    funding: Funding = Funding.COMMUNITY
    points: BodyInt = Field(0, ge=0, le=10000)
    volunteer_min_age: BodyInt = Field(16, ge=14, le=100)
    volunteer_max_age: BodyInt = Field(100, ge=14, le=100)
    needs_good_health: StrictBool = False
    requester_min_age: BodyInt = Field(0, ge=0, le=120)
    active: StrictBool = True


class ProjectIn(ProjectPatch):
    community: UUID
    code: str = Field(..., pattern=r"^[a-z0-9-]{1,32}$")
    name: str = Field(..., min_length=1, max_length=64)


class EventOut(Schema):
    at: datetime
    action: str
    from_status: str
    to_status: str
    note: str
    actor: str

    @staticmethod
    def resolve_actor(obj) -> str:
        return obj.actor.name if obj.actor_id else ""


class OrderOut(Schema):
    uuid: UUID
    project: str
    project_uuid: UUID
    status: OrderStatus
    status_label: str
    channel: str
    household: str
    beneficiary: str
    slot_start: datetime
    slot_end: datetime
    note: str
    funding: Funding
    expected_minutes: int
    volunteer: str | None
    team: str | None
    accept_by: datetime | None
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    actual_minutes: int | None
    rating: int | None
    rating_comment: str
    settled_minutes: int | None
    reason: str
    escalations: int
    checkin_distance_m: int | None
    checkin_far: bool
    early_confirmed_at: datetime | None
    has_photo: bool

    @staticmethod
    def resolve_has_photo(obj) -> bool:
        return bool(obj.photo)

    @staticmethod
    def resolve_project(obj) -> str:
        return obj.project.name

    @staticmethod
    def resolve_project_uuid(obj) -> UUID:
        return obj.project.uuid

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_household(obj) -> str:
        return obj.household.address

    @staticmethod
    def resolve_beneficiary(obj) -> str:
        return obj.beneficiary.name

    @staticmethod
    def resolve_volunteer(obj) -> str | None:
        return obj.volunteer.resident.name if obj.volunteer_id else None

    @staticmethod
    def resolve_team(obj) -> str | None:
        return obj.team.name if obj.team_id else None


class OrderDetailOut(OrderOut):
    events: list[EventOut]

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.select_related("actor"))


class OrderIn(Schema):
    project: UUID
    household: UUID
    beneficiary: UUID | None = None
    slot_start: IsoDateTime
    slot_end: IsoDateTime
    note: str = Field("", max_length=255)
    confirm_overlap: StrictBool = Field(
        False, description="Order although an open order of the same service overlaps "
                           "(otherwise 409 with code `overlap`). An exact duplicate is always "
                           "refused (409, code `duplicate`).")


class OrderFilter(Schema):
    status: OrderStatus | None = None


class OrderReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=255)


class OptionalReasonIn(Schema):
    reason: str = Field("", max_length=255)


class DispatchIn(Schema):
    volunteer: UUID | None = None
    team: UUID | None = None
    note: str = Field("", max_length=255)


class CompleteIn(Schema):
    minutes: BodyInt = Field(
        0, ge=0, le=1440,
        description="Minutes served, between ORDERS_MIN_SERVICE_MINUTES and the time since "
                    "check-in (at most ORDERS_MAX_SERVICE_MINUTES); 0 or absent: the time "
                    "since check-in.")
    note: str = Field("", max_length=500)


class CheckInIn(Schema):
    """The phone's location, if the volunteer allows it (both or neither)."""

    latitude: body_number(-90, 90) | None = None
    longitude: body_number(-180, 180) | None = None


#: Check-in without a location: what an absent body means.
NO_LOCATION = CheckInIn()


class EarlyIn(Schema):
    note: str = Field("", max_length=255)


class CandidateFilter(Schema):
    q: str = Field("", max_length=32, description="Part of the volunteer's name.")
    skill: str = Field("", max_length=32, description="A skill code: only volunteers with it.")


class RateIn(Schema):
    stars: BodyInt = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=500)


class ResolveIn(Schema):
    pay: StrictBool
    note: str = Field(..., min_length=1, max_length=255)
    minutes: BodyInt = Field(0, ge=0, le=1440,
                               description="Minutes to pay; 0 or absent: as recorded.")


class CandidateOut(Schema):
    volunteer: UUID
    name: str
    score: float
    load: int
    rating: float | None
    reasons: list[str]


class MealIn(Schema):
    household: UUID
    date: IsoDate
    meal: Meal = Meal.LUNCH
    portions: BodyInt = Field(1, ge=1, le=6)
    diet: str = Field("", max_length=64)


class MealOut(Schema):
    uuid: UUID
    household: str
    building: str | None
    date: date
    meal: Meal
    portions: int
    diet: str
    status: MealStatus
    volunteer: str | None

    @staticmethod
    def resolve_household(obj) -> str:
        return obj.household.address

    @staticmethod
    def resolve_building(obj) -> str | None:
        return obj.household.building.name if obj.household.building_id else None

    @staticmethod
    def resolve_volunteer(obj) -> str | None:
        return obj.volunteer.resident.name if obj.volunteer_id else None


class MealDayFilter(Schema):
    date: IsoDate | None = None


class PrepRow(Schema):
    community: str
    meal: Meal
    diet: str
    portions: int
    households: int


class AssignIn(Schema):
    community: UUID
    date: IsoDate
    meal: Meal = Meal.LUNCH
    building: UUID | None = None
    volunteer: UUID


class AssignOut(Schema):
    assigned: int


class OutcomeIn(Schema):
    delivered: StrictBool
    note: str = Field("", max_length=255)


# --- helpers ------------------------------------------------------------------------------


def _order(request, uuid: UUID) -> Order:
    order = selectors.order_get_for_user(user=request.auth, uuid=uuid)
    if order is None:
        raise Http404
    return order


def _household(request, uuid: UUID):
    """A household the caller may order for: their own (member or proxy), or one in the
    communities or grids they work for."""
    from linli.registry.models import Household
    from linli.registry.selectors import household_ids_of_member, household_list_for_user

    user = request.auth
    household = Household.objects.filter(uuid=uuid, pk__in=household_ids_of_member(user)).first()
    if household is None and user.is_staff_member:
        household = household_list_for_user(user=user).filter(uuid=uuid).first()
    if household is None:
        raise NotFound(_("Household not found."))
    return household


# --- projects -----------------------------------------------------------------------------


@router.get("/orders/projects", response={200: list[ProjectOut], **ERRORS})
def project_list(request):
    """The service catalogue of the caller's household community (or communities worked for)."""
    return list(selectors.project_list_for_user(user=request.auth))


@router.post("/orders/projects", response={201: ProjectOut, **ERRORS})
def project_create(request, payload: ProjectIn):
    require_roles(request, *MANAGERS)
    community = communities_for(request.auth, set(MANAGERS)).filter(uuid=payload.community).first()
    if community is None:
        raise NotFound(_("Community not found."))
    fields = payload.dict(exclude_unset=True, exclude={"community", "code", "name"})
    project = services.project_create(community=community, code=payload.code,
                                      name=payload.name, actor=request.auth, **fields)
    return Status(201, project)


@router.patch("/orders/projects/{uuid}", response={200: ProjectOut, **ERRORS})
def project_update(request, uuid: UUID, payload: ProjectPatch):
    require_roles(request, *MANAGERS)
    project = selectors.project_get_for_manager(user=request.auth, uuid=uuid)
    if project is None:
        raise Http404
    fields = payload.dict(exclude_unset=True)
    return services.project_update(project=project, actor=request.auth, **fields)


# --- orders -------------------------------------------------------------------------------


@router.get("/orders", response={200: list[OrderOut], **ERRORS})
@paginate(Pagination)
def order_list(request, filters: Query[OrderFilter]):
    """Orders the caller may see: their household's, offered or assigned to them, or those of
    the communities they work for."""
    return selectors.order_list_for_user(user=request.auth, status=filters.status or "")


@router.post("/orders", response={201: OrderDetailOut, **ERRORS})
def order_submit(request, payload: OrderIn):
    """点单 — by the resident, a confirmed family proxy (代点单) or staff taking a phone call."""
    from linli.registry.models import Resident

    household = _household(request, payload.household)
    project = selectors.project_list_for_household(household=household).filter(
        uuid=payload.project).first()
    if project is None:
        raise NotFound(_("Service not found."))
    beneficiary = None
    if payload.beneficiary:
        beneficiary = Resident.objects.filter(household=household, uuid=payload.beneficiary
                                              ).first()
        if beneficiary is None:
            raise NotFound(_("Resident not found."))
    order = services.order_submit(project=project, household=household, actor=request.auth,
                                  beneficiary=beneficiary, slot_start=payload.slot_start,
                                  slot_end=payload.slot_end, note=payload.note,
                                  overlap_confirmed=payload.confirm_overlap)
    return Status(201, order)


@router.get("/orders/board", response={200: list[OrderOut], **ERRORS})
@paginate(Pagination)
def order_board(request):
    """Staff: orders waiting for review, dispatch or a dispute decision."""
    require_roles(request, *MANAGERS)
    return selectors.board_for_user(user=request.auth)


@router.get("/orders/offers", response={200: list[OrderOut], **ERRORS})
def order_offers(request):
    """Volunteer: orders offered to me or my teams, and those I have accepted."""
    require_roles(request, Role.VOLUNTEER)
    volunteer = services.volunteer_of(request.auth)
    if volunteer is None:
        return []
    return [*selectors.offers_for_volunteer(volunteer=volunteer),
            *selectors.tasks_for_volunteer(volunteer=volunteer)]


@router.get("/orders/{uuid}", response={200: OrderDetailOut, **ERRORS})
def order_get(request, uuid: UUID):
    return _order(request, uuid)


@router.get("/orders/{uuid}/candidates", response={200: list[CandidateOut], **ERRORS})
def order_candidates(request, uuid: UUID, filters: Query[CandidateFilter]):
    """Ranked volunteers for this order, each with the reasons (skill, availability,
    distance, load, rating, Art. 15 fit)."""
    from linli.volunteers.models import Skill

    require_roles(request, *MANAGERS)
    order = selectors.order_get_for_manager(user=request.auth, uuid=uuid)
    if order is None:
        raise Http404
    skill = None
    if filters.skill:
        skill = Skill.objects.filter(code=filters.skill).first()
        if skill is None:
            raise NotFound(_("Skill not found."), field="skill")
    return [{"volunteer": c.volunteer.uuid, "name": c.volunteer.resident.name,
             "score": c.score, "load": c.load, "rating": c.rating, "reasons": c.reasons}
            for c in selectors.candidates_for_order(order=order, q=filters.q.strip(),
                                                    skill=skill)]


def _acting_on(request, uuid: UUID, roles=ORDER_ROLES) -> Order:
    """An order the caller can see, for an action. `roles` is only the coarse gate (a store
    clerk never acts on orders; staff moves need a staff role, so a volunteer who cannot even
    see a waiting order is told 403, not 404); whether this person may make this move on this
    order is decided by the service (linli.orders.policies)."""
    require_roles(request, *roles)
    return _order(request, uuid)


def _target(request, order: Order, payload: DispatchIn):
    volunteer = team = None
    if not policies.can_dispatch(request.auth, order):
        return None, None  # the service refuses this caller (403) before any lookup matters
    if payload.volunteer:
        volunteer = selectors.volunteer_for_dispatch(order=order, uuid=payload.volunteer)
        if volunteer is None:
            raise NotFound(_("Volunteer not found."), field="volunteer")
    if payload.team:
        team = selectors.team_for_dispatch(order=order, uuid=payload.team)
        if team is None:
            raise NotFound(_("Team not found."), field="team")
    return volunteer, team


@router.post("/orders/{uuid}/refuse", response={200: OrderDetailOut, **ERRORS})
def order_refuse(request, uuid: UUID, payload: OrderReasonIn):
    order = _acting_on(request, uuid, MANAGERS)
    return services.order_refuse(order=order, actor=request.auth, reason=payload.reason)


@router.post("/orders/{uuid}/dispatch", response={200: OrderDetailOut, **ERRORS})
def order_dispatch(request, uuid: UUID, payload: DispatchIn):
    """派单 to one volunteer or to a team (its members can grab it; exactly one wins)."""
    order = _acting_on(request, uuid, MANAGERS)
    volunteer, team = _target(request, order, payload)
    return services.order_dispatch(order=order, actor=request.auth, volunteer=volunteer,
                                   team=team, note=payload.note)


@router.post("/orders/{uuid}/reassign", response={200: OrderDetailOut, **ERRORS})
def order_reassign(request, uuid: UUID, payload: DispatchIn):
    order = _acting_on(request, uuid, MANAGERS)
    volunteer, team = _target(request, order, payload)
    return services.order_reassign(order=order, actor=request.auth, volunteer=volunteer,
                                   team=team, note=payload.note)


@router.post("/orders/{uuid}/accept", response={200: OrderDetailOut, **ERRORS})
def order_accept(request, uuid: UUID):
    return services.order_accept(order=_acting_on(request, uuid, VOLUNTEERS),
                                 actor=request.auth)


@router.post("/orders/{uuid}/decline", response={200: OrderDetailOut, **ERRORS})
def order_decline(request, uuid: UUID, payload: OptionalReasonIn):
    return services.order_decline(order=_acting_on(request, uuid, VOLUNTEERS),
                                  actor=request.auth,
                                  reason=payload.reason)


@router.post("/orders/{uuid}/check-in", response={200: OrderDetailOut, **ERRORS})
def order_check_in(request, uuid: UUID, payload: CheckInIn = NO_LOCATION):
    """签到: opens ORDERS_CHECKIN_OPENS_MINUTES before the booked slot and closes
    ORDERS_CHECKIN_CLOSES_MINUTES after it ends (409 outside). An optional phone location far
    from the household's building flags the order for staff; it is never refused for that.
    The body is optional: send none, or an object (a JSON `null` is refused as elsewhere)."""
    return services.order_check_in(order=_acting_on(request, uuid, VOLUNTEERS),
                                   actor=request.auth,
                                   latitude=payload.latitude,
                                   longitude=payload.longitude)


@router.post("/orders/{uuid}/complete", response={200: OrderDetailOut, **ERRORS})
def order_complete(request, uuid: UUID, payload: CompleteIn):
    """圆单: check-out with the minutes actually served (at least the minimum, at most the time
    since check-in); not before the booked slot starts unless staff confirmed an early visit."""
    return services.order_complete(order=_acting_on(request, uuid, VOLUNTEERS),
                                   actor=request.auth,
                                   minutes=payload.minutes or None, note=payload.note)


@router.post("/orders/{uuid}/photo",
             response={200: OrderDetailOut, 413: Error, **ERRORS})
def order_photo(request, uuid: UUID, photo: File[UploadedFile] = None):
    """The serving volunteer's photo of the service (multipart field `photo`; JPEG, PNG, WebP
    or GIF, at most 5 MB), while in service or completed and not yet confirmed. 403: not the
    assigned volunteer; 404: no such order; 409: not a picture, or the order's state does not
    take a photo; 413: the file is too large."""
    order = _acting_on(request, uuid, VOLUNTEERS)
    return services.order_photo_attach(order=order, actor=request.auth, photo=photo)


@router.post("/orders/{uuid}/confirm-early", response={200: OrderDetailOut, **ERRORS})
def order_confirm_early(request, uuid: UUID, payload: EarlyIn):
    """Staff confirm a visit before its booked slot (check-in may open early and the service
    may be completed before the slot starts)."""
    return services.order_confirm_early(order=_acting_on(request, uuid, MANAGERS),
                                        actor=request.auth, note=payload.note)


@router.post("/orders/{uuid}/rate", response={200: OrderDetailOut, **ERRORS})
def order_rate(request, uuid: UUID, payload: RateIn):
    """评单: 1–5 stars; confirmation settles the volunteer's hours exactly once."""
    return services.order_rate(order=_acting_on(request, uuid), actor=request.auth,
                               stars=payload.stars, comment=payload.comment)


@router.post("/orders/{uuid}/dispute", response={200: OrderDetailOut, **ERRORS})
def order_dispute(request, uuid: UUID, payload: OrderReasonIn):
    return services.order_dispute(order=_acting_on(request, uuid), actor=request.auth,
                                  reason=payload.reason)


@router.post("/orders/{uuid}/resolve", response={200: OrderDetailOut, **ERRORS})
def order_resolve(request, uuid: UUID, payload: ResolveIn):
    return services.order_resolve(order=_acting_on(request, uuid, MANAGERS),
                                  actor=request.auth,
                                  pay=payload.pay, note=payload.note,
                                  minutes=payload.minutes or None)


@router.post("/orders/{uuid}/settle", response={200: OrderDetailOut, **ERRORS})
def order_settle(request, uuid: UUID):
    """Retry a settlement the ledger deferred; settling a settled order changes nothing."""
    return services.order_settle(order=_acting_on(request, uuid, MANAGERS),
                                 actor=request.auth)


@router.post("/orders/{uuid}/cancel", response={200: OrderDetailOut, **ERRORS})
def order_cancel(request, uuid: UUID, payload: OptionalReasonIn):
    return services.order_cancel(order=_acting_on(request, uuid), actor=request.auth,
                                 reason=payload.reason)


# --- meals --------------------------------------------------------------------------------


@router.get("/meals", response={200: list[MealOut], **ERRORS})
@paginate(Pagination)
def meal_list(request, filters: Query[MealDayFilter]):
    return selectors.meal_list_for_user(user=request.auth, day=filters.date)


@router.post("/meals", response={201: MealOut, **ERRORS})
def meal_create(request, payload: MealIn):
    """在家点餐: one household's meal for one day."""
    from linli.orders.models import ProjectKind

    household = _household(request, payload.household)
    project = selectors.project_list_for_household(household=household,
                                                   kind=ProjectKind.MEAL).first()
    if project is None:
        raise NotFound(_("This community offers no meal service."))
    meal = services.meal_order_create(project=project, household=household,
                                      actor=request.auth, date=payload.date,
                                      meal=payload.meal, portions=payload.portions,
                                      diet=payload.diet)
    return Status(201, meal)


def _meal(request, uuid: UUID) -> MealOrder:
    meal = selectors.meal_get_for_user(user=request.auth, uuid=uuid)
    if meal is None:
        raise Http404
    return meal


@router.post("/meals/{uuid}/cancel", response={200: MealOut, **ERRORS})
def meal_cancel(request, uuid: UUID):
    require_roles(request, Role.RESIDENT, *MANAGERS)
    return services.meal_order_cancel(meal_order=_meal(request, uuid), actor=request.auth)


@router.post("/meals/{uuid}/outcome", response={200: MealOut, **ERRORS})
def meal_outcome(request, uuid: UUID, payload: OutcomeIn):
    """Delivered, or nobody at home."""
    require_roles(request, Role.VOLUNTEER, *MANAGERS)
    return services.meal_deliver(meal_order=_meal(request, uuid), actor=request.auth,
                                 delivered=payload.delivered, note=payload.note)


@router.get("/meals/preparation", response={200: list[PrepRow], **ERRORS})
def meal_preparation(request, filters: Query[MealDayFilter]):
    """The centre's preparation list for a day (portions per meal and dietary need)."""
    require_roles(request, *MANAGERS)
    day = filters.date or timezone.localdate()
    return [{"community": r["community__name"], "meal": r["meal"], "diet": r["diet"],
             "portions": r["portions"], "households": r["households"]}
            for r in selectors.meal_preparation(user=request.auth, day=day)]


@router.post("/meals/assignments", response={200: AssignOut, **ERRORS})
def meal_assign(request, payload: AssignIn):
    """Give one building's deliveries for a meal to a volunteer."""
    from linli.registry.models import Building
    from linli.volunteers.models import Volunteer

    require_roles(request, *MANAGERS)
    community = communities_for(request.auth, set(MANAGERS)).filter(uuid=payload.community
                                                                     ).first()
    if community is None:
        raise NotFound(_("Community not found."))
    building = None
    if payload.building:
        building = Building.objects.filter(uuid=payload.building,
                                           estate__community=community).first()
        if building is None:
            raise NotFound(_("Building not found."), field="building")
    volunteer = Volunteer.objects.filter(uuid=payload.volunteer,
                                         community__street_id=community.street_id).first()
    if volunteer is None:
        raise NotFound(_("Volunteer not found."), field="volunteer")
    count = services.meal_assign(community=community, date=payload.date, meal=payload.meal,
                                 actor=request.auth, volunteer=volunteer, building=building)
    return {"assigned": count}

