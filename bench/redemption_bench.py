"""Does the street's store account serialise redemptions? (issue 13, item 5)

Every redemption of a street credits the same store-account row
(`UPDATE ledger_account SET balance = balance + n WHERE id = <store>`). On PostgreSQL that
UPDATE holds the row lock until the transaction commits, so concurrent redemptions of one
street could queue on it. This bench measures it with real threads and a barrier: T threads,
each a different household exchanging different goods (so the store account is the only row
they share), M redemptions each through `redemption_create`.

It reports, in the same run:
- redemptions per second with the one store account as served, and with the credit spread over
  one store account per thread (a what-if: the service's store account swapped in-process);
- how long the store-account UPDATE and the household's debit UPDATE take (p50/p95/max), i.e.
  how long a redemption waited for the store row.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_bench \\
        .venv/bin/python bench/redemption_bench.py                   # PostgreSQL
    LINLI_DATA_DIR=/tmp/linli-bench .venv/bin/python bench/redemption_bench.py   # SQLite

It creates and drops its own throwaway database (the test database of the configured one).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    os.environ.setdefault("LINLI_DATA_DIR", "/tmp/linli-bench")
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def run(threads: int, per_thread: int, rounds: int) -> None:
    _setup_django()
    from django.conf import settings
    from django.db import connection

    from linli.accounts.models import User
    from linli.ledger import services as ledger
    from linli.ledger.models import Account, AccountKind, TransferKind, Unit
    from linli.ledger.reconciliation import ledger_verify
    from linli.registry.models import Community, District, Grid, Household, Resident, Street
    from linli.store import services as store
    from linli.store.models import Goods

    settings.STORE_REDEMPTIONS_PER_DAY = 10**9
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        district = District.objects.create(code="520581", name="黔西市")
        street = Street.objects.create(district=district, code="001", name="锦绣街道")
        community = Community.objects.create(street=street, code="001", name="紫轩社区")
        grid = Grid.objects.create(community=community, number="001", name="第1网格")
        issuer = ledger.system_account_ensure(street=street, kind=AccountKind.ISSUER,
                                              unit=Unit.POINTS)
        homes = []
        for n in range(threads):
            user = User.objects.create_user(f"1880000{n:04d}", "x", name=f"居民{n}")
            home = Household.objects.create(community=community, grid=grid, number=f"B-{n}",
                                            address=f"测试楼{n}号",
                                            door_token=uuid.uuid4().hex[:22])
            Resident.objects.create(household=home, user=user, name=user.name)
            account = ledger.household_account_ensure(household=home)
            ledger.transfer_create(unit=Unit.POINTS, debit=issuer, credit=account,
                                   amount=10**9, kind=TransferKind.AWARD, reference="bench",
                                   idempotency_key=f"fund-{n}")
            goods = Goods.objects.create(community=community, name=f"商品{n}", price=1,
                                         stock=10**6)
            homes.append((user, home, goods))
        shared = ledger.system_account_ensure(street=street, kind=AccountKind.STORE,
                                              unit=Unit.POINTS)
        print(f"{connection.vendor}: {threads} threads x {per_thread} redemptions, "
              f"{rounds} rounds per variant", flush=True)
        results: dict[str, list] = {"one store account": [], "one per thread": []}
        timings: dict[str, dict[str, list[float]]] = {
            k: {"store": [], "household": []} for k in results}
        original_ensure = store.system_account_ensure
        per_thread_store: dict[int, Account] = {}
        # The what-if: one store account per thread. A street has one store account per unit
        # (a unique constraint), so the spread rows are the store accounts of other streets:
        # distinct rows of the same kind, which is all the row lock cares about.
        spread_accounts = [
            ledger.system_account_ensure(
                street=Street.objects.create(district=district, code=f"9{n:02d}",
                                             name=f"分摊{n}"),
                kind=AccountKind.STORE, unit=Unit.POINTS)
            for n in range(threads)]
        real_store_ids = {shared.pk, *(a.pk for a in spread_accounts)}

        def spread_ensure(*, street, kind, unit):
            return per_thread_store[threading.get_ident()]

        for r in range(rounds):
            for variant in results:
                barrier = threading.Barrier(threads)
                errors: list[BaseException] = []

                def worker(i: int, variant=variant, barrier=barrier, errors=errors,
                           r=r) -> None:
                    user, home, goods = homes[i]
                    try:
                        if variant == "one per thread":
                            per_thread_store[threading.get_ident()] = spread_accounts[i]
                        samples = timings[variant]

                        def timer(execute, sql, params, many, context):
                            start = time.perf_counter()
                            try:
                                return execute(sql, params, many, context)
                            finally:
                                if sql.startswith("UPDATE ledger_account SET balance"):
                                    took = time.perf_counter() - start
                                    if params[1] in real_store_ids:
                                        samples["store"].append(took)
                                    else:
                                        samples["household"].append(took)

                        barrier.wait(timeout=60)
                        with connection.execute_wrapper(timer):
                            for m in range(per_thread):
                                store.redemption_create(
                                    household=home, goods=goods, quantity=1,
                                    idempotency_key=f"{variant}-{r}-{i}-{m}", actor=user)
                    except BaseException as exc:  # reported below
                        errors.append(exc)
                    finally:
                        connection.close()

                if variant == "one per thread":
                    store.system_account_ensure = spread_ensure
                workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
                connection.close()
                start = time.perf_counter()
                for t in workers:
                    t.start()
                for t in workers:
                    t.join()
                took = time.perf_counter() - start
                store.system_account_ensure = original_ensure
                if errors:
                    raise errors[0]
                results[variant].append(threads * per_thread / took)
        for variant, rates in results.items():
            st, hh = timings[variant]["store"], timings[variant]["household"]
            print(f"  {variant:18} {statistics.median(rates):7.1f} redemptions/s "
                  f"(rounds: {', '.join(f'{x:.1f}' for x in rates)}); "
                  f"store UPDATE p50 {_pct(st, .5) * 1000:.2f} ms p95 {_pct(st, .95) * 1000:.2f}"
                  f" ms max {max(st) * 1000:.1f} ms; household UPDATE p50 "
                  f"{_pct(hh, .5) * 1000:.2f} ms p95 {_pct(hh, .95) * 1000:.2f} ms", flush=True)
        ratio = statistics.median(results["one per thread"]) / statistics.median(
            results["one store account"])
        print(f"  spread / shared throughput: {ratio:.2f}x")
        report = ledger_verify()
        print(f"  ledger_verify: {'ok' if report.ok else report}")
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=8, help="8 = gunicorn's 2 x 4")
    parser.add_argument("--per-thread", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    run(args.threads, args.per_thread, args.rounds)


if __name__ == "__main__":
    main()
