"""Who may move value in the time bank. Pure predicates (they may query, never write): pages
use them to show or hide a button, services enforce them with `require(...)`, so the page, the
API and any task give the same answer.

`user` is None when the system acts (demo loaders, commands); each predicate says whether the
system may take that action.
"""

from __future__ import annotations

from linli.accounts.models import Role
from linli.ledger import selectors
from linli.ledger.models import Account, AccountKind, Transfer


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def _looks_after(user, account: Account) -> bool:
    """Community staff of the account's community, or the street administrator."""
    if not _signed_in(user) or not user.has_role(*selectors.LEDGER_STAFF_ROLES):
        return False
    community_id = account.community_id_in_scope
    if community_id is None:  # street-level system account
        return any(a.role == Role.STREET_ADMIN and a.street_id == account.street_id
                   for a in user.role_assignments)
    return selectors.ledger_communities_for(user).filter(pk=community_id).exists()


def is_own_or_family(user, account: Account) -> bool:
    """The account belongs to the user or to someone of the user's household: nobody corrects
    those (conflict of interest), whatever their role."""
    if not _signed_in(user):
        return False
    from linli.registry.models import Resident

    if account.resident_id:
        household_id = account.resident.household_id
    elif account.household_id:
        household_id = account.household_id
    else:
        return False
    return Resident.objects.filter(household_id=household_id, user=user).exists()


def can_gift(user, giver) -> bool:
    """Only the holder of the hours gives them away; the system never does."""
    return _signed_in(user) and giver is not None and giver.user_id == user.pk


def can_donate(user, donor) -> bool:
    return _signed_in(user) and donor is not None and donor.user_id == user.pk


def can_allocate(user, fund: Account) -> bool:
    """Staff looking after the fund's community pass its hours on."""
    return fund.kind == AccountKind.COMMUNITY_FUND and _looks_after(user, fund)


def can_adjust(user, account: Account) -> bool:
    """Staff looking after a member's account correct it, never their own household's."""
    return (account.is_member and _looks_after(user, account)
            and not is_own_or_family(user, account))


def can_reverse(user, transfer: Transfer) -> bool:
    """Staff looking after one side of a transfer reverse it (a staff correction), unless it
    touches their own household's account."""
    sides = (transfer.debit, transfer.credit)
    return (any(_looks_after(user, a) for a in sides)
            and not any(is_own_or_family(user, a) for a in sides))
