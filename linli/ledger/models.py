"""The double-entry ledger: accounts and append-only transfers, in two units.

Time is counted in whole minutes, points in whole points. Every movement of value is one
`Transfer` from a debit account to a credit account of the same unit; `Account.balance` is a
cache of the replay of its transfers, kept in step by guarded conditional updates and checked by
`linli ledger_verify`. The ledger knows nothing about orders or goods: callers pass an opaque
`reference`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Unit(models.TextChoices):
    TIME = "time", _("Time (minutes)")
    POINTS = "points", _("Points")


class AccountKind(models.TextChoices):
    RESIDENT = "resident", _("Resident time account")
    HOUSEHOLD = "household", _("Household points account")
    ISSUER = "issuer", _("Issuer")
    COMMUNITY_FUND = "community_fund", _("Community fund")
    STORE = "store", _("Points store")
    ADJUSTMENT = "adjustment", _("Adjustments")


#: Accounts owned by people; they can never go below zero.
MEMBER_KINDS = frozenset({AccountKind.RESIDENT, AccountKind.HOUSEHOLD})
#: Accounts that create value (issuer) or absorb corrections (adjustment) may go negative.
NEGATIVE_KINDS = frozenset({AccountKind.ISSUER, AccountKind.ADJUSTMENT})
#: Street-level system accounts (one per street and unit); the fund is per community.
STREET_KINDS = frozenset({AccountKind.ISSUER, AccountKind.STORE, AccountKind.ADJUSTMENT})


class AccountQuerySet(models.QuerySet):
    def with_owner(self) -> AccountQuerySet:
        return self.select_related(
            "street", "community", "resident__household__community", "household__community"
        )


class Account(models.Model):
    """One balance in one unit, owned by a resident (time), a household (points) or the
    street's system (issuer, community fund, store, adjustments)."""

    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    unit = models.CharField(pgettext_lazy("measure", "unit"), max_length=8, choices=Unit.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=AccountKind.choices)
    street = models.ForeignKey("registry.Street", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("street"))
    community = models.ForeignKey("registry.Community", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    resident = models.ForeignKey("registry.Resident", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="ledger_accounts",
                                 verbose_name=_("resident"))
    household = models.ForeignKey("registry.Household", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="ledger_accounts",
                                  verbose_name=_("household"))
    balance = models.BigIntegerField(_("balance"), default=0)
    #: Held for pending payments; `balance - reserved` is what the owner can spend.
    reserved = models.BigIntegerField(_("reserved"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.CheckConstraint(
                name="ledger_account_balance_non_negative",
                condition=Q(kind__in=sorted(NEGATIVE_KINDS)) | Q(balance__gte=0),
            ),
            models.CheckConstraint(
                name="ledger_account_reserved_within_balance",
                condition=Q(reserved__gte=0)
                & (Q(reserved=0) | Q(balance__gte=F("reserved"))),
            ),
            models.CheckConstraint(
                name="ledger_account_owner_shape",
                condition=(
                    Q(kind=AccountKind.RESIDENT, unit=Unit.TIME, resident__isnull=False,
                      household__isnull=True)
                    | Q(kind=AccountKind.HOUSEHOLD, unit=Unit.POINTS, household__isnull=False,
                        resident__isnull=True)
                    | Q(kind=AccountKind.COMMUNITY_FUND, community__isnull=False,
                        resident__isnull=True, household__isnull=True)
                    | Q(kind__in=sorted(STREET_KINDS), community__isnull=True,
                        resident__isnull=True, household__isnull=True)
                ),
            ),
            models.UniqueConstraint(
                fields=["resident", "unit"], condition=Q(resident__isnull=False),
                name="ledger_account_unique_resident",
            ),
            models.UniqueConstraint(
                fields=["household", "unit"], condition=Q(household__isnull=False),
                name="ledger_account_unique_household",
            ),
            models.UniqueConstraint(
                fields=["community", "kind", "unit"], condition=Q(kind=AccountKind.COMMUNITY_FUND),
                name="ledger_account_unique_fund",
            ),
            models.UniqueConstraint(
                fields=["street", "kind", "unit"], condition=Q(kind__in=sorted(STREET_KINDS)),
                name="ledger_account_unique_system",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_unit_display()})"

    @property
    def is_member(self) -> bool:
        return self.kind in MEMBER_KINDS

    @property
    def may_go_negative(self) -> bool:
        return self.kind in NEGATIVE_KINDS

    @property
    def available(self) -> int:
        return self.balance - self.reserved

    @property
    def label(self) -> str:
        if self.kind == AccountKind.RESIDENT:
            return self.resident.name
        if self.kind == AccountKind.HOUSEHOLD:
            return str(self.household)
        if self.kind == AccountKind.COMMUNITY_FUND:
            from django.utils.translation import gettext

            return gettext("%(name)s time fund") % {"name": self.community.name}
        return f"{self.street.name}{self.get_kind_display()}"

    @property
    def community_id_in_scope(self) -> int | None:
        """The community whose staff look after this account (None: street-level)."""
        if self.resident_id:
            return self.resident.household.community_id
        if self.household_id:
            return self.household.community_id
        return self.community_id


class TransferKind(models.TextChoices):
    EARN = "earn", _("Hours earned")
    SPEND = "spend", _("Hours spent")
    SETTLEMENT = "settlement", _("Reserved hours paid")
    GIFT = "gift", _("Gift to family")
    DONATION = "donation", _("Donation to the fund")
    ALLOCATION = "allocation", _("Allocation from the fund")
    AWARD = "award", _("Points awarded")
    REDEMPTION = "redemption", _("Points redeemed")
    ADJUSTMENT = "adjustment", _("Adjustment")
    REVERSAL = "reversal", _("Reversal")


class LedgerAppendOnly(Exception):
    """Raised on any attempt to change or remove a posted transfer."""


class TransferQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerAppendOnly("Transfers are append-only; post a reversal instead.")

    def delete(self):
        raise LedgerAppendOnly("Transfers are append-only; post a reversal instead.")

    def touching(self, account: Account | int) -> TransferQuerySet:
        pk = account if isinstance(account, int) else account.pk
        return self.filter(Q(debit_id=pk) | Q(credit_id=pk))


class Transfer(models.Model):
    """One movement of `amount` from `debit` to `credit`. Never updated, never deleted."""

    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    unit = models.CharField(pgettext_lazy("measure", "unit"), max_length=8, choices=Unit.choices)
    debit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="debits",
                              verbose_name=_("from account"))
    credit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="credits",
                               verbose_name=_("to account"))
    amount = models.BigIntegerField(_("amount"))
    kind = models.CharField(_("kind"), max_length=16, choices=TransferKind.choices)
    #: Opaque pointer to whatever caused the transfer ("order:<uuid>", "redemption:<uuid>").
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("entered by"))
    reversal_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversals", verbose_name=_("reverses"))
    #: Transfers posted together, all or nothing, share a group id.
    group = models.UUIDField(_("group"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False,
                                      db_index=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        # A statement reads each side of an account newest first and stops after one page.
        indexes = [
            models.Index(fields=["debit", "id"], name="ledger_transfer_debit_id"),
            models.Index(fields=["credit", "id"], name="ledger_transfer_credit_id"),
        ]
        constraints = [
            models.CheckConstraint(name="ledger_transfer_amount_positive",
                                   condition=Q(amount__gt=0)),
            models.CheckConstraint(name="ledger_transfer_distinct_accounts",
                                   condition=~Q(debit=F("credit"))),
            models.CheckConstraint(
                name="ledger_transfer_reversal_shape",
                condition=Q(kind=TransferKind.REVERSAL, reversal_of__isnull=False)
                | (~Q(kind=TransferKind.REVERSAL) & Q(reversal_of__isnull=True)),
            ),
            # One correction per transfer: a second reversal is refused by the database.
            models.UniqueConstraint(fields=["reversal_of"], condition=Q(reversal_of__isnull=False),
                                    name="ledger_transfer_single_reversal"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.unit} #{self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerAppendOnly("Transfers are append-only; post a reversal instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerAppendOnly("Transfers are append-only; post a reversal instead.")

    def content(self) -> tuple:
        """What an idempotent replay must repeat exactly."""
        return (self.unit, self.debit_id, self.credit_id, self.amount, self.kind, self.reference)


class ReservationStatus(models.TextChoices):
    HELD = "held", _("Reserved")
    SETTLED = "settled", _("Paid")
    RELEASED = "released", _("Released")


class Reservation(models.Model):
    """An amount held on a member account for a pending payment (e.g. a service paid with the
    requester's hours). It counts against the available balance until settled or released."""

    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="reservations",
                                verbose_name=pgettext_lazy("ledger", "account"))
    amount = models.BigIntegerField(_("amount"))
    reference = models.CharField(_("reference"), max_length=100)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=ReservationStatus.choices,
                              default=ReservationStatus.HELD)
    #: Idempotency key of the settle or release that closed the reservation.
    resolution_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    settlement = models.OneToOneField(Transfer, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="reservation", verbose_name=_("payment"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("reserved at"), default=timezone.now, editable=False)
    resolved_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        constraints = [
            models.CheckConstraint(name="ledger_reservation_amount_positive",
                                   condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="ledger_reservation_resolution_shape",
                condition=Q(status=ReservationStatus.HELD, resolution_key__isnull=True)
                | (~Q(status=ReservationStatus.HELD) & Q(resolution_key__isnull=False)),
            ),
            # One open hold per reference: an order re-accepted later gets a new one.
            models.UniqueConstraint(fields=["reference"],
                                    condition=Q(status=ReservationStatus.HELD),
                                    name="ledger_reservation_one_held_per_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount} {self.status}"
