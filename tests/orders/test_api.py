"""The order loop through the JSON API, as a mobile client would walk it."""

import json

import pytest

from tests.orders.conftest import served_for

pytestmark = pytest.mark.django_db


def _post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def test_the_loop_through_the_api(client, loop):
    from tests.factories import orders_slot_now

    start, end = orders_slot_now()  # the visit is now: check-in is open
    client.force_login(loop.resident_user)
    projects = client.get("/api/v1/orders/projects").json()
    company = next(p for p in projects if p["code"] == "company")
    r = _post(client, "/api/v1/orders", {"project": company["uuid"],
                                         "household": str(loop.household.uuid),
                                         "slot_start": start.isoformat(),
                                         "slot_end": end.isoformat()})
    assert r.status_code == 201, r.content
    uuid = r.json()["uuid"]
    assert r.json()["status"] == "submitted" and r.json()["channel"] == "self"

    client.force_login(loop.staff)
    board = client.get("/api/v1/orders/board").json()
    assert [o["uuid"] for o in board["items"]] == [uuid]
    candidates = client.get(f"/api/v1/orders/{uuid}/candidates").json()
    assert candidates[0]["reasons"]
    r = _post(client, f"/api/v1/orders/{uuid}/dispatch", {"volunteer": candidates[0]["volunteer"]})
    assert r.status_code == 200 and r.json()["status"] == "dispatched"
    assert _post(client, f"/api/v1/orders/{uuid}/dispatch",
                 {"volunteer": candidates[0]["volunteer"]}).status_code == 409

    client.force_login(loop.volunteer.user)
    offers = client.get("/api/v1/orders/offers").json()
    assert [o["uuid"] for o in offers] == [uuid]
    assert _post(client, f"/api/v1/orders/{uuid}/accept").json()["status"] == "accepted"
    assert _post(client, f"/api/v1/orders/{uuid}/check-in").json()["status"] == "in_service"
    from linli.orders.models import Order

    served_for(Order.objects.get(uuid=uuid), 50)
    r = _post(client, f"/api/v1/orders/{uuid}/complete", {"minutes": 45, "note": "陪聊"})
    assert r.json()["actual_minutes"] == 45
    r = _post(client, f"/api/v1/orders/{uuid}/complete", {"minutes": 45})
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"

    client.force_login(loop.resident_user)
    r = _post(client, f"/api/v1/orders/{uuid}/rate", {"stars": 5, "comment": "谢谢"})
    body = r.json()
    assert body["status"] == "settled" and body["settled_minutes"] == 45
    assert [e["to_status"] for e in body["events"]][-2:] == ["rated", "settled"]
    r = _post(client, f"/api/v1/orders/{uuid}/rate", {"stars": 5})
    assert r.status_code == 409

    statement = client.get("/api/v1/orders").json()
    assert statement["count"] == 1


def test_out_of_scope_orders_are_not_found(client, world):
    from tests.factories import orders_order

    order = orders_order(world, "b")
    for user in (world.users["community_staff"], world.users["resident"],
                 world.users["volunteer"]):
        client.force_login(user)
        assert client.get(f"/api/v1/orders/{order.uuid}").status_code == 404
    client.force_login(world.users["street_admin"])
    assert client.get(f"/api/v1/orders/{order.uuid}").status_code == 200


def test_strict_inputs(client, loop):
    client.force_login(loop.resident_user)
    from tests.factories import orders_order

    order = orders_order(loop.world, "a")
    r = _post(client, f"/api/v1/orders/{order.uuid}/rate", {"stars": True})
    assert r.status_code == 422
    r = _post(client, f"/api/v1/orders/{order.uuid}/rate", {"stars": 6})
    assert r.status_code == 422


def test_meals_through_the_api(client, loop):
    from django.utils import timezone

    from tests.factories import orders_project

    orders_project(loop.world.community, "meals")
    client.force_login(loop.resident_user)
    r = _post(client, "/api/v1/meals", {"household": str(loop.household.uuid),
                                        "date": timezone.localdate().isoformat(),
                                        "portions": 2})
    assert r.status_code == 201, r.content
    client.force_login(loop.staff)
    prep = client.get("/api/v1/meals/preparation").json()
    assert prep[0]["portions"] == 2
    r = _post(client, "/api/v1/meals/assignments", {
        "community": str(loop.world.community.uuid), "date": timezone.localdate().isoformat(),
        "building": str(loop.household.building.uuid), "volunteer": str(loop.volunteer.uuid)})
    assert r.json() == {"assigned": 1}
    client.force_login(loop.volunteer.user)
    meals = client.get("/api/v1/meals").json()["items"]
    r = _post(client, f"/api/v1/meals/{meals[0]['uuid']}/outcome", {"delivered": True})
    assert r.json()["status"] == "delivered"


def test_staff_edit_the_catalogue(client, loop):
    client.force_login(loop.staff)
    url = f"/api/v1/orders/projects/{loop.project.uuid}"
    r = client.patch(url, data=json.dumps({"points": 8, "default_minutes": 45}),
                     content_type="application/json")
    assert r.status_code == 200 and r.json()["points"] == 8
    assert r.json()["default_minutes"] == 45 and r.json()["name"] == loop.project.name
    r = client.patch(url, data=json.dumps({"volunteer_max_age": 15}),
                     content_type="application/json")
    assert r.status_code == 409 and r.json()["error"]["fields"][0]["field"] == "volunteer_max_age"
    r = _post(client, "/api/v1/orders/projects", {"community": str(loop.world.community.uuid),
                                                  "code": "repair", "name": "家电维修"})
    assert r.status_code == 201 and r.json()["default_minutes"] == 60
    client.force_login(loop.world.other["community_staff"])
    assert client.patch(url, data=json.dumps({"points": 1}),
                        content_type="application/json").status_code == 404
