"""Ledger and time-bank API: balances, statements, gifts, donations, staff corrections."""

from datetime import datetime, time
from typing import Literal
from uuid import UUID

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from linli.common.api import (
    ERRORS,
    BodyInt,
    IsoDate,
    Pagination,
    body_int,
    require_roles,
)
from linli.common.dates import age_on
from linli.common.exceptions import NotFound
from linli.common.pagination import PageMap
from linli.ledger import selectors, services
from linli.ledger.models import (
    Account,
    AccountKind,
    Reservation,
    Transfer,
    TransferKind,
    Unit,
)

router = Router(tags=["ledger"])

Key = Field(..., min_length=1, max_length=100,
            description="Unique per operation; a replay with the same content returns the "
                        "original, the same key with other content answers 409.")


class AccountOut(Schema):
    uuid: UUID
    unit: Unit
    kind: AccountKind
    label: str
    balance: int
    reserved: int
    available: int
    community: str | None

    @staticmethod
    def resolve_community(obj: Account) -> str | None:
        if obj.resident_id:
            return obj.resident.household.community.name
        if obj.household_id:
            return obj.household.community.name
        return obj.community.name if obj.community_id else None


class ReservationOut(Schema):
    uuid: UUID
    amount: int
    reference: str
    status: str
    memo: str
    created_at: datetime
    resolved_at: datetime | None


class FamilyMemberOut(Schema):
    uuid: UUID
    name: str


class MyTimeBankOut(Schema):
    account: AccountOut | None
    storage_cap: int
    gifted_this_year: int
    gift_yearly_cap: int
    pending: list[ReservationOut]
    family: list[FamilyMemberOut]


class StatementEntryOut(Schema):
    uuid: UUID
    created_at: datetime
    kind: TransferKind
    change: int
    balance_after: int
    counterparty: str
    source: str = Field(..., description="Where the value came from or went to, in words a "
                                         "resident understands (志愿服务, 积分兑换, a name …).")
    reference: str
    memo: str
    reversal_of: UUID | None
    reversed: bool


class TransferOut(Schema):
    uuid: UUID
    unit: Unit
    kind: TransferKind
    amount: int
    debit: str
    credit: str
    reference: str
    memo: str
    created_at: datetime
    reversal_of: UUID | None

    @staticmethod
    def resolve_debit(obj: Transfer) -> str:
        return str(obj.debit.uuid)

    @staticmethod
    def resolve_credit(obj: Transfer) -> str:
        return str(obj.credit.uuid)

    @staticmethod
    def resolve_reversal_of(obj: Transfer) -> UUID | None:
        return obj.reversal_of.uuid if obj.reversal_of_id else None


class StatementFilter(Schema):
    kind: TransferKind | None = None
    direction: Literal["in", "out"] | None = None
    since: IsoDate | None = None
    until: IsoDate | None = None


class AccountFilter(Schema):
    unit: Unit | None = None
    kind: AccountKind | None = None
    q: str = Field("", max_length=64)


class GiftIn(Schema):
    recipient: UUID
    minutes: BodyInt = Field(..., ge=1, le=services.MAX_AMOUNT)
    idempotency_key: str = Key
    memo: str = Field("", max_length=255)


class DonationIn(Schema):
    minutes: BodyInt = Field(..., ge=1, le=services.MAX_AMOUNT)
    idempotency_key: str = Key
    memo: str = Field("", max_length=255)


class AdjustmentIn(Schema):
    direction: Literal["credit", "debit"]
    amount: BodyInt = Field(..., ge=1, le=services.MAX_AMOUNT)
    reason: str = Field(..., min_length=1, max_length=255)
    idempotency_key: str = Key


class ReversalIn(Schema):
    # Bounds and validator in one Annotated, so the schema keeps minimum/maximum.
    amount: body_int(1, services.MAX_AMOUNT) | None = None
    reason: str = Field(..., min_length=1, max_length=255)
    idempotency_key: str = Key


class AllocationIn(Schema):
    recipient: UUID
    minutes: BodyInt = Field(..., ge=1, le=services.MAX_AMOUNT)
    reason: str = Field("", max_length=255)
    idempotency_key: str = Key


class FundOut(Schema):
    community_uuid: UUID
    community: str
    balance: int


class PriorityResidentOut(Schema):
    uuid: UUID
    name: str
    age: int | None
    living_alone: bool
    empty_nest: bool


def _bounds(filters: StatementFilter) -> dict:
    tz = timezone.get_current_timezone()
    return {
        "kind": filters.kind or "",
        "direction": filters.direction or "",
        "since": datetime.combine(filters.since, time.min, tz) if filters.since else None,
        "until": datetime.combine(filters.until, time.max, tz) if filters.until else None,
    }


class StatementPage:
    """Lets the shared paginator slice a statement; running balances are computed per page."""

    def __init__(self, account: Account, transfers, *, resident: bool = False):
        # A resident reads the source in plain words, never an internal account's name.
        self.account, self.transfers, self.resident = account, transfers, resident

    def all(self) -> "StatementPage":
        return self

    def count(self) -> int:
        return self.transfers.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice):
        rows = selectors.statement_rows(account=self.account, transfers=self.transfers[window])
        return [
            {
                "uuid": r.transfer.uuid, "created_at": r.transfer.created_at,
                "kind": r.transfer.kind, "change": r.change, "balance_after": r.balance_after,
                "counterparty": r.source if self.resident else r.counterparty.label,
                "source": r.source,
                "reference": "" if self.resident else r.transfer.reference,
                "memo": r.transfer.memo,
                "reversal_of": r.transfer.reversal_of.uuid if r.transfer.reversal_of_id else None,
                "reversed": bool(r.transfer.reversals.all()),
            }
            for r in rows
        ]


def _me(request):
    resident = selectors.resident_for_user(request.auth)
    if resident is None:
        raise NotFound(_("Your account is not linked to a resident record yet. Please ask your "
                         "community office."))
    return resident


def _transfer(transfer: Transfer) -> Transfer:
    return Transfer.objects.select_related("debit", "credit", "reversal_of").get(pk=transfer.pk)


@router.get("/timebank/me", response={200: MyTimeBankOut, **ERRORS})
def timebank_me(request):
    """My time account: balance, reserved (pending) hours, limits and family members."""
    resident = _me(request)
    account = selectors.own_time_account(resident=resident)
    return {
        "account": account,
        "storage_cap": services.storage_cap_minutes(),
        "gifted_this_year": services.gifted_this_year(account=account) if account else 0,
        "gift_yearly_cap": services.gift_yearly_cap_minutes(),
        "pending": list(selectors.held_reservations(account=account)) if account else [],
        "family": list(selectors.family_members_for(resident=resident)),
    }


@router.get("/timebank/me/statement", response={200: list[StatementEntryOut], **ERRORS})
@paginate(Pagination)
def timebank_statement(request, filters: Query[StatementFilter]):
    """My statement (流水), newest first, with the balance after each entry."""
    account = selectors.own_time_account(resident=_me(request))
    if account is None:
        return []
    return StatementPage(account, selectors.transfer_list_for_account(account=account,
                                                                      **_bounds(filters)),
                         resident=True)


@router.post("/timebank/gifts", response={201: TransferOut, **ERRORS})
def gift_create(request, payload: GiftIn):
    """时间转赠: gift hours to a family member (yearly limit applies)."""
    giver = _me(request)
    recipient = selectors.family_members_for(resident=giver).filter(
        uuid=payload.recipient).first()
    if recipient is None:
        raise NotFound(_("No such family member."))
    transfer = services.gift_create(giver=giver, recipient=recipient, minutes=payload.minutes,
                                    idempotency_key=payload.idempotency_key,
                                    memo=payload.memo, actor=request.auth)
    return Status(201, _transfer(transfer))


@router.post("/timebank/donations", response={201: TransferOut, **ERRORS})
def donation_create(request, payload: DonationIn):
    """Donate hours to my community's fund for elders in need."""
    transfer = services.donation_create(donor=_me(request), minutes=payload.minutes,
                                        idempotency_key=payload.idempotency_key,
                                        memo=payload.memo, actor=request.auth)
    return Status(201, _transfer(transfer))


def _community(request, uuid: UUID):
    community = selectors.ledger_communities_for(request.auth).filter(uuid=uuid).first()
    if community is None:
        raise Http404
    return community


@router.get("/timebank/funds", response={200: list[FundOut], **ERRORS})
def fund_list(request):
    """Community funds in my scope (staff)."""
    require_roles(request, *selectors.LEDGER_STAFF_ROLES)
    balances = {f.community_id: f.balance for f in selectors.fund_list_for_user(user=request.auth)}
    return [
        {"community_uuid": c.uuid, "community": c.name, "balance": balances.get(c.pk, 0)}
        for c in selectors.ledger_communities_for(request.auth).order_by("street_id", "code")
    ]


@router.get("/timebank/funds/{community_uuid}/priority",
            response={200: list[PriorityResidentOut], **ERRORS})
@paginate(Pagination)
def priority_list(request, community_uuid: UUID):
    """Elders who come first for the fund's hours, most urgent first (staff)."""
    require_roles(request, *selectors.LEDGER_STAFF_ROLES)
    community = _community(request, community_uuid)
    today = timezone.localdate()
    return PageMap(
        selectors.priority_residents_for(community=community, today=today),
        lambda r: {"uuid": r.uuid, "name": r.name, "age": age_on(r.birth_date, today),
                   "living_alone": r.living_alone, "empty_nest": r.empty_nest},
    )


@router.post("/timebank/funds/{community_uuid}/allocations",
             response={201: TransferOut, **ERRORS})
def allocation_create(request, community_uuid: UUID, payload: AllocationIn):
    """Pass hours from the community fund to a resident (staff; priority elders first)."""
    require_roles(request, *selectors.LEDGER_STAFF_ROLES)
    from linli.registry.models import Resident

    community = _community(request, community_uuid)
    recipient = Resident.objects.filter(uuid=payload.recipient,
                                        household__community=community).first()
    if recipient is None:
        raise NotFound(_("No such resident in this community."))
    transfer = services.allocation_create(
        fund=services.fund_account_ensure(community=community), recipient=recipient,
        minutes=payload.minutes, idempotency_key=payload.idempotency_key,
        reason=payload.reason, actor=request.auth, request=request,
    )
    return Status(201, _transfer(transfer))


def _account(request, uuid: UUID) -> Account:
    account = selectors.account_get_for_user(user=request.auth, uuid=uuid)
    if account is None:
        raise Http404
    return account


@router.get("/ledger/accounts", response={200: list[AccountOut], **ERRORS})
@paginate(Pagination)
def account_list(request, filters: Query[AccountFilter]):
    """Ledger accounts in my scope (staff)."""
    require_roles(request, *selectors.LEDGER_STAFF_ROLES)
    return selectors.account_list_for_user(user=request.auth, unit=filters.unit or "",
                                           kind=filters.kind or "", query=filters.q,
                                           staff_only=True)


@router.get("/ledger/accounts/{uuid}", response={200: AccountOut, **ERRORS})
def account_get(request, uuid: UUID):
    """One account: my own, or one my staff role looks after."""
    return _account(request, uuid)


@router.get("/ledger/accounts/{uuid}/statement", response={200: list[StatementEntryOut],
                                                          **ERRORS})
@paginate(Pagination)
def account_statement(request, uuid: UUID, filters: Query[StatementFilter]):
    """An account's statement, newest first, with the balance after each entry."""
    account = _account(request, uuid)
    # Someone reading their own account (no staff role) sees sources in plain words.
    resident = not request.auth.has_role(*selectors.LEDGER_STAFF_ROLES)
    return StatementPage(account, selectors.transfer_list_for_account(account=account,
                                                                      **_bounds(filters)),
                         resident=resident)


@router.get("/ledger/accounts/{uuid}/reservations", response={200: list[ReservationOut],
                                                             **ERRORS})
@paginate(Pagination)
def account_reservations(request, uuid: UUID):
    """Amounts reserved on an account for pending payments, open ones first."""
    account = _account(request, uuid)
    return Reservation.objects.filter(account=account).order_by("-status", "-id")


@router.post("/ledger/accounts/{uuid}/adjustments", response={201: TransferOut, **ERRORS})
def adjustment_create(request, uuid: UUID, payload: AdjustmentIn):
    """Correct a member's balance with a stated reason (staff; audited)."""
    require_roles(request, *selectors.LEDGER_STAFF_ROLES)
    account = selectors.account_get_for_user(user=request.auth, uuid=uuid, staff_only=True)
    if account is None:
        raise Http404
    transfer = services.adjustment_create(
        account=account, direction=payload.direction, amount=payload.amount,
        reason=payload.reason, idempotency_key=payload.idempotency_key, actor=request.auth,
        request=request,
    )
    return Status(201, _transfer(transfer))


@router.post("/ledger/transfers/{uuid}/reversal", response={201: TransferOut, **ERRORS})
def transfer_reverse(request, uuid: UUID, payload: ReversalIn):
    """Reverse a transfer (in full, or part of it) with a stated reason (staff; audited)."""
    require_roles(request, *selectors.LEDGER_STAFF_ROLES)
    transfer = selectors.transfer_get_for_user(user=request.auth, uuid=uuid, staff_only=True)
    if transfer is None:
        raise Http404
    reversal = services.transfer_correct(
        transfer=transfer, amount=payload.amount, reason=payload.reason,
        idempotency_key=payload.idempotency_key, actor=request.auth, request=request,
    )
    return Status(201, _transfer(reversal))
