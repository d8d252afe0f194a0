"""Ledger throughput: `transfer_create` against a raw-SQL baseline doing the same writes.

Each transfer, in both variants, is one transaction with the same three statements: insert the
transfer row, then the two guarded balance updates in primary-key order. The baseline skips
the ORM, validation and idempotency handling. Rounds alternate between the two so that drift
(cache warm-up, WAL growth, autovacuum) hits both alike. The report is a ratio measured in the
same run, never an absolute figure to assert on.

    LINLI_DATA_DIR=/tmp/linli-bench .venv/bin/python bench/ledger_bench.py            # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_bench \\
        .venv/bin/python bench/ledger_bench.py                                         # PostgreSQL
    .venv/bin/python bench/ledger_bench.py --both                                      # both

It creates and drops its own throwaway database (the test database name of the configured one).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    os.environ.setdefault("LINLI_DATA_DIR", "/tmp/linli-bench")
    os.environ.setdefault("DEBUG", "false")  # as in production: no query log
    import django

    django.setup()


def run(transfers: int, rounds: int) -> dict:
    _setup_django()
    from django.db import connection, transaction
    from django.utils import timezone

    from linli.ledger import services
    from linli.ledger.models import Account, Transfer, TransferKind, Unit
    from linli.ledger.reconciliation import ledger_verify
    from linli.registry.models import Community, District, Grid, Household, Resident, Street

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        district = District.objects.create(code="520581", name="黔西市")
        street = Street.objects.create(district=district, code="001", name="锦绣街道")
        community = Community.objects.create(street=street, code="001", name="紫轩社区")
        grid = Grid.objects.create(community=community, number="001", name="第1网格")
        accounts = []
        for n in range(10):
            home = Household.objects.create(community=community, grid=grid, number=f"B{n}",
                                            address=f"{n}号")
            resident = Resident.objects.create(household=home, name=f"居民{n}")
            services.earning_create(resident=resident, minutes=50_000, reference="bench",
                                    idempotency_key=f"seed-{n}")
            accounts.append(services.resident_account_ensure(resident=resident))
        cap = services.storage_cap_minutes()
        rng = random.Random(2026)
        pairs = [tuple(rng.sample(accounts, 2)) + (rng.randint(1, 5),)
                 for _ in range(transfers * rounds * 2)]
        ops = connection.ops
        sqlite = connection.vendor == "sqlite"

        def orm(batch) -> None:
            for debit, credit, amount in batch:
                services.transfer_create(unit=Unit.TIME, debit=debit, credit=credit,
                                         amount=amount, kind=TransferKind.SPEND,
                                         reference="bench", idempotency_key=uuid.uuid4().hex)

        insert = (
            "INSERT INTO ledger_transfer (uuid, unit, debit_id, credit_id, amount, kind, "
            "reference, idempotency_key, memo, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        )
        take = ("UPDATE ledger_account SET balance = balance - %s "
                "WHERE id = %s AND balance >= reserved + %s")
        give = "UPDATE ledger_account SET balance = balance + %s WHERE id = %s AND balance <= %s"

        def raw(batch) -> None:
            for debit, credit, amount in batch:
                with transaction.atomic(), connection.cursor() as cursor:
                    key = uuid.uuid4()
                    cursor.execute(insert, [
                        key.hex if sqlite else key, Unit.TIME, debit.pk, credit.pk, amount,
                        TransferKind.SPEND, "bench", uuid.uuid4().hex, "",
                        ops.adapt_datetimefield_value(timezone.now()),
                    ])
                    for _account, sql, params in sorted(
                        [(debit, take, [amount, debit.pk, amount]),
                         (credit, give, [amount, credit.pk, cap - amount])],
                        key=lambda leg: leg[0].pk,
                    ):
                        cursor.execute(sql, params)
                        if cursor.rowcount != 1:
                            raise RuntimeError("guard failed")

        timings = {"orm": 0.0, "raw": 0.0}
        orm(pairs[:50])  # warm-up, not timed
        raw(pairs[50:100])
        cursor_at = 100
        for r in range(rounds):
            for name, fn in (("raw", raw), ("orm", orm)) if r % 2 == 0 else (
                    ("orm", orm), ("raw", raw)):
                batch = pairs[cursor_at:cursor_at + transfers]
                cursor_at += transfers
                start = time.perf_counter()
                fn(batch)
                timings[name] += time.perf_counter() - start
        report = ledger_verify()
        total = transfers * rounds
        result = {
            "database": connection.vendor,
            "transfers_each": total,
            "raw_per_second": round(total / timings["raw"]),
            "orm_per_second": round(total / timings["orm"]),
            "ratio": round(timings["raw"] / timings["orm"], 3),
            "ledger_ok": report.ok,
            "transfers_in_db": Transfer.objects.count(),
            "accounts": Account.objects.count(),
        }
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=500, help="per round and variant")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--both", action="store_true", help="run on SQLite and PostgreSQL")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/linli_bench",
                        help="PostgreSQL URL for --both (its test_ database is used)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()
    if args.both:
        results = []
        for url in ("", args.pg):
            env = {**os.environ, "LINLI_DATA_DIR": os.environ.get("LINLI_DATA_DIR",
                                                                  "/tmp/linli-bench")}
            env.pop("DATABASE_URL", None)
            if url:
                env["DATABASE_URL"] = url
            out = subprocess.run(
                [sys.executable, __file__, "--transfers", str(args.transfers), "--rounds",
                 str(args.rounds), "--json"],
                env=env, capture_output=True, text=True, check=True,
            ).stdout
            results.append(json.loads(out.strip().splitlines()[-1]))
    else:
        results = [run(args.transfers, args.rounds)]
    if args.json:
        print(json.dumps(results[0]))
        return
    print(f"{'database':<12}{'transfers':>10}{'raw SQL/s':>12}{'ledger/s':>12}{'ratio':>8}"
          f"{'verify':>8}")
    for r in results:
        print(f"{r['database']:<12}{r['transfers_each']:>10}{r['raw_per_second']:>12}"
              f"{r['orm_per_second']:>12}{r['ratio']:>8.2f}"
              f"{'ok' if r['ledger_ok'] else 'FAIL':>8}")
    print("ratio = ledger transfers per second / raw-SQL transfers per second (same run); "
          "aim: >= 0.5")


if __name__ == "__main__":
    main()
