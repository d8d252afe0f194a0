"""Reconciliation: the checks behind `linli ledger_verify`.

1. Each unit sums to zero over all accounts (double entry: nothing is created or lost).
2. Every cached balance equals the replay of its transfers.
3. Every cached reserved amount equals the sum of its open reservations.
4. No member account is below zero or has reserved more than it holds.
5. Every transfer joins two accounts of its own unit; no reversal exceeds its original.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Q, Sum

from linli.ledger.models import (
    MEMBER_KINDS,
    Account,
    Reservation,
    ReservationStatus,
    Transfer,
)


@dataclass
class Report:
    accounts: int = 0
    transfers: int = 0
    totals: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


def ledger_verify() -> Report:
    report = Report()
    replay: dict[int, int] = defaultdict(int)
    for row in Transfer.objects.values("debit_id").annotate(total=Sum("amount")):
        replay[row["debit_id"]] -= row["total"]
    for row in Transfer.objects.values("credit_id").annotate(total=Sum("amount")):
        replay[row["credit_id"]] += row["total"]
    held: dict[int, int] = defaultdict(int)
    for row in (Reservation.objects.filter(status=ReservationStatus.HELD)
                .values("account_id").annotate(total=Sum("amount"))):
        held[row["account_id"]] = row["total"]

    totals: dict[str, int] = defaultdict(int)
    accounts = Account.objects.values_list("pk", "uuid", "unit", "kind", "balance", "reserved")
    for pk, uid, unit, kind, balance, reserved in accounts.iterator():
        report.accounts += 1
        totals[unit] += balance
        if balance != replay.get(pk, 0):
            report.violations.append(
                f"account {pk} ({uid}, {kind}): cached balance {balance} "
                f"!= replayed {replay.get(pk, 0)}")
        if reserved != held.get(pk, 0):
            report.violations.append(
                f"account {pk} ({uid}, {kind}): reserved {reserved} "
                f"!= open reservations {held.get(pk, 0)}")
        if kind in MEMBER_KINDS and (balance < 0 or reserved > balance):
            report.violations.append(
                f"account {pk} ({uid}, {kind}): member balance {balance} reserved {reserved}")
    report.totals = dict(totals)
    for unit, total in sorted(totals.items()):
        if total != 0:
            report.violations.append(f"unit {unit}: accounts sum to {total}, not 0")
    unknown = set(replay) - set(Account.objects.values_list("pk", flat=True))
    for pk in sorted(unknown):
        report.violations.append(f"transfers point at missing account {pk}")

    report.transfers = Transfer.objects.count()
    mismatched = Transfer.objects.filter(~Q(debit__unit=F("unit")) | ~Q(credit__unit=F("unit")))
    for pk in mismatched.values_list("pk", flat=True)[:100]:
        report.violations.append(f"transfer {pk}: an account holds another unit")
    bad = Transfer.objects.filter(amount__lte=0).values_list("pk", flat=True)[:100]
    for pk in bad:
        report.violations.append(f"transfer {pk}: amount is not positive")
    over = (Transfer.objects.filter(reversal_of__isnull=False)
            .filter(Q(amount__gt=F("reversal_of__amount"))
                    | ~Q(debit=F("reversal_of__credit")) | ~Q(credit=F("reversal_of__debit"))))
    for pk in over.values_list("pk", flat=True)[:100]:
        report.violations.append(f"transfer {pk}: reversal does not mirror its original")
    return report
