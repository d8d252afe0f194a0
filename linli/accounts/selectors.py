"""Who may see what: the scope of a user's roles, resolved to communities and grids.

Every tenant-owned query in a view or API goes through a selector built on these helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Q, QuerySet

from linli.accounts.models import STAFF_ROLES, Role, User, scope_model

#: Scopes worked out in the current request: {(kind, ids the scope is made of): ids}. Set by
#: ScopeCacheMiddleware for one request; outside a request (tasks, commands) nothing is kept.
_request_scopes: ContextVar[dict | None] = ContextVar("linli_request_scopes", default=None)


@contextmanager
def scopes_cached() -> Iterator[None]:
    """Within this block the communities and grids behind a set of streets or communities
    are read once: the selectors of one page ask for the same scope several times."""
    token = _request_scopes.set({})
    try:
        yield
    finally:
        _request_scopes.reset(token)


def scopes_forget() -> None:
    """Drop the scopes read so far in this request (a role was granted or taken away)."""
    cache = _request_scopes.get()
    if cache is not None:
        cache.clear()


def _cached(key: tuple, read: Callable[[], Iterable[int]]) -> frozenset[int]:
    cache = _request_scopes.get()
    if cache is None:
        return frozenset(read())
    if key not in cache:
        cache[key] = frozenset(read())
    return cache[key]


def community_ids_for(user: User, roles: frozenset[str] | set[str] = STAFF_ROLES) -> frozenset[int]:
    """Ids of the communities in which `user` holds any of `roles` (street roles cover every
    community of their street). The key is what the scope is made of, not the user, so a role
    granted during the request cannot leave a stale answer behind."""
    if not user.is_authenticated:
        return frozenset()
    street_ids, community_ids = set(), set()
    for a in user.role_assignments:
        if a.role not in roles:
            continue
        if a.community_id is None:
            street_ids.add(a.street_id)
        else:
            community_ids.add(a.community_id)
    if not street_ids:
        return frozenset(community_ids)
    streets = frozenset(street_ids)
    in_streets = _cached(("communities", streets), lambda: scope_model("community").objects.filter(
        street_id__in=sorted(streets)).values_list("id", flat=True))
    return in_streets | community_ids


def grid_ids_for(user: User, roles: frozenset[str] | set[str] = STAFF_ROLES) -> frozenset[int]:
    """Ids of the grids visible to `user`: a grid worker's own grids, every grid of a
    community where a wider role is held (street roles: every grid of the street)."""
    if not user.is_authenticated:
        return frozenset()
    grid_ids = {a.grid_id for a in user.role_assignments if a.role in roles and a.grid_id}
    communities = community_ids_for(user, {r for r in roles if r != Role.GRID_WORKER})
    if communities:
        grid_ids |= _cached(("grids", communities), lambda: scope_model("grid").objects.filter(
            community_id__in=sorted(communities)).values_list("id", flat=True))
    return frozenset(grid_ids)


def communities_for(user: User, roles: frozenset[str] | set[str] = STAFF_ROLES) -> QuerySet:
    """Communities in which `user` holds any of `roles` (street roles cover their street)."""
    Community = scope_model("community")
    ids = community_ids_for(user, roles)
    return Community.objects.filter(id__in=sorted(ids)) if ids else Community.objects.none()


def grids_for(user: User, roles: frozenset[str] | set[str] = STAFF_ROLES) -> QuerySet:
    """Grids visible to `user`: a grid worker sees their grids, community staff all grids of
    their community, street roles all grids of the street."""
    Grid = scope_model("grid")
    ids = grid_ids_for(user, roles)
    return Grid.objects.filter(id__in=sorted(ids)) if ids else Grid.objects.none()


def user_list_for_user(*, user: User, query: str = "", role: str = "") -> QuerySet:
    """Accounts holding a role in a community the viewer manages (or in their street)."""
    managed = communities_for(user, {Role.COMMUNITY_STAFF, Role.STREET_ADMIN})
    street_ids = {
        a.street_id for a in user.role_assignments if a.role == Role.STREET_ADMIN
    }
    scope = Q(roles__community__in=managed) | Q(roles__street_id__in=street_ids,
                                                roles__community__isnull=True)
    qs = User.objects.filter(scope)
    if role:
        qs = qs.filter(roles__role=role)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(mobile__endswith=query))
    return qs.distinct().order_by("name", "id").prefetch_related(
        "roles__community", "roles__grid", "roles__street"
    )


def user_get_for_user(*, user: User, uuid) -> User | None:
    return user_list_for_user(user=user).filter(uuid=uuid).first()
