"""Issue 12 items 8 + 9: anonymising is audited, reveals are throttled per person (and the
page and API say so in Chinese), personal-data responses are never stored by caches."""

import json

import pytest
from django.test import override_settings
from django.urls import reverse

from linli.common.exceptions import TooManyRequests
from linli.common.models import AuditAction, AuditEvent
from linli.registry import services
from linli.registry.models import Resident
from tests.factories import PASSWORD, registry_world

pytestmark = pytest.mark.django_db


def _bearer(client, user) -> dict:
    r = client.post("/api/v1/auth/token", {"mobile": user.mobile, "password": PASSWORD,
                                           "device": "测试"}, content_type="application/json")
    assert r.status_code == 201, r.content
    return {"HTTP_AUTHORIZATION": f"Bearer {r.json()['token']}"}


def test_anonymising_writes_an_audit_row_by_service_and_page(client, world):
    reg = registry_world(world)
    staff = world.users["community_staff"]
    # Linked to the resident account (registry_world links it): that login goes too.
    head = Resident.objects.get(pk=reg["a"]["resident"].pk)
    services.resident_anonymise(resident=head, actor=staff)
    event = AuditEvent.objects.get(action=AuditAction.ANONYMISE)
    assert event.actor == staff and event.field == "account"
    assert event.street_id == world.street.id

    other = services.resident_create(household=reg["a"]["household"], name="钱七")
    client.force_login(staff)
    client.post(reverse("registry:resident_anonymise", kwargs={"uuid": other.uuid}))
    assert AuditEvent.objects.filter(action=AuditAction.ANONYMISE).count() == 2
    client.force_login(world.users["auditor"])  # the audit log is for auditors
    page = client.get("/audit/", {"action": "anonymise"}).content.decode()
    assert "删除个人信息" in page


@override_settings(REGISTRY_REVEAL_LIMIT=3, REGISTRY_REVEAL_WINDOW_SECONDS=600)
def test_reveals_are_throttled_per_person_in_service_api_and_page(client, world):
    reg = registry_world(world)
    staff = world.users["community_staff"]
    resident = reg["a"]["resident"]
    for _ in range(3):
        assert services.resident_reveal(resident=resident, actor=staff, field="mobile",
                                        reason="核对联系方式") == reg["a"]["mobile"]
    with pytest.raises(TooManyRequests) as refused:
        services.resident_reveal(resident=resident, actor=staff, field="mobile", reason="再看")
    assert "10 分钟" in refused.value.message and "3" in refused.value.message
    # A refusal is not logged as a reveal.
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL).count() == 3

    auth = _bearer(client, staff)
    r = client.post(f"/api/v1/registry/residents/{resident.uuid}/reveal",
                    json.dumps({"field": "mobile", "reason": "核对"}),
                    content_type="application/json", **auth)
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "throttled" and "分钟" in r.json()["error"]["message"]

    client.force_login(staff)
    page = client.post(reverse("registry:resident_detail", kwargs={"uuid": resident.uuid}),
                       {"field": "mobile", "reason": "核对"}).content.decode()
    assert "最多" in page and reg["a"]["mobile"] not in page

    # Another grid worker's budget is their own.
    worker = world.users["grid_worker"]
    assert services.resident_reveal(resident=resident, actor=worker, field="mobile",
                                    reason="入户走访")


def test_personal_data_responses_are_not_stored(client, world):
    reg = registry_world(world)
    staff = world.users["community_staff"]
    auth = _bearer(client, staff)
    r = client.get("/api/v1/registry/residents", **auth)
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    client.force_login(staff)
    for url in (reverse("registry:resident_detail", kwargs={"uuid": reg["a"]["resident"].uuid}),
                "/registry/export.xlsx"):
        r = client.get(url)
        assert r.status_code == 200 and "no-store" in r["Cache-Control"], url
    client.logout()
    assert "no-store" not in client.get("/").get("Cache-Control", "")
