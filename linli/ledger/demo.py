"""Demo time bank: banked hours, a gift, a donation, an allocation and a pending reservation.

Idempotent: every posting carries a fixed idempotency key, so a second run replays them."""

from __future__ import annotations

from datetime import date

from linli.accounts.models import User
from linli.ledger import services
from linli.ledger.models import TransferKind, Unit
from linli.registry.models import Grid, Household, Resident


def _household(community, number: str, address: str) -> Household:
    household = Household.objects.filter(community=community, number=number).first()
    if household is None:
        grid = Grid.objects.filter(community=community).order_by("number").first()
        household = Household.objects.create(community=community, grid=grid, number=number,
                                             address=address)
    return household


def _resident(household, name: str, birth: date, user: User | None = None) -> Resident:
    if user is not None:
        linked = Resident.objects.filter(user=user).first()
        if linked is not None:
            return linked
    resident = Resident.objects.filter(household=household, name=name).first()
    if resident is None:
        resident = Resident.objects.create(household=household, name=name, birth_date=birth,
                                           user=user)
    return resident


def load(*, street, communities, stdout=None, **options) -> dict:
    zixuan = communities[0]
    volunteer_user = User.objects.filter(mobile="13900000014").first()
    resident_user = User.objects.filter(mobile="13900000015").first()
    staff = User.objects.filter(mobile="13900000011").first()

    home = _household(zixuan, "TB-001", "紫轩社区3栋2单元501")
    volunteer = _resident(home, "管素芹", date(1978, 5, 12), volunteer_user)
    mother = _resident(volunteer.household, "管老太", date(1946, 3, 8))
    liu = _resident(_household(zixuan, "TB-002", "紫轩社区5栋1单元302"), "刘师傅",
                    date(1952, 9, 20), resident_user)
    elder = _resident(_household(zixuan, "TB-003", "紫轩社区1栋1单元101"), "陈奶奶",
                      date(1939, 11, 2))
    _resident(_household(zixuan, "TB-004", "紫轩社区2栋3单元201"), "赵爷爷", date(1943, 1, 15))

    for n, (minutes, memo) in enumerate(
        [(120, "爱心理发"), (180, "邻里守望：陪老人就医"), (90, "希望小课堂"), (240, "送餐上门")],
        start=1,
    ):
        services.earning_create(resident=volunteer, minutes=minutes, memo=memo,
                                reference=f"demo:service:{n}",
                                idempotency_key=f"demo:earn:volunteer:{n}")
    services.earning_create(resident=liu, minutes=300, memo="阳光心语", reference="demo:service:9",
                            idempotency_key="demo:earn:liu:1")
    # Gifts and donations are the holder's own acts: the demo makes them as those people.
    if volunteer.user_id:
        services.gift_create(giver=volunteer, recipient=mother, minutes=120, memo="给妈妈",
                             idempotency_key="demo:gift:1", actor=volunteer.user)
        services.donation_create(donor=volunteer, minutes=120, memo="捐给高龄老人",
                                 idempotency_key="demo:donation:1", actor=volunteer.user)
    if liu.user_id:
        services.donation_create(donor=liu, minutes=60, idempotency_key="demo:donation:2",
                                 actor=liu.user)
    if staff is not None:
        services.allocation_create(fund=services.fund_account_ensure(community=zixuan),
                                   recipient=elder, minutes=90, actor=staff,
                                   idempotency_key="demo:allocation:1")
    services.reservation_create(
        account=services.resident_account_ensure(resident=liu), amount=60,
        reference="demo:order:pending", memo="预约：上门理发",
        idempotency_key="demo:reserve:1",
    )
    points_issuer = services.system_account_ensure(street=street, kind="issuer",
                                                   unit=Unit.POINTS)
    services.transfer_create(
        unit=Unit.POINTS, debit=points_issuer,
        credit=services.household_account_ensure(household=home), amount=20,
        kind=TransferKind.AWARD, reference="demo:convention", memo="垃圾分类",
        idempotency_key="demo:points:1",
    )
    if stdout is not None:
        stdout.write("Time bank: demo hours, gift, donation, allocation and a reservation.")
    return {}
