"""Service honesty: a volunteer checks in only around the booked time, states minutes within
what the clock allows, cannot finish before the visit unless staff confirmed an early visit, and
a check-in far from the address is flagged for staff. Points follow the time served
(test_transitions.py::test_points_scale_with_the_minutes_served)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from linli.common.exceptions import PermissionDenied, ValidationError
from linli.orders import services
from linli.orders.models import Order, OrderStatus
from tests.orders.conftest import served_for

pytestmark = pytest.mark.django_db


def _accepted(loop, *, start_in_minutes: int, hours: int = 2) -> Order:
    start = timezone.now() + datetime.timedelta(minutes=start_in_minutes)
    order = loop.submit(slot=(start, start + datetime.timedelta(hours=hours)))
    order = services.order_dispatch(order=order, actor=loop.staff, volunteer=loop.volunteer)
    return services.order_accept(order=order, actor=loop.volunteer.user)


# --- the check-in window ---------------------------------------------------------------------


def test_check_in_a_day_before_the_visit_is_refused_and_says_when_it_opens(loop):
    order = _accepted(loop, start_in_minutes=27 * 60)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        services.order_check_in(order=order, actor=loop.volunteer.user)
    opens = timezone.localtime(order.slot_start - datetime.timedelta(minutes=30))
    assert exc.value.code == "checkin_not_open"
    assert exc.value.message.startswith("签到将于 ")
    assert f"{opens:%H:%M}" in exc.value.message and "前 30 分钟" in exc.value.message
    order.refresh_from_db()
    assert order.status == OrderStatus.ACCEPTED and order.checked_in_at is None


def test_check_in_opens_shortly_before_the_slot_and_closes_after_it(loop, settings):
    settings.ORDERS_CHECKIN_OPENS_MINUTES = 30
    settings.ORDERS_CHECKIN_CLOSES_MINUTES = 60
    order = _accepted(loop, start_in_minutes=45)
    with pytest.raises(ValidationError):
        services.order_check_in(order=order, actor=loop.volunteer.user)
    early_ok = services.order_check_in(order=order, actor=loop.volunteer.user,
                                       now=order.slot_start - datetime.timedelta(minutes=29))
    assert early_ok.status == OrderStatus.IN_SERVICE
    late = _accepted(loop, start_in_minutes=60 * 24)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        services.order_check_in(order=late, actor=loop.volunteer.user,
                                now=late.slot_end + datetime.timedelta(minutes=61))
    assert exc.value.code == "checkin_closed" and "请联系社区工作人员" in exc.value.message
    done = services.order_check_in(order=late, actor=loop.volunteer.user,
                                   now=late.slot_end + datetime.timedelta(minutes=59))
    assert done.status == OrderStatus.IN_SERVICE


def test_the_check_in_window_is_shown_on_the_page_and_refusal_is_a_message(client, loop):
    order = _accepted(loop, start_in_minutes=27 * 60)
    client.force_login(loop.volunteer.user)
    page = client.get(f"/orders/{order.uuid}/").content.decode()
    assert "签到开放时间：" in page
    response = client.post(f"/orders/{order.uuid}/check_in/", follow=True)
    assert "签到将于 " in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.ACCEPTED


# --- where the volunteer checked in -----------------------------------------------------------


def _locate_building(loop, lat="31.230400", lng="121.473700"):
    building = loop.household.building
    building.latitude, building.longitude = Decimal(lat), Decimal(lng)
    building.save(update_fields=["latitude", "longitude"])


def test_a_check_in_far_from_the_address_is_flagged_for_staff_not_refused(client, loop):
    _locate_building(loop)
    order = _accepted(loop, start_in_minutes=5)
    # about 1.1 km north of the building
    order = services.order_check_in(order=order, actor=loop.volunteer.user,
                                    latitude=31.2404, longitude=121.4737)
    assert order.status == OrderStatus.IN_SERVICE
    assert order.checkin_far and 1000 < order.checkin_distance_m < 1200
    client.force_login(loop.staff)
    page = client.get(f"/orders/{order.uuid}/").content.decode()
    assert "签到位置偏远" in page and f"距服务地址 {order.checkin_distance_m} 米" in page
    board = client.get("/workbench/orders/?status=far").content.decode()
    assert f"/orders/{order.uuid}/" in board
    near = _accepted(loop, start_in_minutes=6)
    near = services.order_check_in(order=near, actor=loop.volunteer.user,
                                   latitude=31.2306, longitude=121.4737)  # about 22 m
    assert not near.checkin_far and near.checkin_distance_m < 50
    board = client.get("/workbench/orders/?status=far").content.decode()
    assert f"/orders/{near.uuid}/" not in board
    # the resident does not see the staff flag
    client.force_login(loop.resident_user)
    assert "签到位置偏远" not in client.get(f"/orders/{order.uuid}/").content.decode()


def test_the_page_posts_the_phone_location_with_the_check_in(client, loop):
    _locate_building(loop)
    order = _accepted(loop, start_in_minutes=5)
    client.force_login(loop.volunteer.user)
    page = client.get(f"/orders/{order.uuid}/").content.decode()
    assert "data-geolocate" in page and 'name="latitude"' in page
    client.post(f"/orders/{order.uuid}/check_in/", {"latitude": "31.2500",
                                                     "longitude": "121.4737"})
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_SERVICE and order.checkin_far


def test_without_building_coordinates_or_a_location_nothing_is_flagged(loop):
    order = _accepted(loop, start_in_minutes=5)  # the building has no coordinates
    order = services.order_check_in(order=order, actor=loop.volunteer.user,
                                    latitude=40.0, longitude=116.0)
    assert not order.checkin_far and order.checkin_distance_m is None
    assert order.checkin_latitude == Decimal("40.000000")


@pytest.mark.parametrize(("lat", "lng"), [(31.2, None), (None, 121.4), (91, 121.4),
                                          (31.2, 181), ("x", 1)])
def test_a_half_or_impossible_location_is_refused_clearly(loop, lat, lng):
    order = _accepted(loop, start_in_minutes=5)
    with pytest.raises(ValidationError) as exc:
        services.order_check_in(order=order, actor=loop.volunteer.user, latitude=lat,
                                longitude=lng)
    assert exc.value.field in ("latitude", "longitude")


def test_the_api_takes_the_location_and_reports_the_flag(client, loop):
    import json

    _locate_building(loop)
    order = _accepted(loop, start_in_minutes=5)
    client.force_login(loop.volunteer.user)
    r = client.post(f"/api/v1/orders/{order.uuid}/check-in",
                    data=json.dumps({"latitude": 31.25, "longitude": 121.4737}),
                    content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["checkin_far"] is True and r.json()["checkin_distance_m"] > 2000
    early = _accepted(loop, start_in_minutes=27 * 60)
    r = client.post(f"/api/v1/orders/{early.uuid}/check-in", data="{}",
                    content_type="application/json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "checkin_not_open"


# --- completion -------------------------------------------------------------------------------


def test_completion_needs_the_minimum_and_stays_within_the_time_since_check_in(loop):
    order = _accepted(loop, start_in_minutes=-10)
    order = services.order_check_in(order=order, actor=loop.volunteer.user)
    served_for(order, 1)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        services.order_complete(order=order, actor=loop.volunteer.user)
    assert exc.value.code == "too_short" and "至少需要 5 分钟" in exc.value.message
    served_for(order, 40)
    for minutes in (1, 4, 42):
        with pytest.raises(ValidationError) as exc:
            services.order_complete(order=order, actor=loop.volunteer.user, minutes=minutes)
        assert exc.value.field == "minutes"
    order = services.order_complete(order=order, actor=loop.volunteer.user, minutes=5)
    assert order.actual_minutes == 5


def test_a_long_forgotten_check_out_is_capped(loop, settings):
    settings.ORDERS_MAX_SERVICE_MINUTES = 480
    order = _accepted(loop, start_in_minutes=-10)
    order = services.order_check_in(order=order, actor=loop.volunteer.user)
    served_for(order, 20 * 60)
    order = services.order_complete(order=order, actor=loop.volunteer.user)
    assert order.actual_minutes == 480


def test_no_completion_before_the_slot_starts_unless_staff_confirm(client, loop):
    order = _accepted(loop, start_in_minutes=20)  # check-in is open: 30 minutes before
    order = services.order_check_in(order=order, actor=loop.volunteer.user)
    served_for(order, 15)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        services.order_complete(order=order, actor=loop.volunteer.user, minutes=15)
    assert exc.value.code == "before_slot" and "社区工作人员确认提前上门" in exc.value.message
    client.force_login(loop.volunteer.user)
    page = client.get(f"/orders/{order.uuid}/").content.decode()
    assert "届时才能圆单" in page
    assert 'min="5"' in page and 'max="16"' in page and "5 到 16 分钟之间" in page
    # the volunteer cannot confirm it for themself; staff can
    with pytest.raises(PermissionDenied):
        services.order_confirm_early(order=order, actor=loop.volunteer.user)
    with pytest.raises(PermissionDenied):
        services.order_confirm_early(order=order, actor=loop.resident_user)
    client.force_login(loop.staff)
    client.post(f"/orders/{order.uuid}/confirm_early/", {"note": "老人临时要求提前"})
    order.refresh_from_db()
    assert order.early_confirmed_by == loop.staff
    assert order.events.filter(action="confirm_early").get().note == "老人临时要求提前"
    order = services.order_complete(order=order, actor=loop.volunteer.user, minutes=15)
    assert order.status == OrderStatus.COMPLETED and order.actual_minutes == 15


def test_staff_confirmation_lets_the_volunteer_check_in_early(loop):
    order = _accepted(loop, start_in_minutes=3 * 60)
    with pytest.raises(ValidationError):
        services.order_check_in(order=order, actor=loop.volunteer.user)
    services.order_confirm_early(order=order, actor=loop.staff)
    order = services.order_check_in(order=order, actor=loop.volunteer.user)
    assert order.status == OrderStatus.IN_SERVICE
