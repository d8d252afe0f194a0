"""Demo points store: goods from caring merchants (爱心商家) in every community and a few
exchanges (one waiting at the counter, one collected). Idempotent: a community that already
has goods is left alone; exchanges carry fixed idempotency keys."""

from __future__ import annotations

from linli.accounts.models import User
from linli.common.exceptions import DomainError
from linli.registry.models import Resident
from linli.store import services
from linli.store.models import Goods

#: (name, points, stock, limit per household a month, donor, description)
GOODS = [
    ("大米5斤", 50, 40, 1, "锦绣粮油店", "东北大米，每户每月限兑1袋"),
    ("食用油1.8升", 80, 20, 1, "锦绣粮油店", "非转基因压榨花生油"),
    ("洗衣液2公斤", 40, 30, 2, "好邻居超市", ""),
    ("抽纸一提", 20, 60, 2, "好邻居超市", "10包装"),
    ("理发券", 15, 50, 2, "阿强理发店", "凭券到店免费理发一次"),
    ("鸡蛋一盒", 25, 30, 2, "老王生鲜", "30枚装"),
]


def load(*, street, communities, stdout=None, **options) -> dict:
    for community in communities:
        if Goods.objects.filter(community=community).exists():
            continue
        for name, price, stock, limit, donor, description in GOODS:
            services.goods_create(community=community, name=name, price=price, stock=stock,
                                  limit_per_household=limit, donor_name=donor,
                                  description=description)
    resident = Resident.objects.filter(user__mobile="13900000015").select_related(
        "household__community").first()
    clerk = User.objects.filter(mobile="13900000012").first()
    if resident is not None:
        home = resident.household
        for key, name, hand_over in (("demo:redeem:1", "抽纸一提", True),
                                     ("demo:redeem:2", "理发券", False)):
            goods = Goods.objects.filter(community=home.community, name=name).first()
            if goods is None:
                continue
            try:
                redemption = services.redemption_create(household=home, goods=goods,
                                                        quantity=1, idempotency_key=key,
                                                        actor=resident.user)
                if hand_over and clerk is not None and redemption.status == "reserved":
                    services.redemption_hand_over(redemption=redemption, actor=clerk,
                                                  code=redemption.pickup_code)
            except DomainError:
                continue  # not enough points in this demo household: leave it be
    if stdout is not None:
        stdout.write("Points store: goods from caring merchants and two exchanges.")
    return {}
