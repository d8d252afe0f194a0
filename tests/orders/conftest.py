import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from tests.factories import (
    orders_project,
    orders_slot_now,
    orders_volunteer,
    registry_world,
)


@dataclass
class Loop:
    world: object
    household: object
    elder: object  # the household head; their account is world.users["resident"]
    resident_user: object
    staff: object
    volunteer: object
    project: object  # community-funded 精神慰藉
    paid_project: object  # 卫生清洁, paid with the requester's hours

    def submit(self, project=None, actor=None, slot=None, **kwargs):
        """An order whose slot began 10 minutes ago (check-in open, completion allowed), or
        `slot`. Tests here submit several orders of one household in the same hour, so they
        confirm the overlap warning; test_duplicates.py checks that warning itself."""
        from linli.orders import services

        start, end = slot or orders_slot_now()
        kwargs.setdefault("overlap_confirmed", True)
        return services.order_submit(project=project or self.project, household=self.household,
                                     actor=actor or self.resident_user, slot_start=start,
                                     slot_end=end, **kwargs)


@pytest.fixture
def loop(world):
    data = registry_world(world)["a"]
    volunteer = orders_volunteer(community=world.community, user=world.users["volunteer"],
                                 name="王志愿")
    return Loop(world=world, household=data["household"], elder=data["resident"],
                resident_user=world.users["resident"], staff=world.users["community_staff"],
                volunteer=volunteer, project=orders_project(world.community, "company"),
                paid_project=orders_project(world.community, "cleaning"))


def served_for(order, minutes: int) -> None:
    """Given the volunteer checked in `minutes` ago (the service took that long)."""
    from linli.orders.models import Order

    Order.objects.filter(pk=order.pk).update(
        checked_in_at=timezone.now() - datetime.timedelta(minutes=minutes, seconds=5))
