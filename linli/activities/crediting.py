"""Crediting through the ledger: points to a participant's household, minutes to a serving
volunteer, each from the street's issuer account, with an idempotency key derived from the
attendance record so that a retry (or a second click) credits once."""

from __future__ import annotations

from linli.activities.models import Attendance


def credit_points(*, attendance: Attendance, points: int, actor=None):
    from linli.ledger.models import AccountKind, TransferKind, Unit
    from linli.ledger.services import (
        household_account_ensure,
        system_account_ensure,
        transfer_create,
    )

    household = attendance.resident.household
    account = household_account_ensure(household=household)
    issuer = system_account_ensure(street=household.community.street, kind=AccountKind.ISSUER,
                                   unit=Unit.POINTS)
    return transfer_create(
        unit=Unit.POINTS, debit=issuer, credit=account, amount=points, kind=TransferKind.AWARD,
        reference=f"activity:{attendance.activity.uuid}", idempotency_key=attendance.points_key,
        memo=attendance.activity.title[:255], actor=actor)


def credit_minutes(*, attendance: Attendance, minutes: int, actor=None):
    from linli.ledger.services import earning_create

    return earning_create(
        resident=attendance.resident, minutes=minutes,
        reference=f"activity:{attendance.activity.uuid}", idempotency_key=attendance.minutes_key,
        memo=attendance.activity.title[:255], actor=actor)


def household_points_account(*, user):
    """The points account of the user's own household (None before its first credit)."""
    from linli.ledger.models import AccountKind, Unit
    from linli.ledger.selectors import account_list_for_user

    return (account_list_for_user(user=user, unit=Unit.POINTS, kind=AccountKind.HOUSEHOLD)
            .filter(household__residents__user=user).first())


def recent_points(*, account, limit: int = 5):
    from linli.ledger.selectors import statement_rows, transfer_list_for_account

    return statement_rows(account=account,
                          transfers=transfer_list_for_account(account=account)[:limit])
