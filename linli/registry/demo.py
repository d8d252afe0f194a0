"""Demo places and people: one street, three communities with grids, estates, buildings,
about 2,000 households and 5,000 residents (many elders) with tags. Idempotent: keyed on
codes, and a community's people are generated only once (household numbers `D…`).

Written with bulk_create (without per-row history) so that the whole load stays fast."""

from __future__ import annotations

import random
from datetime import date, timedelta

from faker import Faker
from pypinyin import Style, lazy_pinyin

from linli.common.masking import mask_id_number
from linli.registry.idnumbers import id_number_compose
from linli.registry.models import (
    Building,
    Community,
    District,
    Estate,
    Grid,
    Household,
    Resident,
    Street,
    Unit,
)
from linli.registry.privacy import encrypt_id_number, hash_id_number
from linli.registry.services import tag_ensure

COMMUNITIES = [
    ("001", "紫轩社区", "锦绣大道88号紫轩社区党群服务中心", "0857-4221001"),
    ("002", "观湖社区", "观湖路16号观湖社区党群服务中心", "0857-4221002"),
    ("003", "锦绣社区", "文化路3号锦绣社区党群服务中心", "0857-4221003"),
]
GRIDS_PER_COMMUNITY = 4
#: Street-configured resident tags: (name, sensitive health/disability tag).
TAGS = [("独居", False), ("空巢", False), ("高龄", False), ("残疾", True), ("困难", False),
        ("低保", False), ("退役军人", False), ("重点关注", False)]
#: Per community: estates and their roads; 7 buildings × 2 units × 6 floors × 4 rooms ≈ 670.
ESTATES = {
    "001": [("紫轩小区", "锦绣大道"), ("紫轩花园", "紫轩路")],
    "002": [("观湖苑", "观湖路"), ("湖畔家园", "滨湖路")],
    "003": [("锦绣华庭", "文化路"), ("书香里", "学府路")],
}
BUILDINGS_PER_ESTATE = 7
UNITS, FLOORS, ROOMS = 2, 6, 4
# Old county code of 黔西 (520581 since 2021): most residents were born under it.
ID_AREA = "522423"
CENTRE = (27.0244, 106.0322)  # 黔西 city centre, for building coordinates
ETHNICITIES = ["汉族"] * 14 + ["彝族", "苗族", "布依族", "仡佬族", "回族", "白族"]


def _birth(rng: random.Random, today: date, low: int, high: int) -> date:
    return today - timedelta(days=rng.randint(low * 365 + 1, high * 365 - 1))


def _places(community: Community, grids: list[Grid], rng: random.Random) -> list:
    """Estates, buildings (spread over the grids) and units; returns the rooms to fill."""
    rooms = []
    estates = ESTATES[community.code]
    for e_index, (estate_name, road) in enumerate(estates):
        estate, _ = Estate.objects.get_or_create(community=community, name=estate_name)
        for b in range(1, BUILDINGS_PER_ESTATE + 1):
            grid = grids[(e_index * BUILDINGS_PER_ESTATE + b - 1) * len(grids)
                         // (len(estates) * BUILDINGS_PER_ESTATE)]
            address = f"{road}{10 + e_index * 40 + b}号{estate_name}{b}栋"
            building, _ = Building.objects.get_or_create(
                estate=estate, name=f"{b}栋",
                defaults={"grid": grid, "address": address,
                          "latitude": round(CENTRE[0] + rng.uniform(-0.01, 0.01), 6),
                          "longitude": round(CENTRE[1] + rng.uniform(-0.01, 0.01), 6)})
            for u in range(1, UNITS + 1):
                unit, _ = Unit.objects.get_or_create(building=building, name=f"{u}单元")
                for floor in range(1, FLOORS + 1):
                    for room in range(1, ROOMS + 1):
                        rooms.append((building, unit, f"{floor}0{room}"))
    return rooms


def _people(community: Community, grids: list[Grid], tags: dict, fake: Faker,
            rng: random.Random, used_ids: set[str]) -> tuple[int, int]:
    today = date.today()
    rooms = _places(community, grids, rng)
    households = []
    for n, (building, unit, room) in enumerate(rooms, start=1):
        households.append(Household(
            community=community, grid=building.grid, number=f"D{community.code}-{n:04d}",
            address=f"{building.address}{unit.name}{room}室", building=building, unit=unit,
            room=room))
    Household.objects.bulk_create(households, batch_size=500)
    households = list(Household.objects.filter(community=community, number__startswith="D")
                      .order_by("number"))
    residents, tag_links, heads, wards = [], [], [], []

    def person(household, surname, relation, born, gender=None):
        gender = gender or rng.choice("MF")
        name = surname + fake.first_name_male() if gender == "M" else \
            surname + fake.first_name_female()
        while True:
            seq = rng.randrange(0, 500) * 2 + (1 if gender == "M" else 0)
            id_number = id_number_compose(ID_AREA, born, seq)
            if id_number not in used_ids:
                used_ids.add(id_number)
                break
        full = "".join(lazy_pinyin(name))
        initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER))
        r = Resident(
            household=household, name=name, name_pinyin=full, name_initials=initials,
            gender=gender, birth_date=born, id_number_encrypted=encrypt_id_number(id_number),
            id_number_hash=hash_id_number(id_number), id_number_masked=mask_id_number(id_number),
            mobile=(f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
                    if rng.random() < 0.85 else ""),
            ethnicity=rng.choice(ETHNICITIES),
            political_status="party_member" if rng.random() < 0.12 else "masses",
            residence_type=rng.choices(["registered", "permanent", "floating", "separated"],
                                       [70, 15, 10, 5])[0],
            relation=relation,
        )
        residents.append(r)
        return r

    for household in households:
        surname = fake.last_name()
        shape = rng.choices(["elder_alone", "elder_couple", "family", "three_gen", "young"],
                            [18, 22, 30, 18, 12])[0]
        members = []
        if shape in ("elder_alone", "elder_couple", "three_gen"):
            age = (62, 96) if shape != "three_gen" else (60, 88)
            head = person(household, surname, "head", _birth(rng, today, *age))
            members.append(head)
            if shape != "elder_alone":
                members.append(person(household, fake.last_name(), "spouse",
                                      _birth(rng, today, age[0] - 2, age[1] - 2),
                                      "F" if head.gender == "M" else "M"))
            if shape == "three_gen":
                child = person(household, surname, "child", _birth(rng, today, 32, 45))
                members.append(child)
                for _ in range(rng.choice([1, 1, 2])):
                    members.append(person(household, surname, "grandchild",
                                          _birth(rng, today, 3, 17)))
        else:
            span = (28, 50) if shape == "family" else (22, 35)
            head = person(household, surname, "head", _birth(rng, today, *span))
            members.append(head)
            if shape == "family" or rng.random() < 0.4:
                members.append(person(household, fake.last_name(), "spouse",
                                      _birth(rng, today, *span),
                                      "F" if head.gender == "M" else "M"))
            if shape == "family":
                for _ in range(rng.choice([1, 1, 2])):
                    members.append(person(household, surname, "child",
                                          _birth(rng, today, 1, 16)))
                if rng.random() < 0.3:
                    members.append(person(household, surname, "parent",
                                          _birth(rng, today, 65, 90)))
        adults = [m for m in members if (today - m.birth_date).days >= 18 * 365]
        for m in members:
            age = (today - m.birth_date).days // 365
            if age < 14:
                wards.append((m, adults[0]))
            chosen = []
            if age >= 80:
                chosen.append("高龄")
            if age >= 60 and shape == "elder_alone":
                chosen.append("独居")
            if age >= 60 and shape == "elder_couple":
                chosen.append("空巢")
            if age >= 60 and rng.random() < 0.06:
                chosen.append("残疾")
                m.health_note = rng.choice(["肢体残疾三级", "视力残疾二级", "听力残疾四级"])
                m.sensitive_basis = "legal_duty"
                m.sensitive_basis_note = "残疾人证登记（民政救助）"
            if rng.random() < 0.05:
                chosen += ["困难", "低保"]
            if m.gender == "M" and age >= 40 and rng.random() < 0.04:
                chosen.append("退役军人")
            if "独居" in chosen and age >= 80:
                chosen.append("重点关注")
            tag_links.append((m, chosen))
        heads.append((household, members[0]))
    Resident.objects.bulk_create(residents, batch_size=500)
    if residents[0].pk is None:
        ids = dict(Resident.objects.filter(household__community=community)
                   .values_list("id_number_hash", "id"))
        for r in residents:
            r.pk = r.id = ids[r.id_number_hash]
    through = Resident.tags.through
    through.objects.bulk_create(
        [through(resident_id=m.pk, tag_id=tags[name].pk) for m, names in tag_links
         for name in names], batch_size=1000)
    for household, head in heads:
        household.head_id = head.pk
    Household.objects.bulk_update([h for h, _ in heads], ["head"], batch_size=500)
    for child, guardian in wards:
        child.guardian_id = guardian.pk
    Resident.objects.bulk_update([c for c, _ in wards], ["guardian"], batch_size=500)
    return len(households), len(residents)


def load(*, stdout=None, **options) -> dict:
    district, _ = District.objects.get_or_create(code="520581", defaults={"name": "黔西市"})
    street, _ = Street.objects.get_or_create(
        district=district, code="001", defaults={"name": "锦绣街道", "phone": "0857-4220000"}
    )
    tags = {t.name: t for t in tag_ensure(street=street, names=TAGS)}
    fake = Faker("zh_CN")
    fake.seed_instance(2026)
    rng = random.Random(2026)
    used_ids = set()
    communities = []
    for code, name, address, phone in COMMUNITIES:
        community, _ = Community.objects.get_or_create(
            street=street, code=code, defaults={"name": name, "address": address, "phone": phone}
        )
        communities.append(community)
        grids = []
        for n in range(1, GRIDS_PER_COMMUNITY + 1):
            grid, _ = Grid.objects.get_or_create(
                community=community, number=f"{n:03d}",
                defaults={"name": f"第{n}网格", "boundary": f"{name}第{n}片区（以小区围墙为界）",
                          "phone": f"{phone[:-1]}{n}"},
            )
            grids.append(grid)
        if Household.objects.filter(community=community, number__startswith="D").exists():
            continue
        households, residents = _people(community, grids, tags, fake, rng, used_ids)
        if stdout is not None:
            stdout.write(f"  {name}: {households} households, {residents} residents")
    return {"street": street, "communities": communities}
