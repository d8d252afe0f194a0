"""Reads for the points store, scoped: households see their community's goods and their own
exchanges; clerks and community staff their communities; street administrators the street."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from linli.accounts.models import User
from linli.accounts.selectors import communities_for
from linli.ledger.selectors import points_communities_for
from linli.registry.selectors import household_ids_of_member
from linli.store.codes import normalise_code
from linli.store.models import Goods, Redemption, RedemptionStatus
from linli.store.policies import CLERK_ROLES


def goods_visible_to(user: User) -> QuerySet:
    """Goods of any community the user belongs to (a role there, or their household)."""
    if not user.is_authenticated:
        return Goods.objects.none()
    return Goods.objects.filter(community__in=points_communities_for(user)).select_related(
        "community", "donor")


def goods_get_for_user(*, user: User, uuid) -> Goods | None:
    return goods_visible_to(user).filter(uuid=uuid).first()


def goods_on_offer(*, community) -> QuerySet:
    now = timezone.now()
    return (Goods.objects.filter(community=community, active=True)
            .filter(Q(available_from__isnull=True) | Q(available_from__lte=now))
            .filter(Q(available_until__isnull=True) | Q(available_until__gt=now))
            .select_related("donor").order_by("price", "name"))


def goods_list_for_clerk(*, user: User, q: str = "") -> QuerySet:
    qs = Goods.objects.filter(community__in=communities_for(user, CLERK_ROLES)).select_related(
        "community", "donor")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(donor__name__icontains=q))
    return qs.order_by("community__code", "-active", "name")


def goods_get_for_clerk(*, user: User, uuid) -> Goods | None:
    return goods_list_for_clerk(user=user).filter(uuid=uuid).first()


def _redemptions() -> QuerySet:
    return Redemption.objects.select_related("goods__community", "household__community",
                                             "requested_by", "closed_by", "transfer")


def redemption_list_for_household(*, household) -> QuerySet:
    return _redemptions().filter(household=household).order_by("-created_at", "-id")


def redemption_get_for_user(*, user: User, uuid) -> Redemption | None:
    if not user.is_authenticated:
        return None
    scope = Q(household_id__in=household_ids_of_member(user))
    if user.has_role(*CLERK_ROLES):
        scope |= Q(goods__community__in=communities_for(user, CLERK_ROLES))
    return _redemptions().filter(scope, uuid=uuid).first()


def redemption_by_code(*, user: User, code: str) -> Redemption | None:
    """Only through `services.counter_lookup` from pages and the API (it counts wrong codes)."""
    code = normalise_code(code)
    if not code or len(code) > 8:
        return None
    return _redemptions().filter(goods__community__in=communities_for(user, CLERK_ROLES),
                                 pickup_code=code).first()


def redemptions_for_clerk(*, user: User, status: str = RedemptionStatus.RESERVED) -> QuerySet:
    qs = _redemptions().filter(goods__community__in=communities_for(user, CLERK_ROLES),
                               status=status)
    if status == RedemptionStatus.RESERVED:
        return qs.order_by("expires_at", "id")
    return qs.order_by("-closed_at", "-id")



# --- lean reads for the pages: only the columns and joins each page shows ----------------

#: The goods tile on the store page: name, photo, price and stock (no donor, no community).
GOODS_TILE_FIELDS = ("id", "uuid", "name", "photo", "price", "stock")
#: A line of "my exchanges" / "waiting for pickup": the goods' name, never the ledger rows,
#: the household or the users (the detail page shows those).
REDEMPTION_LINE_FIELDS = ("id", "uuid", "quantity", "points", "status", "pickup_code",
                          "created_at", "expires_at", "goods__id", "goods__name")


def goods_tiles_on_offer(*, community) -> QuerySet:
    """`goods_on_offer` for the store page: the columns a tile shows, no join."""
    return goods_on_offer(community=community).select_related(None).only(*GOODS_TILE_FIELDS)


def redemption_lines_for_household(*, household) -> QuerySet:
    """The household's exchanges, newest first, as lines: one join (the goods' name)."""
    return (Redemption.objects.filter(household=household).select_related("goods")
            .only(*REDEMPTION_LINE_FIELDS).order_by("-created_at", "-id"))


def redemption_lines_waiting(*, household, limit: int = 5) -> list:
    """The household's exchanges still waiting for pickup, newest first (at most `limit`)."""
    return list(redemption_lines_for_household(household=household)
                .filter(status=RedemptionStatus.RESERVED)[:limit])


def goods_get_for_household(*, user: User, uuid, household) -> Goods | None:
    """`goods_get_for_user` for the goods page, which already holds the user's household
    (`ledger.selectors.household_for_user`, always one of their member households): goods of
    that household's community need no scope query; any other goods go through the full
    scope (a role elsewhere, another household)."""
    if household is not None and user.is_authenticated:
        goods = Goods.objects.select_related("community", "donor").filter(
            uuid=uuid, community_id=household.community_id).first()
        if goods is not None:
            return goods
    return goods_get_for_user(user=user, uuid=uuid)
