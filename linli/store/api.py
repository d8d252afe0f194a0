"""Points store API: goods, exchanges (redemptions) with pickup codes, the counter."""

from datetime import datetime
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import StrictBool

from linli.accounts.models import Role
from linli.common.api import (
    ERRORS,
    BodyInt,
    IsoDateTime,
    NameStr,
    Pagination,
    body_int,
    require_roles,
)
from linli.common.exceptions import NotFound, ValidationError
from linli.common.periods import Period
from linli.ledger import selectors as ledger_selectors
from linli.store import policies, selectors, services
from linli.store.models import Goods, Redemption, RedemptionStatus

#: An optional bounded whole number. The bounds sit inside the union (before the bool check)
#: so that the OpenAPI schema documents them as minimum/maximum.
OptionalLimit = body_int(1, 1000)

router = Router(tags=["store"])

CLERKS = tuple(services.CLERK_ROLES)


class GoodsOut(Schema):
    uuid: UUID
    community: str
    name: str
    description: str
    price: int
    stock: int
    limit_per_household: int | None
    limit_period: Period
    available_from: datetime | None
    available_until: datetime | None
    donor: str | None
    active: bool
    has_photo: bool

    @staticmethod
    def resolve_community(obj: Goods) -> str:
        return obj.community.name

    @staticmethod
    def resolve_donor(obj: Goods) -> str | None:
        return obj.donor.name if obj.donor_id else None

    @staticmethod
    def resolve_has_photo(obj: Goods) -> bool:
        return bool(obj.photo)


class RedemptionOut(Schema):
    uuid: UUID
    goods: str
    goods_uuid: UUID
    household: str
    quantity: int
    points: int
    status: RedemptionStatus
    pickup_code: str
    expires_at: datetime
    created_at: datetime
    closed_at: datetime | None

    @staticmethod
    def resolve_goods(obj: Redemption) -> str:
        return obj.goods.name

    @staticmethod
    def resolve_goods_uuid(obj: Redemption) -> UUID:
        return obj.goods.uuid

    @staticmethod
    def resolve_household(obj: Redemption) -> str:
        return obj.household.address

    @staticmethod
    def resolve_pickup_code(obj: Redemption, context) -> str:
        """The code proves the household at the counter: shown to the household only (and to
        the clerk who has just looked it up by that code)."""
        request = context["request"] if context else None
        user = getattr(request, "auth", None)
        if getattr(request, "linli_code_proven", None) == obj.pk or \
                policies.is_household_member(user, obj.household_id):
            return obj.pickup_code
        return ""


class GoodsIn(Schema):
    community: UUID
    name: NameStr = Field(..., min_length=1, max_length=100)
    description: str = Field("", max_length=500)
    price: BodyInt = Field(..., ge=1, le=1_000_000)
    stock: BodyInt = Field(0, ge=0, le=100_000)
    limit_per_household: OptionalLimit | None = None
    limit_period: Period = Period.MONTH
    available_from: IsoDateTime | None = None
    available_until: IsoDateTime | None = None
    donor_name: str = Field("", max_length=100)
    active: StrictBool = True


class GoodsUpdateIn(Schema):
    name: NameStr = Field(..., min_length=1, max_length=100)
    description: str = Field("", max_length=500)
    price: BodyInt = Field(..., ge=1, le=1_000_000)
    limit_per_household: OptionalLimit | None = None
    limit_period: Period = Period.MONTH
    available_from: IsoDateTime | None = None
    available_until: IsoDateTime | None = None
    donor_name: str = Field("", max_length=100)
    active: StrictBool = True


class RedemptionFilter(Schema):
    status: RedemptionStatus = RedemptionStatus.RESERVED


class RestockIn(Schema):
    quantity: BodyInt = Field(..., ge=1, le=100_000)
    donor_name: str = Field("", max_length=100)
    note: str = Field("", max_length=255)


class RestockOut(Schema):
    goods: UUID
    quantity: int
    stock: int


class RedemptionIn(Schema):
    goods: UUID
    quantity: BodyInt = Field(1, ge=1, le=services.MAX_QUANTITY)
    idempotency_key: str = Field(..., min_length=1, max_length=100,
                                 description="Chosen by the client, unique per exchange: a "
                                             "replay returns the first exchange.")


class HandOverIn(Schema):
    code: str = Field(..., min_length=1, max_length=64,
                      description="The pickup code the household shows (typed or scanned).")


class CancelIn(Schema):
    reason: str = Field("", max_length=255)


def _goods(request, uuid) -> Goods:
    goods = selectors.goods_get_for_user(user=request.auth, uuid=uuid)
    if goods is None:
        raise NotFound(_("Goods not found."))
    return goods


def _clerk_goods(request, uuid) -> Goods:
    goods = selectors.goods_get_for_clerk(user=request.auth, uuid=uuid)
    if goods is None:
        raise NotFound(_("Goods not found."))
    return goods


def _redemption(request, uuid) -> Redemption:
    redemption = selectors.redemption_get_for_user(user=request.auth, uuid=uuid)
    if redemption is None:
        raise NotFound(_("Exchange not found."))
    return redemption


def _household(request):
    household = ledger_selectors.household_for_user(request.auth)
    if household is None:
        raise NotFound(_("Your account is not linked to a household yet."))
    return household


@router.get("/store/goods", response={200: list[GoodsOut], **ERRORS})
@paginate(Pagination)
def goods_list(request):
    """Goods on offer to my household (or, for clerks and staff, in their communities)."""
    if request.auth.has_role(*CLERKS):
        return selectors.goods_list_for_clerk(user=request.auth)
    household = ledger_selectors.household_for_user(request.auth)
    if household is None:
        return Goods.objects.none()
    return selectors.goods_on_offer(community=household.community).select_related("community")


@router.get("/store/goods/{uuid}", response={200: GoodsOut, **ERRORS})
def goods_get(request, uuid: UUID):
    return _goods(request, uuid)


@router.post("/store/goods", response={201: GoodsOut, **ERRORS})
def goods_create(request, payload: GoodsIn):
    require_roles(request, *CLERKS)
    from linli.accounts.selectors import communities_for

    community = communities_for(request.auth, services.CLERK_ROLES).filter(
        uuid=payload.community).first()
    if community is None:
        raise NotFound(_("Community not found."))
    data = payload.dict()
    data.pop("community")
    return Status(201, services.goods_create(community=community, actor=request.auth, **data))


@router.put("/store/goods/{uuid}", response={200: GoodsOut, **ERRORS})
def goods_update(request, uuid: UUID, payload: GoodsUpdateIn):
    """Change what is on offer (stock changes only by restocking and exchanges)."""
    require_roles(request, *CLERKS)
    return services.goods_update(goods=_clerk_goods(request, uuid), actor=request.auth,
                                 **payload.dict())


@router.post("/store/goods/{uuid}/photo", response={200: GoodsOut, **ERRORS})
def goods_photo(request, uuid: UUID, photo: File[UploadedFile] = None):
    """Set the goods' photo (checked with Pillow: JPEG, PNG, WebP or GIF, at most 5 MB)."""
    require_roles(request, *CLERKS)
    goods = _clerk_goods(request, uuid)
    if photo is None:
        raise ValidationError(_("Please choose a photo (JPEG, PNG or WebP)."), field="photo")
    return services.goods_update(
        goods=goods, actor=request.auth, name=goods.name, price=goods.price,
        description=goods.description, limit_per_household=goods.limit_per_household,
        limit_period=goods.limit_period, available_from=goods.available_from,
        available_until=goods.available_until,
        donor_name=goods.donor.name if goods.donor_id else "", active=goods.active, photo=photo)


@router.post("/store/goods/{uuid}/restock", response={200: RestockOut, **ERRORS})
def goods_restock(request, uuid: UUID, payload: RestockIn):
    require_roles(request, *CLERKS)
    goods = _clerk_goods(request, uuid)
    services.goods_restock(goods=goods, actor=request.auth, **payload.dict())
    goods.refresh_from_db()
    return {"goods": goods.uuid, "quantity": payload.quantity, "stock": goods.stock}


@router.post("/store/redemptions", response={201: RedemptionOut, **ERRORS})
def redemption_create(request, payload: RedemptionIn):
    """Exchange points for goods. Stock and points move together; when the goods are gone the
    answer is 409 with `error.code = "sold_out"`. Replaying the same `idempotency_key`
    returns the first exchange."""
    household = _household(request)
    goods = selectors.goods_visible_to(request.auth).filter(
        uuid=payload.goods, community_id=household.community_id).first()
    if goods is None:
        raise NotFound(_("Goods not found."))
    redemption = services.redemption_create(
        household=household, goods=goods, quantity=payload.quantity,
        idempotency_key=payload.idempotency_key, actor=request.auth)
    return Status(201, Redemption.objects.select_related("goods", "household").get(
        pk=redemption.pk))


@router.get("/store/me/redemptions", response={200: list[RedemptionOut], **ERRORS})
@paginate(Pagination)
def my_redemptions(request):
    return selectors.redemption_list_for_household(household=_household(request))


@router.get("/store/redemptions/{uuid}", response={200: RedemptionOut, **ERRORS})
def redemption_get(request, uuid: UUID):
    require_roles(request, Role.RESIDENT, *CLERKS)
    return _redemption(request, uuid)


@router.post("/store/redemptions/{uuid}/cancel", response={200: RedemptionOut, **ERRORS})
def redemption_cancel(request, uuid: UUID, payload: CancelIn):
    """Cancel before pickup: the stock goes back and the points are refunded by reversal."""
    require_roles(request, Role.RESIDENT, *CLERKS)
    return services.redemption_cancel(redemption=_redemption(request, uuid), actor=request.auth,
                                      reason=payload.reason)


@router.get("/store/redemptions", response={200: list[RedemptionOut], **ERRORS})
@paginate(Pagination)
def redemption_list(request, filters: Query[RedemptionFilter]):
    """Exchanges in the clerk's communities (by default those waiting for pickup)."""
    require_roles(request, *CLERKS)
    return selectors.redemptions_for_clerk(user=request.auth, status=filters.status)


@router.get("/store/counter/{code}", response={200: RedemptionOut, **ERRORS})
def counter_lookup(request, code: str):
    """The clerk looks up a pickup code (typed or scanned). Wrong codes are counted per clerk:
    after `STORE_COUNTER_MISSES` in 15 minutes the lookup answers 429."""
    require_roles(request, *CLERKS)
    redemption = services.counter_lookup(actor=request.auth, code=code)
    request.linli_code_proven = redemption.pk
    return redemption


@router.post("/store/redemptions/{uuid}/hand-over", response={200: RedemptionOut, **ERRORS})
def redemption_hand_over(request, uuid: UUID, payload: HandOverIn):
    """Give the goods out: the body carries the pickup code the household shows."""
    require_roles(request, *CLERKS)
    redemption = selectors.redemption_get_for_user(user=request.auth, uuid=uuid)
    if redemption is None:
        raise NotFound(_("Exchange not found."))
    return services.redemption_hand_over(redemption=redemption, actor=request.auth,
                                         code=payload.code)
