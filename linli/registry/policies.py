"""Who may change the grid registry. Pure predicates (they may query, never write): pages use
them to show or hide a button, services enforce them with `require(...)`, so the page, the API
and any task give the same answer.

`user` is None when the system acts (the demo loader, the Excel import's worker, commands).
Each predicate says whether the system may take that action: it may create and correct records
(that is what an import or the demo does), but it never reveals a full ID number, never
decides an account request and never replaces a door plate: those need a person to answer
for them.
"""

from __future__ import annotations

from linli.accounts.selectors import communities_for, grids_for
from linli.registry.models import (
    BindingKind,
    Grid,
    Household,
    HouseholdBinding,
    ImportJob,
    Resident,
)
from linli.registry.selectors import MANAGER_ROLES, REGISTRY_ROLES, REVEAL_ROLES


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def _covers_grid(user, grid_id: int, roles=REGISTRY_ROLES) -> bool:
    """The grid is the user's (grid worker) or in their community or street (staff)."""
    return _signed_in(user) and user.has_role(*roles) and grids_for(user, roles).filter(
        pk=grid_id).exists()


def manages_community(user, community_id: int) -> bool:
    """Community staff of that community, or the administrator of its street."""
    return _signed_in(user) and user.has_role(*MANAGER_ROLES) and communities_for(
        user, MANAGER_ROLES).filter(pk=community_id).exists()


def is_member(user, household: Household) -> bool:
    """A linked resident of the household or a confirmed relative acting for one."""
    from linli.registry.selectors import household_ids_of_member

    return _signed_in(user) and household.pk in household_ids_of_member(user)


# --- Households and residents -------------------------------------------------------------

def can_create_household(user, grid: Grid) -> bool:
    return user is None or _covers_grid(user, grid.pk)


def can_edit_household(user, household: Household) -> bool:
    """Grid workers of the household's grid, staff of its community or street."""
    return user is None or _covers_grid(user, household.grid_id)


def can_edit_resident(user, household: Household) -> bool:
    """Adding or correcting a member: whoever may edit the household."""
    return can_edit_household(user, household)


def can_reveal(user, resident: Resident) -> bool:
    """One full ID number or mobile, logged: a person in whose scope the record is."""
    return user is not None and _covers_grid(user, resident.household.grid_id, REVEAL_ROLES)


def can_anonymise(user, resident: Resident) -> bool:
    """Removing personal data (a deletion request, PIPL Art. 47) is irreversible: staff of the
    resident's community decide it, never the system on its own."""
    return user is not None and manages_community(user, resident.household.community_id)


def can_request_deletion(user, resident: Resident) -> bool:
    """Only the person themself asks for their data to be removed."""
    return _signed_in(user) and resident.user_id == user.pk


def can_rotate_door_token(user, household: Household) -> bool:
    """Replacing a lost plate (the old QR stops working): staff of the community."""
    return user is not None and manages_community(user, household.community_id)


def can_print_plate(user, household: Household) -> bool:
    """The household's own plate: its members, its grid worker and its community's staff."""
    if not _signed_in(user):
        return False
    return is_member(user, household) or _covers_grid(user, household.grid_id)


# --- Places ---------------------------------------------------------------------------------

def can_manage_places(user, community_id: int) -> bool:
    """Estates and buildings of a community: its staff (the system for imports and the demo)."""
    return user is None or manages_community(user, community_id)


# --- Account requests and imports -----------------------------------------------------------

def can_decide_binding(user, binding: HouseholdBinding) -> bool:
    """Grid workers and staff of the household's scope; for a relative acting for a member,
    also that member."""
    if not _signed_in(user):
        return False
    if _covers_grid(user, binding.household.grid_id):
        return True
    return (binding.kind == BindingKind.PROXY and binding.resident is not None
            and binding.resident.user_id == user.pk)


def can_commit_import(user, job: ImportJob) -> bool:
    return user is not None and manages_community(user, job.community_id)



def can_import(user, community_id: int) -> bool:
    """Uploading a roster of a community: its staff (or its street's administrator)."""
    return user is not None and manages_community(user, community_id)


def can_manage_import(user, job: ImportJob) -> bool:
    """Mapping an import's columns and values, reading its bad rows: as for saving it."""
    return can_commit_import(user, job)
