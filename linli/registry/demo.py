"""Demo places: one street, three communities with grids. Idempotent (keyed on codes)."""

from __future__ import annotations

from linli.registry.models import Community, District, Grid, Street

COMMUNITIES = [
    ("001", "紫轩社区", "锦绣大道88号紫轩社区党群服务中心", "0857-4221001"),
    ("002", "观湖社区", "观湖路16号观湖社区党群服务中心", "0857-4221002"),
    ("003", "锦绣社区", "文化路3号锦绣社区党群服务中心", "0857-4221003"),
]
GRIDS_PER_COMMUNITY = 4


def load(*, stdout=None, **options) -> dict:
    district, _ = District.objects.get_or_create(code="520581", defaults={"name": "黔西市"})
    street, _ = Street.objects.get_or_create(
        district=district, code="001", defaults={"name": "锦绣街道", "phone": "0857-4220000"}
    )
    communities = []
    for code, name, address, phone in COMMUNITIES:
        community, _ = Community.objects.get_or_create(
            street=street, code=code, defaults={"name": name, "address": address, "phone": phone}
        )
        communities.append(community)
        for n in range(1, GRIDS_PER_COMMUNITY + 1):
            Grid.objects.get_or_create(
                community=community, number=f"{n:03d}",
                defaults={"name": f"第{n}网格", "boundary": f"{name}第{n}片区（以小区围墙为界）"},
            )
    return {"street": street, "communities": communities}
