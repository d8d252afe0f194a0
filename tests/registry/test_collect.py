"""Field collection pages: add and correct records, checks while typing, changes since."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.registry.models import GridVisit, Household, Resident
from tests.factories import id_number_for

pytestmark = pytest.mark.django_db


def test_grid_worker_adds_a_household_and_a_member(client, world, reg):
    client.force_login(world.users["grid_worker"])
    response = client.post(reverse("registry:household_new"), {
        "grid": world.grid.uuid, "number": "c-1", "address": "紫轩路5号"})
    household = Household.objects.get(number="c-1")
    assert response.status_code == 302 and household.grid == world.grid
    # The same number again: the form says which field and why.
    response = client.post(reverse("registry:household_new"), {
        "grid": world.grid.uuid, "number": "c-1", "address": "紫轩路5号"})
    assert response.status_code == 200 and "field-error" in response.content.decode()
    number = id_number_for(datetime.date(1944, 4, 4), 91)
    url = reverse("registry:resident_new", kwargs={"uuid": household.uuid})
    response = client.post(url, {"name": "孙大妈", "id_number": number,
                                 "birth_date": "1944-04-05", "residence_type": "registered"})
    body = response.content.decode()
    assert response.status_code == 200 and "1944-04-04" in body
    assert not Resident.objects.filter(name="孙大妈").exists()
    response = client.post(url, {"name": "孙大妈", "id_number": number, "mobile": "13344445555",
                                 "residence_type": "registered", "relation": "head"})
    assert response.status_code == 302
    r = Resident.objects.get(name="孙大妈")
    assert r.birth_date == datetime.date(1944, 4, 4) and r.gender == "M"
    assert r.history.first().history_user == world.users["grid_worker"]


def test_edit_form_never_contains_the_stored_values(client, world, reg):
    elder = reg["elder"]
    client.force_login(world.users["grid_worker"])
    url = reverse("registry:resident_edit", kwargs={"uuid": elder.uuid})
    body = client.get(url).content.decode()
    assert "13912345678" not in body and "139****5678" in body
    response = client.post(url, {"name": "刘德华", "residence_type": "registered",
                                 "relation": "head", "ethnicity": "回族",
                                 "tags": [t.pk for t in elder.tags.all()]})
    assert response.status_code == 302, response.content.decode()[:2000]
    elder.refresh_from_db()
    assert elder.ethnicity == "回族" and elder.mobile == "13912345678"


def test_check_while_typing(client, world, reg):
    client.force_login(world.users["grid_worker"])
    url = reverse("registry:resident_check")
    household = reg["household2"].uuid
    number = id_number_for(datetime.date(1950, 6, 1), 93)
    response = client.post(url, {"household": household, "name": "周", "id_number": number[:-1],
                                 "residence_type": "registered"},
                           HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "check-bad" in body and "18" in body
    response = client.post(url, {"household": household, "name": "周", "id_number": number,
                                 "residence_type": "registered"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "check-ok" in body and "1950-06-01" in body
    response = client.post(url, {"household": household, "name": "周", "mobile": "12345",
                                 "residence_type": "registered"})
    assert "check-bad" in response.content.decode()
    # Nothing is written by checking.
    assert not Resident.objects.filter(name="周").exists()
    # Another grid's household: 404.
    response = client.post(url, {"household": reg["b"]["household"].uuid, "name": "周"})
    assert response.status_code == 404


def test_changes_since_the_last_visit(client, world, reg):
    worker = world.users["grid_worker"]
    client.force_login(worker)
    client.get(reverse("registry:collect"))
    GridVisit.objects.filter(user=worker).update(
        seen_at=timezone.now() - datetime.timedelta(hours=2))
    from linli.registry.services import resident_update
    resident_update(resident=reg["elder"], actor=world.users["community_staff"],
                    ethnicity="满族")
    body = client.get(reverse("registry:collect")).content.decode()
    assert "刘德华" in body and world.users["community_staff"].name in body
    # Changes in community B are not listed.
    resident_update(resident=reg["b"]["resident"], ethnicity="满族")
    assert reg["b"]["resident"].name not in client.get(reverse("registry:collect")).content.decode()


def test_api_create_and_update(client, world, reg):
    client.force_login(world.users["grid_worker"])
    response = client.post("/api/v1/registry/residents", {
        "household": str(reg["household2"].uuid), "name": "吴老伯",
        "id_number": id_number_for(datetime.date(1939, 9, 9), 95), "tags": ["高龄"]},
        content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["age"] >= 85 and data["tags"] == ["高龄"] and "*" in data["id_number_masked"]
    response = client.patch(f"/api/v1/registry/residents/{data['uuid']}",
                            {"birth_date": "1939-09-10"}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["error"]["fields"][0]["field"] == "birth_date"
    response = client.post("/api/v1/registry/households", {
        "grid": str(reg["b"]["household"].grid.uuid), "number": "x", "address": "y"},
        content_type="application/json")
    assert response.status_code == 404
