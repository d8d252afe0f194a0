"""Who may see what: the scope of a user's roles, resolved to communities and grids.

Every tenant-owned query in a view or API goes through a selector built on these helpers.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from linli.accounts.models import STAFF_ROLES, Role, User


def communities_for(user: User, roles: frozenset[str] | set[str] = STAFF_ROLES) -> QuerySet:
    """Communities in which `user` holds any of `roles` (street roles cover their street)."""
    from linli.registry.models import Community

    if not user.is_authenticated:
        return Community.objects.none()
    street_ids, community_ids = set(), set()
    for a in user.role_assignments:
        if a.role not in roles:
            continue
        if a.community_id is None:
            street_ids.add(a.street_id)
        else:
            community_ids.add(a.community_id)
    if not street_ids and not community_ids:
        return Community.objects.none()
    return Community.objects.filter(Q(street_id__in=street_ids) | Q(id__in=community_ids))


def grids_for(user: User, roles: frozenset[str] | set[str] = STAFF_ROLES) -> QuerySet:
    """Grids visible to `user`: a grid worker sees their grids, community staff all grids of
    their community, street roles all grids of the street."""
    from linli.registry.models import Grid

    if not user.is_authenticated:
        return Grid.objects.none()
    grid_ids = {a.grid_id for a in user.role_assignments if a.role in roles and a.grid_id}
    wider = {r for r in roles if r != Role.GRID_WORKER}
    return Grid.objects.filter(
        Q(id__in=grid_ids) | Q(community__in=communities_for(user, wider))
    )


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
