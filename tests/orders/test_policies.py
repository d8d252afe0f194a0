"""Who may act is decided inside each service: called directly with the wrong person, every
state-changing service in orders refuses (PermissionDenied) and changes nothing — whatever page
or API function would have called it."""

import pytest
from django.utils import timezone

from linli.common.exceptions import PermissionDenied
from linli.orders import services
from linli.orders.models import MealOrder, Order, OrderEvent
from tests.factories import (
    orders_meal,
    orders_order,
    orders_project,
    orders_slot,
    orders_volunteer,
    points_png,
    registry_world,
)

pytestmark = pytest.mark.django_db


def _people(world):
    """Everyone who may be refused, by a readable key."""
    stranger = orders_volunteer(community=world.community, name="路人志愿")
    return {
        "resident": world.users["resident"],
        "volunteer": world.users["volunteer"],
        "stranger_volunteer": stranger.user,
        "grid_worker": world.users["grid_worker"],
        "community_staff": world.users["community_staff"],
        "store_clerk": world.users["store_clerk"],
        "auditor": world.users["auditor"],
        "other_staff": world.other["community_staff"],
        "other_grid_worker": world.other["grid_worker"],
        "other_resident": world.other["resident"],
    }


STAFF_ONLY_REFUSED = ("resident", "volunteer", "grid_worker", "store_clerk", "auditor",
                      "other_staff")
VOLUNTEER_ONLY_REFUSED = ("resident", "stranger_volunteer", "grid_worker", "community_staff",
                          "store_clerk", "other_staff")
HOUSEHOLD_REFUSED = ("volunteer", "stranger_volunteer", "store_clerk", "auditor", "other_staff",
                     "other_grid_worker", "other_resident")

#: action -> (state the order is in, the call, who is refused)
CASES = {
    "refuse": ("submitted", lambda o, a: services.order_refuse(order=o, actor=a, reason="不符"),
               STAFF_ONLY_REFUSED),
    "dispatch": ("submitted", lambda o, a: services.order_dispatch(
        order=o, actor=a, volunteer=_world_volunteer(o)), STAFF_ONLY_REFUSED),
    "reassign": ("dispatched", lambda o, a: services.order_reassign(
        order=o, actor=a, volunteer=_world_volunteer(o)), STAFF_ONLY_REFUSED),
    "accept": ("dispatched", lambda o, a: services.order_accept(order=o, actor=a),
               VOLUNTEER_ONLY_REFUSED),
    "decline": ("dispatched", lambda o, a: services.order_decline(order=o, actor=a),
                VOLUNTEER_ONLY_REFUSED),
    "check_in": ("accepted", lambda o, a: services.order_check_in(order=o, actor=a),
                 VOLUNTEER_ONLY_REFUSED),
    "complete": ("in_service", lambda o, a: services.order_complete(order=o, actor=a,
                                                                    minutes=30),
                 VOLUNTEER_ONLY_REFUSED),
    "photo": ("in_service", lambda o, a: services.order_photo_attach(order=o, actor=a,
                                                                     photo=points_png()),
              VOLUNTEER_ONLY_REFUSED),
    "confirm_early": ("accepted", lambda o, a: services.order_confirm_early(order=o, actor=a),
                      STAFF_ONLY_REFUSED),
    "rate": ("completed", lambda o, a: services.order_rate(order=o, actor=a, stars=5),
             HOUSEHOLD_REFUSED),
    "dispute": ("completed", lambda o, a: services.order_dispute(order=o, actor=a,
                                                                 reason="没来"),
                HOUSEHOLD_REFUSED),
    "resolve": ("disputed", lambda o, a: services.order_resolve(order=o, actor=a, pay=True,
                                                                note="照付"),
                STAFF_ONLY_REFUSED),
    "settle": ("rated", lambda o, a: services.order_settle(order=o, actor=a),
               STAFF_ONLY_REFUSED),
    "cancel": ("dispatched", lambda o, a: services.order_cancel(order=o, actor=a),
               HOUSEHOLD_REFUSED),
}


def _world_volunteer(order):
    from linli.volunteers.models import Volunteer

    return Volunteer.objects.filter(community=order.community).order_by("id").first()


@pytest.mark.parametrize("action", sorted(CASES))
def test_each_order_service_refuses_whoever_may_not_act(world, action):
    state, call, refused = CASES[action]
    people = _people(world)
    order = orders_order(world, "a", state=state)
    before = Order.objects.filter(pk=order.pk).values().get()
    events = OrderEvent.objects.filter(order=order).count()
    for key in refused:
        with pytest.raises(PermissionDenied) as exc:
            call(Order.objects.get(pk=order.pk), people[key])
        assert exc.value.message, (action, key)
    assert Order.objects.filter(pk=order.pk).values().get() == before
    assert OrderEvent.objects.filter(order=order).count() == events


def test_settle_names_who_may_settle(world):
    from django.utils import translation

    order = orders_order(world, "a", state="rated")
    with translation.override("zh-hans"), pytest.raises(PermissionDenied) as exc:
        services.order_settle(order=order, actor=world.users["resident"])
    assert exc.value.message == "只有社区工作人员可以结算此订单。"


def test_submit_is_refused_for_people_outside_the_household(world):
    household = registry_world(world)["a"]["household"]
    project = orders_project(world.community)
    start, end = orders_slot()
    people = _people(world)
    for key in ("volunteer", "store_clerk", "auditor", "other_staff", "other_grid_worker",
                "other_resident"):
        with pytest.raises(PermissionDenied):
            services.order_submit(project=project, household=household, actor=people[key],
                                  slot_start=start, slot_end=end)
    assert not Order.objects.exists()


def test_meal_services_refuse_whoever_may_not_act(world):
    people = _people(world)
    household = registry_world(world)["a"]["household"]
    meals = orders_project(world.community, "meals")
    for key in ("volunteer", "store_clerk", "other_staff", "other_resident"):
        with pytest.raises(PermissionDenied):
            services.meal_order_create(project=meals, household=household, actor=people[key],
                                       date=timezone.localdate())
    waiting = orders_meal(world, "a", assign=False)
    for key in ("volunteer", "grid_worker", "store_clerk", "other_staff"):
        with pytest.raises(PermissionDenied):
            services.meal_order_cancel(meal_order=waiting, actor=people[key])
    volunteer = orders_volunteer(community=world.community, user=world.users["volunteer"])
    for key in ("resident", "volunteer", "grid_worker", "other_staff"):
        with pytest.raises(PermissionDenied):
            services.meal_assign(community=world.community, date=waiting.date,
                                 meal=waiting.meal, actor=people[key], volunteer=volunteer)
    assert MealOrder.objects.get(pk=waiting.pk).status == "ordered"
    out = orders_meal(world, "a")
    for key in ("resident", "stranger_volunteer", "grid_worker", "other_staff"):
        with pytest.raises(PermissionDenied):
            services.meal_deliver(meal_order=out, actor=people[key], delivered=True)
    assert MealOrder.objects.get(pk=out.pk).status == "assigned"


def test_catalogue_services_refuse_everyone_but_the_community_staff(world):
    people = _people(world)
    project = orders_project(world.community)
    for key in ("resident", "volunteer", "grid_worker", "store_clerk", "other_staff"):
        with pytest.raises(PermissionDenied):
            services.project_create(community=world.community, code=f"x-{key[:8]}",
                                    name="新服务", actor=people[key])
        with pytest.raises(PermissionDenied):
            services.project_update(project=project, actor=people[key], points=99)
        with pytest.raises(PermissionDenied):
            services.project_catalogue_ensure(community=world.community, actor=people[key])
    project.refresh_from_db()
    assert project.points == 3


# --- through the page and the API --------------------------------------------------------------


def test_a_resident_posting_settle_on_the_page_is_refused_and_nothing_changes(client, world):
    from linli.ledger.models import Transfer

    order = orders_order(world, "a", state="rated")
    client.force_login(world.users["resident"])
    response = client.post(f"/orders/{order.uuid}/settle/")
    assert response.status_code == 403
    assert "只有社区工作人员可以结算此订单。" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "rated" and order.settled_at is None
    assert not Transfer.objects.filter(reference=order.reference).exists()
    # the page offers the resident no settle button in the first place
    page = client.get(f"/orders/{order.uuid}/").content.decode()
    assert f"/orders/{order.uuid}/settle/" not in page
    # staff may
    client.force_login(world.users["community_staff"])
    assert client.post(f"/orders/{order.uuid}/settle/").status_code == 302
    order.refresh_from_db()
    assert order.status == "settled"


def test_a_resident_calling_settle_through_the_api_is_refused(client, world):
    order = orders_order(world, "a", state="rated")
    client.force_login(world.users["resident"])
    response = client.post(f"/api/v1/orders/{order.uuid}/settle", content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    order.refresh_from_db()
    assert order.status == "rated"


def test_a_transition_address_opened_by_get_goes_back_to_the_order(client, world):
    order = orders_order(world, "a")
    client.force_login(world.users["resident"])
    response = client.get(f"/orders/{order.uuid}/rate/")
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.uuid}/"


def test_the_photo_service_refuses_an_image_that_is_not_one(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from linli.common.exceptions import ValidationError

    order = orders_order(world, "a", state="in_service")
    with pytest.raises(ValidationError) as exc:
        services.order_photo_attach(order=order, actor=world.users["volunteer"],
                                    photo=SimpleUploadedFile("x.png", b"not a picture"))
    assert exc.value.field == "photo"
