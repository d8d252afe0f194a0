"""Import benchmark: a community office's own messy roster of N residents (default 100,000)
through the real service path — upload (create), read, mapping, check, commit — on a
throwaway database; SQLite by default, PostgreSQL with DATABASE_URL (the database is emptied
and migrated).

    LINLI_DATA_DIR=/tmp/linli-bench .venv/bin/python bench/registry_import_bench.py
    … bench/registry_import_bench.py --rows 10000 --profile

The roster is written as people write it: a title row and a group-heading row over the header,
their own headings (公民身份号码, 联系电话, 人口类型, 特殊人群 …), full-width digits, dates as
1972-08-19, 1972.8.19, 19720819, 1972年8月19日, 1972/8/19 or Excel dates, mobiles with +86,
spaces or dashes, no 户号 (households come from 小区/楼栋/单元/房号, the grid from a 网格
column), tags staff map to new tags (one of them sensitive, under a batch basis), and a 合计
row at the end.

Reported per step: wall seconds, the CPU seconds of this process (on a busy machine the wall
time is mostly waiting; the database server's own CPU is not in it), rows/s and the peak RSS of the process during the step (a sampler
thread reads /proc/self/status every 20 ms; `resource.getrusage` gives the peak so far). The
baseline, measured in the same run on the same machine, is a raw bulk insert of the same
residents (households by bulk_create, ID numbers encrypted and hashed, pinyin; no history, no
checks) into another community: the floor any import path can reach. `--profile` runs the
check and the commit under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import os
import pstats
import random
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
os.environ.setdefault("LINLI_DATA_DIR", tempfile.mkdtemp(prefix="linli-bench-"))
# The steps are called one by one below (each timed); queued tasks are never run.
os.environ["HUEY_IMMEDIATE"] = "false"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from linli.registry.idnumbers import id_number_compose  # noqa: E402
from linli.registry.models import (  # noqa: E402
    Community,
    Grid,
    Household,
    ImportJob,
    Resident,
)

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
HEADINGS = ["序号", "姓名", "公民身份号码", "性别", "出生日期", "联系电话", "小区", "楼栋",
            "单元", "房号", "网格", "人口类型", "与户主关系", "特殊人群"]
GROUPS = ["基本信息", None, None, None, None, None, "居住信息", None, None, None, None,
          "人员类别", None, None]
TAGS = {"低保户": "+new", "空巢老人": "+new", "残疾人": "+new", "高龄": "高龄"}


# --- Measuring -------------------------------------------------------------------------------

def rss_now_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def rss_peak_mb() -> float:
    # ru_maxrss is in KiB on Linux: the peak of the whole process so far.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Step:
    """Times a block and samples the process RSS during it (peak, in MB)."""

    def __init__(self, name: str, results: dict, profile: bool = False):
        self.name, self.results, self.profile = name, results, profile
        self.peak = 0.0
        self._stop = threading.Event()

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_now_mb())
            self._stop.wait(0.02)

    def __enter__(self):
        self.peak = rss_now_mb()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        self._profiler = cProfile.Profile() if self.profile else None
        self.t0, self.cpu0 = time.perf_counter(), time.process_time()
        if self._profiler:
            self._profiler.enable()
        return self

    def __exit__(self, *exc):
        if self._profiler:
            self._profiler.disable()
        seconds = time.perf_counter() - self.t0
        cpu = time.process_time() - self.cpu0
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_now_mb())
        self.results[self.name] = {"s": seconds, "cpu": cpu, "rss_mb": self.peak}
        if self._profiler:
            out = io.StringIO()
            stats = pstats.Stats(self._profiler, stream=out)
            stats.sort_stats("tottime").print_stats(22)
            stats.sort_stats("cumulative").print_stats(30)
            self.results[self.name]["profile"] = out.getvalue()
        return False


# --- The roster --------------------------------------------------------------------------------

def _date_text(born: datetime.date, form: int):
    return [
        born.isoformat(),
        f"{born.year}.{born.month}.{born.day}",
        born.strftime("%Y%m%d"),
        f"{born.year}年{born.month}月{born.day}日",
        f"{born.year}/{born.month}/{born.day}",
        datetime.datetime(born.year, born.month, born.day),  # an Excel date cell
    ][form]


def _mobile_text(digits: str, form: int) -> str:
    return [digits, f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}",
            f"{digits[:3]}-{digits[3:7]}-{digits[7:]}", digits.translate(FULL_WIDTH)][form]


def people(n: int, grids: list[str], seed: int, area: str):
    """`n` residents in households of 1–4 living at 小区/楼栋/单元/房号 (no 户号), as dicts."""
    rng = random.Random(seed)
    used: set[str] = set()
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "秀英桂兰建国志强丽华玉兰明德淑珍文杰海燕国庆晓红春梅"
    household, left, members = -1, 0, 0
    for i in range(n):
        if left == 0:
            household += 1
            left, members = rng.choice([1, 2, 2, 3, 4]), 0
            # 12 estates × 25 buildings × 4 units × 20 floors × 4 rooms: room for 96,000.
            slot = household
            room = f"{slot % 20 + 1}{slot // 20 % 4 + 1:02d}"
            unit = slot // 80 % 4 + 1
            building = slot // 320 % 25 + 1
            estate = slot // 8000 % 12 + 1
            place = (f"锦绣{estate}期", f"{building}栋", f"{unit}单元", room,
                     grids[(estate * 25 + building) % len(grids)])
        left -= 1
        born = datetime.date(1935, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 70))
        while True:
            number = id_number_compose(area, born, rng.randrange(1000))
            if number not in used:
                used.add(number)
                break
        tags = []
        if rng.random() < 0.06:
            tags.append("低保户")
        if born.year < 1950 and rng.random() < 0.3:
            tags.append("空巢老人")
        if rng.random() < 0.02:
            tags.append("残疾人")
        if born.year < 1946:
            tags.append("高龄")
        members += 1
        yield {
            "n": i + 1, "name": rng.choice(surnames) + rng.choice(given) + rng.choice(given),
            "id_number": number, "born": born, "gender": "男" if int(number[16]) % 2 else "女",
            "mobile": f"13{rng.randrange(10 ** 9):09d}" if rng.random() < 0.8 else "",
            "place": place, "residence": rng.choice(["户籍人口", "户籍人口", "常住人口",
                                                    "流动人口"]),
            "relation": "户主" if members == 1 else rng.choice(["配偶", "子女", "父母"]),
            "tags": tags, "form": rng.randrange(6),
        }


def make_roster(path: Path, n: int, grids: list[str], seed: int, area: str) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append([f"锦绣社区居民花名册（{n:,}人，2026年12月）"])
    ws.append(GROUPS)
    ws.append(HEADINGS)
    for p in people(n, grids, seed, area):
        form = p["form"]
        estate, building, unit, room, grid = p["place"]
        id_text = p["id_number"].translate(FULL_WIDTH) if form == 0 else p["id_number"]
        ws.append([
            str(p["n"]), p["name"], id_text, p["gender"], _date_text(p["born"], form),
            _mobile_text(p["mobile"], form % 4) if p["mobile"] else "",
            estate, building.translate(FULL_WIDTH) if form == 1 else building, unit,
            room, grid, p["residence"], p["relation"], "、".join(p["tags"]),
        ])
    ws.append(["合计", f"{n}人"] + [None] * (len(HEADINGS) - 2))
    wb.save(path)


# --- The import path, step by step ---------------------------------------------------------------

def run_import(path: Path, community: Community, actor, profile: bool) -> tuple[dict, ImportJob]:
    from linli.registry import imports

    steps: dict = {}
    with Step("create", steps):
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        job = imports.import_job_create(community=community, actor=actor, upload=upload)
        del upload
    with Step("read", steps):
        job = imports.import_read(job.pk)
    assert job.status == "mapping", job.message
    with Step("mapping", steps):
        job = imports.import_mapping_set(
            job=job, actor=actor, columns={}, values={"tags": TAGS},
            sensitive_basis="consent", mode="all")
    with Step("check", steps, profile=profile):
        job = imports.import_check(job.pk)
    assert job.status == "checked", job.message
    assert job.error_count == 0, (job.error_count, list(
        job.rows.filter(outcome="error").values_list("row", "errors")[:5]))
    with Step("commit", steps, profile=profile):
        imports.import_commit_request(job=job, actor=actor, confirm_places=True)
        job = imports.import_commit(job.pk, actor.pk)
    assert job.status == "done", job.message
    return steps, job


def baseline_insert(n: int, community: Community, grids: list[str], seed: int,
                    area: str) -> dict:
    """The same residents written with bulk_create only: no reading, checking or history."""
    from linli.registry.privacy import protect_id_number
    from linli.registry.services import name_pinyin

    by_number = {g.number: g for g in Grid.objects.filter(community=community)}
    fallback = next(iter(by_number.values()))
    steps: dict = {}
    with Step("baseline", steps), transaction.atomic():
        households: dict[tuple, int] = {}
        batch: list[dict] = []

        def flush():
            new = {}
            for p in batch:
                key = p["place"]
                if key not in households and key not in new:
                    new[key] = Household(
                        community=community, grid=by_number.get(key[4], fallback),
                        number=f"{key[0]}-{key[1]}-{key[2]}-{key[3]}",
                        address=f"{key[0]}{key[1]}{key[2]}{key[3]}")
            Household.objects.bulk_create(list(new.values()))
            ids = dict(Household.objects.filter(
                community=community, number__in=[h.number for h in new.values()])
                .values_list("number", "id"))
            for key, h in new.items():
                households[key] = ids[h.number]
            residents = []
            for p in batch:
                full, initials = name_pinyin(p["name"])
                residents.append(Resident(
                    household_id=households[p["place"]], name=p["name"], name_pinyin=full,
                    name_initials=initials, birth_date=p["born"],
                    gender="M" if p["gender"] == "男" else "F", mobile=p["mobile"],
                    residence_type="registered", **protect_id_number(p["id_number"])))
            Resident.objects.bulk_create(residents)
            batch.clear()

        for p in people(n, grids, seed, area):
            batch.append(p)
            if len(batch) == 1000:
                flush()
        flush()
    return steps


# --- Main --------------------------------------------------------------------------------------

def staff_user(street):
    from linli.accounts.models import Role, User
    from linli.accounts.services import role_grant

    user = User.objects.filter(mobile="13999990000").first()
    if user is None:
        user = User.objects.create_user(mobile="13999990000", password=None, name="导入测试")
        role_grant(user=user, role=Role.STREET_ADMIN, scope=street)
    return user


def line(label: str, n: int, steps: dict) -> str:
    parts = [f"{name} {v['s']:.1f} s (CPU {v['cpu']:.1f} s) / {v['rss_mb']:.0f} MB"
             for name, v in steps.items()]
    total = sum(v["s"] for v in steps.values())
    cpu = sum(v["cpu"] for v in steps.values())
    peak = max(v["rss_mb"] for v in steps.values())
    return (f"{label:>9}: {n:>7,} rows · " + " · ".join(parts)
            + f" · total {total:.1f} s = {n / total:,.0f} rows/s (CPU of this process "
              f"{cpu:.1f} s) · peak RSS {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true",
                        help="run the check and the commit under cProfile (slower)")
    args = parser.parse_args()
    n = args.rows
    if n > settings.REGISTRY_IMPORT_MAX_ROWS:
        settings.REGISTRY_IMPORT_MAX_ROWS = n + 10

    if os.environ.get("DATABASE_URL"):
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    if Resident.objects.exists():  # SQLite is not emptied: an earlier run's people would match
        sys.exit(f"{settings.DATABASES['default']['NAME']} already holds residents: run with "
                 "an empty LINLI_DATA_DIR (or none: a temporary one is used).")
    from linli.registry.demo import load

    street = load()["street"]
    communities = list(Community.objects.filter(street=street).order_by("code"))
    actor = staff_user(street)

    def grids(c):
        return [g.number for g in Grid.objects.filter(community=c).order_by("number")]

    workdir = Path(tempfile.mkdtemp(prefix="linli-bench-xlsx-"))
    path = workdir / f"花名册-{n}.xlsx"
    t0 = time.perf_counter()
    make_roster(path, n, grids(communities[0]), seed=n, area="110101")
    made = time.perf_counter() - t0
    print(f"database: {connection.vendor}; roster of {n:,} rows written in {made:.1f} s "
          f"({path.stat().st_size / 1e6:.1f} MB .xlsx); RSS before {rss_now_mb():.0f} MB",
          flush=True)

    before = Resident.objects.filter(household__community=communities[0]).count()
    steps, job = run_import(path, communities[0], actor, args.profile)
    created = Resident.objects.filter(household__community=communities[0]).count() - before
    assert created == n, (created, n)
    # The same people with another area code (ID numbers are unique across the registry).
    base = baseline_insert(n, communities[1], grids(communities[1]), seed=n, area="110102")

    print(line("import", n, steps))
    print(line("baseline", n, base))
    total = sum(v["s"] for v in steps.values())
    print(f"import/baseline time ×{total / base['baseline']['s']:.1f}; "
          f"households created {job.places.get('households', 0):,}, "
          f"skipped rows {job.skipped_count}, warnings {job.warning_count}; "
          f"process peak RSS {rss_peak_mb():.0f} MB")
    cpu = sum(v["cpu"] for v in steps.values())
    print(f"README row: | registry import, {connection.vendor}, {n:,} messy rows | "
          f"{total:.0f} s, CPU {cpu:.0f} s ({n / total:,.0f} rows/s; read "
          f"{steps['read']['s']:.0f} · check {steps['check']['s']:.0f} · commit "
          f"{steps['commit']['s']:.0f} s) | {max(v['rss_mb'] for v in steps.values()):.0f} MB "
          f"| bulk insert {base['baseline']['s']:.0f} s, CPU {base['baseline']['cpu']:.0f} s |",
          flush=True)
    for name, v in steps.items():
        if "profile" in v:
            print(f"\n--- profile of {name} ---\n{v['profile']}")


if __name__ == "__main__":
    main()
