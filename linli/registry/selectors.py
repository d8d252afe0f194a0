"""Reads for the grid registry, scoped to who may see what.

- a grid worker sees the households of their grids;
- community staff see their communities; a street administrator the whole street;
- a resident sees only their own household (as a linked member or a confirmed proxy).
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from linli.accounts.models import Role, User
from linli.accounts.selectors import communities_for, grids_for
from linli.registry.models import (
    BindingKind,
    BindingStatus,
    Building,
    DeletionRequest,
    DeletionStatus,
    Grid,
    Household,
    HouseholdBinding,
    ImportJob,
    Resident,
    Tag,
)
from linli.registry.privacy import hash_id_number, normalise_id_number

REGISTRY_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_ADMIN})
#: May reveal one full ID number or mobile (logged) for a record in scope.
REVEAL_ROLES = REGISTRY_ROLES
#: May import, print plates, export in full (with a logged reason).
MANAGER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN})

ID_RE = re.compile(r"^\d{17}[\dXx]$")
DIGITS_RE = re.compile(r"^\d{3,11}$")
LATIN_RE = re.compile(r"^[A-Za-z]+$")


def grid_list_for_user(*, user: User) -> QuerySet:
    return grids_for(user, REGISTRY_ROLES).select_related(
        "community__street__district").order_by("community__code", "number")


def grid_get_for_user(*, user: User, uuid) -> Grid | None:
    return grid_list_for_user(user=user).filter(uuid=uuid).first()


def community_list_for_manager(*, user: User) -> QuerySet:
    return communities_for(user, MANAGER_ROLES).select_related("street").order_by("code")


def registry_grid_ids(user: User) -> list[int]:
    """The ids of the grids the user sees in the registry (one small query)."""
    return list(grids_for(user, REGISTRY_ROLES).values_list("id", flat=True))


def _scoped_households(user: User) -> QuerySet:
    return Household.objects.filter(grid__in=grids_for(user, REGISTRY_ROLES))


def household_list_for_user(*, user: User, q: str = "", grid: Grid | None = None) -> QuerySet:
    qs = _scoped_households(user)
    if grid is not None:
        qs = qs.filter(grid=grid)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(address__icontains=q)
                       | Q(residents__name__contains=q)).distinct()
    # (community_id, number) is the unique index: the page is read in index order.
    return qs.select_related("grid", "community", "head", "building__estate").order_by(
        "community_id", "number")


def household_get_for_user(*, user: User, uuid) -> Household | None:
    return household_list_for_user(user=user).filter(uuid=uuid).first()


def building_list_for_user(*, user: User) -> QuerySet:
    return Building.objects.filter(grid__in=grids_for(user, REGISTRY_ROLES)).select_related(
        "estate__community", "grid").order_by("estate__community__code", "estate__name", "name")


def building_get_for_user(*, user: User, uuid) -> Building | None:
    return building_list_for_user(user=user).filter(uuid=uuid).first()


def tag_list_for_user(*, user: User) -> QuerySet:
    street_ids = {a.street_id for a in user.role_assignments}
    return Tag.objects.filter(street_id__in=street_ids)


def resident_search(qs: QuerySet, *, q: str = "", tag: str = "", address: str = "",
                    mobile_tail: str = "", id_number: str = "") -> QuerySet:
    """Name, full pinyin, pinyin initials (`zs` finds 张三), mobile tail, exact ID number
    (through its keyed hash), address, tag."""
    q = (q or "").strip()
    if q:
        if ID_RE.match(q):
            qs = qs.filter(id_number_hash=hash_id_number(q))
        elif DIGITS_RE.match(q):
            qs = qs.filter(mobile__endswith=q)
        elif LATIN_RE.match(q):
            low = q.lower()
            # Initials by prefix (`zs` → 张三, an index range); the pinyin anywhere (`san` →
            # 张三), which a prefix match is part of. On PostgreSQL the trigram index
            # (migration 0009) serves the contains-match; SQLite reads the pinyin column.
            qs = qs.filter(Q(name_initials__startswith=low) | Q(name_pinyin__contains=low))
        else:
            qs = qs.filter(Q(name__contains=q) | Q(household__address__contains=q))
    if tag:
        qs = qs.filter(tags__name=tag)
    if address:
        qs = qs.filter(household__address__contains=address.strip())
    if mobile_tail:
        qs = qs.filter(mobile__endswith=mobile_tail.strip())
    if id_number:
        qs = qs.filter(id_number_hash=hash_id_number(normalise_id_number(id_number)))
    return qs


def resident_list_for_user(*, user: User, q: str = "", tag: str = "", address: str = "",
                           mobile_tail: str = "", id_number: str = "", grid: Grid | None = None,
                           include_inactive: bool = False) -> QuerySet:
    # Scope through the household join (not `household_id IN (subquery)`), so the planner can
    # walk households in (community_id, number) index order and stop after one page.
    # The grid ids are read once (a short list), not compiled into every query as a nested
    # subquery: building that subquery per query cost more than the query itself.
    qs = Resident.objects.filter(household__grid_id__in=registry_grid_ids(user))
    if grid is not None:
        qs = qs.filter(household__grid=grid)
    if not include_inactive:
        qs = qs.filter(moved_out=False, deceased=False, anonymised_at__isnull=True)
    qs = resident_search(qs, q=q, tag=tag, address=address, mobile_tail=mobile_tail,
                         id_number=id_number)
    if tag:
        qs = qs.distinct()
    return qs.select_related("household__grid", "household__community").prefetch_related(
        "tags").order_by("household__community_id", "household__number", "id")


def resident_get_for_user(*, user: User, uuid) -> Resident | None:
    return resident_list_for_user(user=user, include_inactive=True).filter(uuid=uuid).first()


# --- Residents' own view ----------------------------------------------------------------

def household_ids_of_member(user: User) -> set[int]:
    if not user.is_authenticated:
        return set()
    # One query (UNION ALL of the two short lists): several apps ask this on every page.
    linked = Resident.objects.filter(user=user, anonymised_at__isnull=True).order_by(
    ).values_list("household_id", flat=True)
    bound = HouseholdBinding.objects.filter(user=user, status=BindingStatus.CONFIRMED).order_by(
    ).values_list("household_id", flat=True)
    return set(linked.union(bound, all=True))


def household_list_of_member(*, user: User) -> QuerySet:
    return Household.objects.filter(pk__in=household_ids_of_member(user)).select_related(
        "community", "grid")


def resident_of_user(*, user: User) -> Resident | None:
    if not user.is_authenticated:
        return None
    return Resident.objects.filter(user=user, anonymised_at__isnull=True).select_related(
        "household__community", "household__grid").first()


def household_by_token(token: str) -> Household | None:
    if not token or len(token) > 32:
        return None
    return Household.objects.select_related("community__street", "grid", "building").filter(
        door_token=token).first()


def grid_workers_by_grid(grid_ids) -> dict[int, list[User]]:
    """The active grid workers of several grids in one query: {grid id: [user, …]}."""
    from linli.accounts.models import RoleAssignment

    workers: dict[int, list[User]] = {}
    for a in RoleAssignment.objects.filter(role=Role.GRID_WORKER, grid_id__in=list(grid_ids),
                                           user__is_active=True).select_related("user"):
        workers.setdefault(a.grid_id, []).append(a.user)
    return workers


def grid_workers(grid: Grid) -> list[User]:
    from linli.accounts.models import RoleAssignment

    return [a.user for a in RoleAssignment.objects.filter(
        role=Role.GRID_WORKER, grid=grid, user__is_active=True).select_related("user")]


def binding_list_for_user(*, user: User, status: str = BindingStatus.PENDING) -> QuerySet:
    """Requests the user may decide: in their scope, or proxies for them as a member."""
    scope = Q(household__in=_scoped_households(user))
    mine = Q(kind=BindingKind.PROXY, resident__user=user) if user.is_authenticated else Q(pk=None)
    qs = HouseholdBinding.objects.filter(scope | mine)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("household", "user", "resident").order_by("-created_at")


def binding_get_for_user(*, user: User, uuid) -> HouseholdBinding | None:
    return binding_list_for_user(user=user, status="").filter(uuid=uuid).first()


def deletion_request_list_for_user(*, user: User) -> QuerySet:
    # Driven from the few pending requests (joins, not `IN (all households in scope)`).
    return DeletionRequest.objects.filter(
        status=DeletionStatus.PENDING,
        resident__household__grid__in=grids_for(user, REGISTRY_ROLES),
        resident__household__community__in=communities_for(user, MANAGER_ROLES),
    ).select_related("resident__household").order_by("-created_at")


def import_job_list_for_user(*, user: User) -> QuerySet:
    return ImportJob.objects.filter(community__in=communities_for(user, MANAGER_ROLES))


def import_job_get_for_user(*, user: User, uuid) -> ImportJob | None:
    return import_job_list_for_user(user=user).filter(uuid=uuid).first()


def changes_since(*, user: User, since) -> list:
    """Household and resident records changed in the user's grids since `since` (newest
    first, at most 50), from the record history."""
    if since is None:
        return []
    grids = grids_for(user, REGISTRY_ROLES)
    residents = list(Resident.history.filter(history_date__gt=since,
                                             household__grid__in=grids)
                     .select_related("history_user").order_by("-history_date")[:50])
    households = list(Household.history.filter(history_date__gt=since, grid__in=grids)
                      .select_related("history_user").order_by("-history_date")[:50])
    items = [{"kind": "resident", "label": h.name, "type": h.history_type,
              "at": h.history_date, "by": h.history_user} for h in residents]
    items += [{"kind": "household", "label": h.address, "type": h.history_type,
               "at": h.history_date, "by": h.history_user} for h in households]
    return sorted(items, key=lambda i: i["at"], reverse=True)[:50]
