"""List growth: the registry API list, the registry list page, pinyin search and the time-bank
statement at demo size, then after 50,000 more residents and 20,000 more transfers.

Each figure is the median of in-process requests (Django's test client, as a signed-in
community staff member, DEBUG off), so the ratio after/before is what matters: the target is
at most 1.5× growth. The process's peak RSS is printed before and after the API list calls
(a list that read its whole scope would grow it by hundreds of MB). For each list, the
`EXPLAIN` of the queries that read the page is printed on the database in use.

    LINLI_DATA_DIR=/tmp/linli-bench .venv/bin/python bench/lists.py                     # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_bench .venv/bin/python bench/lists.py

It creates and drops its own throwaway database (the test database name of the configured
one), loads the demo, measures, grows the data in bulk (fast inserts, not the import path),
and measures again.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
os.environ.setdefault("LINLI_DATA_DIR", "/tmp/linli-bench")
os.environ.setdefault("DEBUG", "false")  # as in production: no query log
os.environ.setdefault("HUEY_IMMEDIATE", "true")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红梅鑫波斌宇浩凯"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


BASELINE = "/api/v1/me"  # a trivial authenticated request, measured alongside each figure


def timed(client: Client, url: str, runs: int) -> dict[str, float]:
    """Medians over `runs` rounds, each one GET of `url` and one of BASELINE (same client),
    after two warm-up rounds: wall ms and CPU ms of this process (on SQLite the database
    work is in-process). The machine is shared, so growth is also read against BASELINE
    measured in the same rounds."""
    for _ in range(2):
        for target in (url, BASELINE):
            response = client.get(target)
            assert response.status_code == 200, (target, response.status_code)
    wall, cpu, base = [], [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        start = time.perf_counter()
        client.get(BASELINE)
        base.append((time.perf_counter() - start) * 1000)
    return {"wall": statistics.median(wall), "cpu": statistics.median(cpu),
            "base": statistics.median(base)}


def explain(client: Client, url: str) -> list[str]:
    """EXPLAIN of the registry and ledger queries of one request."""
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    out = []
    for q in ctx.captured_queries:
        sql = q["sql"]
        table = sql.split(" FROM ", 1)[-1].lstrip('(" ')
        if not table.startswith(("registry_", "ledger_", "SELECT")):
            continue  # session, cache, notifications badge …
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            rows = cursor.fetchall()
        plan = ("\n".join(f"    {r[-1]}" for r in rows) if connection.vendor == "sqlite"
                else "\n".join(f"    {r[0]}" for r in rows))
        out.append(f"  {sql[:300]}{' …' if len(sql) > 300 else ''}\n{plan}")
    return out


def grow(residents: int, transfers: int, account) -> None:
    """Bulk: `residents` more residents (2 or 3 per new household, spread over every grid of
    the street) and `transfers` more transfers between resident accounts, a tenth of them to
    and from the measured `account`, in pairs that cancel (balances stay replayable)."""
    from linli.ledger.models import Account, AccountKind, Transfer, TransferKind, Unit
    from linli.registry.models import Grid, Household, Resident
    from linli.registry.services import name_pinyin

    rng = random.Random(13)
    grids = list(Grid.objects.select_related("community").order_by("id"))
    pinyin: dict[str, tuple[str, str]] = {}
    made = 0
    batch = 0
    while made < residents:
        homes = []
        for i in range(2000):
            grid = grids[(batch * 2000 + i) % len(grids)]
            homes.append(Household(community=grid.community, grid=grid,
                                   number=f"G{batch:03d}{i:04d}",
                                   address=f"增长路{batch}弄{i}号"))
        homes = Household.objects.bulk_create(homes)
        people = []
        for home in homes:
            for _ in range(rng.choice((2, 3))):
                if made + len(people) >= residents:
                    break
                name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
                if name not in pinyin:
                    pinyin[name] = name_pinyin(name)
                full, initials = pinyin[name]
                people.append(Resident(household=home, name=name, name_pinyin=full,
                                       name_initials=initials, mobile=f"135{rng.randrange(10**8):08d}"))
        Resident.objects.bulk_create(people, batch_size=2000)
        made += len(people)
        batch += 1
    accounts = list(Account.objects.filter(kind=AccountKind.RESIDENT, unit=Unit.TIME)
                    .exclude(pk=account.pk).values_list("pk", flat=True))
    rows = []
    for n in range(transfers // 2):
        a = account.pk if n % 10 == 0 else rng.choice(accounts)
        b = rng.choice([x for x in accounts[:50] if x != a])
        for debit, credit in ((a, b), (b, a)):
            rows.append(Transfer(unit=Unit.TIME, debit_id=debit, credit_id=credit, amount=1,
                                 kind=TransferKind.GIFT, idempotency_key=f"bench-{len(rows)}"))
    Transfer.objects.bulk_create(rows, batch_size=2000)


def measure(client: Client, urls: dict[str, str], runs: int) -> dict[str, float]:
    return {name: timed(client, url, runs) for name, url in urls.items()}


def run(runs: int) -> None:
    from django.conf import settings
    from django.core.management import call_command

    from linli.accounts.models import Role, RoleAssignment
    from linli.ledger.models import Account, AccountKind, Transfer, Unit
    from linli.registry.models import Resident

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: manifest
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        call_command("demo", stdout=open(os.devnull, "w"))
        staff = RoleAssignment.objects.filter(role=Role.COMMUNITY_STAFF).select_related(
            "user").order_by("id").first().user
        admin = RoleAssignment.objects.filter(role=Role.STREET_ADMIN).select_related(
            "user").order_by("id").first().user
        account = max(Account.objects.filter(kind=AccountKind.RESIDENT, unit=Unit.TIME),
                      key=lambda a: Transfer.objects.touching(a).count())
        urls = {
            "API residents ?limit=20": "/api/v1/registry/residents?limit=20",
            "registry list page": "/registry/",
            "pinyin search 'zs'": "/registry/?q=zs",
            "pinyin search 'zhang'": "/registry/?q=zhang",
            "pinyin search 'guiying'": "/registry/?q=guiying",
            "statement (staff)": f"/workbench/ledger/{account.uuid}/",
            "API statement ?limit=20": f"/api/v1/ledger/accounts/{account.uuid}/statement"
                                       "?limit=20",
        }
        clients = {}
        for name in urls:
            client = Client()
            client.force_login(admin if name.startswith("statement") else staff)
            clients[name] = client
        before_counts = (Resident.objects.count(), Transfer.objects.count())
        print(f"database: {connection.vendor}; demo size: {before_counts[0]:,} residents, "
              f"{before_counts[1]:,} transfers; median of {runs} requests each")
        print(f"load average {os.getloadavg()[0]:.1f}")
        before = {n: timed(clients[n], u, runs) for n, u in urls.items()}
        rss_before = rss_mb()
        start = time.perf_counter()
        grow(50_000, 20_000, account)
        grown = (Resident.objects.count(), Transfer.objects.count())
        print(f"grown in {time.perf_counter() - start:.0f} s to {grown[0]:,} residents, "
              f"{grown[1]:,} transfers")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"load average {os.getloadavg()[0]:.1f}")
        after = {n: timed(clients[n], u, runs) for n, u in urls.items()}
        print(f"\n{'':26}{'demo ms':>9}{'+50k ms':>9}{'wall':>7}{'cpu':>7}{'vs base':>9}"
              f"   (base: {BASELINE} in the same rounds, demo → +50k ms)")
        for name in urls:
            b, a = before[name], after[name]
            wall = a["wall"] / b["wall"]
            cpu = a["cpu"] / b["cpu"] if b["cpu"] else float("nan")
            rel = wall / (a["base"] / b["base"])
            flag = "" if min(wall, rel) <= 1.5 else "  > 1.5×"
            print(f"{name:26}{b['wall']:9.1f}{a['wall']:9.1f}{wall:6.2f}×{cpu:6.2f}×{rel:8.2f}×"
                  f"   ({b['base']:.1f} → {a['base']:.1f}){flag}")
        print(f"peak RSS: {rss_before:.0f} MB before growth, {rss_mb():.0f} MB after all "
              "requests (bulk inserts included)")
        print("\nEXPLAIN after growth")
        for name, url in urls.items():
            print(f"\n[{name}] {url}")
            for block in explain(clients[name], url):
                print(block)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="requests per figure")
    run(parser.parse_args().runs)


if __name__ == "__main__":
    main()
