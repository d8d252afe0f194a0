"""Writes to the ledger and the time bank built on it.

Every balance change is a guarded conditional UPDATE whose row count is checked, applied to the
accounts of a transfer in primary-key order, inside one transaction with the transfer row. That
one pattern is correct on SQLite (the IMMEDIATE transaction is the lock) and on PostgreSQL (the
UPDATE takes the row lock and re-checks its WHERE clause after waiting). The CheckConstraints on
`Account` are the backstop.

Idempotency: the transfer row is inserted first, so a second request with the same key fails on
the unique index before it touches a balance; the original is then read back and compared.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.common.audit import audit_record
from linli.common.exceptions import Conflict, ValidationError, require
from linli.common.models import AuditAction
from linli.ledger import policies, selectors
from linli.ledger.models import (
    MEMBER_KINDS,
    STREET_KINDS,
    Account,
    AccountKind,
    Reservation,
    ReservationStatus,
    Transfer,
    TransferKind,
    Unit,
)
from linli.ledger.units import format_duration

MAX_AMOUNT = 10**12  # far beyond any real balance; keeps sums clear of 64-bit overflow


class InsufficientFunds(ValidationError):
    code = "insufficient_funds"


class LimitExceeded(ValidationError):
    code = "limit_exceeded"



def storage_cap_minutes() -> int:
    return int(getattr(settings, "LEDGER_TIME_STORAGE_CAP_MINUTES", 1500 * 60))


def gift_yearly_cap_minutes() -> int:
    return int(getattr(settings, "LEDGER_TIME_GIFT_YEARLY_CAP_MINUTES", 100 * 60))


# --- accounts ---------------------------------------------------------------------------


def resident_account_ensure(*, resident) -> Account:
    """The resident's time account, opened on first use."""
    account = Account.objects.filter(resident=resident, unit=Unit.TIME).first()
    if account is not None:
        return account
    street_id = resident.household.community.street_id
    account, _created = Account.objects.get_or_create(
        resident=resident, unit=Unit.TIME,
        defaults={"kind": AccountKind.RESIDENT, "street_id": street_id},
    )
    return account


def household_account_ensure(*, household) -> Account:
    """The household's points account, opened on first use."""
    account = Account.objects.filter(household=household, unit=Unit.POINTS).first()
    if account is not None:
        return account
    account, _created = Account.objects.get_or_create(
        household=household, unit=Unit.POINTS,
        defaults={"kind": AccountKind.HOUSEHOLD, "street_id": household.community.street_id},
    )
    return account


def household_account_lock(*, household) -> Account:
    """The household's points account (opened on first use), its row locked for the rest of
    the transaction: the services that count a household's claims, awards or exchanges
    against a limit call this first, so two requests of one household cannot both pass the
    count. PostgreSQL locks the row; SQLite's IMMEDIATE transaction already serialises
    writers, so there the lock is the transaction itself."""
    rows = Account.objects.filter(household=household, unit=Unit.POINTS)
    if connection.vendor != "sqlite":
        rows = rows.select_for_update()
    account = rows.first()
    if account is None:
        household_account_ensure(household=household)
        account = rows.get()
    return account


def system_account_ensure(*, street, kind: str, unit: str) -> Account:
    """A street's issuer, store or adjustment account in one unit."""
    if kind not in STREET_KINDS:
        raise ValidationError(_("This is not a street-level system account."), field="kind")
    account, _created = Account.objects.get_or_create(street=street, kind=kind, unit=unit,
                                                      community=None)
    return account


def fund_account_ensure(*, community, unit: str = Unit.TIME) -> Account:
    """A community's fund: donated hours wait here until staff allocate them."""
    account, _created = Account.objects.get_or_create(
        community=community, kind=AccountKind.COMMUNITY_FUND, unit=unit,
        defaults={"street_id": community.street_id},
    )
    return account


# --- transfers --------------------------------------------------------------------------


@dataclass(frozen=True)
class TransferSpec:
    """One transfer of a group posted with `transfer_group_create`."""

    unit: str
    debit: Account
    credit: Account
    amount: int
    kind: str
    reference: str
    idempotency_key: str
    memo: str = ""


def _validate_amount(amount, field: str = "amount") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationError(_("The amount must be a whole number."), field=field)
    if amount <= 0:
        raise ValidationError(_("The amount must be greater than zero."), field=field)
    if amount > MAX_AMOUNT:
        raise ValidationError(_("The amount is too large."), field=field)
    return amount


def _validate_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > 100:
        raise ValidationError(_("An idempotency key of 1 to 100 characters is required."),
                              field="idempotency_key")
    return key


_UNITS = frozenset(Unit.values)
_KINDS = frozenset(TransferKind.values)


def _validate_spec(spec: TransferSpec) -> None:
    _validate_amount(spec.amount)
    _validate_key(spec.idempotency_key)
    if spec.unit not in _UNITS:
        raise ValidationError(_("Unknown unit."), field="unit")
    if spec.kind not in _KINDS:
        raise ValidationError(_("Unknown transfer kind."), field="kind")
    if spec.debit.pk is None or spec.credit.pk is None:
        raise ValidationError(_("Both accounts must exist."))
    if spec.debit.pk == spec.credit.pk:
        raise ValidationError(_("A transfer needs two different accounts."))
    if spec.debit.unit != spec.unit or spec.credit.unit != spec.unit:
        raise ValidationError(_("Both accounts must hold the unit of the transfer."),
                              field="unit")
    if len(spec.reference) > 100 or len(spec.memo) > 255:
        raise ValidationError(_("The reference or memo is too long."))


def _credit_cap(account: Account, kind: str) -> int | None:
    # Corrections must always be possible, so a reversal may cross the storage cap.
    if account.kind == AccountKind.RESIDENT and kind != TransferKind.REVERSAL:
        return storage_cap_minutes()
    return None


# The hot path of every transfer: the same guarded UPDATEs the ORM would emit for
# `filter(pk=…, balance__gte=F("reserved") + n).update(balance=F("balance") - n)`, written
# out once because building that query costs several times more than running it
# (bench/ledger_bench.py). Table and column names come from the model.
_TABLE = Account._meta.db_table
_TAKE = (f"UPDATE {_TABLE} SET balance = balance - %s WHERE id = %s "
         f"AND balance >= reserved + %s")
_TAKE_ANY = f"UPDATE {_TABLE} SET balance = balance - %s WHERE id = %s"
_GIVE = f"UPDATE {_TABLE} SET balance = balance + %s WHERE id = %s"
_GIVE_CAPPED = f"UPDATE {_TABLE} SET balance = balance + %s WHERE id = %s AND balance <= %s"


def _apply(*, debit: Account, credit: Account, amount: int, kind: str) -> None:
    """Move `amount` with guarded conditional updates, rows taken in primary-key order."""
    with connection.cursor() as cursor:
        for account, sign in sorted(((debit, -1), (credit, 1)), key=lambda leg: leg[0].pk):
            if sign < 0:
                if account.may_go_negative:
                    cursor.execute(_TAKE_ANY, [amount, account.pk])
                else:
                    cursor.execute(_TAKE, [amount, account.pk, amount])
                if cursor.rowcount != 1:
                    raise InsufficientFunds(_("Insufficient balance."))
            else:
                cap = _credit_cap(account, kind)
                if cap is None:
                    cursor.execute(_GIVE, [amount, account.pk])
                else:
                    cursor.execute(_GIVE_CAPPED, [amount, account.pk, cap - amount])
                if cursor.rowcount != 1:
                    raise LimitExceeded(
                        _("This would take the account over its storage limit of %(limit)s.")
                        % {"limit": format_duration(cap)}
                    )


def _replay(spec: TransferSpec) -> Transfer | None:
    original = Transfer.objects.filter(idempotency_key=spec.idempotency_key).first()
    if original is None:
        return None
    content = (spec.unit, spec.debit.pk, spec.credit.pk, spec.amount, spec.kind, spec.reference)
    if original.content() != content:
        raise Conflict(_("This idempotency key was already used for a different transfer."),
                       field="idempotency_key", code="idempotency_conflict")
    return original


def _post(
    spec: TransferSpec,
    *,
    actor=None,
    group: uuid.UUID | None = None,
    reversal_of: Transfer | None = None,
) -> tuple[Transfer, bool]:
    """Insert the transfer and move the balances; (transfer, created). A replay with the same
    content returns the original; the same key with other content raises Conflict."""
    _validate_spec(spec)
    try:
        with transaction.atomic():
            transfer = Transfer(
                unit=spec.unit, debit=spec.debit, credit=spec.credit, amount=spec.amount,
                kind=spec.kind, reference=spec.reference, idempotency_key=spec.idempotency_key,
                memo=spec.memo, actor=actor, group=group, reversal_of=reversal_of,
            )
            transfer.save(force_insert=True)
            _apply(debit=spec.debit, credit=spec.credit, amount=spec.amount, kind=spec.kind)
            return transfer, True
    except IntegrityError:
        original = _replay(spec)
        if original is None:
            if reversal_of is not None and Transfer.objects.filter(
                    reversal_of=reversal_of).exists():
                raise Conflict(_("This transfer has already been reversed."),
                               code="already_reversed") from None
            raise
        return original, False


def transfer_create(
    *,
    unit: str,
    debit: Account,
    credit: Account,
    amount: int,
    kind: str,
    reference: str,
    idempotency_key: str,
    memo: str = "",
    actor=None,
) -> Transfer:
    """Post one transfer. Not wrapped in an outer transaction on purpose: `_post` opens the
    transaction (or a savepoint when called inside one), so an idempotency clash rolls back
    cleanly and the original can be read back."""
    spec = TransferSpec(unit=unit, debit=debit, credit=credit, amount=amount, kind=kind,
                        reference=reference, idempotency_key=idempotency_key, memo=memo)
    return _post(spec, actor=actor)[0]


def _lock_in_order(account_ids) -> None:
    """Take the row locks up front in primary-key order (PostgreSQL; SQLite's IMMEDIATE
    transaction already serialises writers), so a group never deadlocks with another."""
    if connection.vendor != "sqlite":
        list(Account.objects.select_for_update().filter(pk__in=set(account_ids))
             .order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def transfer_group_create(*, transfers: Sequence[TransferSpec], actor=None) -> list[Transfer]:
    """Post several transfers as one: all of them or none."""
    if not transfers:
        raise ValidationError(_("A group needs at least one transfer."))
    keys = [t.idempotency_key for t in transfers]
    if len(set(keys)) != len(keys):
        raise ValidationError(_("Each transfer of a group needs its own idempotency key."))
    _lock_in_order([a.pk for t in transfers for a in (t.debit, t.credit)])
    group = uuid.uuid4()
    return [_post(spec, actor=actor, group=group)[0] for spec in transfers]


def transfer_reverse(
    *,
    transfer: Transfer,
    idempotency_key: str,
    reason: str,
    amount: int | None = None,
    actor=None,
    request=None,
) -> Transfer:
    """Correct a transfer by posting its opposite (in full or in part), pointing at it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give the reason for the correction."), field="reason")
    if transfer.kind == TransferKind.REVERSAL:
        raise ValidationError(_("A reversal cannot itself be reversed."))
    amount = transfer.amount if amount is None else _validate_amount(amount)
    if amount > transfer.amount:
        raise ValidationError(_("A reversal cannot exceed the original amount."), field="amount")
    spec = TransferSpec(
        unit=transfer.unit, debit=transfer.credit, credit=transfer.debit, amount=amount,
        kind=TransferKind.REVERSAL, reference=transfer.reference,
        idempotency_key=idempotency_key, memo=reason[:255],
    )
    existing = Transfer.objects.filter(reversal_of=transfer).first()
    if existing is not None and existing.idempotency_key != spec.idempotency_key:
        raise Conflict(_("This transfer has already been reversed."), code="already_reversed")
    reversal, created = _post(spec, actor=actor, reversal_of=transfer)
    if reversal.reversal_of_id != transfer.pk:
        raise Conflict(_("This idempotency key was already used for a different transfer."),
                       field="idempotency_key", code="idempotency_conflict")
    if created and actor is not None:
        audit_record(action=AuditAction.LEDGER_REVERSAL, actor=actor, request=request, obj=transfer,
                     reason=reason, street_id=transfer.debit.street_id)
    return reversal


# --- reservations (pending amounts) -----------------------------------------------------


def reservation_create(
    *,
    account: Account,
    amount: int,
    reference: str,
    idempotency_key: str,
    memo: str = "",
    actor=None,
) -> Reservation:
    """Hold `amount` on a member account for `reference` until it is settled or released."""
    _validate_amount(amount)
    key = _validate_key(idempotency_key)
    if account.kind not in MEMBER_KINDS:
        raise ValidationError(_("Only a member's account can hold a reservation."))
    if not reference or len(reference) > 100:
        raise ValidationError(_("A reference of 1 to 100 characters is required."),
                              field="reference")
    try:
        with transaction.atomic():
            reservation = Reservation.objects.create(
                account=account, amount=amount, reference=reference, idempotency_key=key,
                memo=memo[:255], actor=actor,
            )
            held = Account.objects.filter(
                pk=account.pk, balance__gte=F("reserved") + amount
            ).update(reserved=F("reserved") + amount)
            if held != 1:
                raise InsufficientFunds(_("Insufficient balance."))
            return reservation
    except IntegrityError:
        original = Reservation.objects.filter(idempotency_key=key).first()
        if original is None:
            if Reservation.objects.filter(reference=reference,
                                          status=ReservationStatus.HELD).exists():
                raise Conflict(_("An amount is already reserved for this reference."),
                               field="reference") from None
            raise
        if (original.account_id, original.amount, original.reference) != (
                account.pk, amount, reference):
            raise Conflict(_("This idempotency key was already used for a different "
                             "reservation."), field="idempotency_key",
                           code="idempotency_conflict") from None
        return original


def _resolved_replay(*, key: str, reference: str, status: str) -> Reservation | None:
    done = Reservation.objects.filter(resolution_key=key).select_related("settlement").first()
    if done is None:
        return None
    if done.reference != reference or done.status != status:
        raise Conflict(_("This idempotency key was already used for a different operation."),
                       field="idempotency_key", code="idempotency_conflict")
    return done


class _Replayed(Exception):
    def __init__(self, reservation: Reservation):
        self.reservation = reservation


def _close(*, reference: str, key: str, status: str, replay) -> Reservation:
    """Close the one open hold for `reference`; exactly one caller can win the guarded update.
    A loser that carried the winner's key is a replay (`_Replayed`), any other a conflict."""
    held = Reservation.objects.filter(reference=reference, status=ReservationStatus.HELD).first()
    if held is not None and Reservation.objects.filter(
            pk=held.pk, status=ReservationStatus.HELD
    ).update(status=status, resolution_key=key, resolved_at=timezone.now()) == 1:
        held.status, held.resolution_key = status, key
        return held
    previous = replay()
    if previous is not None:
        raise _Replayed(previous)
    raise Conflict(_("Nothing is reserved for this reference any more."), field="reference",
                   code="not_reserved")


def reservation_settle(
    *,
    reference: str,
    idempotency_key: str,
    credit: Account,
    amount: int | None = None,
    kind: str = TransferKind.SETTLEMENT,
    memo: str = "",
    actor=None,
) -> Reservation:
    """Pay the held amount (or less: the rest is released) to `credit`, exactly once."""
    key = _validate_key(idempotency_key)
    if amount is not None:
        _validate_amount(amount)

    def replay() -> Reservation | None:
        done = _resolved_replay(key=key, reference=reference, status=ReservationStatus.SETTLED)
        if done is not None:
            paid = done.settlement
            if paid.credit_id != credit.pk or paid.amount != (amount or done.amount):
                raise Conflict(_("This idempotency key was already used for a different "
                                 "operation."), field="idempotency_key",
                               code="idempotency_conflict")
        return done

    previous = replay()
    if previous is not None:
        return previous
    try:
        with transaction.atomic():
            reservation = _close(reference=reference, key=key,
                                 status=ReservationStatus.SETTLED, replay=replay)
            pay = reservation.amount if amount is None else amount
            if pay > reservation.amount:
                raise ValidationError(_("The payment cannot exceed the reserved amount."),
                                      field="amount")
            account = Account.objects.get(pk=reservation.account_id)
            spec = TransferSpec(unit=account.unit, debit=account, credit=credit, amount=pay,
                                kind=kind, reference=reference, idempotency_key=key,
                                memo=memo or reservation.memo)
            _validate_spec(spec)
            transfer = Transfer(
                unit=spec.unit, debit=account, credit=credit, amount=pay, kind=kind,
                reference=reference, idempotency_key=key, memo=spec.memo[:255], actor=actor,
            )
            transfer.save(force_insert=True)
            for acc, sign in sorted(((account, -1), (credit, 1)), key=lambda leg: leg[0].pk):
                if sign < 0:
                    moved = Account.objects.filter(
                        pk=acc.pk, reserved__gte=reservation.amount, balance__gte=pay
                    ).update(balance=F("balance") - pay, reserved=F("reserved") - reservation.amount)
                    if moved != 1:
                        raise InsufficientFunds(_("Insufficient balance."))
                else:
                    rows = Account.objects.filter(pk=acc.pk)
                    cap = _credit_cap(acc, kind)
                    if cap is not None:
                        rows = rows.filter(balance__lte=cap - pay)
                    if rows.update(balance=F("balance") + pay) != 1:
                        raise LimitExceeded(
                            _("This would take the account over its storage limit of "
                              "%(limit)s.") % {"limit": format_duration(cap)})
            Reservation.objects.filter(pk=reservation.pk).update(settlement=transfer)
            reservation.settlement = transfer
            return reservation
    except _Replayed as replayed:
        return replayed.reservation
    except IntegrityError:
        previous = replay()
        if previous is not None:
            return previous
        if Transfer.objects.filter(idempotency_key=key).exists():
            raise Conflict(_("This idempotency key was already used for a different transfer."),
                           field="idempotency_key", code="idempotency_conflict") from None
        raise


def reservation_release(
    *, reference: str, idempotency_key: str, memo: str = "", actor=None
) -> Reservation:
    """Give the held amount back to the available balance, exactly once."""
    key = _validate_key(idempotency_key)

    def replay() -> Reservation | None:
        return _resolved_replay(key=key, reference=reference, status=ReservationStatus.RELEASED)

    previous = replay()
    if previous is not None:
        return previous
    try:
        with transaction.atomic():
            reservation = _close(reference=reference, key=key,
                                 status=ReservationStatus.RELEASED, replay=replay)
            freed = Account.objects.filter(
                pk=reservation.account_id, reserved__gte=reservation.amount
            ).update(reserved=F("reserved") - reservation.amount)
            if freed != 1:  # only a corrupted cache gets here; ledger_verify reports it
                raise Conflict(_("The reserved amount does not match the account."))
            return reservation
    except _Replayed as replayed:
        return replayed.reservation
    except IntegrityError:
        previous = replay()
        if previous is not None:
            return previous
        raise


# --- time bank --------------------------------------------------------------------------


def earning_create(
    *, resident, minutes: int, reference: str, idempotency_key: str, memo: str = "", actor=None
) -> Transfer:
    """Bank hours a resident has earned (issued by the street's time issuer)."""
    account = resident_account_ensure(resident=resident)
    issuer = system_account_ensure(street=account.street, kind=AccountKind.ISSUER,
                                   unit=Unit.TIME)
    return transfer_create(unit=Unit.TIME, debit=issuer, credit=account, amount=minutes,
                           kind=TransferKind.EARN, reference=reference,
                           idempotency_key=idempotency_key, memo=memo, actor=actor)


def _year_start(now: datetime | None = None) -> datetime:
    now = timezone.localtime(now)
    return now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)


def gifted_this_year(*, account: Account) -> int:
    """Minutes gifted from `account` since 1 January, net of reversed gifts."""
    gifts = Transfer.objects.filter(debit=account, kind=TransferKind.GIFT,
                                    created_at__gte=_year_start())
    given = gifts.aggregate(total=Sum("amount"))["total"] or 0
    returned = Transfer.objects.filter(reversal_of__in=gifts).aggregate(
        total=Sum("amount"))["total"] or 0
    return given - returned


# --- checks shared by the previews and the services -------------------------------------
#
# A preview (the "check and confirm" page) calls the same check as the service, so an amount
# that the final step would refuse is refused at once, with the same message. The service
# runs the check again (the balance may have moved in between) and the guarded updates in
# `_apply` stay the last word under concurrency.


def _time_balance(resident) -> tuple[int, int]:
    """(balance, available) of a resident's time account; (0, 0) before it is opened."""
    account = Account.objects.filter(resident=resident, unit=Unit.TIME).first()
    if account is None:
        return 0, 0
    return account.balance, account.available


def _check_available(available: int, amount: int, *, field: str) -> None:
    if amount > available:
        raise InsufficientFunds(
            _("Not enough hours: %(available)s available, %(amount)s asked for.")
            % {"available": format_duration(max(available, 0)),
               "amount": format_duration(amount)},
            field=field)


def _check_storage(resident, amount: int, *, field: str) -> None:
    cap = storage_cap_minutes()
    balance, _available = _time_balance(resident)
    if balance + amount > cap:
        raise LimitExceeded(
            _("%(name)s's time account can hold at most %(limit)s; it can take %(left)s more.")
            % {"name": resident.name, "limit": format_duration(cap),
               "left": format_duration(max(cap - balance, 0))},
            field=field)


def gift_check(*, giver, recipient, minutes) -> None:
    """Everything a gift must satisfy: a positive amount, a family member, the giver's
    available hours, the yearly gifting limit and the recipient's storage limit."""
    _validate_amount(minutes, field="minutes")
    if recipient is None or recipient.pk == giver.pk or not selectors.family_members_for(
            resident=giver).filter(pk=recipient.pk).exists():
        raise ValidationError(_("Hours can only be gifted to a member of your family."),
                              field="recipient")
    _balance, available = _time_balance(giver)
    _check_available(available, minutes, field="minutes")
    cap = gift_yearly_cap_minutes()
    source = Account.objects.filter(resident=giver, unit=Unit.TIME).first()
    already = gifted_this_year(account=source) if source is not None else 0
    if already + minutes > cap:
        raise LimitExceeded(
            _("Gifts are limited to %(cap)s a year; you can still gift %(left)s this year.")
            % {"cap": format_duration(cap), "left": format_duration(max(cap - already, 0))},
            field="minutes",
        )
    _check_storage(recipient, minutes, field="minutes")


def donation_check(*, donor, minutes) -> None:
    """A positive amount the donor has available."""
    _validate_amount(minutes, field="minutes")
    _balance, available = _time_balance(donor)
    _check_available(available, minutes, field="minutes")


def _is_priority(fund: Account, recipient) -> bool:
    return selectors.priority_residents_for(community=fund.community).filter(
        pk=recipient.pk).exists()


def allocation_check(*, fund: Account, recipient, minutes, reason: str = "") -> None:
    """A community time fund, a resident of that community (a reason unless a priority elder),
    a positive amount the fund holds, and room in the recipient's account."""
    _validate_amount(minutes, field="minutes")
    if fund.kind != AccountKind.COMMUNITY_FUND or fund.unit != Unit.TIME:
        raise ValidationError(_("Hours can only be allocated from a community time fund."))
    if recipient is None or recipient.household.community_id != fund.community_id:
        raise ValidationError(_("The resident does not live in this community."),
                              field="recipient")
    if not (reason or "").strip() and not _is_priority(fund, recipient):
        raise ValidationError(
            _("This resident is not on the priority list; please give a reason."),
            field="reason",
        )
    balance = Account.objects.filter(pk=fund.pk).values_list("balance", flat=True).first() or 0
    if minutes > balance:
        raise InsufficientFunds(
            _("The fund holds only %(available)s; %(amount)s cannot be allocated.")
            % {"available": format_duration(max(balance, 0)),
               "amount": format_duration(minutes)},
            field="minutes")
    _check_storage(recipient, minutes, field="minutes")


def adjustment_check(*, account: Account, direction: str, amount, reason: str) -> None:
    """A reason, a direction, a member's account, a positive amount; a deduction within the
    available balance, an addition within the storage limit."""
    if not (reason or "").strip():
        raise ValidationError(_("Please give the reason for the correction."), field="reason")
    if direction not in (Direction.CREDIT, Direction.DEBIT):
        raise ValidationError(_("Choose whether to add or deduct."), field="direction")
    if not account.is_member:
        raise ValidationError(_("Only a member's account can be adjusted."))
    _validate_amount(amount, field="amount")
    current = Account.objects.get(pk=account.pk)
    if direction == Direction.DEBIT:
        if amount > current.available:
            raise InsufficientFunds(
                _("Only %(available)s can be deducted from this account.")
                % {"available": _amount_text(current.available, current.unit)},
                field="amount")
    elif current.kind == AccountKind.RESIDENT:
        _check_storage(current.resident, amount, field="amount")


def _amount_text(value: int, unit: str) -> str:
    if unit == Unit.TIME:
        return format_duration(max(value, 0))
    return _("%(n)s points") % {"n": f"{max(value, 0):,}"}


@transaction.atomic
def gift_create(
    *, giver, recipient, minutes: int, idempotency_key: str, memo: str = "", actor
) -> Transfer:
    """时间转赠: give banked hours to a family member, within the yearly gifting limit."""
    require(policies.can_gift(actor, giver),
            _("Only the holder of these hours can gift them."))
    key = _validate_key(idempotency_key)
    _validate_amount(minutes, field="minutes")
    source = resident_account_ensure(resident=giver)
    if recipient is None:
        raise ValidationError(_("Hours can only be gifted to a member of your family."),
                              field="recipient")
    target = resident_account_ensure(resident=recipient)
    spec = TransferSpec(unit=Unit.TIME, debit=source, credit=target, amount=minutes,
                        kind=TransferKind.GIFT, reference=f"gift:{giver.uuid}",
                        idempotency_key=key, memo=memo[:255])
    previous = _replay(spec)
    if previous is not None:
        return previous
    # The yearly limit is a read-then-write: hold both rows first so two gifts cannot both
    # pass the check (PostgreSQL; SQLite's IMMEDIATE transaction is already exclusive).
    _lock_in_order([source.pk, target.pk])
    gift_check(giver=giver, recipient=recipient, minutes=minutes)
    return _post(spec, actor=actor)[0]


def donation_create(
    *, donor, minutes: int, idempotency_key: str, memo: str = "", actor
) -> Transfer:
    """Give banked hours to the community fund, which staff pass on to elders in need."""
    require(policies.can_donate(actor, donor),
            _("Only the holder of these hours can donate them."))
    source = resident_account_ensure(resident=donor)
    fund = fund_account_ensure(community=donor.household.community)
    spec = TransferSpec(unit=Unit.TIME, debit=source, credit=fund, amount=minutes,
                        kind=TransferKind.DONATION, reference=f"donation:{donor.uuid}",
                        idempotency_key=idempotency_key, memo=memo[:255])
    _validate_key(idempotency_key)
    previous = _replay(spec)
    if previous is not None:
        return previous
    donation_check(donor=donor, minutes=minutes)
    return _post(spec, actor=actor)[0]


def allocation_create(
    *,
    fund: Account,
    recipient,
    minutes: int,
    idempotency_key: str,
    reason: str = "",
    actor,
    request=None,
) -> Transfer:
    """Pass hours from a community fund to a resident of that community. Priority elders come
    first: giving to anyone else needs a stated reason."""
    require(policies.can_allocate(actor, fund),
            _("Only staff of this community may pass on hours from its fund."))
    reason = (reason or "").strip()
    _validate_key(idempotency_key)
    with transaction.atomic():
        # Inside the transaction: a refused allocation leaves no account behind.
        target = resident_account_ensure(resident=recipient)
        spec = TransferSpec(unit=Unit.TIME, debit=fund, credit=target, amount=minutes,
                            kind=TransferKind.ALLOCATION,
                            reference=f"allocation:{recipient.uuid}",
                            idempotency_key=idempotency_key, memo=reason[:255])
        previous = _replay(spec)
        if previous is not None:
            return previous
        allocation_check(fund=fund, recipient=recipient, minutes=minutes, reason=reason)
        transfer, created = _post(spec, actor=actor)
        if created:
            audit_record(action=AuditAction.LEDGER_ALLOCATION, actor=actor, request=request,
                         obj=transfer, reason=reason or "priority",
                         street_id=fund.street_id)
    return transfer


class Direction:
    CREDIT = "credit"
    DEBIT = "debit"


def adjustment_create(
    *,
    account: Account,
    direction: str,
    amount: int,
    reason: str,
    idempotency_key: str,
    actor,
    request=None,
) -> Transfer:
    """A staff correction against the street's adjustment account, with a reason, audited.
    Nobody corrects their own or their household's account."""
    require(policies.can_adjust(actor, account),
            _("Only staff looking after this account may correct it, and never their own "
              "or their family's account."))
    reason = (reason or "").strip()
    if direction not in (Direction.CREDIT, Direction.DEBIT):
        raise ValidationError(_("Choose whether to add or deduct."), field="direction")
    counter = system_account_ensure(street=account.street, kind=AccountKind.ADJUSTMENT,
                                    unit=account.unit)
    debit, credit = (counter, account) if direction == Direction.CREDIT else (account, counter)
    spec = TransferSpec(unit=account.unit, debit=debit, credit=credit, amount=amount,
                        kind=TransferKind.ADJUSTMENT, reference=f"adjustment:{account.uuid}",
                        idempotency_key=idempotency_key, memo=reason[:255])
    _validate_key(idempotency_key)
    with transaction.atomic():
        previous = _replay(spec)
        if previous is not None:
            return previous
        adjustment_check(account=account, direction=direction, amount=amount, reason=reason)
        transfer, created = _post(spec, actor=actor)
        if created:
            audit_record(action=AuditAction.LEDGER_ADJUSTMENT, actor=actor, request=request,
                         obj=transfer, reason=reason, street_id=account.street_id)
    return transfer


def transfer_correct(
    *,
    transfer: Transfer,
    idempotency_key: str,
    reason: str,
    amount: int | None = None,
    actor,
    request=None,
) -> Transfer:
    """A staff correction of a posted transfer (冲正): staff looking after one of its accounts,
    never on their own or their household's account. Other services that have already decided
    who may act (a store refund) call `transfer_reverse` directly."""
    require(policies.can_reverse(actor, transfer),
            _("Only staff looking after these accounts may reverse this entry, and never on "
              "their own or their family's account."))
    return transfer_reverse(transfer=transfer, idempotency_key=idempotency_key, reason=reason,
                            amount=amount, actor=actor, request=request)
