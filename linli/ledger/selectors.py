"""Reads of the ledger, each scoped to who may see it: a resident sees their own accounts,
community staff the accounts of their communities, a street administrator the whole street."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    Max,
    Q,
    QuerySet,
    Sum,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import Role
from linli.accounts.selectors import communities_for
from linli.ledger.models import (
    Account,
    AccountKind,
    Reservation,
    ReservationStatus,
    Transfer,
    TransferKind,
    Unit,
)

#: Roles that look after residents' ledger accounts.
LEDGER_STAFF_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.STREET_ADMIN})
PRIORITY_AGE = 80
ELDER_AGE = 60


def resident_for_user(user):
    """The registry record of the signed-in person, if they have one."""
    from linli.registry.models import Resident

    if not user.is_authenticated:
        return None
    return Resident.objects.filter(user=user).select_related("household__community").first()


def family_members_for(*, resident) -> QuerySet:
    """Whom a resident may gift hours to. Today: the other members of their household; the
    registry can refine this once it records family ties across households."""
    from linli.registry.models import Resident

    return Resident.objects.filter(household_id=resident.household_id).exclude(pk=resident.pk)


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def priority_residents_for(*, community, today: date | None = None) -> QuerySet:
    """Elders who come first for donated hours, most urgent first: aged 80 or over, living
    alone before empty-nest before others. Only the birth date and household are used, so the
    registry can narrow this (独居/空巢 tags, disability) without callers changing."""
    from linli.registry.models import Resident

    today = today or timezone.localdate()
    cutoff = _years_ago(today, PRIORITY_AGE)
    elder_cutoff = _years_ago(today, ELDER_AGE)
    return (
        Resident.objects.filter(household__community=community, birth_date__isnull=False,
                                birth_date__lte=cutoff)
        .annotate(
            household_size=Count("household__residents", distinct=True),
            youngest_birth=Max("household__residents__birth_date"),
        )
        .annotate(
            living_alone=ExpressionWrapper(Q(household_size=1), output_field=BooleanField()),
            empty_nest=ExpressionWrapper(Q(youngest_birth__lte=elder_cutoff),
                                         output_field=BooleanField()),
        )
        .order_by("-living_alone", "-empty_nest", "birth_date", "id")
        .select_related("household")
    )


# --- the household a person uses points for (points bank and store alike) ----------------


def household_for_user(user, uuid=None):
    """The household the signed-in person acts for: their own (as a registered member) first,
    else one they are a confirmed proxy for; `uuid` picks among them."""
    from linli.registry.models import Household
    from linli.registry.selectors import household_list_of_member, resident_of_user

    if not user.is_authenticated:
        return None
    households = household_list_of_member(user=user).select_related("community__street")
    if uuid is not None:
        try:
            return households.filter(uuid=UUID(str(uuid))).first()
        except ValueError:
            pass  # a malformed choice (an old link, a typo): the default household
    resident = resident_of_user(user=user)
    if resident is not None:
        own = Household.objects.select_related("community__street", "grid").filter(
            pk=resident.household_id).first()
        if own is not None:
            return own
    return households.order_by("id").first()


def households_of_member(user) -> QuerySet:
    from linli.registry.selectors import household_list_of_member

    return household_list_of_member(user=user).order_by("id")


def points_account(household) -> Account | None:
    """The household's points account, or None before its first credit."""
    if household is None:
        return None
    return Account.objects.filter(household=household, unit=Unit.POINTS).first()


def points_communities_for(user) -> QuerySet:
    """Communities whose points life (rankings, goods) the user may see: any in which they
    hold a role, plus their households'."""
    from linli.registry.models import Community
    from linli.registry.selectors import household_ids_of_member

    household_communities = Community.objects.filter(
        households__pk__in=household_ids_of_member(user)).values("pk")
    return Community.objects.filter(
        Q(pk__in=communities_for(user, frozenset(Role.values)).values("pk"))
        | Q(pk__in=household_communities)).order_by("street_id", "code")


def ledger_communities_for(user) -> QuerySet:
    return communities_for(user, LEDGER_STAFF_ROLES)


def _street_ids(user) -> set[int]:
    return {a.street_id for a in user.role_assignments if a.role == Role.STREET_ADMIN}


def _account_scope(user, *, staff_only: bool = False) -> Q | None:
    """Accounts the user may see: their own (unless `staff_only`), plus those their staff
    roles look after. None: nothing."""
    if not user.is_authenticated:
        return None
    scope = Q(pk__in=[]) if staff_only else (
        Q(resident__user=user) | Q(household__residents__user=user))
    if user.has_role(*LEDGER_STAFF_ROLES):
        communities = ledger_communities_for(user)
        scope |= (Q(resident__household__community__in=communities)
                  | Q(household__community__in=communities)
                  | Q(community__in=communities)
                  | Q(kind__in=[AccountKind.ISSUER, AccountKind.STORE, AccountKind.ADJUSTMENT],
                      street_id__in=_street_ids(user)))
    return scope


def account_list_for_user(
    *, user, unit: str = "", kind: str = "", query: str = "", staff_only: bool = False
) -> QuerySet:
    """Accounts the user may see: their own (unless `staff_only`), plus those their staff
    roles look after."""
    scope = _account_scope(user, staff_only=staff_only)
    if scope is None:
        return Account.objects.none()
    qs = Account.objects.filter(pk__in=Account.objects.filter(scope).values("pk"))
    if unit:
        qs = qs.filter(unit=unit)
    if kind:
        qs = qs.filter(kind=kind)
    if query:
        qs = qs.filter(Q(resident__name__icontains=query)
                       | Q(household__address__icontains=query)
                       | Q(household__number__icontains=query))
    return qs.with_owner().order_by("id")


def account_get_for_user(*, user, uuid, staff_only: bool = False) -> Account | None:
    """One account by its uuid, if the user may see it: the account is found by its key and
    the scope checked on that one row (never a scan of every account in scope)."""
    scope = _account_scope(user, staff_only=staff_only)
    if scope is None:
        return None
    account = Account.objects.with_owner().filter(uuid=uuid).first()
    if account is None or not Account.objects.filter(pk=account.pk).filter(scope).exists():
        return None
    return account


def own_time_account(*, resident) -> Account | None:
    if resident is None:
        return None
    return Account.objects.with_owner().filter(resident=resident, unit=Unit.TIME).first()


def fund_list_for_user(*, user) -> QuerySet:
    return Account.objects.with_owner().filter(
        kind=AccountKind.COMMUNITY_FUND, unit=Unit.TIME,
        community__in=ledger_communities_for(user),
    ).order_by("community__code")


def transfer_get_for_user(*, user, uuid, staff_only: bool = False) -> Transfer | None:
    """A transfer is visible when one of its accounts is."""
    visible = account_list_for_user(user=user, staff_only=staff_only).values("pk")
    return (Transfer.objects.select_related("debit", "credit", "reversal_of")
            .filter(uuid=uuid).filter(Q(debit__in=visible) | Q(credit__in=visible)).first())


class AccountTransfers:
    """An account's transfers, newest first, as a lazy sequence the paginators slice.

    A page is read in three small steps instead of one wide join: the ids, from
    `SELECT id … WHERE debit_id = a UNION ALL SELECT id … WHERE credit_id = a ORDER BY id DESC
    LIMIT n` (each side walks its `(debit_id, id)` / `(credit_id, id)` index backwards and stops
    after the page); the page's transfers by id; and only the accounts the page shows as the
    other side (owner name, household address, community or street). The account's own side is
    the account passed in. Reversals are prefetched for the page."""

    def __init__(self, account: Account, *, kind: str = "", direction: str = "",
                 since: datetime | None = None, until: datetime | None = None):
        self.account = account
        self.kind, self.direction, self.since, self.until = kind, direction, since, until

    def _side(self, field: str) -> QuerySet:
        qs = Transfer.objects.filter(**{field: self.account.pk})
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.since:
            qs = qs.filter(created_at__gte=self.since)
        if self.until:
            qs = qs.filter(created_at__lte=self.until)
        return qs.order_by()

    def _sides(self) -> list[QuerySet]:
        sides = []
        if self.direction != "out":
            sides.append(self._side("credit_id").values_list("id", flat=True))
        if self.direction != "in":
            sides.append(self._side("debit_id").values_list("id", flat=True))
        return sides

    def ids(self, stop: int | None = None) -> QuerySet:
        """The matching transfer ids, newest first (an unevaluated UNION ALL). With `stop`,
        where the database allows it (PostgreSQL), each side is itself limited to its newest
        `stop` ids: PostgreSQL plans a top-level UNION ALL as append-then-sort, and only
        merges two ordered index scans when each side carries its own ORDER BY … LIMIT.
        SQLite merges the sides by itself (MERGE (UNION ALL) in its plan)."""
        sides = self._sides()
        if len(sides) == 1:
            return sides[0].order_by("-id")
        if stop is not None and connection.features.supports_slicing_ordering_in_compound:
            sides = [side.order_by("-id")[:stop] for side in sides]
        return sides[0].union(sides[1], all=True).order_by("-id")

    def count(self) -> int:
        return self.ids().count()

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self[0:None])

    def __getitem__(self, window):
        if isinstance(window, int):
            return self[window:window + 1][0]
        ids = list(self.ids(stop=window.stop)[window])
        return self.load(ids)

    def load(self, ids: list[int]) -> list[Transfer]:
        """The transfers `ids` (newest first) with what a statement row shows."""
        if not ids:
            return []
        account = self.account
        transfers = list(Transfer.objects.filter(pk__in=ids).order_by("-id"))
        other_ids = {t.debit_id if t.credit_id == account.pk else t.credit_id for t in transfers}
        others = Account.objects.select_related(
            "resident", "household", "community", "street").in_bulk(other_ids)
        for t in transfers:
            if t.credit_id == account.pk:
                t.credit, t.debit = account, others[t.debit_id]
            else:
                t.debit, t.credit = account, others[t.credit_id]
        prefetch_related_objects(transfers, "reversals")
        if any(t.reversal_of_id for t in transfers):
            prefetch_related_objects(transfers, "reversal_of")
        return transfers


def transfer_list_for_account(
    *,
    account: Account,
    kind: str = "",
    direction: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> AccountTransfers:
    """The account's statement entries, newest first; slice it (or hand it to a paginator)."""
    return AccountTransfers(account, kind=kind, direction=direction, since=since, until=until)


#: What a resident reads as the source of hours or points coming from the street's issuer,
#: by the prefix of the transfer's opaque reference (set by the app that caused it).
_ISSUER_SOURCES = (
    ("order:", lambda: _("Volunteer service")),
    ("activity:", lambda: _("Activity check-in")),
    ("points-claim:", lambda: _("Civic points")),
    ("points-award:", lambda: _("Civic points")),
)


def transfer_source(transfer: Transfer, counterparty: Account) -> str:
    """The other side of an entry in words a resident understands: a person or household by
    name, otherwise where the value came from or went to ("志愿服务", "积分兑换" …), never an
    internal ledger account such as the street's issuer."""
    if counterparty.is_member:
        return counterparty.label
    kind = counterparty.kind
    if kind == AccountKind.COMMUNITY_FUND:
        return _("%(name)s time fund") % {"name": counterparty.community.name}
    if kind == AccountKind.STORE:
        return _("Points store exchange")
    if kind == AccountKind.ADJUSTMENT:
        return _("Correction by community staff")
    for prefix, label in _ISSUER_SOURCES:
        if transfer.reference.startswith(prefix):
            return label()
    if transfer.kind == TransferKind.EARN:
        return _("Volunteer service")
    if counterparty.unit == Unit.POINTS:
        return _("Community points bank")
    return _("Community time bank")


@dataclass
class StatementRow:
    transfer: Transfer
    change: int  # signed: positive in, negative out
    balance_after: int
    counterparty: Account

    @property
    def is_in(self) -> bool:
        return self.change > 0

    @property
    def source(self) -> str:
        return transfer_source(self.transfer, self.counterparty)

    @property
    def counterparty_is_member(self) -> bool:
        return self.counterparty.is_member


def statement_rows(*, account: Account, transfers) -> list[StatementRow]:
    """Rows with the account's real balance after each one, also when filters hide others.

    The balance after the newest row shown is the current balance minus what moved after it
    (one sum over the index ranges above that id); the rows of the page are then walked back
    over every transfer between the newest and the oldest shown. The cost follows the page,
    not the account's history or the table."""
    transfers = list(transfers)
    if not transfers:
        return []
    pk = account.pk
    oldest = min(t.pk for t in transfers)
    newest = max(t.pk for t in transfers)
    balance = Account.objects.filter(pk=pk).values_list("balance", flat=True).get()
    moved = Transfer.objects.filter(Q(debit_id=pk) | Q(credit_id=pk), pk__gt=newest).aggregate(
        incoming=Sum("amount", filter=Q(credit_id=pk)),
        outgoing=Sum("amount", filter=Q(debit_id=pk)))
    balance -= (moved["incoming"] or 0) - (moved["outgoing"] or 0)
    between = Transfer.objects.filter(Q(debit_id=pk) | Q(credit_id=pk), pk__gte=oldest,
                                      pk__lte=newest)
    after: dict[int, int] = {}
    for tid, credit_id, amount in between.order_by("-id").values_list("pk", "credit_id",
                                                                     "amount"):
        after[tid] = balance
        balance -= amount if credit_id == pk else -amount
    rows = []
    for t in transfers:
        incoming = t.credit_id == pk
        rows.append(StatementRow(
            transfer=t,
            change=t.amount if incoming else -t.amount,
            balance_after=after[t.pk],
            counterparty=t.debit if incoming else t.credit,
        ))
    return rows


def reservation_list_for_account(*, account: Account, status: str = "") -> QuerySet:
    qs = Reservation.objects.filter(account=account).select_related("settlement")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def held_reservations(*, account: Account) -> QuerySet:
    return reservation_list_for_account(account=account, status=ReservationStatus.HELD)


# --- reservations, for the services that hold hours against a reference ----------------------


def reservation_is_held(*, reference: str) -> bool:
    """Whether hours are still held (not yet settled or released) for `reference`."""
    return Reservation.objects.filter(reference=reference,
                                      status=ReservationStatus.HELD).exists()


def reservation_latest(*, reference: str) -> Reservation | None:
    """The most recent reservation made for `reference` (a re-accepted order holds again)."""
    return Reservation.objects.filter(reference=reference).order_by("-id").first()
