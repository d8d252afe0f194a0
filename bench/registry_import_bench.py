"""Import benchmark: N residents from one .xlsx (default 100,000) through the real import path
(streamed check, then all-or-nothing commit), on a throwaway database.

    LINLI_DATA_DIR=/tmp/linli-bench .venv/bin/python bench/registry_import_bench.py [N]
    DATABASE_URL=postgres://… (optional; the database is emptied and migrated)

Reports rows/s of each phase and peak memory: RSS from `resource` (the whole process, the
number that matters for a worker) and the Python heap peak from tracemalloc. As a baseline
measured in the same run, the same phases run on N/10 rows first; the interesting figure
is how memory grows from N/10 to N (it should stay nearly flat: the sheet is streamed).
"""

from __future__ import annotations

import datetime
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
os.environ.setdefault("LINLI_DATA_DIR", tempfile.mkdtemp(prefix="linli-bench-"))
os.environ.setdefault("HUEY_IMMEDIATE", "true")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from linli.registry.idnumbers import id_number_compose  # noqa: E402
from linli.registry.imports import COLUMNS, import_check, import_commit  # noqa: E402
from linli.registry.models import Community, Grid, ImportJob, Resident  # noqa: E402


def rss_mb() -> float:
    # ru_maxrss is in KiB on Linux: the peak of the whole process so far.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_file(path: Path, n: int, grids: list[str], seed: int, area: str) -> None:
    """A write-only (streamed) workbook of `n` residents in households of 1–4."""
    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("居民")
    ws.append([h for _k, h, _r in COLUMNS])
    keys = [k for k, _h, _r in COLUMNS]
    used = set()
    household, left = 0, 0
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "秀英桂兰建国志强丽华玉兰明德淑珍文杰海燕国庆晓红春梅"
    for _i in range(n):
        if left == 0:
            household += 1
            left = rng.choice([1, 2, 2, 3, 4])
            grid = grids[household % len(grids)]
            address = f"测试路{household // 40 + 1}号{household % 40 + 1}室"
        left -= 1
        born = datetime.date(1935, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 70))
        while True:
            number = id_number_compose(area, born, rng.randrange(1000))
            if number not in used:
                used.add(number)
                break
        row = {
            "household_number": f"B{household:06d}", "grid": grid, "address": address,
            "name": rng.choice(surnames) + rng.choice(given) + rng.choice(given),
            "id_number": number, "mobile": f"13{rng.randrange(10**9):09d}",
            "relation": "户主" if left == 0 else "配偶", "residence_type": "户籍",
            "tags": "高龄" if born.year < 1946 else "",
        }
        ws.append([row.get(k, "") for k in keys])
    wb.save(path)


def run(n: int, community: Community, grids: list[str], workdir: Path, area: str,
        trace: bool = False) -> dict:
    path = workdir / f"bench-{n}.xlsx"
    before = Resident.objects.filter(household__community=community).count()
    t0 = time.perf_counter()
    make_file(path, n, grids, seed=n, area=area)
    made = time.perf_counter() - t0
    from django.core.files.storage import default_storage

    name = default_storage.save(f"registry/imports/bench-{n}.xlsx",
                                ContentFile(path.read_bytes()))
    job = ImportJob.objects.create(community=community, file_name=path.name, storage_name=name)
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    job = import_check(job.pk)
    check_s = time.perf_counter() - t0
    check_heap = tracemalloc.get_traced_memory()[1] if trace else 0
    check_rss = rss_mb()
    if trace:
        tracemalloc.reset_peak()
    assert job.error_count == 0, (job.error_count, job.message)
    t0 = time.perf_counter()
    job = import_commit(job.pk)
    commit_s = time.perf_counter() - t0
    commit_heap = tracemalloc.get_traced_memory()[1] if trace else 0
    tracemalloc.stop()
    assert job.status == "done", job.message
    return {
        "rows": n, "file_mb": path.stat().st_size / 1e6, "make_s": made,
        "check_s": check_s, "check_rows_s": n / check_s, "commit_s": commit_s,
        "commit_rows_s": n / commit_s, "check_heap_mb": check_heap / 1e6,
        "commit_heap_mb": commit_heap / 1e6, "rss_after_mb": rss_mb(),
        "rss_after_check_mb": check_rss,
        "residents": Resident.objects.filter(household__community=community).count() - before,
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    if os.environ.get("DATABASE_URL"):
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    from linli.registry.demo import load

    street = load()["street"]
    communities = list(Community.objects.filter(street=street).order_by("code"))

    def grids(c):
        return [g.number for g in Grid.objects.filter(community=c)]

    workdir = Path(tempfile.mkdtemp(prefix="linli-bench-xlsx-"))
    print(f"database: {django.db.connection.vendor}; baseline {n // 10:,} rows, then {n:,}")
    baseline = run(n // 10, communities[1], grids(communities[1]), workdir, area="110101")
    full = run(n, communities[0], grids(communities[0]), workdir, area="110102")
    # The same baseline file again: every row is an update (matched on the ID hash), traced
    # with tracemalloc for the Python heap peak (tracing slows it, so it is not timed above).
    again = run(n // 10, communities[1], grids(communities[1]), workdir, area="110101",
                trace=True)
    for label, r in (("baseline", baseline), ("full", full), ("re-import", again)):
        heap = (f" · heap peak check {r['check_heap_mb']:.1f} MB / commit "
                f"{r['commit_heap_mb']:.1f} MB (traced)" if r["check_heap_mb"] else "")
        print(f"{label:>9}: {r['rows']:>7,} rows ({r['file_mb']:.1f} MB xlsx) · "
              f"check {r['check_s']:.1f} s = {r['check_rows_s']:,.0f} rows/s · "
              f"commit {r['commit_s']:.1f} s = {r['commit_rows_s']:,.0f} rows/s · "
              f"new residents {r['residents']:,} · peak RSS so far {r['rss_after_mb']:.0f} MB"
              f"{heap}")
    print(f"ratio full/baseline: rows ×{full['rows'] / baseline['rows']:.0f}, "
          f"check rows/s ×{full['check_rows_s'] / baseline['check_rows_s']:.2f}, "
          f"commit rows/s ×{full['commit_rows_s'] / baseline['commit_rows_s']:.2f}, "
          f"peak RSS ×{full['rss_after_mb'] / baseline['rss_after_mb']:.2f} "
          f"({baseline['rss_after_mb']:.0f} → {full['rss_after_mb']:.0f} MB)")
    assert full["residents"] == n and again["residents"] == 0


if __name__ == "__main__":
    main()
