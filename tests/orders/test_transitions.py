"""The order state machine: every legal transition works and writes one event; every illegal
one is refused with Conflict; every role may do only its own moves."""

import datetime

import pytest
from django.utils import timezone, translation

from linli.common.exceptions import Conflict, PermissionDenied, ValidationError
from linli.ledger.models import Account, Reservation, ReservationStatus, Transfer, Unit
from linli.orders import services
from linli.orders.models import Channel, Order, OrderEvent, OrderStatus
from tests.factories import orders_volunteer, user_with_role
from tests.orders.conftest import served_for

pytestmark = pytest.mark.django_db

FAR_FUTURE = timezone.now() + datetime.timedelta(days=365)


def _reach(loop, status: str) -> Order:
    """An order in `status`, reached through the services."""
    o = loop.submit()
    if status == "submitted":
        return o
    if status == "refused":
        return services.order_refuse(order=o, actor=loop.staff, reason="超出服务范围")
    if status == "cancelled":
        return services.order_cancel(order=o, actor=loop.resident_user)
    o = services.order_dispatch(order=o, actor=loop.staff, volunteer=loop.volunteer)
    if status == "dispatched":
        return o
    o = services.order_accept(order=o, actor=loop.volunteer.user)
    if status == "accepted":
        return o
    o = services.order_check_in(order=o, actor=loop.volunteer.user)
    if status == "in_service":
        return o
    served_for(o, 30)
    o = services.order_complete(order=o, actor=loop.volunteer.user, minutes=30)
    if status == "completed":
        return o
    if status == "disputed":
        return services.order_dispute(order=o, actor=loop.resident_user, reason="没来")
    if status == "settled":
        return services.order_rate(order=o, actor=loop.resident_user, stars=5)
    if status in ("rated", "auto_confirmed", "resolved"):
        # Confirmed but not yet settled (as when the ledger deferred the settlement).
        Order.objects.filter(pk=o.pk).update(status=status)
        o.refresh_from_db()
        return o
    raise AssertionError(status)


ACTIONS = {
    "refuse": lambda L, o: services.order_refuse(order=o, actor=L.staff, reason="不符合条件"),
    "dispatch": lambda L, o: services.order_dispatch(order=o, actor=L.staff,
                                                     volunteer=L.volunteer),
    "reassign": lambda L, o: services.order_reassign(order=o, actor=L.staff,
                                                     volunteer=L.volunteer),
    "accept": lambda L, o: services.order_accept(order=o, actor=L.volunteer.user),
    "decline": lambda L, o: services.order_decline(order=o, actor=L.volunteer.user),
    "time_out": lambda L, o: services.order_time_out(order=o, now=FAR_FUTURE),
    "check_in": lambda L, o: services.order_check_in(order=o, actor=L.volunteer.user),
    "complete": lambda L, o: (served_for(o, 10),
                              services.order_complete(order=o, actor=L.volunteer.user,
                                                      minutes=10))[1],
    "rate": lambda L, o: services.order_rate(order=o, actor=L.resident_user, stars=4),
    "auto_confirm": lambda L, o: services.order_auto_confirm(order=o, now=FAR_FUTURE),
    "dispute": lambda L, o: services.order_dispute(order=o, actor=L.resident_user,
                                                   reason="服务时间不对"),
    "resolve": lambda L, o: services.order_resolve(order=o, actor=L.staff, pay=True,
                                                   note="核实后照付"),
    "settle": lambda L, o: services.order_settle(order=o, actor=L.staff),
    "cancel": lambda L, o: services.order_cancel(order=o, actor=L.resident_user),
}

#: action -> (states it may start from, state it ends in)
LEGAL = {
    "refuse": ({"submitted"}, "refused"),
    "dispatch": ({"submitted"}, "dispatched"),
    "reassign": ({"dispatched", "accepted"}, "dispatched"),
    "accept": ({"dispatched"}, "accepted"),
    "decline": ({"dispatched"}, "submitted"),
    "time_out": ({"dispatched"}, "submitted"),
    "check_in": ({"accepted"}, "in_service"),
    "complete": ({"in_service"}, "completed"),
    "rate": ({"completed"}, "settled"),  # rated, then settled at once
    "auto_confirm": ({"completed"}, "settled"),
    "dispute": ({"completed"}, "disputed"),
    "resolve": ({"disputed"}, "settled"),
    "settle": ({"rated", "auto_confirmed", "resolved", "settled"}, "settled"),
    "cancel": ({"submitted", "dispatched", "accepted"}, "cancelled"),
}
STATES = ["submitted", "refused", "dispatched", "accepted", "in_service", "completed",
          "rated", "auto_confirmed", "disputed", "resolved", "settled", "cancelled"]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_transition_from_every_state(loop, action, state):
    order = _reach(loop, state)
    events_before = OrderEvent.objects.filter(order=order).count()
    allowed_from, to = LEGAL[action]
    if state in allowed_from:
        result = ACTIONS[action](loop, order)
        assert result.status == to
        new_events = list(OrderEvent.objects.filter(order=order).order_by("id")[events_before:])
        if state != "settled":  # settling a settled order is a no-op
            assert new_events, "every transition writes an event"
            assert new_events[0].from_status == state
            assert new_events[-1].to_status == to
    else:
        with pytest.raises(Conflict) as exc:
            ACTIONS[action](loop, order)
        assert exc.value.code == "illegal_transition"
        assert exc.value.message  # a clear, user-facing sentence
        order.refresh_from_db()
        assert order.status == state
        assert OrderEvent.objects.filter(order=order).count() == events_before


def test_full_loop_banks_actual_minutes_once_and_records_every_step(loop):
    order = loop.submit()
    assert order.channel == Channel.SELF and order.beneficiary == loop.elder
    order = services.order_dispatch(order=order, actor=loop.staff, volunteer=loop.volunteer)
    order = services.order_accept(order=order, actor=loop.volunteer.user)
    order = services.order_check_in(order=order, actor=loop.volunteer.user)
    served_for(order, 75)
    order = services.order_complete(order=order, actor=loop.volunteer.user, minutes=70,
                                    note="聊天、读报")
    order = services.order_rate(order=order, actor=loop.resident_user, stars=5,
                                comment="很好")
    assert order.status == OrderStatus.SETTLED and order.settled_minutes == 70
    transfer = Transfer.objects.get(idempotency_key=f"order-settle:{order.uuid}")
    assert transfer.amount == 70 and transfer.reference == f"order:{order.uuid}"
    account = Account.objects.get(resident=loop.volunteer.resident, unit=Unit.TIME)
    assert account.balance == 70
    steps = list(order.events.values_list("from_status", "to_status"))
    assert steps == [("", "submitted"), ("submitted", "dispatched"), ("dispatched", "accepted"),
                     ("accepted", "in_service"), ("in_service", "completed"),
                     ("completed", "rated"), ("rated", "settled")]
    assert all(e.actor_id for e in order.events.all()[:6])


def test_requester_paid_service_reserves_on_acceptance_and_pays_actual_minutes(loop):
    from tests.factories import ledger_funded_account

    elder_account = ledger_funded_account(resident=loop.elder, minutes=300)
    order = loop.submit(project=loop.paid_project)
    order = services.order_dispatch(order=order, actor=loop.staff, volunteer=loop.volunteer)
    order = services.order_accept(order=order, actor=loop.volunteer.user)
    elder_account.refresh_from_db()
    assert elder_account.reserved == 120  # the project's default duration
    order = services.order_check_in(order=order, actor=loop.volunteer.user)
    served_for(order, 90)
    order = services.order_complete(order=order, actor=loop.volunteer.user, minutes=90)
    order = services.order_rate(order=order, actor=loop.resident_user, stars=4)
    elder_account.refresh_from_db()
    assert (elder_account.balance, elder_account.reserved) == (210, 0)
    volunteer_account = Account.objects.get(resident=loop.volunteer.resident)
    assert volunteer_account.balance == 90
    assert Reservation.objects.get(reference=order.reference).status == ReservationStatus.SETTLED


def test_requester_paid_service_needs_enough_hours(loop):
    with pytest.raises(ValidationError) as exc:
        loop.submit(project=loop.paid_project)
    assert exc.value.code == "insufficient_funds"


def test_cancelling_an_accepted_paid_order_releases_the_hold(loop):
    from tests.factories import ledger_funded_account

    account = ledger_funded_account(resident=loop.elder, minutes=200)
    order = _reach_paid_accepted(loop)
    services.order_cancel(order=order, actor=loop.resident_user, reason="临时有事")
    account.refresh_from_db()
    assert (account.balance, account.reserved) == (200, 0)


def _reach_paid_accepted(loop):
    order = loop.submit(project=loop.paid_project)
    order = services.order_dispatch(order=order, actor=loop.staff, volunteer=loop.volunteer)
    return services.order_accept(order=order, actor=loop.volunteer.user)


def test_reassigning_an_accepted_paid_order_releases_then_reserves_again(loop):
    from tests.factories import ledger_funded_account

    account = ledger_funded_account(resident=loop.elder, minutes=300)
    order = _reach_paid_accepted(loop)
    other = orders_volunteer(community=loop.world.community, name="李志愿")
    order = services.order_reassign(order=order, actor=loop.staff, volunteer=other)
    account.refresh_from_db()
    assert account.reserved == 0
    services.order_accept(order=order, actor=other.user)
    account.refresh_from_db()
    assert account.reserved == 120
    assert Reservation.objects.filter(reference=order.reference).count() == 2


def test_settlement_happens_once_however_often_confirmation_is_retried(loop):
    order = _reach(loop, "completed")
    order = services.order_rate(order=order, actor=loop.resident_user, stars=5)
    for _ in range(3):
        assert services.order_settle(order=order, actor=loop.staff).status == "settled"
    with pytest.raises(Conflict):
        services.order_rate(order=order, actor=loop.resident_user, stars=3)
    with pytest.raises(Conflict):
        services.order_auto_confirm(order=order, now=FAR_FUTURE)
    assert Transfer.objects.filter(reference=order.reference).count() == 1
    assert Account.objects.get(resident=loop.volunteer.resident).balance == 30


def test_settlement_deferred_by_the_ledger_keeps_the_rating_and_can_be_retried(loop, settings):
    settings.LEDGER_TIME_STORAGE_CAP_MINUTES = 10  # the volunteer's account is nearly full
    order = _reach(loop, "completed")
    order = services.order_rate(order=order, actor=loop.resident_user, stars=5)
    assert order.status == OrderStatus.RATED and order.rating == 5
    settings.LEDGER_TIME_STORAGE_CAP_MINUTES = 1500 * 60
    assert services.order_settle(order=order, actor=loop.staff).status == "settled"


def test_service_time_is_time_actually_served(loop):
    order = _reach(loop, "in_service")
    served_for(order, 20)
    with pytest.raises(ValidationError) as exc:
        services.order_complete(order=order, actor=loop.volunteer.user, minutes=45)
    assert exc.value.field == "minutes"
    order = services.order_complete(order=order, actor=loop.volunteer.user)
    assert order.actual_minutes == 21  # rounded up from the check-in


def test_dispute_resolved_with_fewer_minutes_or_voided(loop):
    order = _reach(loop, "disputed")
    order = services.order_resolve(order=order, actor=loop.staff, pay=True, minutes=10,
                                   note="只服务了10分钟")
    assert order.status == "settled" and order.settled_minutes == 10
    second = _reach(loop, "disputed")
    second = services.order_resolve(order=second, actor=loop.staff, pay=False, note="未上门")
    assert second.status == "cancelled"
    assert not Transfer.objects.filter(reference=second.reference).exists()


def test_refusal_needs_a_reason(loop):
    with pytest.raises(ValidationError):
        services.order_refuse(order=loop.submit(), actor=loop.staff, reason=" ")


# --- roles ---------------------------------------------------------------------------------


def test_family_proxy_orders_for_the_elder(loop):
    from linli.registry.models import BindingStatus, HouseholdBinding

    binding = HouseholdBinding.objects.get(household=loop.household, kind="proxy")
    binding.status = BindingStatus.CONFIRMED
    binding.save()
    order = loop.submit(actor=binding.user)
    assert order.channel == Channel.PROXY and order.beneficiary == loop.elder
    assert order.requested_by == binding.user
    services.order_cancel(order=order, actor=binding.user)


def test_staff_enter_a_phone_order(loop):
    order = loop.submit(actor=loop.staff)
    assert order.channel == Channel.PHONE and order.beneficiary == loop.elder


def test_roles_may_only_make_their_own_moves(loop):
    w = loop.world
    outsider_staff = w.other["community_staff"]
    stranger_volunteer = orders_volunteer(community=w.community, name="路人")
    clerk = w.users["store_clerk"]
    with pytest.raises(PermissionDenied):
        loop.submit(actor=w.other["resident"])  # not their household
    with pytest.raises(PermissionDenied):
        loop.submit(actor=clerk)
    order = loop.submit()
    for actor in (loop.resident_user, outsider_staff, loop.volunteer.user, w.users["auditor"]):
        with pytest.raises(PermissionDenied):
            services.order_dispatch(order=order, actor=actor, volunteer=loop.volunteer)
        with pytest.raises(PermissionDenied):
            services.order_refuse(order=order, actor=actor, reason="x")
    # the street administrator manages every community of the street
    order = services.order_dispatch(order=order, actor=w.users["street_admin"],
                                    volunteer=loop.volunteer)
    with pytest.raises(PermissionDenied):
        services.order_accept(order=order, actor=stranger_volunteer.user)
    with pytest.raises(PermissionDenied):
        services.order_accept(order=order, actor=loop.resident_user)
    with pytest.raises(PermissionDenied):
        services.order_decline(order=order, actor=stranger_volunteer.user)
    order = services.order_accept(order=order, actor=loop.volunteer.user)
    with pytest.raises(PermissionDenied):
        services.order_check_in(order=order, actor=stranger_volunteer.user)
    with pytest.raises(PermissionDenied):
        services.order_cancel(order=order, actor=clerk)
    order = services.order_check_in(order=order, actor=loop.volunteer.user)
    served_for(order, 10)
    with pytest.raises(PermissionDenied):
        services.order_complete(order=order, actor=loop.staff)
    order = services.order_complete(order=order, actor=loop.volunteer.user)
    for actor in (loop.volunteer.user, outsider_staff, clerk, w.other["grid_worker"]):
        with pytest.raises(PermissionDenied):
            services.order_rate(order=order, actor=actor, stars=1)
        with pytest.raises(PermissionDenied):
            services.order_dispute(order=order, actor=actor, reason="x")
    # the grid worker may rate on the elder's behalf
    order = services.order_rate(order=order, actor=w.users["grid_worker"], stars=5)
    assert order.status == "settled"


def test_team_dispatch_lets_members_grab_and_others_not(loop):
    from linli.volunteers.models import Team, TeamMembership

    team = Team.objects.create(street=loop.world.street, community=loop.world.community,
                               name="助老服务队")
    member = orders_volunteer(community=loop.world.community, name="队员")
    TeamMembership.objects.create(team=team, volunteer=member)
    TeamMembership.objects.create(team=team, volunteer=loop.volunteer)
    outsider = orders_volunteer(community=loop.world.community, name="非队员")
    order = services.order_dispatch(order=loop.submit(), actor=loop.staff, team=team)
    with pytest.raises(PermissionDenied):
        services.order_accept(order=order, actor=outsider.user)
    with pytest.raises(Conflict):
        services.order_decline(order=order, actor=member.user)
    order = services.order_accept(order=order, actor=member.user)
    assert order.volunteer == member
    with pytest.raises(Conflict):
        services.order_accept(order=order, actor=loop.volunteer.user)


def test_art15_age_and_health_are_checked_at_dispatch(loop):
    old = orders_volunteer(community=loop.world.community, name="老志愿",
                           birth_date=datetime.date(1950, 1, 1))
    unwell = orders_volunteer(community=loop.world.community, name="带病",
                              health_ok=False)
    from tests.factories import ledger_funded_account

    ledger_funded_account(resident=loop.elder, minutes=300)
    order = loop.submit(project=loop.paid_project)  # 卫生清洁: up to 65, good health
    for volunteer in (old, unwell):
        with pytest.raises(ValidationError):
            services.order_dispatch(order=order, actor=loop.staff, volunteer=volunteer)


def test_decline_timeout_escalation_and_auto_confirm(loop, settings):
    order = services.order_dispatch(order=loop.submit(), actor=loop.staff,
                                    volunteer=loop.volunteer)
    order = services.order_decline(order=order, actor=loop.volunteer.user, reason="生病")
    assert order.status == "submitted" and order.volunteer is None
    order = services.order_dispatch(order=order, actor=loop.staff, volunteer=loop.volunteer)
    later = timezone.now() + datetime.timedelta(minutes=settings.ORDER_ACCEPT_MINUTES + 1)
    assert services.orders_escalate(now=later)["timed_out"] == 1
    order.refresh_from_db()
    assert order.status == "submitted" and order.escalations == 1
    # an order left undispatched too long is flagged once
    waiting = loop.submit()
    flagged = services.orders_escalate(now=timezone.now() + datetime.timedelta(hours=2))
    assert flagged["flagged"] >= 1
    waiting.refresh_from_db()
    assert waiting.escalations == 1
    # a completed order nobody rated is confirmed after N days and settled
    done = _reach(loop, "completed")
    result = services.orders_escalate(
        now=timezone.now() + datetime.timedelta(days=settings.ORDER_AUTO_CONFIRM_DAYS, hours=1))
    assert result["auto_confirmed"] == 1
    done.refresh_from_db()
    assert done.status == "settled" and done.rating is None


def test_periodic_task_times_out_an_offer_nobody_accepted(loop):
    from linli.orders.tasks import orders_escalate_task

    order = services.order_dispatch(order=loop.submit(), actor=loop.staff,
                                    volunteer=loop.volunteer)
    Order.objects.filter(pk=order.pk).update(
        accept_by=timezone.now() - datetime.timedelta(minutes=1))
    orders_escalate_task.call_local()
    order.refresh_from_db()
    assert order.status == OrderStatus.SUBMITTED and order.volunteer is None
    assert order.escalations == 1
    assert order.events.filter(action="time_out").count() == 1


def test_meal_service_order_prepare_assign_deliver(loop):
    from linli.orders import selectors
    from tests.factories import orders_project

    meals = orders_project(loop.world.community, "meals")
    today = timezone.localdate()
    meal = services.meal_order_create(project=meals, household=loop.household,
                                      actor=loop.resident_user, date=today, portions=2,
                                      diet="少盐")
    with pytest.raises(Conflict):
        services.meal_order_create(project=meals, household=loop.household,
                                   actor=loop.resident_user, date=today)
    prep = selectors.meal_preparation(user=loop.staff, day=today)
    assert prep == [{"community__name": "紫轩社区", "meal": "lunch", "diet": "少盐",
                     "portions": 2, "households": 1}]
    rounds = selectors.meal_rounds(user=loop.staff, day=today, meal="lunch")
    assert rounds[0]["building"] == loop.household.building
    count = services.meal_assign(community=loop.world.community, date=today, meal="lunch",
                                 actor=loop.staff, volunteer=loop.volunteer,
                                 building=loop.household.building)
    assert count == 1
    with pytest.raises(Conflict):
        services.meal_order_cancel(meal_order=meal, actor=loop.resident_user)
    meal = services.meal_deliver(meal_order=meal, actor=loop.volunteer.user, delivered=False,
                                 note="敲门无人")
    assert meal.status == "not_home"
    with pytest.raises(Conflict):
        services.meal_deliver(meal_order=meal, actor=loop.volunteer.user, delivered=True)


def test_notifications_follow_commit(loop, django_capture_on_commit_callbacks):
    from linli.notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        order = services.order_dispatch(order=loop.submit(), actor=loop.staff,
                                        volunteer=loop.volunteer)
    assert Notification.objects.filter(user=loop.volunteer.user).exists()
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        services.order_accept(order=order, actor=loop.volunteer.user)
    notice = Notification.objects.get(user=loop.resident_user)
    assert notice.title == "志愿者将上门"
    assert "王志愿" in notice.body


def test_other_grid_worker_and_resident_cannot_order_here(loop):
    w = loop.world
    outsider = user_with_role("grid_worker", w.other_grid)
    with pytest.raises(PermissionDenied):
        loop.submit(actor=outsider)


def _served_and_settled(loop, minutes: int) -> Order:
    order = _reach(loop, "in_service")
    served_for(order, minutes)
    order = services.order_complete(order=order, actor=loop.volunteer.user, minutes=minutes)
    order = services.order_rate(order=order, actor=loop.resident_user, stars=5)
    services.order_settle(order=order, actor=loop.staff)
    return order


def test_settlement_awards_the_project_points_to_the_volunteer_household_once(loop):
    from linli.points.models import Award

    order = _served_and_settled(loop, 60)  # 精神慰藉: 3 points for its full 60 minutes
    services.order_settle(order=order, actor=loop.staff)
    award = Award.objects.get(source_reference=order.reference)
    assert award.points == loop.project.points == 3
    assert award.household == loop.volunteer.resident.household


def test_a_switched_off_award_rule_settles_the_hours_without_points(loop):
    """The award rule is the points bank's: when staff switch it off, a settled service pays
    its hours and awards nothing, and settling never changes or adds a rule."""
    from linli.points.models import Award, AwardRule

    first = _served_and_settled(loop, 60)
    assert Award.objects.filter(source_reference=first.reference).count() == 1
    rules = list(AwardRule.objects.order_by("id").values_list("id", "code", "active"))
    AwardRule.objects.filter(community_id=loop.volunteer.resident.household.community_id,
                             code=services.POINTS_RULE).update(active=False)
    second = _served_and_settled(loop, 60)
    assert second.status == OrderStatus.SETTLED and second.settled_minutes == 60
    assert not Award.objects.filter(source_reference=second.reference).exists()
    assert [(pk, code) for pk, code, _active in rules] == list(
        AwardRule.objects.order_by("id").values_list("id", "code"))


@pytest.mark.parametrize(("minutes", "points"), [(5, 0), (19, 0), (20, 1), (30, 1), (45, 2),
                                                 (90, 3)])
def test_points_scale_with_the_minutes_served(loop, minutes, points):
    """Half the service earns half the points (rounded down); a short visit earns none and
    staying longer earns no more than the full service."""
    from linli.points.models import Award

    order = _served_and_settled(loop, minutes)
    assert order.project.points == 3 and order.expected_minutes == 60
    awarded = Award.objects.filter(source_reference=order.reference).values_list("points",
                                                                                 flat=True)
    assert list(awarded) == ([points] if points else [])
