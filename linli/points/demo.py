"""Demo civic points bank: per community an adopted convention (the seed's categories), award
rules, and three months of approved claims so that the 2,000+ demo households hold 60,000+
points, plus a short queue of pending claims for the grid workers.

Idempotent: a community that already has a convention is left alone. The approved history is
written in bulk (claims, their events and their ledger transfers), then each account's cached
balance is moved by the same sums, so `linli ledger_verify` still balances."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import F
from django.utils import timezone

from linli.accounts.models import Role, RoleAssignment
from linli.ledger.models import Account, AccountKind, Transfer, TransferKind, Unit
from linli.ledger.services import system_account_ensure
from linli.points import services
from linli.points.models import Claim, ClaimEvent, ClaimOrigin, ClaimStatus, Convention
from linli.registry.models import Household

#: (code, title, category, points, cap per month, evidence, photo required)
ITEMS = [
    ("HW01", "门前三包、楼道整洁", "sanitation", 5, 4, "门前或楼道照片", True),
    ("WS01", "垃圾分类投放准确", "waste", 3, 8, "投放照片", False),
    ("MA01", "邻里互助（帮买菜、陪就医等）", "mutual_aid", 10, 4, "受助人确认", False),
    ("FL01", "孝老爱亲、照顾高龄老人", "filial", 10, 2, "网格员走访确认", False),
    ("CU01", "红事新办、白事简办", "customs", 20, 1, "社区备案", False),
    ("DG01", "文明养犬（牵绳、清理粪便）", "dogs", 3, 4, "照片", False),
    ("VS01", "参加志愿服务", "volunteering", 10, 4, "服务记录", False),
    ("DD01", "乱扔垃圾、占用消防通道", "waste", 5, None, "网格员巡查照片", False),
]
RULES = [("volunteer_hour", "志愿服务每小时", 2, "小时", 40),
         ("activity_attendance", "参加社区活动（按活动所列积分）", 1, "分", 40)]


def _convention(community, actor) -> Convention:
    draft = services.convention_create(community=community, title=f"{community.name}居民公约",
                                       allows_deductions=True)
    for code, title, category, points, cap, evidence, photo in ITEMS:
        services.convention_item_add(
            convention=draft, code=code, title=title, category=category, points=points,
            is_deduction=code.startswith("DD"), evidence=evidence, photo_required=photo,
            cap_count=cap)
    return services.convention_adopt(
        convention=draft, adopted_on=date(2026, 1, 8), meeting="2026年第一次居民代表会议",
        entitled_count=120, present_count=97, votes_for=91, actor=actor)


def _history(community, convention, rng: random.Random) -> int:
    """Approved claims of the last three months for most households, written in bulk."""
    items = [i for i in convention.items.all() if not i.is_deduction]
    households = list(Household.objects.filter(community=community).prefetch_related(
        "residents").order_by("id"))
    workers = {a.grid_id: a.user_id for a in RoleAssignment.objects.filter(
        role=Role.GRID_WORKER, community=community)}
    issuer = system_account_ensure(street=community.street, kind=AccountKind.ISSUER,
                                   unit=Unit.POINTS)
    Account.objects.bulk_create(
        [Account(household=h, unit=Unit.POINTS, kind=AccountKind.HOUSEHOLD,
                 street_id=community.street_id) for h in households],
        ignore_conflicts=True)
    accounts = dict(Account.objects.filter(household__community=community, unit=Unit.POINTS)
                    .values_list("household_id", "pk"))
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    now = timezone.now()
    claims, transfers, added = [], [], defaultdict(int)
    for household in households:
        if rng.random() < 0.12:
            continue  # not every household takes part
        members = [r for r in household.residents.all() if r.is_active_member]
        for _n in range(rng.randint(2, 6)):
            item = rng.choice(items)
            day = today - timedelta(days=rng.randint(1, 85))
            decided = datetime.combine(day + timedelta(days=1), time(10, rng.randint(0, 59)), tz)
            decided = min(decided, now - timedelta(hours=1))  # never in the future
            claim_uuid = uuid.uuid4()
            transfer = Transfer(
                unit=Unit.POINTS, debit_id=issuer.pk, credit_id=accounts[household.pk],
                amount=item.points, kind=TransferKind.AWARD,
                reference=f"points-claim:{claim_uuid}",
                idempotency_key=f"points-claim:{claim_uuid}",
                memo=item.title[:255], created_at=decided)
            transfers.append(transfer)
            claims.append(Claim(
                uuid=claim_uuid, household=household, item=item,
                resident=rng.choice(members) if members else None,
                origin=rng.choice([ClaimOrigin.SELF, ClaimOrigin.INSPECTION]),
                occurred_on=day, status=ClaimStatus.APPROVED, points=item.points,
                decided_by_id=workers.get(household.grid_id), decided_at=decided,
                created_at=decided - timedelta(hours=20)))
            added[accounts[household.pk]] += item.points
    # Ledger rows in the order they happened, so statements read newest first by date.
    transfers.sort(key=lambda t: t.created_at)
    Transfer.objects.bulk_create(transfers, batch_size=500)
    by_key = dict(Transfer.objects.filter(
        idempotency_key__in=[t.idempotency_key for t in transfers]).values_list(
        "idempotency_key", "pk"))
    for claim in claims:
        claim.transfer_id = by_key[f"points-claim:{claim.uuid}"]
    Claim.objects.bulk_create(claims, batch_size=500)
    saved = Claim.objects.filter(uuid__in=[c.uuid for c in claims]).values_list(
        "pk", "decided_by_id", "created_at", "decided_at")
    events = []
    for pk, actor, created, decided in saved:
        events.append(ClaimEvent(claim_id=pk, actor_id=None, at=created, action="record",
                                 from_status="", to_status=ClaimStatus.PENDING))
        events.append(ClaimEvent(claim_id=pk, actor_id=actor, at=decided, action="approve",
                                 from_status=ClaimStatus.PENDING,
                                 to_status=ClaimStatus.APPROVED))
    ClaimEvent.objects.bulk_create(events, batch_size=1000)
    for account_id, amount in added.items():
        Account.objects.filter(pk=account_id).update(balance=F("balance") + amount)
    total = sum(added.values())
    Account.objects.filter(pk=issuer.pk).update(balance=F("balance") - total)
    return total


def _pending(community, convention, rng: random.Random) -> None:
    """A short review queue: recent self-reports waiting for the grid workers."""
    items = [i for i in convention.items.all() if not i.is_deduction and not i.photo_required]
    for household in Household.objects.filter(community=community).order_by("-id")[:12]:
        member = household.residents.filter(anonymised_at__isnull=True).first()
        Claim.objects.create(household=household, item=rng.choice(items), resident=member,
                             origin=ClaimOrigin.SELF, note="今天帮邻居搬了东西",
                             occurred_on=timezone.localdate())


def load(*, street, communities, stdout=None, **options) -> dict:
    rng = random.Random(2026)
    staff = {a.community_id: a.user for a in RoleAssignment.objects.filter(
        role=Role.COMMUNITY_STAFF, community__in=communities).select_related("user")}
    total = 0
    for community in communities:
        if Convention.objects.filter(community=community).exists():
            continue
        convention = _convention(community, staff.get(community.pk))
        for code, title, per_unit, unit_label, cap in RULES:
            services.award_rule_set(community=community, code=code, title=title,
                                    points_per_unit=per_unit, unit_label=unit_label,
                                    cap_points=cap)
        total += _history(community, convention, rng)
        _pending(community, convention, rng)
    if stdout is not None:
        stdout.write(f"Points bank: conventions in force, {total} points awarded by claims.")
    return {}
