"""Hypothesis drives random sequences of earn, spend, gift, donate, reserve, settle, release,
reverse and replay against the real ledger and a plain-Python model, and checks every invariant
after every step."""

import itertools
from datetime import date

import pytest
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from linli.common.exceptions import Conflict
from linli.ledger import services
from linli.ledger.models import Account, AccountKind, TransferKind, Unit
from linli.ledger.reconciliation import ledger_verify
from linli.ledger.services import InsufficientFunds, LimitExceeded
from tests.factories import (
    CommunityFactory,
    GridFactory,
    UserFactory,
    ledger_household,
    ledger_resident,
)

STORAGE_CAP = 1_000
GIFT_CAP = 300
REFUSED = (InsufficientFunds, LimitExceeded)


class _Rollback(Exception):
    pass


class LedgerMachine(RuleBasedStateMachine):
    transfers = Bundle("transfers")
    reservations = Bundle("reservations")

    def __init__(self):
        super().__init__()
        self._settings = override_settings(LEDGER_TIME_STORAGE_CAP_MINUTES=STORAGE_CAP,
                                           LEDGER_TIME_GIFT_YEARLY_CAP_MINUTES=GIFT_CAP)
        self._settings.enable()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        community = CommunityFactory()
        GridFactory(community=community)
        homes = [ledger_household(community=community) for _ in range(2)]
        # Residents 0 and 1 share a household, as do 2 and 3: gifts go within a household.
        self.residents = [ledger_resident(household=homes[i // 2], birth_date=date(1950, 1, 1),
                                          user=UserFactory())
                          for i in range(4)]
        self.accounts = [services.resident_account_ensure(resident=r) for r in self.residents]
        self.issuer = services.system_account_ensure(street=community.street,
                                                     kind=AccountKind.ISSUER, unit=Unit.TIME)
        self.fund = services.fund_account_ensure(community=community)
        self.balance = {a.pk: 0 for a in [*self.accounts, self.issuer, self.fund]}
        self.reserved = {a.pk: 0 for a in self.accounts}
        self.gifted = {a.pk: 0 for a in self.accounts}
        self.keys = (f"k{n}" for n in itertools.count())
        self.posted = {}  # key -> (transfer pk, call to replay it)
        self.reversed = set()

    def teardown(self):
        self._atomic.__exit__(_Rollback, _Rollback(), None)
        self._settings.disable()

    # --- model helpers ------------------------------------------------------------------

    def available(self, account) -> int:
        return self.balance[account.pk] - self.reserved.get(account.pk, 0)

    def member(self, account) -> bool:
        return account.kind == AccountKind.RESIDENT

    def fits(self, account, amount: int) -> bool:
        return not self.member(account) or self.balance[account.pk] + amount <= STORAGE_CAP

    def move(self, debit, credit, amount: int) -> None:
        self.balance[debit.pk] -= amount
        self.balance[credit.pk] += amount

    def post(self, call, debit, credit, amount, ok: bool, kind: str):
        key = next(self.keys)
        if not ok:
            with pytest.raises(REFUSED):
                call(key)
            return None
        transfer = call(key)
        self.move(debit, credit, amount)
        self.posted[key] = (transfer.pk, call)
        return (transfer.pk, debit, credit, amount, kind, key)

    # --- rules --------------------------------------------------------------------------

    @rule(target=transfers, who=st.integers(0, 3), minutes=st.integers(1, 600))
    def earn(self, who, minutes):
        account = self.accounts[who]
        return self.post(
            lambda key: services.earning_create(resident=self.residents[who], minutes=minutes,
                                                reference="svc", idempotency_key=key),
            self.issuer, account, minutes, self.fits(account, minutes), TransferKind.EARN)

    @rule(target=transfers, who=st.integers(0, 3), minutes=st.integers(1, 400))
    def spend(self, who, minutes):
        account = self.accounts[who]
        return self.post(
            lambda key: services.transfer_create(
                unit=Unit.TIME, debit=account, credit=self.issuer, amount=minutes,
                kind=TransferKind.SPEND, reference="svc", idempotency_key=key),
            account, self.issuer, minutes, self.available(account) >= minutes,
            TransferKind.SPEND)

    @rule(target=transfers, who=st.integers(0, 3), minutes=st.integers(1, 200))
    def gift(self, who, minutes):
        other = who ^ 1  # the other member of the household
        giver, receiver = self.accounts[who], self.accounts[other]
        ok = (self.gifted[giver.pk] + minutes <= GIFT_CAP
              and self.available(giver) >= minutes and self.fits(receiver, minutes))
        result = self.post(
            lambda key: services.gift_create(giver=self.residents[who],
                                             recipient=self.residents[other],
                                             minutes=minutes, idempotency_key=key,
                                             actor=self.residents[who].user),
            giver, receiver, minutes, ok, TransferKind.GIFT)
        if result:
            self.gifted[giver.pk] += minutes
        return result

    @rule(target=transfers, who=st.integers(0, 3), minutes=st.integers(1, 300))
    def donate(self, who, minutes):
        account = self.accounts[who]
        return self.post(
            lambda key: services.donation_create(donor=self.residents[who], minutes=minutes,
                                                 idempotency_key=key,
                                                 actor=self.residents[who].user),
            account, self.fund, minutes, self.available(account) >= minutes,
            TransferKind.DONATION)

    @rule(target=reservations, who=st.integers(0, 3), minutes=st.integers(1, 300))
    def reserve(self, who, minutes):
        account = self.accounts[who]
        key = next(self.keys)
        if self.available(account) < minutes:
            with pytest.raises(InsufficientFunds):
                services.reservation_create(account=account, amount=minutes,
                                            reference=f"order:{key}", idempotency_key=key)
            return None
        services.reservation_create(account=account, amount=minutes, reference=f"order:{key}",
                                    idempotency_key=key)
        # A replay holds nothing more.
        services.reservation_create(account=account, amount=minutes, reference=f"order:{key}",
                                    idempotency_key=key)
        self.reserved[account.pk] += minutes
        return [f"order:{key}", account, minutes, "held"]

    @rule(held=reservations, to=st.integers(0, 3), part=st.floats(0.1, 1.0))
    def settle(self, held, to, part):
        if held is None or held[3] != "held":
            return
        reference, account, amount, _status = held
        credit = self.accounts[to] if self.accounts[to].pk != account.pk else self.fund
        pay = max(1, int(amount * part))
        key = next(self.keys)
        if not self.fits(credit, pay):
            with pytest.raises(LimitExceeded):
                services.reservation_settle(reference=reference, idempotency_key=key,
                                            credit=credit, amount=pay)
            return
        services.reservation_settle(reference=reference, idempotency_key=key, credit=credit,
                                    amount=pay)
        services.reservation_settle(reference=reference, idempotency_key=key, credit=credit,
                                    amount=pay)  # replay: paid once
        self.reserved[account.pk] -= amount
        self.move(account, credit, pay)
        held[3] = "settled"
        with pytest.raises(Conflict):  # closed: a new key cannot pay again
            services.reservation_release(reference=reference, idempotency_key=next(self.keys))

    @rule(held=reservations)
    def release(self, held):
        if held is None or held[3] != "held":
            return
        reference, account, amount, _status = held
        key = next(self.keys)
        services.reservation_release(reference=reference, idempotency_key=key)
        services.reservation_release(reference=reference, idempotency_key=key)
        self.reserved[account.pk] -= amount
        held[3] = "released"

    @rule(original=transfers, part=st.floats(0.1, 1.0))
    def reverse(self, original, part):
        if original is None:
            return
        pk, debit, credit, amount, kind, _key = original
        from linli.ledger.models import Transfer

        transfer = Transfer.objects.get(pk=pk)
        back = max(1, int(amount * part))
        key = next(self.keys)
        if pk in self.reversed:
            with pytest.raises(Conflict):
                services.transfer_reverse(transfer=transfer, idempotency_key=key, reason="again",
                                          amount=back)
            return
        can_pay = credit.kind == AccountKind.ISSUER or self.available(credit) >= back
        if not can_pay:
            with pytest.raises(InsufficientFunds):
                services.transfer_reverse(transfer=transfer, idempotency_key=key,
                                          reason="mistake", amount=back)
            return
        services.transfer_reverse(transfer=transfer, idempotency_key=key, reason="mistake",
                                  amount=back)
        self.move(credit, debit, back)
        self.reversed.add(pk)
        if kind == TransferKind.GIFT:
            self.gifted[debit.pk] -= back

    @rule(original=transfers)
    def replay(self, original):
        if original is None:
            return
        pk, *_rest, key = original
        _pk, call = self.posted[key]
        assert call(key).pk == pk  # same key, same content: the original, nothing moves

    @rule(original=transfers)
    def clash(self, original):
        if original is None:
            return
        pk, debit, credit, amount, kind, key = original
        with pytest.raises(Conflict):
            services.transfer_create(unit=Unit.TIME, debit=debit, credit=credit,
                                     amount=amount + 1, kind=kind, reference="other",
                                     idempotency_key=key)

    # --- invariants ---------------------------------------------------------------------

    @invariant()
    def balances_match_the_model(self):
        rows = dict(Account.objects.filter(pk__in=self.balance).values_list("pk", "balance"))
        assert rows == self.balance
        held = dict(Account.objects.filter(pk__in=self.reserved).values_list("pk", "reserved"))
        assert held == self.reserved

    @invariant()
    def no_member_below_zero(self):
        # (A reversal may lift a balance over the storage cap: corrections always go through.)
        for account in self.accounts:
            assert 0 <= self.reserved[account.pk] <= self.balance[account.pk]
        assert self.balance[self.fund.pk] >= 0

    @invariant()
    def ledger_reconciles(self):
        report = ledger_verify()
        assert report.ok, report.violations
        assert report.totals.get("time", 0) == 0


@pytest.mark.django_db
def test_ledger_state_machine():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(max_examples=30, stateful_step_count=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture]),
    )
