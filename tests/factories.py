"""Factories for tests. Each capability adds its own below."""

import factory

from linli.accounts.models import User
from linli.registry.models import Community, District, Grid, Street

PASSWORD = "Correct-Horse-9-Battery"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    code = "520581"
    name = "黔西市"


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street

    district = factory.SubFactory(DistrictFactory)
    code = factory.Sequence(lambda n: f"{(n % 999) + 1:03d}")
    name = factory.Sequence(lambda n: f"测试街道{n}")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    code = factory.Sequence(lambda n: f"{(n % 999) + 1:03d}")
    name = factory.Sequence(lambda n: f"测试社区{n}")
    phone = "0857-4221000"


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    community = factory.SubFactory(CommunityFactory)
    number = factory.Sequence(lambda n: f"{(n % 999) + 1:03d}")
    name = factory.Sequence(lambda n: f"第{n}网格")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    mobile = factory.Sequence(lambda n: f"137{n:08d}")
    name = factory.Faker("name", locale="zh_CN")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def user_with_role(role: str, scope, **kwargs) -> User:
    from linli.accounts.services import role_grant

    user = UserFactory(**kwargs)
    role_grant(user=user, role=role, scope=scope)
    return User.objects.get(pk=user.pk)


# --- ledger and time bank ------------------------------------------------------------------


def ledger_household(*, community, grid=None, number: str | None = None):
    """A household in `community` (its first grid unless given)."""
    import uuid as _uuid

    from linli.registry.models import Household

    grid = grid or community.grids.order_by("id").first() or GridFactory(community=community)
    number = number or f"L-{_uuid.uuid4().hex[:10]}"
    return Household.objects.create(community=community, grid=grid, number=number,
                                    address=f"{community.name}{number}号")


def ledger_resident(*, community=None, household=None, user=None, name: str = "",
                    birth_date=None):
    """A resident (in a new household of `community` unless `household` is given)."""
    from linli.registry.models import Resident

    household = household or ledger_household(community=community)
    return Resident.objects.create(household=household, user=user,
                                   name=name or f"居民{Resident.objects.count() + 1}",
                                   birth_date=birth_date)


def ledger_funded_account(*, community=None, resident=None, minutes: int = 600, **kwargs):
    """A resident time account holding `minutes` earned from the street's issuer."""
    import uuid as _uuid

    from linli.ledger.services import earning_create, resident_account_ensure

    resident = resident or ledger_resident(community=community, **kwargs)
    if minutes:
        earning_create(resident=resident, minutes=minutes, reference="test",
                       idempotency_key=f"test-earn-{_uuid.uuid4()}")
    account = resident_account_ensure(resident=resident)
    account.refresh_from_db()
    return account


# --- Registry: places, households, residents, door plates -------------------------------

def id_number_for(birth, sequence: int, area: str = "522423") -> str:
    """A valid 18-character ID number (odd sequence: male)."""
    from linli.registry.idnumbers import id_number_compose

    return id_number_compose(area, birth, sequence)


def registry_household(grid, number: str, address: str = "", **kwargs):
    from linli.registry.services import household_create

    return household_create(grid=grid, number=number,
                            address=address or f"{grid.community.name}{number}号", **kwargs)


def registry_resident(household, name: str, **fields):
    from linli.registry.services import resident_create

    return resident_create(household=household, name=name, **fields)


def registry_world(world):
    """Adds registry objects to the `world` (once): per community a building, a household
    with an adult head (ID number and mobile known), a pending proxy binding and an import
    job. In community A the head is the account `world.users["resident"]`, so that resident
    can act on proxy requests for themself. Returns `world.registry` (a dict)."""
    import datetime

    from linli.registry.models import (
        BindingKind,
        HouseholdBinding,
        ImportJob,
        ImportStatus,
        Resident,
    )
    from linli.registry.services import building_create, estate_create

    if getattr(world, "registry", None):
        return world.registry
    data = {}
    for key, grid, serial in (("a", world.grid, 11), ("b", world.other_grid, 21)):
        estate = estate_create(community=grid.community, name=f"测试小区{key}")
        building = building_create(estate=estate, grid=grid, name="1栋",
                                   address=f"测试路{serial}号1栋")
        household = registry_household(grid, f"{key}-1-101", building=building, unit_name="1单元",
                                       room="101")
        id_number = id_number_for(datetime.date(1950, 3, 7), serial)
        mobile = f"1380000{serial:04d}"
        head = registry_resident(household, f"张{key}三", id_number=id_number,
                                 mobile=mobile, relation="head")
        proxy_user = UserFactory(name=f"李{key}")
        binding = HouseholdBinding.objects.create(household=household, user=proxy_user,
                                                  kind=BindingKind.PROXY, resident=head)
        job = ImportJob.objects.create(community=grid.community, file_name="empty.xlsx",
                                       storage_name="registry/imports/none.xlsx",
                                       status=ImportStatus.CHECKED)
        data[key] = {"estate": estate, "building": building, "household": household,
                     "resident": head, "id_number": id_number, "mobile": mobile,
                     "binding": binding, "job": job}
    Resident.objects.filter(pk=data["a"]["resident"].pk).update(user=world.users["resident"])
    world.registry = data
    return data


# --- volunteers and party members -----------------------------------------------------------


def volunteer_make(*, community, user=None, status: str = "active", birth_date=None,
                   health_ok: bool = True, consent: bool = True, name: str = "",
                   slots=((0, 8, 12), (2, 14, 18), (5, 8, 18))):
    """A volunteer of `community` with a resident record and an account; `status="active"`
    goes through approval (number, role), others are set directly."""
    import datetime as _dt

    from django.utils import timezone as _tz

    from linli.volunteers.models import AvailabilitySlot, Volunteer, VolunteerStatus

    user = user or UserFactory()
    resident = ledger_resident(community=community, user=user, name=name,
                               birth_date=birth_date or _dt.date(1985, 6, 1))
    now = _tz.now()
    volunteer = Volunteer.objects.create(
        resident=resident, user=user, community=community, health_ok=health_ok,
        health_declared_at=now, consent_at=now if consent else None,
        consent_version="2025-1" if consent else "")
    AvailabilitySlot.objects.bulk_create(
        AvailabilitySlot(volunteer=volunteer, weekday=d, start=_dt.time(a), end=_dt.time(b))
        for d, a, b in slots)
    if status == VolunteerStatus.ACTIVE:
        from linli.volunteers.services import volunteer_approve

        volunteer_approve(volunteer=volunteer, actor=None)
    elif status != VolunteerStatus.PENDING:
        Volunteer.objects.filter(pk=volunteer.pk).update(status=status,
                                                         number=f"X{volunteer.pk:08d}")
    volunteer.refresh_from_db()
    return volunteer


def volunteer_team(*, community, name: str = ""):
    from linli.volunteers.models import Team

    return Team.objects.create(street=community.street, community=community,
                               name=name or f"测试志愿服务队{Team.objects.count() + 1}")


def party_project_make(*, community, planned: int = 3, title: str = ""):
    from linli.volunteers.models import PartyProject

    return PartyProject.objects.create(community=community, planned_claims=planned,
                                       title=title or f"认领项目{PartyProject.objects.count() + 1}")


def party_member_make(*, community, user=None, confirmed: bool = True, name: str = ""):
    from linli.volunteers.models import PartyMemberReport, ReportStatus

    return PartyMemberReport.objects.create(
        community=community, user=user, name=name or "党员",
        status=ReportStatus.CONFIRMED if confirmed else ReportStatus.PENDING)


def certificate_make(*, community):
    from linli.volunteers.services import certificate_issue

    return certificate_issue(volunteer=volunteer_make(community=community), actor=None)


# --- activities and culture classes ---------------------------------------------------------


def activity_make(community, *, publish: bool = True, starts_in=None, hours: float = 2,
                  actor=None, **fields):
    """An activity of `community` (published unless told), sign-up open now."""
    import datetime

    from django.utils import timezone

    from linli.activities.services import activity_create, activity_publish

    starts_in = datetime.timedelta(days=1) if starts_in is None else starts_in
    starts = timezone.now() + starts_in
    values = {
        "title": "长者生日会", "kind": "festival", "organiser": "文艺体育志愿服务队",
        "place": "社区活动室", "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=hours),
        "signup_opens_at": timezone.now() - datetime.timedelta(days=1),
        "signup_closes_at": starts + datetime.timedelta(minutes=30),
        "capacity": 20, "points": 5, "volunteers_needed": 2, "volunteer_minutes": 0,
    }
    values.update(fields)
    activity = activity_create(community=community, actor=actor, **values)
    if publish:
        activity = activity_publish(activity=activity, actor=actor)
    return activity


def activity_resident(community, *, user=None, household=None, name: str = "", birth_date=None,
                      **fields):
    """A registry resident of `community` (new household unless given), linked to `user`."""
    from linli.registry.models import Resident

    resident = ledger_resident(community=community, household=household, user=user, name=name,
                               birth_date=birth_date)
    if fields:
        Resident.objects.filter(pk=resident.pk).update(**fields)
        resident.refresh_from_db()
    return resident


def culture_class_make(community, *, actor=None, **fields):
    import datetime

    from linli.activities.services import class_create

    values = {
        "name": "剪纸班", "teacher_name": "王老师", "place": "居民文化苑二楼",
        "weekdays": [1, 3], "start_time": datetime.time(9, 0), "end_time": datetime.time(10, 30),
        "term_name": "2026春季", "term_start": datetime.date(2026, 3, 1),
        "term_end": datetime.date(2026, 3, 31), "capacity": 20,
    }
    values.update(fields)
    return class_create(community=community, actor=actor, **values)

def activity_door_household(community, *, users=(), members=("王奶奶",)):
    """A household of `community` with the named residents, and each of `users` confirmed as
    family of it (door-plate binding), so they may sign its members up from the door plate."""
    from linli.registry.models import BindingStatus, HouseholdBinding, Resident

    household = ledger_household(community=community)
    for name in members:
        Resident.objects.create(household=household, name=name)
    for user in users:
        HouseholdBinding.objects.create(household=household, user=user, kind="proxy",
                                        relation="child", status=BindingStatus.CONFIRMED)
    return household


# --- Orders: service projects, orders, volunteers for dispatch ---------------------------------

def orders_volunteer(*, community, user=None, name: str = "", birth_date=None,
                     health_ok: bool = True, household=None, skills=()):
    """An active volunteer of `community` (a resident with an account); reuses `user`'s record."""
    import datetime
    import uuid as _uuid

    from linli.accounts.models import Role
    from linli.volunteers.models import Volunteer, VolunteerStatus

    if user is not None:
        existing = Volunteer.objects.filter(user=user).first()
        if existing is not None:
            return existing
    else:
        user = user_with_role(Role.VOLUNTEER, community)
    if name:
        User.objects.filter(pk=user.pk).update(name=name)
    resident = ledger_resident(community=community, household=household, user=user,
                               name=name or user.name or "志愿者",
                               birth_date=birth_date or datetime.date(1990, 6, 1))
    volunteer = Volunteer.objects.create(
        resident=resident, user=user, community=community, status=VolunteerStatus.ACTIVE,
        number=f"V{_uuid.uuid4().hex[:12]}", health_ok=health_ok)
    if skills:
        volunteer.skills.set(skills)
    return volunteer


def orders_slot(days: int = 1, hour: int = 9, hours: int = 2):
    import datetime

    from django.utils import timezone

    day = timezone.localdate() + datetime.timedelta(days=days)
    start = datetime.datetime.combine(day, datetime.time(hour), timezone.get_current_timezone())
    return start, start + datetime.timedelta(hours=hours)


def orders_project(community, code: str = "company"):
    from linli.orders.services import project_catalogue_ensure

    return {p.code: p for p in project_catalogue_ensure(community=community)}[code]


def orders_slot_now(*, started_minutes_ago: int = 10, hours: int = 2):
    """A slot that began a few minutes ago (check-in is open, completion allowed)."""
    import datetime

    from django.utils import timezone

    start = timezone.now() - datetime.timedelta(minutes=started_minutes_ago)
    return start, start + datetime.timedelta(hours=hours)


#: The states `orders_order` can reach, in loop order.
ORDER_STATES = ("submitted", "dispatched", "accepted", "in_service", "completed", "rated",
                "disputed")


def orders_order(world, key: str = "a", *, dispatched: bool = True, code: str = "company",
                 state: str | None = None):
    """An order of the registry household of community `key` ("a" or "b"), entered by that
    community's staff and (by default) dispatched to a volunteer of the community; in A the
    volunteer is `world.users["volunteer"]`. `state` walks it further through the services
    (accepted, in_service, completed after 30 minutes, rated — confirmed but not settled, as
    when the ledger deferred — or disputed). Each call makes a new order at its own time."""
    import datetime

    from django.utils import timezone

    from linli.orders import services
    from linli.orders.models import Order

    state = state or ("dispatched" if dispatched else "submitted")
    data = registry_world(world)[key]
    if key == "a":
        community, staff = world.community, world.users["community_staff"]
        volunteer = orders_volunteer(community=community, user=world.users["volunteer"])
    else:
        community, staff = world.other_community, world.other["community_staff"]
        volunteer = orders_volunteer(community=community)
    n = Order.objects.filter(household=data["household"]).count()
    if ORDER_STATES.index(state) >= ORDER_STATES.index("accepted"):
        start, end = orders_slot_now(started_minutes_ago=40 + n)  # check-in is open
    else:
        start, end = orders_slot(days=1 + n // 4, hour=8 + 3 * (n % 4))
    order = services.order_submit(project=orders_project(community, code),
                                  household=data["household"], actor=staff,
                                  slot_start=start, slot_end=end, overlap_confirmed=True)
    if state == "submitted":
        return order
    order = services.order_dispatch(order=order, actor=staff, volunteer=volunteer)
    if state == "dispatched":
        return order
    order = services.order_accept(order=order, actor=volunteer.user)
    if state == "accepted":
        return order
    order = services.order_check_in(order=order, actor=volunteer.user)
    Order.objects.filter(pk=order.pk).update(  # in service for 35 minutes already
        checked_in_at=timezone.now() - datetime.timedelta(minutes=35))
    if state == "in_service":
        order.refresh_from_db()
        return order
    order = services.order_complete(order=order, actor=volunteer.user, minutes=30)
    if state == "completed":
        return order
    if state == "disputed":
        return services.order_dispute(order=order, actor=staff, reason="核实服务时间")
    Order.objects.filter(pk=order.pk).update(status="rated", rating=5,
                                             confirmed_at=timezone.now())
    order.refresh_from_db()
    return order


def orders_meal(world, key: str = "a", *, assign: bool = True):
    """Today's lunch for the registry household of community `key`, out for delivery with
    that community's volunteer (in A: `world.users["volunteer"]`)."""
    from django.utils import timezone

    from linli.orders import services

    data = registry_world(world)[key]
    community = world.community if key == "a" else world.other_community
    staff = world.users["community_staff"] if key == "a" else world.other["community_staff"]
    from linli.orders.models import MealOrder

    meal = MealOrder.objects.filter(household=data["household"], date=timezone.localdate()
                                    ).exclude(status="cancelled").first()
    if meal is None:
        meal = services.meal_order_create(project=orders_project(community, "meals"),
                                          household=data["household"], actor=staff,
                                          date=timezone.localdate())
    if assign and meal.status == "ordered":
        volunteer = orders_volunteer(community=community, user=world.users["volunteer"]
                                     if key == "a" else None)
        services.meal_assign(community=community, date=meal.date, meal=meal.meal, actor=staff,
                             volunteer=volunteer, building=data["building"])
        meal.refresh_from_db()
    return meal

# --- Points bank and points store ----------------------------------------------------------


def points_png(name: str = "photo.png", size=(8, 8), color=(200, 30, 30)):
    """A small real PNG (made with Pillow) as an uploaded file."""
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def points_member(*, community=None, user=None, grid=None, name: str = ""):
    """A resident (linked to `user`, if given) in a new household; an already linked user
    keeps their household. Returns the household."""
    import uuid as _uuid

    from linli.registry.models import Household, Resident

    if user is not None:
        linked = Resident.objects.filter(user=user).select_related("household").first()
        if linked is not None:
            return linked.household
    grid = grid or community.grids.order_by("id").first() or GridFactory(community=community)
    number = f"P-{_uuid.uuid4().hex[:10]}"
    household = Household.objects.create(community=grid.community, grid=grid, number=number,
                                         address=f"{grid.community.name}{number}号")
    head = Resident.objects.create(household=household, user=user, name=name or "王秀英")
    Household.objects.filter(pk=household.pk).update(head=head)
    household.refresh_from_db()
    return household


def points_convention(community, *, deductions: bool = False, cap: int | None = 3):
    """An adopted convention for `community` with a few items (HW01 capped at `cap` a month;
    DD01 a deduction when `deductions`). Reuses the one in force."""
    import datetime

    from linli.points import services
    from linli.points.models import Convention, ConventionStatus

    current = Convention.objects.filter(community=community,
                                        status=ConventionStatus.ADOPTED).first()
    if current is not None:
        return current
    draft = services.convention_create(community=community, title="居民公约",
                                       allows_deductions=deductions)
    services.convention_item_add(convention=draft, code="HW01", title="门前三包环境整洁",
                                 category="sanitation", points=10, cap_count=cap,
                                 evidence="门前照片")
    services.convention_item_add(convention=draft, code="MA01", title="邻里互助",
                                 category="mutual_aid", points=5)
    if deductions:
        services.convention_item_add(convention=draft, code="DD01", title="乱扔垃圾",
                                     category="waste", points=5, is_deduction=True)
    return services.convention_adopt(convention=draft, adopted_on=datetime.date(2026, 1, 10),
                                     meeting="居民代表会议", entitled_count=100,
                                     present_count=60, votes_for=50)


def points_fund(household, points: int):
    """Credit `points` to the household from the street's issuer (as an approved award)."""
    import uuid as _uuid

    from linli.ledger.models import AccountKind, TransferKind, Unit
    from linli.ledger.services import (
        household_account_ensure,
        system_account_ensure,
        transfer_create,
    )

    account = household_account_ensure(household=household)
    issuer = system_account_ensure(street=household.community.street, kind=AccountKind.ISSUER,
                                   unit=Unit.POINTS)
    transfer_create(unit=Unit.POINTS, debit=issuer, credit=account, amount=points,
                    kind=TransferKind.AWARD, reference="test",
                    idempotency_key=f"test-award-{_uuid.uuid4()}")
    account.refresh_from_db()
    return account


def points_claim(household, *, code: str = "HW01", user=None, photo: bool = False):
    """A pending self-reported claim of `household` (the convention is made if missing)."""
    from linli.common.photos import photo_save
    from linli.points.models import Claim, ClaimOrigin

    convention = points_convention(household.community)
    item = convention.items.get(code=code)
    claim = Claim(household=household, item=item, origin=ClaimOrigin.SELF, submitted_by=user,
                  resident=household.residents.first())
    if photo:
        upload = points_png()
        photo_save(claim.photo, upload)
    claim.save()
    return claim


def store_goods(community, *, stock: int = 10, price: int = 10, photo: bool = False, **kwargs):
    from linli.store import services

    return services.goods_create(community=community, name=kwargs.pop("name", "大米5斤"),
                                 price=price, stock=stock, donor_name="爱心超市",
                                 photo=points_png() if photo else None, **kwargs)
