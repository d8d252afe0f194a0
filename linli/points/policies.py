"""Who may act on civic points: pure predicates (they may query, never write).

Pages use them to show or hide buttons; the services in `linli.points.services` enforce the
same predicates with `require(...)`, so pages, the API and tasks cannot drift apart.
`actor=None` is the system (demo loaders, other services' consequences); each predicate says
whether the system may take that action.
"""

from __future__ import annotations

from linli.accounts.models import Role
from linli.accounts.selectors import communities_for, grids_for

#: May record inspections and approve or reject ordinary claims (in their grids /
#: communities / street).
REVIEWER_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_ADMIN})
#: Manage conventions and award rules, and approve deductions.
MANAGER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN})


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def is_household_member(user, household) -> bool:
    from linli.registry.selectors import household_ids_of_member

    return _signed_in(user) and household.pk in household_ids_of_member(user)


def in_review_scope(user, household) -> bool:
    """The household lies in one of the user's review grids (their grid, community, street)."""
    return _signed_in(user) and grids_for(user, REVIEWER_ROLES).filter(
        pk=household.grid_id).exists()


def manages_community(user, community_id: int) -> bool:
    return _signed_in(user) and communities_for(user, MANAGER_ROLES).filter(
        pk=community_id).exists()


# --- conventions and award rules ------------------------------------------------------


def can_manage_convention(user, community) -> bool:
    """Create a draft, add items, record the adoption. The system (demo loader) may too."""
    return user is None or manages_community(user, community.pk)


def can_set_award_rule(user, community) -> bool:
    """Create or change an automatic award rule. The system may (a service that needs its
    rule creates it, e.g. settled orders)."""
    return user is None or manages_community(user, community.pk)


# --- claims -----------------------------------------------------------------------------


def can_submit_claim(user, household, item=None) -> bool:
    """Self-report: a member of the household, never a deduction item."""
    if item is not None and item.is_deduction:
        return False
    return is_household_member(user, household)


def can_record_claim(user, household) -> bool:
    """Record on inspection (a claim or a deduction): a reviewer of the household's grid."""
    return in_review_scope(user, household)


def is_recorder(user, claim) -> bool:
    """The person who recorded (or submitted) the claim."""
    return _signed_in(user) and claim.submitted_by_id is not None and \
        claim.submitted_by_id == user.pk


def can_decide_item(user, claim) -> bool:
    """Ordinary items need a reviewer; deductions need community staff or the street."""
    if not in_review_scope(user, claim.household):
        return False
    if claim.item.is_deduction:
        return manages_community(user, claim.household.community_id)
    return True


def can_approve_claim(user, claim) -> bool:
    """Four eyes: a reviewer in scope who did not record the claim themself."""
    return can_decide_item(user, claim) and not is_recorder(user, claim)


def can_reject_claim(user, claim) -> bool:
    return can_approve_claim(user, claim)


def can_decide_claim(user, claim) -> bool:
    """Show the approve / reject buttons: pending, and the user may approve it."""
    from linli.points.models import ClaimStatus

    return claim.status == ClaimStatus.PENDING and can_approve_claim(user, claim)
