from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import override_settings

from linli.common.exceptions import Conflict, ValidationError
from linli.common.models import AuditEvent
from linli.ledger import selectors, services
from linli.ledger.admin import TransferAdmin
from linli.ledger.models import (
    Account,
    AccountKind,
    LedgerAppendOnly,
    Reservation,
    ReservationStatus,
    Transfer,
    TransferKind,
    Unit,
)
from linli.ledger.reconciliation import ledger_verify
from linli.ledger.services import InsufficientFunds, LimitExceeded, TransferSpec
from tests.factories import (
    CommunityFactory,
    GridFactory,
    UserFactory,
    ledger_funded_account,
    ledger_household,
    ledger_resident,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    community = CommunityFactory()
    GridFactory(community=community)
    return community


@pytest.fixture
def pair(community):
    """Two residents of one household, each with an account to sign in: 600 minutes and
    nothing."""
    rich = ledger_funded_account(community=community, minutes=600, user=UserFactory())
    poor = ledger_funded_account(household=rich.resident.household, minutes=0,
                                 user=UserFactory())
    return rich, poor


def _move(debit, credit, amount, key="k1", **kw):
    return services.transfer_create(unit=Unit.TIME, debit=debit, credit=credit, amount=amount,
                                    kind=kw.pop("kind", TransferKind.SPEND),
                                    reference=kw.pop("reference", "ref"), idempotency_key=key,
                                    **kw)


def _balances(*accounts):
    return [Account.objects.get(pk=a.pk).balance for a in accounts]


# --- transfers --------------------------------------------------------------------------


def test_a_transfer_moves_the_amount_and_keeps_the_sum_at_zero(pair):
    rich, poor = pair
    _move(rich, poor, 250)
    assert _balances(rich, poor) == [350, 250]
    report = ledger_verify()
    assert report.ok and report.totals["time"] == 0


@pytest.mark.parametrize("amount", [0, -5, True, 1.5])
def test_amount_must_be_a_positive_whole_number(pair, amount):
    rich, poor = pair
    with pytest.raises(ValidationError):
        _move(rich, poor, amount)


def test_accounts_must_differ_and_share_the_unit(pair, community):
    rich, poor = pair
    with pytest.raises(ValidationError):
        _move(rich, rich, 5)
    points = services.household_account_ensure(household=rich.resident.household)
    with pytest.raises(ValidationError):
        _move(rich, points, 5)


def test_a_member_cannot_go_below_zero_but_the_issuer_can(pair):
    rich, poor = pair
    with pytest.raises(InsufficientFunds) as exc:
        _move(poor, rich, 1)
    assert exc.value.message == "余额不足。"
    issuer = Account.objects.get(kind=AccountKind.ISSUER, unit=Unit.TIME)
    assert issuer.balance == -600
    assert not Transfer.objects.filter(idempotency_key="k1").exists()


def test_a_replay_returns_the_original_and_another_content_is_a_conflict(pair):
    rich, poor = pair
    first = _move(rich, poor, 100, key="same")
    assert _move(rich, poor, 100, key="same").pk == first.pk
    assert _balances(rich, poor) == [500, 100]
    with pytest.raises(Conflict) as exc:
        _move(rich, poor, 101, key="same")
    assert exc.value.status == 409
    with pytest.raises(Conflict):
        _move(rich, poor, 100, key="same", reference="other")


def test_a_group_posts_all_or_nothing(pair, community):
    rich, poor = pair
    third = ledger_funded_account(community=community, minutes=0)
    specs = [
        TransferSpec(Unit.TIME, rich, poor, 100, TransferKind.SPEND, "g", "g1"),
        TransferSpec(Unit.TIME, poor, third, 100, TransferKind.SPEND, "g", "g2"),
        TransferSpec(Unit.TIME, third, rich, 500, TransferKind.SPEND, "g", "g3"),  # too much
    ]
    with pytest.raises(InsufficientFunds):
        services.transfer_group_create(transfers=specs)
    assert _balances(rich, poor, third) == [600, 0, 0]
    assert not Transfer.objects.filter(reference="g").exists()
    posted = services.transfer_group_create(transfers=specs[:2])
    assert len({t.group for t in posted}) == 1
    assert _balances(rich, poor, third) == [500, 0, 100]
    assert [t.pk for t in services.transfer_group_create(transfers=specs[:2])] == [
        t.pk for t in posted]


def test_transfers_are_append_only_in_the_orm_and_admin(pair, rf):
    rich, poor = pair
    transfer = _move(rich, poor, 10)
    with pytest.raises(LedgerAppendOnly):
        transfer.save()
    with pytest.raises(LedgerAppendOnly):
        transfer.delete()
    with pytest.raises(LedgerAppendOnly):
        Transfer.objects.filter(pk=transfer.pk).update(amount=1)
    with pytest.raises(LedgerAppendOnly):
        Transfer.objects.all().delete()
    admin = TransferAdmin(Transfer, None)
    request = rf.get("/")
    assert not admin.has_change_permission(request, transfer)
    assert not admin.has_delete_permission(request, transfer)
    assert not admin.has_add_permission(request)


def test_raw_sql_cannot_make_a_member_balance_negative(pair):
    rich, _poor = pair
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET balance = -1 WHERE id = %s", [rich.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET reserved = balance + 1 WHERE id = %s",
                       [rich.pk])
    issuer = Account.objects.get(kind=AccountKind.ISSUER, unit=Unit.TIME)
    with connection.cursor() as cursor:  # the issuer may go negative
        cursor.execute("UPDATE ledger_account SET balance = balance - 1 WHERE id = %s",
                       [issuer.pk])


def test_on_postgresql_a_trigger_refuses_raw_update_and_delete_of_transfers(pair):
    rich, poor = pair
    transfer = _move(rich, poor, 10)
    if connection.vendor != "postgresql":
        # SQLite has no trigger: the model and admin guards above are its protection.
        assert connection.vendor == "sqlite"
        return
    for sql in ("UPDATE ledger_transfer SET amount = 1 WHERE id = %s",
                "DELETE FROM ledger_transfer WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute(sql, [transfer.pk])
    assert Transfer.objects.get(pk=transfer.pk).amount == 10


def test_storage_cap_limits_credits_but_not_corrections(pair):
    rich, poor = pair
    with override_settings(LEDGER_TIME_STORAGE_CAP_MINUTES=650):
        with pytest.raises(LimitExceeded):
            services.earning_create(resident=rich.resident, minutes=51, reference="s",
                                    idempotency_key="e1")
        services.earning_create(resident=rich.resident, minutes=50, reference="s",
                                idempotency_key="e2")
        spent = _move(rich, poor, 100, key="spend")
        services.earning_create(resident=rich.resident, minutes=100, reference="s",
                                idempotency_key="e3")
        services.transfer_reverse(transfer=spent, idempotency_key="r", reason="mistake")
    assert _balances(rich) == [750]
    assert ledger_verify().ok


# --- reversals --------------------------------------------------------------------------


def test_a_transfer_is_reversed_once_and_never_by_more_than_its_amount(pair, community):
    rich, poor = pair
    staff = _staff(community)
    transfer = _move(rich, poor, 200)
    with pytest.raises(ValidationError):
        services.transfer_reverse(transfer=transfer, idempotency_key="r0", reason="x",
                                  amount=201)
    with pytest.raises(ValidationError):
        services.transfer_reverse(transfer=transfer, idempotency_key="r0", reason=" ")
    reversal = services.transfer_reverse(transfer=transfer, idempotency_key="r1",
                                         reason="entered twice", amount=150, actor=staff)
    assert (reversal.reversal_of, reversal.debit, reversal.credit, reversal.amount) == (
        transfer, poor, rich, 150)
    assert services.transfer_reverse(transfer=transfer, idempotency_key="r1",
                                     reason="entered twice", amount=150).pk == reversal.pk
    with pytest.raises(Conflict):
        services.transfer_reverse(transfer=transfer, idempotency_key="r2", reason="again",
                                  amount=50)
    with pytest.raises(ValidationError):
        services.transfer_reverse(transfer=reversal, idempotency_key="r3", reason="undo")
    assert _balances(rich, poor) == [550, 50]
    event = AuditEvent.objects.get(action="ledger_reversal")
    assert (event.actor, event.reason, event.object_id) == (staff, "entered twice",
                                                            str(transfer.uuid))


def test_the_database_refuses_a_second_reversal(pair):
    rich, poor = pair
    transfer = _move(rich, poor, 20)
    services.transfer_reverse(transfer=transfer, idempotency_key="r1", reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer(unit=Unit.TIME, debit=poor, credit=rich, amount=1, kind=TransferKind.REVERSAL,
                 idempotency_key="sneaky", reversal_of=transfer).save()


# --- reservations -----------------------------------------------------------------------


def test_a_reservation_holds_then_settles_part_and_releases_the_rest(pair, community):
    payer, volunteer = pair
    held = services.reservation_create(account=payer, amount=240, reference="order:1",
                                       idempotency_key="h1", memo="上门理发")
    payer.refresh_from_db()
    assert (payer.balance, payer.reserved, payer.available) == (600, 240, 360)
    with pytest.raises(InsufficientFunds):  # reserved hours cannot be spent twice
        _move(payer, volunteer, 361)
    with pytest.raises(Conflict):  # one open hold per reference
        services.reservation_create(account=payer, amount=10, reference="order:1",
                                    idempotency_key="h2")
    with pytest.raises(Conflict):
        services.reservation_create(account=payer, amount=10, reference="order:9",
                                    idempotency_key="h1")
    done = services.reservation_settle(reference="order:1", idempotency_key="pay", amount=180,
                                       credit=volunteer)
    assert done.pk == held.pk and done.status == ReservationStatus.SETTLED
    assert done.settlement.amount == 180 and done.settlement.kind == TransferKind.SETTLEMENT
    assert services.reservation_settle(reference="order:1", idempotency_key="pay", amount=180,
                                       credit=volunteer).pk == held.pk
    with pytest.raises(Conflict):
        services.reservation_settle(reference="order:1", idempotency_key="pay", amount=100,
                                    credit=volunteer)
    with pytest.raises(Conflict):
        services.reservation_release(reference="order:1", idempotency_key="free")
    payer.refresh_from_db()
    volunteer.refresh_from_db()
    assert (payer.balance, payer.reserved, volunteer.balance) == (420, 0, 180)
    assert ledger_verify().ok


def test_a_released_reservation_returns_the_hours(pair):
    payer, volunteer = pair
    services.reservation_create(account=payer, amount=100, reference="order:2",
                                idempotency_key="h")
    with pytest.raises(ValidationError):
        services.reservation_settle(reference="order:2", idempotency_key="p", amount=101,
                                    credit=volunteer)
    released = services.reservation_release(reference="order:2", idempotency_key="free")
    assert services.reservation_release(reference="order:2",
                                        idempotency_key="free").pk == released.pk
    payer.refresh_from_db()
    assert (payer.balance, payer.reserved) == (600, 0)
    # The order may be accepted again later: a new hold for the same reference.
    services.reservation_create(account=payer, amount=50, reference="order:2",
                                idempotency_key="h-again")
    assert Reservation.objects.filter(reference="order:2").count() == 2
    assert ledger_verify().ok


def test_reservations_need_available_balance(pair):
    _payer, empty = pair
    with pytest.raises(InsufficientFunds):
        services.reservation_create(account=empty, amount=1, reference="o", idempotency_key="h")
    assert not Reservation.objects.exists()


# --- time bank --------------------------------------------------------------------------


def test_gifts_go_to_family_within_the_yearly_cap(pair, community):
    rich, poor = pair
    stranger = ledger_resident(community=community)
    with pytest.raises(ValidationError):
        services.gift_create(giver=rich.resident, recipient=stranger, minutes=10,
                             idempotency_key="g0", actor=rich.resident.user)
    with override_settings(LEDGER_TIME_GIFT_YEARLY_CAP_MINUTES=300):
        first = services.gift_create(giver=rich.resident, recipient=poor.resident, minutes=200,
                                     idempotency_key="g1", actor=rich.resident.user)
        with pytest.raises(LimitExceeded) as exc:
            services.gift_create(giver=rich.resident, recipient=poor.resident, minutes=101,
                                 idempotency_key="g2", actor=rich.resident.user)
        assert exc.value.message == "每年最多转赠5小时，今年还可转赠1小时40分钟。"
        # A replay still answers after the cap is reached.
        assert services.gift_create(giver=rich.resident, recipient=poor.resident, minutes=200,
                                    idempotency_key="g1", actor=rich.resident.user).pk == first.pk
        # A reversed gift no longer counts against the cap.
        services.transfer_reverse(transfer=first, idempotency_key="back", reason="mistake")
        services.gift_create(giver=rich.resident, recipient=poor.resident, minutes=300,
                             idempotency_key="g3", actor=rich.resident.user)
    assert _balances(rich, poor) == [300, 300]


def test_donations_reach_the_fund_and_priority_elders_come_first(community):
    today = date.today()
    donor = ledger_funded_account(community=community, minutes=600, user=UserFactory())
    alone = ledger_resident(community=community, birth_date=date(today.year - 86, 1, 1))
    nest_home = ledger_household(community=community)
    nest = ledger_resident(household=nest_home, birth_date=date(today.year - 90, 1, 1))
    ledger_resident(household=nest_home, birth_date=date(today.year - 65, 1, 1))
    family_home = ledger_household(community=community)
    with_young = ledger_resident(household=family_home, birth_date=date(today.year - 95, 1, 1))
    ledger_resident(household=family_home, birth_date=date(today.year - 30, 1, 1))
    young = ledger_resident(community=community, birth_date=date(today.year - 50, 1, 1))
    ledger_resident(community=CommunityFactory(street=community.street),
                    birth_date=date(today.year - 99, 1, 1))  # another community

    ranked = list(selectors.priority_residents_for(community=community))
    assert ranked == [alone, nest, with_young]
    assert [(r.living_alone, r.empty_nest) for r in ranked] == [
        (True, True), (False, True), (False, False)]

    services.donation_create(donor=donor.resident, minutes=300, idempotency_key="d1",
                             actor=donor.resident.user)
    fund = Account.objects.get(kind=AccountKind.COMMUNITY_FUND, community=community)
    assert fund.balance == 300
    staff = _staff(community)
    services.allocation_create(fund=fund, recipient=alone, minutes=120, idempotency_key="a1",
                               actor=staff)
    with pytest.raises(ValidationError) as exc:
        services.allocation_create(fund=fund, recipient=young, minutes=60,
                                   idempotency_key="a2", actor=staff)
    assert exc.value.field == "reason"
    services.allocation_create(fund=fund, recipient=young, minutes=60, idempotency_key="a3",
                               reason="术后康复，家属在外地", actor=staff)
    with pytest.raises(InsufficientFunds):
        services.allocation_create(fund=fund, recipient=nest, minutes=121,
                                   idempotency_key="a4", actor=staff)
    assert _balances(fund) == [120]
    assert AuditEvent.objects.filter(action="ledger_allocation").count() == 2


def test_adjustments_need_a_reason_and_are_audited(pair, community):
    rich, _poor = pair
    staff = _staff(community)
    with pytest.raises(ValidationError):
        services.adjustment_create(account=rich, direction="credit", amount=30, reason="",
                                   idempotency_key="a", actor=staff)
    services.adjustment_create(account=rich, direction="credit", amount=30,
                               reason="活动签到漏记", idempotency_key="a", actor=staff)
    services.adjustment_create(account=rich, direction="debit", amount=100,
                               reason="重复录入", idempotency_key="b", actor=staff)
    services.adjustment_create(account=rich, direction="debit", amount=100,
                               reason="重复录入", idempotency_key="b", actor=staff)  # replay
    with pytest.raises(InsufficientFunds):
        services.adjustment_create(account=rich, direction="debit", amount=531,
                                   reason="x", idempotency_key="c", actor=staff)
    assert _balances(rich) == [530]
    adjustments = Account.objects.get(kind=AccountKind.ADJUSTMENT, unit=Unit.TIME)
    assert adjustments.balance == 70
    assert list(AuditEvent.objects.filter(action="ledger_adjustment")
                .order_by("id").values_list("reason", flat=True)) == ["活动签到漏记", "重复录入"]


def _staff(community):
    from linli.accounts.models import Role
    from tests.factories import user_with_role

    return user_with_role(Role.COMMUNITY_STAFF, community)


# --- reconciliation ---------------------------------------------------------------------


def test_ledger_verify_reports_each_kind_of_corruption(pair, capsys):
    rich, poor = pair
    _move(rich, poor, 100)
    call_command("ledger_verify")
    assert "Ledger OK" in capsys.readouterr().out

    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET balance = balance + 5 WHERE id = %s",
                       [poor.pk])
        cursor.execute("UPDATE ledger_account SET reserved = 3 WHERE id = %s", [rich.pk])
    with pytest.raises(CommandError):
        call_command("ledger_verify")
    err = capsys.readouterr().err
    assert f"account {poor.pk}" in err and "cached balance 105 != replayed 100" in err
    assert "reserved 3 != open reservations 0" in err
    assert "unit time: accounts sum to 5, not 0" in err


def test_statement_rows_carry_the_real_running_balance(pair):
    rich, poor = pair
    _move(rich, poor, 100, key="a")
    _move(poor, rich, 30, key="b", kind=TransferKind.GIFT)
    _move(rich, poor, 50, key="c")
    rows = selectors.statement_rows(
        account=rich, transfers=selectors.transfer_list_for_account(account=rich))
    assert [(r.change, r.balance_after) for r in rows] == [
        (-50, 480), (30, 530), (-100, 500), (600, 600)]
    only_spend = selectors.transfer_list_for_account(account=rich, kind=TransferKind.SPEND)
    assert [(r.change, r.balance_after) for r in selectors.statement_rows(
        account=rich, transfers=only_spend)] == [(-50, 480), (-100, 500)]
