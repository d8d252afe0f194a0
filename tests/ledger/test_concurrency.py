"""Real threads on the file database: balances stay conserved and non-negative, a key has one
effect however many requests race, and a SIGKILLed writer leaves a ledger that reconciles."""

import json
import random
import signal
import subprocess
import sys
import time as clock

import pytest
from django.db import connection
from django.test import Client

from linli.common.exceptions import DomainError
from linli.ledger import services
from linli.ledger.models import Account, Reservation, Transfer, TransferKind, Unit
from linli.ledger.reconciliation import ledger_verify
from tests.factories import (
    CommunityFactory,
    GridFactory,
    UserFactory,
    ledger_funded_account,
    ledger_resident,
)
from tests.ledger.helpers import PROJECT_ROOT, linli_command, run_in_threads, subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def community():
    community = CommunityFactory()
    GridFactory(community=community)
    return community


def test_fifty_threads_of_random_transfers_conserve_the_total(community):
    # Given ten accounts holding 1,000 minutes each
    accounts = [ledger_funded_account(community=community, minutes=1000) for _ in range(10)]
    ids = [a.pk for a in accounts]
    refused = []

    # When 50 threads post random transfers among them at the same moment
    def work(i: int) -> None:
        rng = random.Random(i)
        for n in range(8):
            debit, credit = rng.sample(accounts, 2)
            try:
                services.transfer_create(
                    unit=Unit.TIME, debit=debit, credit=credit, amount=rng.randint(1, 700),
                    kind=TransferKind.SPEND, reference="load", idempotency_key=f"t{i}-{n}")
            except DomainError:
                refused.append(i)  # insufficient balance is an expected answer

    errors = run_in_threads(50, work)

    # Then nothing failed, nothing was lost or created, and nobody went below zero
    assert not errors, errors
    assert not [e for e in errors if "database is locked" in str(e)]
    balances = list(Account.objects.filter(pk__in=ids).values_list("balance", flat=True))
    assert sum(balances) == 10 * 1000
    assert min(balances) >= 0
    assert Transfer.objects.filter(reference="load").count() + len(refused) == 50 * 8
    report = ledger_verify()
    assert report.ok, report.violations


def test_twenty_identical_requests_create_one_transfer(community):
    # Given a resident with a login and 600 banked minutes
    user = UserFactory()
    resident = ledger_resident(community=community, user=user)
    account = ledger_funded_account(resident=resident, minutes=600)
    body = json.dumps({"minutes": 90, "idempotency_key": "donate-once"})
    clients = []
    for _ in range(20):
        client = Client()
        client.force_login(user)
        clients.append(client)
    responses = []

    # When the same donation request arrives 20 times at once
    def work(i: int) -> None:
        responses.append(clients[i].post("/api/v1/timebank/donations", body,
                                         content_type="application/json"))

    errors = run_in_threads(20, work)

    # Then every request answers with the same single transfer
    assert not errors, errors
    assert [r.status_code for r in responses] == [201] * 20, [r.content for r in responses]
    assert len({r.json()["uuid"] for r in responses}) == 1
    assert Transfer.objects.filter(idempotency_key="donate-once").count() == 1
    account.refresh_from_db()
    assert account.balance == 600 - 90


def test_racing_settlements_pay_once(community):
    # Given 300 minutes reserved for one order
    payer = ledger_funded_account(community=community, minutes=500)
    volunteer = ledger_funded_account(community=community, minutes=0)
    services.reservation_create(account=payer, amount=300, reference="order:race",
                                idempotency_key="hold")
    results = []

    # When 20 threads settle it (10 with one key, 10 with another)
    def work(i: int) -> None:
        try:
            results.append(services.reservation_settle(
                reference="order:race", idempotency_key=f"settle-{i % 2}", credit=volunteer))
        except DomainError as exc:
            results.append(exc.code)

    errors = run_in_threads(20, work)

    # Then it is paid exactly once; the other key is told the hold is closed
    assert not errors, errors
    winners = {r.settlement_id for r in results if isinstance(r, Reservation)}
    assert len(winners) == 1
    assert sum(1 for r in results if isinstance(r, Reservation)) == 10
    assert results.count("not_reserved") == 10
    payer.refresh_from_db()
    volunteer.refresh_from_db()
    assert (payer.balance, payer.reserved, volunteer.balance) == (200, 0, 300)
    assert ledger_verify().ok


def test_sigkill_during_a_transfer_load_leaves_a_ledger_that_verifies(community):
    # Given ten funded accounts and a separate process posting transfers as fast as it can
    ids = [ledger_funded_account(community=community, minutes=500).pk for _ in range(10)]
    connection.close()  # our own connection holds nothing while the load runs
    proc = subprocess.Popen(
        [sys.executable, str(PROJECT_ROOT / "tests/ledger/load_script.py"),
         ",".join(map(str, ids))],
        env=subprocess_env(), cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # When it has committed a few hundred transfers, it is killed without warning
        posted = 0
        while posted < 300:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            posted = int(line.split()[1])
        clock.sleep(0.05)  # some way into the next transfers
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    # Then, after a restart, `linli ledger_verify` passes and the money is all there
    check = subprocess.run(linli_command("ledger_verify"), env=subprocess_env(),
                           cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Ledger OK" in check.stdout
    assert Transfer.objects.filter(reference="load").count() >= 300
    assert sum(Account.objects.filter(pk__in=ids).values_list("balance", flat=True)) == 5000


def test_ledger_verify_exits_non_zero_on_a_corrupted_row(community):
    # Given a consistent ledger
    account = ledger_funded_account(community=community, minutes=100)
    ok = subprocess.run(linli_command("ledger_verify"), env=subprocess_env(), cwd=PROJECT_ROOT,
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    # When a cached balance is changed behind the ledger's back
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET balance = balance + 7 WHERE id = %s",
                       [account.pk])

    # Then the command reports it and exits non-zero
    bad = subprocess.run(linli_command("ledger_verify"), env=subprocess_env(),
                         cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0
    assert "cached balance 107 != replayed 100" in bad.stderr
    assert "unit time: accounts sum to 7" in bad.stderr
