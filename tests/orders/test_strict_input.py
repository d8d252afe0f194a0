"""Orders API input is strict (issue 12 item 7): slot times are ISO 8601 text from 2000 to
2099, dates YYYY-MM-DD text, minutes, stars, portions and catalogue figures JSON integers,
the check-in location JSON numbers. Each refusal is a 422 naming the field; nothing changes."""

import pytest
from django.utils import timezone

from linli.orders.models import MealOrder, Order, ServiceProject
from tests.factories import orders_order, orders_slot_now
from tests.strict_input import BAD_DATES, BAD_DATETIMES, BAD_INTS, assert_refused, post

pytestmark = pytest.mark.django_db


def _order_body(loop, **change):
    start, end = orders_slot_now()
    return {"project": str(loop.project.uuid), "household": str(loop.household.uuid),
            "slot_start": start.isoformat(), "slot_end": end.isoformat(), **change}


@pytest.mark.parametrize("field", ["slot_start", "slot_end"])
@pytest.mark.parametrize("value", BAD_DATETIMES)
def test_order_slot_times_must_be_iso_text_in_range(client, loop, field, value):
    client.force_login(loop.resident_user)
    response = post(client, "post", "/api/v1/orders", _order_body(loop, **{field: value}))
    assert_refused(response, field)
    assert not Order.objects.exists()


def test_a_good_order_is_still_taken(client, loop):
    client.force_login(loop.resident_user)
    response = post(client, "post", "/api/v1/orders", _order_body(loop))
    assert response.status_code == 201, response.content
    assert timezone.is_aware(Order.objects.get().slot_start)


def _meal(loop, **change):
    day = (timezone.localdate() + timezone.timedelta(days=2)).isoformat()
    return {"household": str(loop.household.uuid), "date": day, "portions": 1, **change}


@pytest.mark.parametrize("value", BAD_DATES)
def test_meal_dates_must_be_dates_in_range(client, loop, value):
    client.force_login(loop.resident_user)
    assert_refused(post(client, "post", "/api/v1/meals", _meal(loop, date=value)), "date")
    assert not MealOrder.objects.exists()


@pytest.mark.parametrize("value", BAD_INTS)
def test_meal_portions_must_be_json_integers(client, loop, value):
    client.force_login(loop.resident_user)
    assert_refused(post(client, "post", "/api/v1/meals", _meal(loop, portions=value)),
                   "portions")
    assert not MealOrder.objects.exists()


@pytest.mark.parametrize("value", BAD_INTS)
def test_stars_must_be_json_integers(client, loop, value):
    order = orders_order(loop.world, "a")
    client.force_login(loop.resident_user)
    assert_refused(post(client, "post", f"/api/v1/orders/{order.uuid}/rate",
                        {"stars": value}), "stars")
    order.refresh_from_db()
    assert order.rating is None


@pytest.mark.parametrize("value", ["30", True, 30.5])
def test_catalogue_minutes_must_be_json_integers(client, loop, value):
    client.force_login(loop.staff)
    before = ServiceProject.objects.get(pk=loop.project.pk).default_minutes
    response = post(client, "patch", f"/api/v1/orders/projects/{loop.project.uuid}",
                    {"default_minutes": value})
    assert_refused(response, "default_minutes")
    assert ServiceProject.objects.get(pk=loop.project.pk).default_minutes == before


@pytest.mark.parametrize("value", ["30.5", True, float("nan")])
def test_check_in_location_must_be_numbers(client, loop, value):
    order = orders_order(loop.world, "a")
    client.force_login(loop.volunteer.user)
    response = client.post(f"/api/v1/orders/{order.uuid}/check-in",
                           data='{"latitude": %s, "longitude": 120.1}' % (
                               "NaN" if value != value else __import__("json").dumps(value)),
                           content_type="application/json")
    assert response.status_code in (400, 422)
    order.refresh_from_db()
    assert order.checked_in_at is None


@pytest.mark.parametrize("body", ["null", "[null, null]", "5", '"cancel"'])
def test_a_body_that_is_not_an_object_changes_nothing(client, loop, body):
    order = orders_order(loop.world, "a")
    status = order.status
    client.force_login(loop.resident_user)
    response = client.post(f"/api/v1/orders/{order.uuid}/cancel", data=body,
                           content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    order.refresh_from_db()
    assert order.status == status


def test_check_in_takes_no_body_or_an_object_but_not_null(client, loop):
    from linli.orders.models import OrderStatus

    order = orders_order(loop.world, "a")
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.ACCEPTED)
    start, end = orders_slot_now()
    Order.objects.filter(pk=order.pk).update(slot_start=start, slot_end=end)
    client.force_login(loop.volunteer.user)
    url = f"/api/v1/orders/{order.uuid}/check-in"
    refused = client.post(url, data="null", content_type="application/json")
    assert refused.status_code == 422
    assert Order.objects.get(pk=order.pk).checked_in_at is None
    done = client.generic("POST", url)  # no body, no Content-Type
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "in_service"


@pytest.mark.parametrize("value", [0, 1, "true", "yes", None])
def test_catalogue_switches_must_be_json_booleans(client, loop, value):
    client.force_login(loop.staff)
    response = post(client, "patch", f"/api/v1/orders/projects/{loop.project.uuid}",
                    {"active": value})
    assert_refused(response, "active")
    assert ServiceProject.objects.get(pk=loop.project.pk).active is True
