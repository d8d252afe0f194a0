"""Masking everywhere, logged reveals and exports, own data, deletion by anonymisation."""

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from linli.common.models import AuditAction, AuditEvent
from linli.registry.models import HouseholdBinding, Resident
from linli.registry.privacy import decrypt_id_number
from tests.access.rules import ROLES
from tests.access.rules_registry import API_RULES, PAGE_RULES

pytestmark = pytest.mark.django_db


def _secrets():
    values = set()
    for r in Resident.objects.all():
        if r.id_number_encrypted:
            values.add(decrypt_id_number(r.id_number_encrypted))
        if r.mobile:
            values.add(r.mobile)
    return values


def _assert_masked(body: str, secrets: set[str], where):
    leaked = [s for s in secrets if s in body]
    assert not leaked, (where, leaked)


def test_no_page_or_api_response_shows_a_full_id_number_or_mobile(client, world, reg):
    secrets = _secrets()
    assert len(secrets) >= 5
    pages = [(name, rule) for name, rule in PAGE_RULES.items()
             if rule.method == "GET" and name != "registry:my_data_download"]
    extra = [reverse("registry:resident_detail", kwargs={"uuid": reg["elder"].uuid}),
             reverse("registry:resident_edit", kwargs={"uuid": reg["elder"].uuid}),
             reverse("registry:household_detail", kwargs={"uuid": reg["household2"].uuid}),
             reverse("registry:index") + "?q=liu", reverse("registry:collect") + "?q=刘"]
    apis = [(path, rule) for (method, path), rule in API_RULES.items() if method == "GET"]
    seen_masked = False
    for role in ("anonymous", *ROLES):
        client.logout()
        if role != "anonymous":
            client.force_login(world.users[role])
        urls = [reverse(name, kwargs=rule.kwargs(world)) for name, rule in pages] + extra
        for url in urls:
            response = client.get(url)
            body = response.content.decode("utf-8", "replace")
            _assert_masked(body, secrets, (role, url))
            seen_masked |= "139****5678" in body
        for path, rule in apis:
            url = path
            for key, value in rule.kwargs(world).items():
                url = url.replace("{" + key + "}", str(value))
            response = client.get(url)
            _assert_masked(response.content.decode(), secrets, (role, url))
        response = client.get("/api/v1/registry/residents?q=liu")
        _assert_masked(response.content.decode(), secrets, (role, "search"))
    assert seen_masked


def test_resident_api_returns_masked_values(client, world, reg):
    client.force_login(world.users["community_staff"])
    data = client.get(f"/api/v1/registry/residents/{reg['elder'].uuid}").json()
    assert data["mobile_masked"] == "139****5678"
    assert data["id_number_masked"].startswith("522") and "*" * 11 in data["id_number_masked"]
    assert "mobile" not in data and "id_number" not in data


def test_reveal_on_the_page_is_logged_without_the_value(client, world, reg):
    elder = reg["elder"]
    client.force_login(world.users["grid_worker"])
    url = reverse("registry:resident_detail", kwargs={"uuid": elder.uuid})
    response = client.post(url, {"field": "mobile", "reason": ""})
    assert "13912345678" not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()
    response = client.post(url, {"field": "mobile", "reason": "电话确认上门时间"})
    assert "13912345678" in response.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert (event.field, event.reason, event.object_id) == ("mobile", "电话确认上门时间",
                                                            str(elder.uuid))
    assert event.actor == world.users["grid_worker"] and event.street_id == world.street.pk
    stored = " ".join(str(v) for v in AuditEvent.objects.values_list().get(pk=event.pk))
    assert "13912345678" not in stored


def test_reveal_by_api(client, world, reg):
    elder = reg["elder"]
    client.force_login(world.users["community_staff"])
    url = f"/api/v1/registry/residents/{elder.uuid}/reveal"
    response = client.post(url, {"field": "id_number", "reason": "民政补贴申报"},
                           content_type="application/json")
    assert response.status_code == 200
    assert response.json()["value"] == decrypt_id_number(elder.id_number_encrypted)
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL, field="id_number").count() == 1
    response = client.post(url, {"field": "id_number", "reason": ""},
                           content_type="application/json")
    assert response.status_code == 422
    client.force_login(world.other["community_staff"])
    assert client.post(url, {"field": "mobile", "reason": "x"},
                       content_type="application/json").status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL).count() == 1


def _sheet(response):
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in wb.active.iter_rows(values_only=True)]


def test_export_is_masked_unless_a_reason_is_given(client, world, reg):
    client.force_login(world.users["community_staff"])
    response = client.get(reverse("registry:export") + "?tag=独居")
    rows = _sheet(response)
    assert rows[0][7] == "姓名" and len(rows) == 2
    assert rows[1][7] == "刘德华" and rows[1][11] == "139****5678"
    assert "*" in rows[1][8]
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.field == "masked"
    # Full values need a reason, and the reason is logged.
    response = client.post(reverse("registry:export"), {"tag": "独居", "reveal": "1"})
    assert response.status_code == 302
    response = client.post(reverse("registry:export"),
                           {"tag": "独居", "reveal": "1", "reason": "高龄补贴名单"})
    rows = _sheet(response)
    assert rows[1][11] == "13912345678"
    assert rows[1][8] == decrypt_id_number(reg["elder"].id_number_encrypted)
    full = AuditEvent.objects.filter(action=AuditAction.EXPORT, field="full").get()
    assert "高龄补贴名单" in full.reason


def test_grid_worker_cannot_export(client, world, reg):
    client.force_login(world.users["grid_worker"])
    assert client.get(reverse("registry:export")).status_code == 403


def test_resident_sees_and_downloads_own_data(client, world, reg):
    client.force_login(world.users["resident"])
    page = client.get(reverse("registry:my_data")).content.decode()
    assert reg["a"]["resident"].name in page and reg["a"]["mobile"] not in page
    response = client.get(reverse("registry:my_data_download"))
    data = json.loads(response.content)
    assert data["name"] == reg["a"]["resident"].name
    assert data["id_number"] == reg["a"]["id_number"]  # the person's own copy, in full
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, field="own_data").exists()
    api = client.get("/api/v1/registry/me").json()
    assert api["resident"]["mobile_masked"] == "138****0011"
    # Somebody else's resident account sees nothing of household A.
    client.force_login(world.other["resident"])
    assert client.get("/api/v1/registry/me").status_code == 404


def test_deletion_request_anonymises_but_keeps_the_row(client, world, reg):
    head = reg["a"]["resident"]
    pk, uuid = head.pk, head.uuid
    client.force_login(world.users["resident"])
    client.post(reverse("registry:deletion_request"), {"reason": "搬走了"})
    client.force_login(world.users["community_staff"])
    index = client.get(reverse("registry:index")).content.decode()
    assert "删除申请：" in index and head.name in index
    assert reverse("registry:resident_detail", kwargs={"uuid": uuid}) in index
    response = client.post(reverse("registry:resident_anonymise", kwargs={"uuid": uuid}))
    assert response.status_code == 302
    r = Resident.objects.get(pk=pk)
    assert r.uuid == uuid and r.anonymised_at and r.name.startswith("居民")
    assert (r.mobile, r.id_number_encrypted, r.id_number_hash, r.id_number_masked) == ("", "", "",
                                                                                       "")
    assert r.birth_date is None and r.user is None and not r.tags.exists()
    for h in r.history.all():
        assert h.mobile == "" and h.id_number_encrypted == "" and h.name == r.name
    user = world.users["resident"]
    user.refresh_from_db()
    assert not user.is_active and user.name == r.name and not user.mobile.startswith("1")
    assert not HouseholdBinding.objects.filter(user=user).exists()
    assert r.deletion_requests.get().status == "done"
    household = r.household
    household.refresh_from_db()
    assert household.head is None
    # The person can be registered again from scratch with the same ID number.
    from linli.registry.services import resident_create
    again = resident_create(household=household, name="张a三", id_number=reg["a"]["id_number"])
    assert again.pk != pk
