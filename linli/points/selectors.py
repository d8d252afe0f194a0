"""Reads for the civic points bank, scoped: a household member sees their household; a grid
worker the queues of their grids; community staff their communities; a street administrator
the whole street. Anything out of scope is simply not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from linli.accounts.models import Role, User
from linli.accounts.selectors import communities_for, grids_for
from linli.common.periods import period_range
from linli.ledger.selectors import (  # noqa: F401 - re-exported for the points pages
    household_for_user,
    households_of_member,
    points_account,
    points_communities_for,
)
from linli.points.models import (
    Award,
    AwardRule,
    Claim,
    ClaimStatus,
    Convention,
    ConventionItem,
    ConventionStatus,
)
from linli.points.services import MANAGER_ROLES, REVIEWER_ROLES

ALL_ROLES = frozenset(Role.values)


def household_ids_for(user: User) -> set[int]:
    from linli.registry.selectors import household_ids_of_member

    return household_ids_of_member(user)


# --- conventions ------------------------------------------------------------------------


def convention_in_force(*, community) -> Convention | None:
    return Convention.objects.filter(community=community, status=ConventionStatus.ADOPTED).first()


def items_in_force(*, community) -> QuerySet:
    return ConventionItem.objects.filter(
        convention__community=community, convention__status=ConventionStatus.ADOPTED
    ).select_related("convention").order_by("order", "code")


def convention_list_for_user(*, user: User) -> QuerySet:
    return Convention.objects.filter(
        community__in=communities_for(user, MANAGER_ROLES)
    ).select_related("community").order_by("community__code", "-version")


def convention_get_for_user(*, user: User, uuid) -> Convention | None:
    return convention_list_for_user(user=user).filter(uuid=uuid).first()


def manager_communities(user: User) -> QuerySet:
    return communities_for(user, MANAGER_ROLES).order_by("code")


def award_rule_list_for_user(*, user: User) -> QuerySet:
    return AwardRule.objects.filter(
        community__in=communities_for(user, MANAGER_ROLES)).select_related("community")


# --- claims -----------------------------------------------------------------------------


def _claims() -> QuerySet:
    return Claim.objects.select_related("item__convention", "household__community",
                                        "household__grid", "resident", "submitted_by",
                                        "decided_by")


def claim_list_for_household(*, household) -> QuerySet:
    """Newest first, by the day it happened (a claim made today about last week sorts by
    last week)."""
    return _claims().filter(household=household).order_by("-occurred_on", "-created_at", "-id")


def claim_duplicates(*, claim: Claim) -> list[Claim]:
    """Other open or approved claims of the same household for the same item on the same day
    (a reviewer should not pay the same thing twice)."""
    return list(_claims().filter(
        household_id=claim.household_id, item__code=claim.item.code, occurred_on=claim.occurred_on,
        item__convention__community_id=claim.household.community_id,
        status__in=(ClaimStatus.PENDING, ClaimStatus.APPROVED)).exclude(pk=claim.pk)
        .order_by("created_at", "id"))


def claim_queue_for_user(*, user: User, status: str = ClaimStatus.PENDING, grid=None,
                         q: str = "") -> QuerySet:
    qs = _claims().filter(household__grid__in=grids_for(user, REVIEWER_ROLES))
    if status:
        qs = qs.filter(status=status)
    if grid is not None:
        qs = qs.filter(household__grid=grid)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(household__address__icontains=q) | Q(household__number__icontains=q)
                       | Q(item__title__icontains=q))
    return qs.order_by("created_at", "id") if status == ClaimStatus.PENDING else qs.order_by(
        "-decided_at", "-id")


def claim_get_for_user(*, user: User, uuid) -> Claim | None:
    """A claim the user may see: their household's, or one in their review scope."""
    if not user.is_authenticated:
        return None
    scope = Q(household_id__in=household_ids_for(user))
    if user.has_role(*REVIEWER_ROLES):
        scope |= Q(household__grid__in=grids_for(user, REVIEWER_ROLES))
    return _claims().filter(scope, uuid=uuid).first()


def review_grids(user: User) -> QuerySet:
    return grids_for(user, REVIEWER_ROLES).select_related("community").order_by(
        "community__code", "number")


def review_households(user: User) -> QuerySet:
    from linli.registry.models import Household

    return Household.objects.filter(grid__in=grids_for(user, REVIEWER_ROLES)).select_related(
        "community", "grid")


# --- household summary and rankings -----------------------------------------------------


@dataclass
class MemberEarning:
    name: str
    points: int


def member_earnings(*, household) -> list[MemberEarning]:
    """Points each member earned (approved claims and awards), household-level last."""
    totals: dict[int | None, int] = {}
    names: dict[int | None, str] = {}
    claims = (Claim.objects.filter(household=household, status=ClaimStatus.APPROVED)
              .values("resident_id", "resident__name").annotate(total=Sum("points")))
    awards = (Award.objects.filter(household=household)
              .values("resident_id", "resident__name").annotate(total=Sum("points")))
    for row in list(claims) + list(awards):
        key = row["resident_id"]
        totals[key] = totals.get(key, 0) + (row["total"] or 0)
        names[key] = row["resident__name"] or ""
    rows = [MemberEarning(name=names[k], points=v) for k, v in totals.items() if k is not None]
    rows.sort(key=lambda r: -r.points)
    if None in totals:
        rows.append(MemberEarning(name="", points=totals[None]))
    return rows


@dataclass
class RankingRow:
    rank: int
    address: str
    surname: str
    points: int


def _surname(household) -> str:
    head = household.head
    name = head.name if head is not None and not head.anonymised_at else ""
    if not name:
        first = next((r for r in household.residents.all() if not r.anonymised_at), None)
        name = first.name if first is not None else ""
    return name[:1]


def ranking_for(*, community, month: date, limit: int = 50) -> list[RankingRow]:
    """文明家庭 candidates: households by points earned in the month (approved claims, net of
    deductions, plus awards). Only the address and the surname are shown, so the list can be
    published on a notice board."""
    from linli.registry.models import Household

    start, end = period_range("month", month)
    totals: dict[int, int] = {}
    for qs, field in (
        (Claim.objects.filter(household__community=community, status=ClaimStatus.APPROVED,
                              decided_at__gte=start, decided_at__lt=end), "household_id"),
        (Award.objects.filter(household__community=community, created_at__gte=start,
                              created_at__lt=end), "household_id"),
    ):
        for row in qs.values(field).annotate(total=Sum("points")):
            totals[row[field]] = totals.get(row[field], 0) + (row["total"] or 0)
    best = sorted(((p, hid) for hid, p in totals.items() if p > 0), key=lambda x: (-x[0], x[1]))
    best = best[:limit]
    households = Household.objects.select_related("head").prefetch_related("residents").in_bulk(
        [hid for _p, hid in best])
    rows, rank, previous = [], 0, None
    for position, (points, hid) in enumerate(best, start=1):
        if points != previous:
            rank, previous = position, points
        h = households[hid]
        rows.append(RankingRow(rank=rank, address=h.address, surname=_surname(h),
                               points=points))
    return rows


def ranking_communities(user: User) -> QuerySet:
    """Communities whose ranking the user may open: any in which they hold a role, plus
    their household's."""
    return points_communities_for(user)


def this_month() -> date:
    return timezone.localdate().replace(day=1)


def label_entries(rows: list) -> list:
    """Give each statement row of a household a `label` people understand: the convention
    item's name for a claim (older memos began with the item's internal code), the rule's
    name for an automatic award, else the memo."""
    claim_uuids = {}
    for row in rows:
        reference = row.transfer.reference or ""
        if reference.startswith("points-claim:"):
            claim_uuids[reference.split(":", 1)[1]] = row
    titles = {}
    if claim_uuids:
        valid = []
        for value in claim_uuids:
            try:
                valid.append(UUID(value))
            except ValueError:
                continue
        titles = {str(u): t for u, t in Claim.objects.filter(uuid__in=valid).values_list(
            "uuid", "item__title")}
    for row in rows:
        reference = row.transfer.reference or ""
        title = titles.get(reference.split(":", 1)[1]) if reference.startswith(
            "points-claim:") else None
        row.label = title or row.transfer.memo or row.transfer.get_kind_display()
    return rows

