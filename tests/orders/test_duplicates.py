"""The same service for the same household and time cannot be ordered twice; an open order of
the same service at an overlapping time is a warning the person confirms."""

import datetime
import json

import pytest
from django.utils import timezone, translation

from linli.common.exceptions import Conflict
from linli.orders import services
from linli.orders.models import Order
from tests.factories import orders_project, orders_slot

pytestmark = pytest.mark.django_db


def _submit(loop, slot, **kwargs):
    start, end = slot
    return services.order_submit(project=loop.project, household=loop.household,
                                 actor=loop.resident_user, slot_start=start, slot_end=end,
                                 **kwargs)


def test_an_exact_duplicate_is_refused_naming_the_existing_order(loop):
    slot = orders_slot(days=1, hour=9)
    first = _submit(loop, slot)
    with translation.override("zh-hans"), pytest.raises(Conflict) as exc:
        _submit(loop, slot, overlap_confirmed=True)  # confirming does not help
    assert exc.value.code == "duplicate"
    start = timezone.localtime(first.slot_start)
    assert "精神慰藉" in exc.value.message and "不能重复下单" in exc.value.message
    assert f"{start:%H:%M}" in exc.value.message and "待派单" in exc.value.message
    assert Order.objects.count() == 1


def test_after_cancelling_the_same_slot_may_be_ordered_again(loop):
    slot = orders_slot(days=1, hour=9)
    first = _submit(loop, slot)
    services.order_cancel(order=first, actor=loop.resident_user)
    second = _submit(loop, slot)
    assert second.pk != first.pk


def test_an_overlapping_order_of_the_same_service_needs_confirmation(loop):
    _submit(loop, orders_slot(days=1, hour=9))
    later = orders_slot(days=1, hour=10)  # 10–12 overlaps 9–11
    with translation.override("zh-hans"), pytest.raises(Conflict) as exc:
        _submit(loop, later)
    assert exc.value.code == "overlap" and "确定还要再下一单吗" in exc.value.message
    assert Order.objects.count() == 1
    second = _submit(loop, later, overlap_confirmed=True)
    assert Order.objects.count() == 2 and second.slot_start == later[0]
    # another service, or a time that does not overlap, needs no confirmation
    services.order_submit(project=orders_project(loop.world.community, "haircut"),
                          household=loop.household, actor=loop.resident_user,
                          slot_start=later[0], slot_end=later[1])
    _submit(loop, orders_slot(days=1, hour=14))
    assert Order.objects.count() == 4


def test_the_order_page_warns_and_asks_before_an_overlapping_order(client, loop):
    from linli.orders.views import _slots

    slots = _slots()
    first_slot = slots[0]
    services.order_submit(project=loop.project, household=loop.household,
                          actor=loop.resident_user, slot_start=first_slot["start"],
                          slot_end=first_slot["end"])
    client.force_login(loop.resident_user)
    base = f"/orders/new/?household={loop.household.uuid}&project={loop.project.uuid}"
    # exactly the same: no button to order, a link to the existing order
    page = client.get(f"{base}&slot={first_slot['key']}").content.decode()
    existing = Order.objects.get()
    assert "您已预约过这个时段的精神慰藉" in page and f"/orders/{existing.uuid}/" in page
    assert "确认下单" not in page and "仍然下单" not in page
    response = client.post("/orders/new/", {"household": loop.household.uuid,
                                            "project": loop.project.uuid,
                                            "slot": first_slot["key"]})
    assert response.status_code == 302 and "/orders/new/?" in response["Location"]
    assert Order.objects.count() == 1


def test_the_page_confirms_an_overlap_and_uses_post_redirect_get(client, loop):
    from linli.orders.views import _slots

    slot = _slots()[0]
    # an open order of the same service that overlaps the slot, one hour earlier
    start = slot["start"] - datetime.timedelta(hours=1)
    services.order_submit(project=loop.project, household=loop.household,
                          actor=loop.resident_user, slot_start=start,
                          slot_end=start + datetime.timedelta(hours=2))
    client.force_login(loop.resident_user)
    data = {"household": loop.household.uuid, "project": loop.project.uuid,
            "slot": slot["key"]}
    page = client.get("/orders/new/", data).content.decode()
    assert "您已有一个时间重叠的精神慰藉订单" in page and "仍然下单" in page
    assert 'name="confirm_overlap" value="1"' in page
    # without the confirmation (an old form): back to the confirm step by GET, nothing made
    response = client.post("/orders/new/", data)
    assert response.status_code == 302
    follow = client.get(response["Location"]).content.decode()
    assert "确定还要再下一单吗" in follow and "仍然下单" in follow
    assert Order.objects.count() == 1
    response = client.post("/orders/new/", {**data, "confirm_overlap": "1"})
    assert response.status_code == 302 and Order.objects.count() == 2


def test_the_api_answers_409_with_a_code_for_duplicates_and_overlaps(client, loop):
    start, end = orders_slot(days=1, hour=9)
    body = {"project": str(loop.project.uuid), "household": str(loop.household.uuid),
            "slot_start": start.isoformat(), "slot_end": end.isoformat()}
    client.force_login(loop.resident_user)

    def post(payload):
        return client.post("/api/v1/orders", data=json.dumps(payload),
                           content_type="application/json")

    assert post(body).status_code == 201
    r = post(body)
    assert r.status_code == 409 and r.json()["error"]["code"] == "duplicate"
    later_start, later_end = orders_slot(days=1, hour=10)
    later = {**body, "slot_start": later_start.isoformat(), "slot_end": later_end.isoformat()}
    r = post(later)
    assert r.status_code == 409 and r.json()["error"]["code"] == "overlap"
    assert post({**later, "confirm_overlap": True}).status_code == 201


def test_the_database_refuses_an_open_duplicate_even_past_the_service(loop):
    from django.db import IntegrityError, transaction

    first = _submit(loop, orders_slot(days=2, hour=9))
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.create(project=first.project, community=first.community,
                             household=first.household, beneficiary=first.beneficiary,
                             slot_start=first.slot_start, slot_end=first.slot_end,
                             funding=first.funding, expected_minutes=60)


def test_a_phone_order_that_overlaps_asks_staff_to_tick_a_box(client, loop):
    from linli.orders.views import _slots

    slot = _slots()[0]
    start = slot["start"] - datetime.timedelta(hours=1)
    services.order_submit(project=loop.project, household=loop.household,
                          actor=loop.resident_user, slot_start=start,
                          slot_end=start + datetime.timedelta(hours=2))
    client.force_login(loop.staff)
    data = {"household": loop.household.uuid, "project": loop.project.uuid,
            "slot": slot["key"], "beneficiary": loop.elder.uuid, "note": "老人来电"}
    page = client.post("/workbench/orders/phone/", data).content.decode()
    assert "确定还要再下一单吗" in page and 'name="confirm_overlap"' in page
    assert 'value="老人来电"' in page  # what staff typed is kept
    assert Order.objects.count() == 1
    response = client.post("/workbench/orders/phone/", {**data, "confirm_overlap": "1"})
    assert response.status_code == 302 and Order.objects.count() == 2
