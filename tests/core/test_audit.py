"""The audit log: append-only, written for logins, denials and reveals, never holding the value."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from linli.common.models import AuditAction, AuditAppendOnly, AuditEvent, AuditResult

pytestmark = pytest.mark.django_db


def _event(**kwargs):
    return AuditEvent.objects.create(action=AuditAction.LOGIN_SUCCESS, result=AuditResult.OK,
                                     **kwargs)


def test_records_cannot_be_changed_or_deleted():
    event = _event(actor_label="13900000001")
    event.reason = "tampered"
    with pytest.raises(AuditAppendOnly):
        event.save()
    with pytest.raises(AuditAppendOnly):
        event.delete()
    with pytest.raises(AuditAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(reason="tampered")
    with pytest.raises(AuditAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_purge_keeps_at_least_180_days():
    old = _event(at=timezone.now() - timedelta(days=200))
    recent = _event(at=timezone.now() - timedelta(days=179))
    call_command("audit_purge")
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    with pytest.raises(CommandError):
        call_command("audit_purge", days=90)
    assert AuditEvent.objects.filter(pk=recent.pk).exists()


def test_permission_denial_is_logged(client, world):
    resident = world.users["resident"]
    client.force_login(resident)
    assert client.get("/workbench/").status_code == 403
    event = AuditEvent.objects.get(action=AuditAction.PERMISSION_DENIED)
    assert event.actor == resident and event.result == AuditResult.DENIED
    assert event.path == "/workbench/"


def test_api_permission_denial_is_logged(client, world):
    client.force_login(world.users["volunteer"])
    assert client.get("/api/v1/people").status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED,
                                     actor=world.users["volunteer"]).exists()


def test_reveal_needs_a_reason_and_logs_without_the_value(client, world):
    staff, person = world.users["community_staff"], world.users["volunteer"]
    client.force_login(staff)
    url = f"/accounts/people/{person.uuid}/"
    page = client.get(url).content.decode()
    assert person.mobile not in page
    assert f"{person.mobile[:3]}****{person.mobile[-4:]}" in page

    # No reason: nothing shown, nothing logged.
    page = client.post(url, {"reason": " "}).content.decode()
    assert person.mobile not in page
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()

    page = client.post(url, {"reason": "电话确认服务时间"}).content.decode()
    assert person.mobile in page
    event = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert event.actor == staff and event.field == "mobile"
    assert event.object_id == str(person.uuid) and event.reason == "电话确认服务时间"
    stored = " ".join(str(getattr(event, f.attname)) for f in AuditEvent._meta.fields)
    assert person.mobile not in stored


def test_auditors_read_only_their_street(client, world):
    from linli.accounts.models import Role
    from tests.factories import StreetFactory, user_with_role

    other_street = StreetFactory()
    outsider = user_with_role(Role.STREET_ADMIN, other_street)
    _event(actor=outsider, actor_label=outsider.mobile, street=other_street)
    mine = _event(actor=world.users["resident"], actor_label=world.users["resident"].mobile,
                  street=world.street)
    client.force_login(world.users["auditor"])
    page = client.get("/audit/").content.decode()
    assert mine.actor_label in page and outsider.mobile not in page
    body = client.get("/api/v1/audit/events").json()
    labels = {item["actor"] for item in body["items"]}
    assert mine.actor_label in labels and outsider.mobile not in labels
