"""Civic points API: my household's points, claims and their review, conventions, rankings."""

from datetime import date, datetime
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import StrictBool

from linli.accounts.models import Role
from linli.common.api import (
    ERRORS,
    BodyInt,
    CodeStr,
    IsoDate,
    NameStr,
    Pagination,
    body_int,
    require_roles,
)
from linli.common.exceptions import NotFound
from linli.common.periods import Period
from linli.ledger import selectors as ledger_selectors
from linli.ledger.api import StatementEntryOut, StatementPage
from linli.points import selectors, services
from linli.points.models import Category, Claim, ClaimStatus

#: An optional bounded whole number. The bounds sit inside the union (before the bool check)
#: so that the OpenAPI schema documents them as minimum/maximum.
OptionalLimit = body_int(1, 1000)
OptionalPoints = body_int(1, 1_000_000)

router = Router(tags=["points"])

REVIEWERS = tuple(services.REVIEWER_ROLES)
MANAGERS = tuple(services.MANAGER_ROLES)


class ItemOut(Schema):
    uuid: UUID
    code: str
    title: str
    category: Category
    points: int
    is_deduction: bool
    evidence: str
    photo_required: bool
    cap_count: int | None
    period: Period


class ConventionOut(Schema):
    uuid: UUID
    community: str
    version: int
    title: str
    status: str
    allows_deductions: bool
    adopted_on: date | None
    meeting: str
    entitled_count: int | None
    present_count: int | None
    votes_for: int | None
    items: list[ItemOut]

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name

    @staticmethod
    def resolve_items(obj) -> list:
        return list(obj.items.all())


class ClaimOut(Schema):
    uuid: UUID
    household: str
    household_uuid: UUID
    item: ItemOut
    member: str | None
    origin: str
    occurred_on: date
    note: str
    has_photo: bool
    status: ClaimStatus
    points: int
    reason: str
    created_at: datetime
    recorded_by: str | None = Field(None, description="Who recorded or submitted the claim.")
    decided_at: datetime | None
    decided_by: str | None = Field(None, description="Who approved or rejected it.")

    @staticmethod
    def resolve_recorded_by(obj: Claim) -> str | None:
        user = obj.submitted_by
        return (user.name or user.mobile) if user is not None else None

    @staticmethod
    def resolve_decided_by(obj: Claim) -> str | None:
        user = obj.decided_by
        return (user.name or user.mobile) if user is not None else None

    @staticmethod
    def resolve_household(obj: Claim) -> str:
        return obj.household.address

    @staticmethod
    def resolve_household_uuid(obj: Claim) -> UUID:
        return obj.household.uuid

    @staticmethod
    def resolve_member(obj: Claim) -> str | None:
        return obj.resident.name if obj.resident_id else None

    @staticmethod
    def resolve_has_photo(obj: Claim) -> bool:
        return bool(obj.photo)


class EarningOut(Schema):
    member: str | None
    points: int


class MyPointsOut(Schema):
    household: str
    household_uuid: UUID
    balance: int
    reserved: int
    available: int
    members: list[EarningOut]


class RankingOut(Schema):
    rank: int
    address: str
    surname: str
    points: int


class ConventionIn(Schema):
    community: UUID
    title: NameStr = Field(..., min_length=1, max_length=100)
    allows_deductions: StrictBool = False


class ItemIn(Schema):
    code: CodeStr = Field(..., min_length=1, max_length=16)
    title: NameStr = Field(..., min_length=1, max_length=100)
    category: Category
    points: BodyInt = Field(..., ge=1, le=10_000)
    is_deduction: StrictBool = False
    evidence: str = Field("", max_length=200)
    photo_required: StrictBool = False
    cap_count: OptionalLimit | None = None
    period: Period = Period.MONTH


class AdoptIn(Schema):
    adopted_on: IsoDate
    meeting: str = Field(..., min_length=1, max_length=100)
    entitled_count: BodyInt = Field(..., ge=1, le=1_000_000)
    present_count: BodyInt = Field(..., ge=0, le=1_000_000)
    votes_for: BodyInt = Field(..., ge=0, le=1_000_000)


class ClaimIn(Schema):
    item: UUID
    # Not nullable in the schema: a multipart form has no null, only a missing field.
    member: UUID = None
    occurred_on: IsoDate = None
    note: str = Field("", max_length=500)


class InspectionIn(ClaimIn):
    household: UUID


class DecisionIn(Schema):
    note: str = Field("", max_length=255)


class RejectIn(Schema):
    reason: str = Field(..., min_length=1, max_length=255)


class BulkIn(Schema):
    claims: list[UUID] = Field(..., min_length=1, max_length=200)


class BulkRefusal(Schema):
    claim: UUID
    message: str


class BulkOut(Schema):
    approved: list[UUID]
    refused: list[BulkRefusal]


class QueueFilter(Schema):
    status: ClaimStatus = ClaimStatus.PENDING
    grid: UUID | None = None


class RankingFilter(Schema):
    community: UUID | None = None
    month: str | None = Field(None, pattern=r"^20\d{2}-(0[1-9]|1[0-2])$")


def _household(request):
    household = selectors.household_for_user(request.auth)
    if household is None:
        raise NotFound(_("Your account is not linked to a household yet."))
    return household


def _member(household, uuid):
    if uuid is None:
        return None
    resident = household.residents.filter(uuid=uuid, anonymised_at__isnull=True).first()
    if resident is None:
        raise NotFound(_("Household member not found."))
    return resident


def _item_in_force(community, uuid):
    item = selectors.items_in_force(community=community).filter(uuid=uuid).first()
    if item is None:
        raise NotFound(_("This item is not part of your community's convention."))
    return item


def _claim(request, uuid) -> Claim:
    claim = selectors.claim_get_for_user(user=request.auth, uuid=uuid)
    if claim is None:
        raise NotFound(_("Claim not found."))
    return claim


def _review_claim(request, uuid) -> Claim:
    claim = selectors.claim_queue_for_user(user=request.auth, status="").filter(uuid=uuid).first()
    if claim is None:
        raise NotFound(_("Claim not found."))
    return claim


# --- household --------------------------------------------------------------------------


@router.get("/points/me", response={200: MyPointsOut, **ERRORS})
def points_me(request):
    """My household's points: balance, what is held for pending exchanges, and what each
    member earned."""
    household = _household(request)
    account = selectors.points_account(household)
    return {
        "household": household.address, "household_uuid": household.uuid,
        "balance": account.balance if account else 0,
        "reserved": account.reserved if account else 0,
        "available": account.available if account else 0,
        "members": [{"member": e.name or None, "points": e.points}
                    for e in selectors.member_earnings(household=household)],
    }


@router.get("/points/me/statement", response={200: list[StatementEntryOut], **ERRORS})
@paginate(Pagination)
def points_statement(request):
    household = _household(request)
    account = selectors.points_account(household)
    if account is None:
        return []
    return StatementPage(account, ledger_selectors.transfer_list_for_account(account=account))


@router.get("/points/items", response={200: list[ItemOut], **ERRORS})
def points_items(request):
    """The items of my community's convention in force."""
    household = _household(request)
    return list(selectors.items_in_force(community=household.community))


@router.get("/points/me/claims", response={200: list[ClaimOut], **ERRORS})
@paginate(Pagination)
def my_claims(request):
    return selectors.claim_list_for_household(household=_household(request))


@router.post("/points/claims", response={201: ClaimOut, **ERRORS})
def claim_submit(request, payload: Form[ClaimIn], photo: File[UploadedFile] = None):
    """Self-report (multipart form; `photo` optional unless the item requires it)."""
    household = _household(request)
    claim = services.claim_submit(
        household=household, item=_item_in_force(household.community, payload.item),
        actor=request.auth, resident=_member(household, payload.member), note=payload.note,
        photo=photo, occurred_on=payload.occurred_on)
    return Status(201, claim)


@router.get("/points/claims/{uuid}", response={200: ClaimOut, **ERRORS})
def claim_get(request, uuid: UUID):
    require_roles(request, Role.RESIDENT, *REVIEWERS)
    return _claim(request, uuid)


# --- review -----------------------------------------------------------------------------


@router.get("/points/claims", response={200: list[ClaimOut], **ERRORS})
@paginate(Pagination)
def claim_queue(request, filters: Query[QueueFilter]):
    """The review queue of my grids (grid workers), communities (staff) or street."""
    require_roles(request, *REVIEWERS)
    grid = None
    if filters.grid is not None:
        grid = selectors.review_grids(request.auth).filter(uuid=filters.grid).first()
        if grid is None:
            raise NotFound(_("Grid not found."))
    return selectors.claim_queue_for_user(user=request.auth, status=filters.status, grid=grid)


@router.post("/points/inspections", response={201: ClaimOut, **ERRORS})
def claim_record(request, payload: InspectionIn):
    """A grid worker records a claim (or a deduction) seen on inspection."""
    require_roles(request, *REVIEWERS)
    household = selectors.review_households(request.auth).filter(uuid=payload.household).first()
    if household is None:
        raise NotFound(_("Household not found."))
    claim = services.claim_record(
        household=household, item=_item_in_force(household.community, payload.item),
        actor=request.auth, resident=_member(household, payload.member), note=payload.note,
        occurred_on=payload.occurred_on)
    return Status(201, claim)


@router.post("/points/claims/{uuid}/approve", response={200: ClaimOut, **ERRORS})
def claim_approve(request, uuid: UUID, payload: DecisionIn):
    require_roles(request, *REVIEWERS)
    return services.claim_approve(claim=_review_claim(request, uuid), actor=request.auth,
                                  note=payload.note)


@router.post("/points/claims/{uuid}/reject", response={200: ClaimOut, **ERRORS})
def claim_reject(request, uuid: UUID, payload: RejectIn):
    require_roles(request, *REVIEWERS)
    return services.claim_reject(claim=_review_claim(request, uuid), actor=request.auth,
                                 reason=payload.reason)


@router.post("/points/claim-approvals", response={200: BulkOut, **ERRORS})
def claim_bulk_approve(request, payload: BulkIn):
    """Approve several claims of my queue; each is decided on its own."""
    require_roles(request, *REVIEWERS)
    claims = list(selectors.claim_queue_for_user(user=request.auth).filter(
        uuid__in=payload.claims))
    approved, refused = services.claim_bulk_approve(claims=claims, actor=request.auth)
    return {"approved": [c.uuid for c in approved],
            "refused": [{"claim": c.uuid, "message": m} for c, m in refused]}


# --- conventions ------------------------------------------------------------------------


def _convention(request, uuid):
    convention = selectors.convention_get_for_user(user=request.auth, uuid=uuid)
    if convention is None:
        raise NotFound(_("Convention not found."))
    return convention


@router.get("/points/conventions", response={200: list[ConventionOut], **ERRORS})
@paginate(Pagination)
def convention_list(request):
    require_roles(request, *MANAGERS)
    return selectors.convention_list_for_user(user=request.auth).prefetch_related("items")


@router.post("/points/conventions", response={201: ConventionOut, **ERRORS})
def convention_create(request, payload: ConventionIn):
    """Start a new draft version (a copy of the version in force)."""
    require_roles(request, *MANAGERS)
    community = selectors.manager_communities(request.auth).filter(
        uuid=payload.community).first()
    if community is None:
        raise NotFound(_("Community not found."))
    return Status(201, services.convention_create(
        community=community, title=payload.title, allows_deductions=payload.allows_deductions,
        actor=request.auth))


@router.get("/points/conventions/{uuid}", response={200: ConventionOut, **ERRORS})
def convention_get(request, uuid: UUID):
    require_roles(request, *MANAGERS)
    return _convention(request, uuid)


@router.post("/points/conventions/{uuid}/items", response={201: ItemOut, **ERRORS})
def convention_item_add(request, uuid: UUID, payload: ItemIn):
    require_roles(request, *MANAGERS)
    item = services.convention_item_add(convention=_convention(request, uuid),
                                        actor=request.auth, **payload.dict())
    return Status(201, item)


@router.post("/points/conventions/{uuid}/adopt", response={200: ConventionOut, **ERRORS})
def convention_adopt(request, uuid: UUID, payload: AdoptIn):
    """Record the residents' meeting: quorum is more than half of those entitled; adoption
    more than half of those present."""
    require_roles(request, *MANAGERS)
    return services.convention_adopt(convention=_convention(request, uuid), actor=request.auth,
                                     **payload.dict())


# --- automatic award rules -------------------------------------------------------------


class RuleOut(Schema):
    uuid: UUID
    community: str
    code: str
    title: str
    points_per_unit: int
    unit_label: str
    cap_points: int | None
    period: Period
    active: bool

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name


class RuleIn(Schema):
    community: UUID
    code: CodeStr = Field(..., min_length=1, max_length=32)
    title: NameStr = Field(..., min_length=1, max_length=100)
    points_per_unit: BodyInt = Field(..., ge=1, le=1000)
    unit_label: str = Field("", max_length=16)
    cap_points: OptionalPoints | None = None
    period: Period = Period.MONTH
    active: StrictBool = True


@router.get("/points/rules", response={200: list[RuleOut], **ERRORS})
@paginate(Pagination)
def rule_list(request):
    """Automatic award rules (used by `award_for_source` for volunteer hours, attendance)."""
    require_roles(request, *MANAGERS)
    return selectors.award_rule_list_for_user(user=request.auth).order_by("community__code",
                                                                          "code")


@router.put("/points/rules", response={200: RuleOut, **ERRORS})
def rule_set(request, payload: RuleIn):
    """Create or change a rule (by community and code); past awards keep their points."""
    require_roles(request, *MANAGERS)
    community = selectors.manager_communities(request.auth).filter(
        uuid=payload.community).first()
    if community is None:
        raise NotFound(_("Community not found."))
    data = payload.dict()
    data.pop("community")
    return services.award_rule_set(community=community, actor=request.auth, **data)


# --- ranking ----------------------------------------------------------------------------


@router.get("/points/rankings", response={200: list[RankingOut], **ERRORS})
def rankings(request, filters: Query[RankingFilter]):
    """Households by points earned in a month: address and surname only (publishable)."""
    communities = selectors.ranking_communities(request.auth)
    if filters.community is not None:
        community = communities.filter(uuid=filters.community).first()
    else:
        household = selectors.household_for_user(request.auth)
        community = (communities.filter(pk=household.community_id).first()
                     if household else None) or communities.first()
    if community is None:
        raise NotFound(_("Community not found."))
    month = selectors.this_month()
    if filters.month:
        year, number = (int(p) for p in filters.month.split("-"))
        month = date(year, number, 1)
    return [r.__dict__ for r in selectors.ranking_for(community=community, month=month)]

