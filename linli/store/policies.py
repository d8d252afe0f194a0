"""Who may act in the points store: pure predicates (they may query, never write).

Pages use them to show or hide buttons; `linli.store.services` enforces the same predicates
with `require(...)`. `actor=None` is the system: it may set up goods (demo loader) and expire
uncollected exchanges, nothing else.
"""

from __future__ import annotations

from linli.accounts.models import Role
from linli.accounts.selectors import communities_for

#: Run the counter and look after goods.
CLERK_ROLES = frozenset({Role.STORE_CLERK, Role.COMMUNITY_STAFF, Role.STREET_ADMIN})


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def clerks_community(user, community_id: int) -> bool:
    return _signed_in(user) and communities_for(user, CLERK_ROLES).filter(
        pk=community_id).exists()


def is_household_member(user, household_id: int) -> bool:
    from linli.registry.selectors import household_ids_of_member

    return _signed_in(user) and household_id in household_ids_of_member(user)


# --- goods ------------------------------------------------------------------------------


def can_manage_goods(user, community) -> bool:
    """Add goods, change them, restock: a clerk or staff of the community (or the system)."""
    return user is None or clerks_community(user, community.pk)


# --- exchanges --------------------------------------------------------------------------


def can_redeem(user, household) -> bool:
    """Exchange the household's points: a member of the household (or a confirmed proxy)."""
    return is_household_member(user, household.pk)


def can_cancel_redemption(user, redemption) -> bool:
    """The household, or a clerk of the goods' community (only before pickup: the service
    refuses a closed exchange as a conflict of state, not of person)."""
    return is_household_member(user, redemption.household_id) or \
        clerks_community(user, redemption.goods.community_id)


def can_use_counter(user) -> bool:
    """Look up pickup codes at the counter."""
    return _signed_in(user) and user.has_role(*CLERK_ROLES)


def can_hand_over(user, redemption) -> bool:
    """Give the goods out: a clerk or staff of the goods' community, never the household
    itself (a clerk who is also a member of the household may not serve themself)."""
    return clerks_community(user, redemption.goods.community_id) and \
        not is_household_member(user, redemption.household_id)


def can_expire(user, redemption) -> bool:
    """Expiry is the system's periodic task only."""
    return user is None
