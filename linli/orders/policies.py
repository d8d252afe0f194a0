"""Who may act on service projects, orders and meals: pure predicates, no writes.

Pages use them to show or hide buttons; every state-changing service in
`linli.orders.services` enforces the same predicate with `require(...)`, so the page, the API
and periodic tasks cannot drift apart. A predicate answers "may this person make this kind of
move on this object"; whether the order's *state* allows the move is the service's separate
check (an illegal move is a Conflict, not a permission problem). `available(order, action)`
gives that state check, read from the table in `linli.orders.states`, for pages that want to
hide a button the state rules out.
"""

from __future__ import annotations

from linli.accounts.models import Role
from linli.accounts.selectors import communities_for, grids_for
from linli.orders.states import ORDER_MACHINE

MANAGER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN})


# --- relationships ---------------------------------------------------------------------------


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def manages(user, community_id: int) -> bool:
    """Community staff of the community, or the street administrator above it."""
    if not _signed_in(user):
        return False
    return communities_for(user, MANAGER_ROLES).filter(pk=community_id).exists()


def grid_worker_of(user, grid_id: int) -> bool:
    if not _signed_in(user) or not user.has_role(Role.GRID_WORKER):
        return False
    return grids_for(user, {Role.GRID_WORKER}).filter(pk=grid_id).exists()


def household_member(user, household_id: int) -> bool:
    """A member of the household (linked resident) or a confirmed proxy (family, 代点单)."""
    from linli.registry.selectors import household_ids_of_member

    if not _signed_in(user):
        return False
    return household_id in household_ids_of_member(user)


def volunteer_of(user):
    """The active volunteer record of an account, if any."""
    from linli.volunteers.models import Volunteer, VolunteerStatus

    if not _signed_in(user):
        return None
    return Volunteer.objects.filter(user=user, status=VolunteerStatus.ACTIVE).select_related(
        "resident__household").first()


def is_volunteer(user) -> bool:
    return volunteer_of(user) is not None


def is_assigned(user, order) -> bool:
    """The active volunteer the order is assigned (or offered by name) to."""
    volunteer = volunteer_of(user)
    return volunteer is not None and order.volunteer_id == volunteer.pk


def speaks_for_household(user, order) -> bool:
    """The resident, their proxy, the household's grid worker, or community staff."""
    return (household_member(user, order.household_id)
            or grid_worker_of(user, order.household.grid_id)
            or manages(user, order.community_id))


# --- projects --------------------------------------------------------------------------------


def can_edit_projects(user, community) -> bool:
    return manages(user, community.pk)


# --- the order loop --------------------------------------------------------------------------


def can_submit(user, household) -> bool:
    """点单 for a household: its members and proxies, its community's staff and grid worker."""
    return (household_member(user, household.pk) or manages(user, household.community_id)
            or grid_worker_of(user, household.grid_id))


def can_refuse(user, order) -> bool:
    return manages(user, order.community_id)


def can_dispatch(user, order) -> bool:
    """派单, reassigning and escalation decisions: staff of the order's community."""
    return manages(user, order.community_id)


can_reassign = can_dispatch


def can_accept(user, order) -> bool:
    """接单: the volunteer it is offered to by name, or any member of the team it is offered to
    while nobody has taken it."""
    from linli.volunteers.models import TeamMembership

    volunteer = volunteer_of(user)
    if volunteer is None:
        return False
    if order.volunteer_id is not None:
        return order.volunteer_id == volunteer.pk
    return order.team_id is not None and TeamMembership.objects.filter(
        team_id=order.team_id, volunteer=volunteer).exists()


def can_decline(user, order) -> bool:
    return is_assigned(user, order)


def can_check_in(user, order) -> bool:
    return is_assigned(user, order)


def can_complete(user, order) -> bool:
    return is_assigned(user, order)


def can_attach_photo(user, order) -> bool:
    """The volunteer who served adds the service photo (as on the completion form)."""
    return is_assigned(user, order)


def can_rate(user, order) -> bool:
    """评单: the resident, their proxy, the grid worker on their behalf, or community staff."""
    return speaks_for_household(user, order)


can_dispute = can_rate


def can_resolve(user, order) -> bool:
    return manages(user, order.community_id)


def can_settle(user, order) -> bool:
    return manages(user, order.community_id)


def can_confirm_early(user, order) -> bool:
    """Staff may confirm that a visit happens before its booked slot (the elder asked)."""
    return manages(user, order.community_id)


def can_review_flags(user, order) -> bool:
    return manages(user, order.community_id)


def can_cancel(user, order) -> bool:
    """Whoever speaks for the household, or whoever placed the order."""
    return speaks_for_household(user, order) or (
        _signed_in(user) and order.requested_by_id is not None
        and order.requested_by_id == user.pk)


# --- meals -----------------------------------------------------------------------------------


def can_order_meal(user, household) -> bool:
    return (household_member(user, household.pk) or manages(user, household.community_id)
            or grid_worker_of(user, household.grid_id))


def can_cancel_meal(user, meal_order) -> bool:
    return (household_member(user, meal_order.household_id)
            or manages(user, meal_order.community_id))


def can_assign_meals(user, community) -> bool:
    return manages(user, community.pk)


def can_record_meal_outcome(user, meal_order) -> bool:
    volunteer = volunteer_of(user)
    return ((volunteer is not None and meal_order.volunteer_id == volunteer.pk)
            or manages(user, meal_order.community_id))


# --- state: which moves the order's status allows ---------------------------------------------


def available(order, action: str) -> bool:
    """Whether the order's status allows `action` (linli.orders.states), before who acts."""
    transition = ORDER_MACHINE.by_action.get(action)
    return transition is not None and order.status in transition.sources
