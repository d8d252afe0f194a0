"""Dispatch ranking benchmark: rank the candidates for one order among N volunteers
(default 20,000) of one street, on a throwaway database.

    LINLI_DATA_DIR=/tmp/linli-bench .venv/bin/python bench/dispatch_bench.py [N]
    DATABASE_URL=postgres://… (optional; the database is emptied and migrated)

The ranking (`linli.orders.selectors.candidates_for_order`) filters and scores in SQL: Art. 15
age and health, overlapping commitments, skill, weekly availability, distance, 30-day load
and average rating, then takes the top 10. As a baseline measured in the same run, a plain
indexed query counts the same volunteers (active, in the street, age-eligible, joined to
resident and household).
Reported: median and p95 of each over repeated runs, and their ratio.
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
os.environ.setdefault("LINLI_DATA_DIR", tempfile.mkdtemp(prefix="linli-bench-"))
os.environ.setdefault("HUEY_IMMEDIATE", "true")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from linli.accounts.models import User  # noqa: E402
from linli.orders import selectors, services  # noqa: E402
from linli.orders.models import Order, OrderStatus  # noqa: E402
from linli.registry.models import (  # noqa: E402
    Building,
    Community,
    District,
    Estate,
    Grid,
    Household,
    Resident,
    Street,
)
from linli.volunteers.models import (  # noqa: E402
    AvailabilitySlot,
    Skill,
    Volunteer,
    VolunteerStatus,
)

RUNS = 30


def build(n: int, seed: int = 7):
    rng = random.Random(seed)
    district = District.objects.create(code="520581", name="黔西市")
    street = Street.objects.create(district=district, code="001", name="锦绣街道")
    communities = [Community.objects.create(street=street, code=f"{i:03d}", name=f"社区{i}")
                   for i in range(1, 6)]
    grids, buildings = [], []
    for c in communities:
        estate = Estate.objects.create(community=c, name=f"{c.name}小区")
        for g in range(1, 9):
            grid = Grid.objects.create(community=c, number=f"{g:03d}", name=f"第{g}网格")
            grids.append(grid)
            for b in range(1, 6):
                buildings.append(Building.objects.create(estate=estate, grid=grid,
                                                         name=f"{g}-{b}栋", address="x"))
    households = Household.objects.bulk_create([
        Household(community=bld.grid.community, grid=bld.grid, building=bld,
                  number=f"H{i}", address=f"{bld.name}{i}室", door_token=f"t{i}")
        for i, bld in enumerate(rng.choice(buildings) for _ in range(n + 10))
    ], batch_size=2000)
    users = User.objects.bulk_create([User(mobile=f"139{i:08d}", name=f"志愿者{i}",
                                           password="!") for i in range(n + 10)],
                                     batch_size=2000)
    today = timezone.localdate()
    residents = Resident.objects.bulk_create([
        Resident(household=households[i], user=users[i], name=f"志愿者{i}",
                 birth_date=today - datetime.timedelta(days=rng.randint(15 * 365, 80 * 365)))
        for i in range(n)
    ], batch_size=2000)
    elder = Resident.objects.create(household=households[n], name="服务对象",
                                    birth_date=datetime.date(1940, 1, 1))
    volunteers = Volunteer.objects.bulk_create([
        Volunteer(resident=r, user=users[i], community=r.household.community,
                  status=VolunteerStatus.ACTIVE if rng.random() < 0.9 else VolunteerStatus.PENDING,
                  number=f"V{i:08d}", health_ok=rng.random() < 0.8)
        for i, r in enumerate(residents)
    ], batch_size=2000)
    skill = Skill.objects.create(code="bench-clean", name="保洁（测试）")
    Volunteer.skills.through.objects.bulk_create([
        Volunteer.skills.through(volunteer_id=v.pk, skill_id=skill.pk)
        for v in volunteers if rng.random() < 0.2], batch_size=5000)
    AvailabilitySlot.objects.bulk_create([
        AvailabilitySlot(volunteer=v, weekday=rng.randint(0, 6), start=datetime.time(8),
                         end=datetime.time(12))
        for v in volunteers for _ in range(2) if rng.random() < 0.5], batch_size=5000)
    project = services.project_catalogue_ensure(community=communities[0])[2]  # 卫生清洁
    project.skill = skill
    project.save()
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time(9), tz)
    # History: orders in the last 30 days (load) with ratings, and some overlapping commitments.
    history = []
    for i in range(n // 4):
        v = rng.choice(volunteers)
        when = start - datetime.timedelta(days=rng.randint(0, 29), hours=rng.randint(0, 8))
        history.append(Order(
            project=project, community=communities[0], household=households[n],
            beneficiary=elder, slot_start=when, slot_end=when + datetime.timedelta(hours=2),
            status=OrderStatus.SETTLED if i % 10 else OrderStatus.ACCEPTED,
            funding=project.funding, expected_minutes=120, volunteer=v,
            actual_minutes=100, rating=rng.randint(3, 5)))
    Order.objects.bulk_create(history, batch_size=2000)
    order = Order.objects.create(
        project=project, community=communities[0], household=households[n], beneficiary=elder,
        slot_start=start, slot_end=start + datetime.timedelta(hours=2), funding=project.funding,
        expected_minutes=120)
    return order


def baseline(order):
    """A plain indexed query over the same rows: the eligible volunteers of the street (status,
    community, age), joined to their resident and household records, counted."""
    today = timezone.localdate()
    communities = list(Community.objects.filter(street_id=order.community.street_id)
                       .values_list("pk", flat=True))
    return Volunteer.objects.filter(
        status=VolunteerStatus.ACTIVE, community_id__in=communities,
        resident__birth_date__lte=selectors._years_ago(today, order.project.volunteer_min_age),
        resident__household__grid_id__isnull=False,
    ).count()


def ranking(order):
    return selectors.candidates_for_order(order=order)


def measure(fn, order) -> list[float]:
    fn(order)  # warm caches and the query planner
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn(order)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    if connection.vendor != "sqlite":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    with transaction.atomic():
        order = build(n)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"{connection.vendor}: built {n:,} volunteers in {time.perf_counter() - t0:.1f} s")
    base = measure(baseline, order)
    rank = measure(ranking, order)
    top = ranking(order)
    med_b, med_r = statistics.median(base), statistics.median(rank)
    p95 = lambda xs: sorted(xs)[int(len(xs) * 0.95) - 1]  # noqa: E731
    print(f"baseline (indexed count, same rows): median {med_b:7.2f} ms   p95 {p95(base):7.2f} ms")
    print(f"candidate ranking (top 10):         median {med_r:7.2f} ms   p95 {p95(rank):7.2f} ms")
    print(f"ratio ranking / baseline:           {med_r / med_b:.1f}x")
    print("top candidate:", top[0].volunteer.resident.name, top[0].score, "·",
          "、".join(top[0].reasons))


if __name__ == "__main__":
    main()
