"""Real threads racing on one order (file database on SQLite, a real server on PostgreSQL):
exactly one volunteer wins a grab, and a confirmed order is paid exactly once."""

import threading

import pytest
from django.db import close_old_connections, connection

from linli.common.exceptions import Conflict
from linli.ledger.models import Account, Transfer
from linli.orders import services
from linli.orders.models import Order, OrderEvent
from tests.factories import orders_order, orders_volunteer
from tests.orders.conftest import served_for

pytestmark = pytest.mark.django_db(transaction=True)


def _race(workers):
    """Run each callable in its own thread, all released at once; returns their outcomes."""
    barrier = threading.Barrier(len(workers))
    outcomes = [None] * len(workers)

    def run(i, work):
        close_old_connections()
        try:
            barrier.wait(timeout=30)
            work()
            outcomes[i] = "won"
        except Conflict:
            outcomes[i] = "lost"
        except Exception as exc:  # surfaced in the assertion message
            outcomes[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_two_volunteers_grabbing_one_team_order_exactly_one_wins(world):
    from linli.volunteers.models import Team, TeamMembership

    team = Team.objects.create(street=world.street, community=world.community, name="抢单队")
    first = orders_volunteer(community=world.community, name="甲")
    second = orders_volunteer(community=world.community, name="乙")
    for v in (first, second):
        TeamMembership.objects.create(team=team, volunteer=v)
    order = orders_order(world, "a", dispatched=False)
    order = services.order_dispatch(order=order, actor=world.users["community_staff"],
                                    team=team)

    outcomes = _race([
        lambda: services.order_accept(order=Order.objects.get(pk=order.pk), actor=first.user),
        lambda: services.order_accept(order=Order.objects.get(pk=order.pk), actor=second.user),
    ])

    assert sorted(outcomes) == ["lost", "won"], outcomes
    order.refresh_from_db()
    winner = first if outcomes[0] == "won" else second
    assert order.status == "accepted" and order.volunteer_id == winner.pk
    assert OrderEvent.objects.filter(order=order, action="accept").count() == 1


def test_concurrent_confirmations_settle_exactly_once(world):
    order = orders_order(world, "a", state="in_service")  # the visit is now
    volunteer_user = world.users["volunteer"]
    served_for(order, 40)
    order = services.order_complete(order=order, actor=volunteer_user, minutes=40)
    staff = world.users["community_staff"]
    from tests.factories import registry_world

    resident_user = world.users["resident"]
    registry_world(world)

    def fetch():
        return Order.objects.get(pk=order.pk)

    outcomes = _race([
        lambda: services.order_rate(order=fetch(), actor=resident_user, stars=5),
        lambda: services.order_rate(order=fetch(), actor=staff, stars=4),
        lambda: services.order_settle(order=fetch(), actor=staff),
    ])
    assert "won" in outcomes and all(o in ("won", "lost") for o in outcomes), outcomes
    # whichever way the race went, retrying settles nothing more
    for _ in range(2):
        services.order_settle(order=fetch(), actor=staff)
    order.refresh_from_db()
    assert order.status == "settled"
    assert Transfer.objects.filter(reference=order.reference).count() == 1
    volunteer = orders_volunteer(community=world.community, user=volunteer_user)
    assert Account.objects.get(resident=volunteer.resident).balance == 40


def test_concurrent_settlement_retries_pay_once(world):
    order = orders_order(world, "a", state="in_service")  # the visit is now
    user = world.users["volunteer"]
    served_for(order, 25)
    order = services.order_complete(order=order, actor=user, minutes=25)
    Order.objects.filter(pk=order.pk).update(status="rated", rating=5)
    staff = world.users["community_staff"]
    outcomes = _race([lambda: services.order_settle(order=Order.objects.get(pk=order.pk),
                                                    actor=staff) for _ in range(3)])
    assert all(o in ("won", "lost") for o in outcomes), outcomes
    assert Transfer.objects.filter(idempotency_key=f"order-settle:{order.uuid}").count() == 1
    assert Order.objects.get(pk=order.pk).status == "settled"
