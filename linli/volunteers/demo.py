"""Demo volunteers and party members, sized like the seed: 11 street teams, about 260
volunteers (149 in 紫轩社区), 487 party members and 5 estate branches reporting to 观湖社区
with 32 projects claimed, and 224 good deeds in 紫轩社区.

Idempotent (skips what exists) and written with bulk_create so the load stays fast."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from faker import Faker

from linli.accounts.models import Role, RoleAssignment, User
from linli.registry.models import Resident
from linli.volunteers.models import (
    AvailabilitySlot,
    GoodDeed,
    PartyMemberReport,
    PartyOrganisation,
    PartyOrgKind,
    PartyProject,
    ProjectClaim,
    ReportStatus,
    Skill,
    Team,
    TeamMembership,
    Volunteer,
    VolunteerEvent,
    VolunteerSequence,
    VolunteerStatus,
)
from linli.volunteers.services import DEFAULT_TEAMS

#: Volunteers per community code (紫轩 149, street total 262).
VOLUNTEERS = {"001": 149, "002": 63, "003": 50}
PARTY_MEMBERS = 487
PROJECTS_CLAIMED, PROJECTS_OPEN = 32, 4
GOOD_DEEDS = 224
PROJECT_TITLES = ["爱心理发", "希望小课堂", "邻里守望", "阳光心语", "政策宣讲进小区", "楼道清洁",
                  "独居老人探访", "义诊进社区", "法律咨询角", "四点半课堂", "垃圾分类督导",
                  "文明劝导", "防诈骗宣传", "助餐送餐", "手机教学", "心理疏导热线"]
DEEDS = ["帮独居老人修水管", "陪高龄老人就医", "清理楼道杂物", "为困难家庭送米面油",
         "调解邻里纠纷", "辅导留守儿童功课", "为老人代购药品", "修剪小区绿化", "宣传防诈骗知识",
         "为残疾人上门理发"]


def _available_residents(community, count: int, today: date) -> list[Resident]:
    young = today.replace(year=today.year - 20)
    old = today.replace(year=today.year - 66)
    return list(Resident.objects.filter(
        household__community=community, user__isnull=True, volunteer__isnull=True,
        birth_date__lte=young, birth_date__gt=old, moved_out=False, deceased=False,
    ).order_by("id")[:count])


def _demo_volunteer(street, now) -> None:
    # The demo volunteer login (13900000014) is a registered, approved volunteer too.
    demo_user = User.objects.filter(mobile="13900000014").first()
    resident = Resident.objects.filter(user=demo_user).first() if demo_user else None
    if resident is not None and not Volunteer.objects.filter(user=demo_user).exists():
        from linli.volunteers.services import volunteer_approve

        volunteer = Volunteer.objects.create(
            resident=resident, user=demo_user, community=resident.household.community,
            health_ok=True, health_declared_at=now, consent_at=now, consent_version="2025-1")
        volunteer.skills.set(Skill.objects.filter(code__in=["haircut", "companion"]))
        AvailabilitySlot.objects.create(volunteer=volunteer, weekday=5, start=time(9),
                                        end=time(12))
        volunteer_approve(volunteer=volunteer, actor=None)
        TeamMembership.objects.get_or_create(
            team=Team.objects.get(street=street, name=DEFAULT_TEAMS[4][0]), volunteer=volunteer,
            defaults={"is_leader": True})


def _load_volunteers(street, communities, rng: random.Random, now) -> int:
    skills = list(Skill.objects.all())
    teams = []
    for name, team_type in DEFAULT_TEAMS:
        team, _ = Team.objects.get_or_create(street=street, name=name,
                                             defaults={"team_type": team_type})
        teams.append(team)
    _demo_volunteer(street, now)
    year = timezone.localdate().year
    sequence, _ = VolunteerSequence.objects.get_or_create(street=street, year=year)
    created = 0
    password = make_password(None)
    for community in communities:
        target = VOLUNTEERS.get(community.code, 40)
        have = Volunteer.objects.filter(community=community).count()
        if have >= target:
            continue
        residents = _available_residents(community, target - have, now.date())
        users = [User(mobile=f"198{community.code}{r.pk % 100000:05d}"[:11], name=r.name,
                      password=password) for r in residents]
        taken = set(User.objects.filter(mobile__in=[u.mobile for u in users])
                    .values_list("mobile", flat=True))
        pairs = [(r, u) for r, u in zip(residents, users, strict=True) if u.mobile not in taken]
        User.objects.bulk_create([u for _r, u in pairs])
        by_mobile = {u.mobile: u for u in User.objects.filter(
            mobile__in=[u.mobile for _r, u in pairs])}
        volunteers = []
        for resident, user in pairs:
            user = by_mobile[user.mobile]
            resident.user = user
            sequence.last += 1
            since = now - timedelta(days=rng.randint(30, 900))
            volunteers.append(Volunteer(
                resident=resident, user=user, community=community,
                number=f"{street.code}{year}{sequence.last:05d}",
                status=VolunteerStatus.ACTIVE, health_ok=True, health_declared_at=since,
                consent_at=since, consent_version="2025-1", approved_at=since,
                created_at=since))
        Resident.objects.bulk_update([r for r, _u in pairs], ["user"])
        Volunteer.objects.bulk_create(volunteers)
        volunteers = list(Volunteer.objects.filter(user__in=by_mobile.values()))
        RoleAssignment.objects.bulk_create([
            RoleAssignment(user=v.user, role=Role.VOLUNTEER, street=street, community=community)
            for v in volunteers])
        VolunteerEvent.objects.bulk_create([
            VolunteerEvent(volunteer=v, action="approve", from_status="pending",
                           to_status="active", at=v.created_at)
            for v in volunteers])
        slots, links, members = [], [], []
        through = Volunteer.skills.through
        for v in volunteers:
            for day in rng.sample(range(7), rng.randint(1, 3)):
                start = rng.choice([8, 9, 14, 15, 18])
                slots.append(AvailabilitySlot(volunteer=v, weekday=day, start=time(start),
                                              end=time(min(start + 3, 21))))
            for skill in rng.sample(skills, rng.randint(1, 3)):
                links.append(through(volunteer_id=v.pk, skill_id=skill.pk))
            members.append(TeamMembership(team=rng.choice(teams), volunteer=v))
        AvailabilitySlot.objects.bulk_create(slots)
        through.objects.bulk_create(links)
        TeamMembership.objects.bulk_create(members, ignore_conflicts=True)
        created += len(volunteers)
    VolunteerSequence.objects.filter(pk=sequence.pk).update(last=sequence.last)
    for team in teams:
        first = team.memberships.order_by("id").first()
        if first is not None and not team.memberships.filter(is_leader=True).exists():
            TeamMembership.objects.filter(pk=first.pk).update(is_leader=True)
    return created


def _load_party(communities, rng: random.Random, fake: Faker) -> None:
    zixuan, guanhu = communities[0], communities[1]
    if PartyProject.objects.filter(community=guanhu).exists():
        return
    orgs = [PartyOrganisation(community=guanhu, name=f"观湖社区第{n}小区党支部",
                              kind=PartyOrgKind.ESTATE_BRANCH, secretary=fake.name())
            for n in "一二三四五"]
    orgs += [PartyOrganisation(community=guanhu, name=name, kind=PartyOrgKind.UNIT)
             for name in ("黔西市第一中学党总支", "市人民医院党委", "市税务局机关党支部")]
    orgs.append(PartyOrganisation(community=zixuan, name="紫轩社区党委",
                                  kind=PartyOrgKind.COMMUNITY_BRANCH))
    PartyOrganisation.objects.bulk_create(orgs)
    orgs = list(PartyOrganisation.objects.filter(community=guanhu))
    now = timezone.now()
    PartyMemberReport.objects.bulk_create([
        PartyMemberReport(community=guanhu, name=fake.name(), organisation=rng.choice(orgs),
                          work_unit=rng.choice(["", "市第一中学", "市人民医院", "市税务局"]),
                          status=ReportStatus.CONFIRMED, decided_at=now)
        for _ in range(PARTY_MEMBERS)])
    PartyMemberReport.objects.bulk_create([
        PartyMemberReport(community=zixuan, name=fake.name(), status=ReportStatus.CONFIRMED,
                          decided_at=now) for _ in range(60)])
    members = list(PartyMemberReport.objects.filter(community=guanhu))
    projects = []
    for n in range(PROJECTS_CLAIMED + PROJECTS_OPEN):
        title = f"{PROJECT_TITLES[n % len(PROJECT_TITLES)]}（{n // len(PROJECT_TITLES) + 1}期）"
        planned = rng.randint(3, 12)
        claimed = rng.randint(1, planned) if n < PROJECTS_CLAIMED else 0
        projects.append(PartyProject(community=guanhu, title=title, planned_claims=planned,
                                     claimed_count=claimed))
    PartyProject.objects.bulk_create(projects)
    claims = []
    for project in PartyProject.objects.filter(community=guanhu, claimed_count__gt=0):
        for member in rng.sample(members, project.claimed_count):
            claims.append(ProjectClaim(project=project, member=member))
    ProjectClaim.objects.bulk_create(claims)
    zixuan_members = list(PartyMemberReport.objects.filter(community=zixuan))
    today = timezone.localdate()
    GoodDeed.objects.bulk_create([
        GoodDeed(community=zixuan, member=rng.choice(zixuan_members), title=rng.choice(DEEDS),
                 done_on=today - timedelta(days=rng.randint(1, 700)))
        for _ in range(GOOD_DEEDS)])


def load(*, street, communities, stdout=None, **options) -> dict:
    rng = random.Random(5)
    fake = Faker("zh_CN")
    fake.seed_instance(5)
    now = timezone.now()
    created = _load_volunteers(street, communities, rng, now)
    _load_party(communities, rng, fake)
    if stdout is not None:
        stdout.write(f"Volunteers: {created} new, "
                     f"{Volunteer.objects.filter(community__street=street).count()} in total.")
    return {}
