"""Demo service orders: the project catalogue of every community, and in 紫轩社区 a history of
1,165 settled services totalling 3,300 hours (the seed's figures), each banked in the time
ledger under its settlement key, plus a few live orders in every state for the board.
Idempotent: the history is generated once per community (orders carry the note `demo`)."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from linli.accounts.models import User
from linli.ledger import services as ledger
from linli.orders import services
from linli.orders.models import (
    Channel,
    Funding,
    Meal,
    MealOrder,
    Order,
    OrderEvent,
    OrderStatus,
)
from linli.registry.models import Resident

#: The seed's 紫轩社区 time bank: 1,165 service person-times, 3,300 hours.
ZIXUAN_SERVICES = 1165
ZIXUAN_MINUTES = 3300 * 60
OTHER_SERVICES = 40
#: Project code → volunteer team type responsible for it.
TEAM_TYPES = {"haircut": "elder_disabled", "meals": "elder_disabled", "cleaning": "environment",
              "company": "counselling", "errands": "elder_disabled", "legal": "legal",
              "counselling": "counselling", "classroom": "education", "watch": "safety"}


def _link_teams(street, projects) -> None:
    from linli.volunteers.models import Team

    for project in projects:
        if project.team_id:
            continue
        team = Team.objects.filter(
            Q(community__isnull=True) | Q(community_id=project.community_id), street=street,
            team_type=TEAM_TYPES.get(project.code, ""), active=True).order_by("id").first()
        if team is not None:
            project.team = team
            project.save(update_fields=["team"])


def _link_skills(projects) -> None:
    """Each demo service asks for the volunteer skill it needs (理发 for 爱心理发 …), so
    dispatch can rank volunteers who have it first."""
    from linli.volunteers.models import Skill

    skills = {s.code: s for s in Skill.objects.filter(
        code__in=set(services.PROJECT_SKILLS.values()))}
    for project in projects:
        skill = skills.get(services.PROJECT_SKILLS.get(project.code, ""))
        if project.skill_id is None and skill is not None:
            project.skill = skill
            project.save(update_fields=["skill"])


def _minutes(rng: random.Random, count: int, total: int) -> list[int]:
    """`count` service durations (30–300 minutes) summing exactly to `total`."""
    values = [rng.randint(90, 250) for _ in range(count)]
    delta = total - sum(values)
    i = 0
    while delta:
        step = 1 if delta > 0 else -1
        j = i % count
        if 30 <= values[j] + step <= 300:
            values[j] += step
            delta -= step
        i += 1
    return values


def _history(community, projects, count: int, total: int, rng: random.Random, now) -> int:
    from linli.volunteers.models import Volunteer, VolunteerStatus

    if Order.objects.filter(community=community, note="demo").exists():
        return 0
    volunteers = list(Volunteer.objects.filter(community=community,
                                               status=VolunteerStatus.ACTIVE)
                      .select_related("resident__household"))
    elders = list(Resident.objects.filter(
        household__community=community, birth_date__lt=now.date().replace(year=now.year - 60),
        moved_out=False, deceased=False, anonymised_at__isnull=True).select_related(
        "household")[:400])
    funded = [p for p in projects if p.funding == Funding.COMMUNITY and p.kind == "visit"]
    if not volunteers or not elders or not funded:
        return 0
    staff = User.objects.filter(roles__role="community_staff",
                                roles__community=community).first()
    minutes = _minutes(rng, count, total) if total else [rng.randint(60, 180)
                                                         for _ in range(count)]
    tz = timezone.get_current_timezone()
    orders = []
    for n in range(count):
        project = rng.choice(funded)
        elder = rng.choice(elders)
        volunteer = rng.choice(volunteers)
        day = (now - timedelta(days=rng.randint(3, 720))).date()
        start = datetime.combine(day, time(rng.choice((9, 10, 14, 15))), tz)
        served = minutes[n]
        check_in = start + timedelta(minutes=rng.randint(0, 20))
        orders.append(Order(
            uuid=uuid.uuid4(), project=project, community=community, household=elder.household,
            beneficiary=elder, requested_by=elder.user, channel=rng.choice(
                [Channel.SELF, Channel.PROXY, Channel.PHONE]),
            slot_start=start, slot_end=start + timedelta(minutes=max(served, 60) + 60),
            note="demo", status=OrderStatus.SETTLED, funding=project.funding,
            expected_minutes=project.default_minutes, volunteer=volunteer, team=None,
            dispatched_by=staff, dispatched_at=start - timedelta(days=1),
            accepted_at=start - timedelta(hours=20), acceptances=1, checked_in_at=check_in,
            checked_out_at=check_in + timedelta(minutes=served), actual_minutes=served,
            completion_note=project.name, rating=rng.choice((4, 5, 5, 5)),
            confirmed_at=check_in + timedelta(minutes=served, hours=3),
            settled_minutes=served, settled_at=check_in + timedelta(minutes=served, hours=3),
            created_at=start - timedelta(days=2)))
    Order.objects.bulk_create(orders, batch_size=500)
    saved = list(Order.objects.filter(community=community, note="demo").select_related(
        "volunteer__resident__household__community", "project"))
    steps = [("submit", "", OrderStatus.SUBMITTED), ("dispatch", "submitted", "dispatched"),
             ("accept", "dispatched", "accepted"), ("check_in", "accepted", "in_service"),
             ("complete", "in_service", "completed"), ("rate", "completed", "rated"),
             ("settle", "rated", "settled")]
    events = []
    for order in saved:
        stamps = [order.created_at, order.dispatched_at, order.accepted_at, order.checked_in_at,
                  order.checked_out_at, order.confirmed_at, order.settled_at]
        for (action, src, dst), at in zip(steps, stamps, strict=True):
            events.append(OrderEvent(order=order, at=at, action=action, from_status=src,
                                     to_status=dst))
    OrderEvent.objects.bulk_create(events, batch_size=2000)
    # Each settled service is banked once, under the same key a live settlement uses.
    for order in saved:
        ledger.earning_create(
            resident=order.volunteer.resident, minutes=order.actual_minutes,
            reference=order.reference, idempotency_key=f"order-settle:{order.uuid}",
            memo=f"{order.project.name} · {timezone.localtime(order.slot_start):%Y-%m-%d}")
    return len(saved)


def _live(community, projects, now) -> None:
    """A few open orders in every state, so the board and the demo logins have work."""
    from linli.volunteers.models import Volunteer, VolunteerStatus

    if Order.objects.filter(community=community, note="demo-live").exists():
        return
    staff = User.objects.filter(roles__role="community_staff",
                                roles__community=community).first()
    resident_user = User.objects.filter(mobile="13900000015").first()
    volunteer_user = User.objects.filter(mobile="13900000014").first()
    me = Resident.objects.filter(user=resident_user, household__community=community).first()
    demo_volunteer = Volunteer.objects.filter(user=volunteer_user,
                                              status=VolunteerStatus.ACTIVE).first()
    others = list(Volunteer.objects.filter(community=community, status=VolunteerStatus.ACTIVE)
                  .exclude(user=volunteer_user).select_related("resident")[:5])
    elders = list(Resident.objects.filter(household__community=community,
                                          birth_date__lt=now.date().replace(year=now.year - 70))
                  .exclude(pk=getattr(me, "pk", None)).select_related("household")[:6])
    if staff is None or not elders:
        return
    by_code = {p.code: p for p in projects}
    tz = timezone.get_current_timezone()
    tomorrow = timezone.localdate() + timedelta(days=1)

    def slot(hour, days=0):
        start = datetime.combine(tomorrow + timedelta(days=days), time(hour), tz)
        return start, start + timedelta(hours=2)

    def submit(project, elder, hour, days=0, channel=Channel.PHONE, start=None):
        if start is None:
            start, end = slot(hour, days)
        else:
            end = start + timedelta(hours=2)
        order = services.order_submit(project=project, household=elder.household, actor=staff,
                                      beneficiary=elder, slot_start=start, slot_end=end,
                                      channel=channel)
        Order.objects.filter(pk=order.pk).update(note="demo-live")
        order.note = "demo-live"
        return order

    for i, code in enumerate(("haircut", "company", "legal")):
        submit(by_code[code], elders[i % len(elders)], 9 + i)
    if demo_volunteer is not None:
        offered = submit(by_code["watch"], elders[3 % len(elders)], 14)
        services.order_dispatch(order=offered, actor=staff, volunteer=demo_volunteer)
    if others:
        accepted = submit(by_code["classroom"], elders[4 % len(elders)], 15, days=1)
        accepted = services.order_dispatch(order=accepted, actor=staff, volunteer=others[0])
        services.order_accept(order=accepted, actor=others[0].user)
    if me is not None and others:
        # A visit that began 80 minutes ago, checked in on time and served for 70 minutes.
        started = (now - timedelta(minutes=80)).replace(second=0, microsecond=0)
        done = submit(by_code["company"], me, 10, channel=Channel.SELF, start=started)
        done = services.order_dispatch(order=done, actor=staff, volunteer=others[-1])
        done = services.order_accept(order=done, actor=others[-1].user)
        done = services.order_check_in(order=done, actor=others[-1].user,
                                       now=now - timedelta(minutes=75))
        services.order_complete(order=done, actor=others[-1].user, minutes=70,
                                note="陪老人聊天、读报")
    meals = by_code.get("meals")
    if meals is not None and others:
        today = timezone.localdate()
        for elder in elders:
            if not MealOrder.objects.filter(household=elder.household, date=today).exists():
                MealOrder.objects.create(project=meals, community=community,
                                         household=elder.household, date=today,
                                         meal=Meal.LUNCH, portions=1,
                                         diet="少盐" if elder.pk % 2 else "")


def load(*, street, communities, stdout=None, **options) -> dict:
    rng = random.Random(67)
    now = timezone.now()
    settled = 0
    for index, community in enumerate(communities):
        projects = services.project_catalogue_ensure(community=community)
        _link_teams(street, projects)
        _link_skills(projects)
        if index == 0:
            settled += _history(community, projects, ZIXUAN_SERVICES, ZIXUAN_MINUTES, rng, now)
            _live(community, projects, now)
        else:
            settled += _history(community, projects, OTHER_SERVICES, 0, rng, now)
    if stdout is not None:
        from linli.orders.selectors import service_totals

        totals = service_totals(community=communities[0])
        stdout.write(f"Service orders: {settled} settled services generated; "
                     f"{communities[0].name}: {totals['services']} services, "
                     f"{totals['hours']:.0f} hours.")
    return {}
