"""Demo accounts of every role, with fixed mobiles so the README can list them."""

from __future__ import annotations

import random

from faker import Faker

from linli.accounts.models import Role, User, scope_model
from linli.accounts.services import role_grant, user_create

DEMO_PASSWORD = "Linli@2026demo"


def _account(mobile: str, name: str, roles: list[tuple[str, object]]) -> User:
    user = User.objects.filter(mobile=mobile).first()
    if user is None:
        user = user_create(mobile=mobile, password=DEMO_PASSWORD, name=name)
    for role, scope in roles:
        role_grant(user=user, role=role, scope=scope)
    return user


def load(*, street, communities, stdout=None, **options) -> dict:
    fake = Faker("zh_CN")
    fake.seed_instance(2026)
    random.seed(2026)
    zixuan, guanhu, jinxiu = communities
    Grid = scope_model("grid")
    first_grid = Grid.objects.filter(community=zixuan).order_by("number").first()
    logins = [
        ("13900000001", "王街道", Role.STREET_ADMIN, street),
        ("13900000002", "李审计", Role.AUDITOR, street),
        ("13900000011", "郭娜", Role.COMMUNITY_STAFF, zixuan),
        ("13900000012", "陈店员", Role.STORE_CLERK, zixuan),
        ("13900000013", "赵网格", Role.GRID_WORKER, first_grid),
        ("13900000014", "管素芹", Role.VOLUNTEER, zixuan),
        ("13900000015", "刘师傅", Role.RESIDENT, zixuan),
        ("13900000021", "周社区", Role.COMMUNITY_STAFF, guanhu),
        ("13900000031", "吴社区", Role.COMMUNITY_STAFF, jinxiu),
    ]
    for mobile, name, role, scope in logins:
        _account(mobile, name, [(role, scope)])
    # A grid worker for every other grid.
    serial = 100
    for grid in Grid.objects.filter(community__street=street).order_by("community__code", "number"):
        if grid == first_grid:
            continue
        serial += 1
        _account(f"139000{serial:05d}", fake.name(), [(Role.GRID_WORKER, grid)])
    if not User.objects.filter(mobile="13900000000").exists():
        User.objects.create_superuser("13900000000", DEMO_PASSWORD, name="系统管理员")
    return {"logins": [(m, n, r.label) for m, n, r, _s in logins]
            + [("13900000000", "系统管理员", "Superuser (admin only)")]}
