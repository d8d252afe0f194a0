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


def test_the_log_page_names_objects_and_columns_in_chinese(client, world):
    """Auditors read record types, fields and reasons by their names, not the codes the
    services write (which stay in the rows and the API)."""
    staff = world.users["community_staff"]
    for object_type, field, reason in [("registry.resident", "id_number", "核对低保资格"),
                                       ("accounts.user", "community_staff", "grant"),
                                       ("registry.resident", "full", "年度统计"),
                                       ("ledger.account", "statement", "ledger statement")]:
        AuditEvent.objects.create(action=AuditAction.REVEAL, result=AuditResult.OK, actor=staff,
                                  actor_label=staff.mobile, object_type=object_type,
                                  object_id="x", field=field, reason=reason,
                                  street=world.street)
    client.force_login(world.users["auditor"])
    page = client.get("/audit/").content.decode()
    for shown in ("居民 · 身份证号", "用户 · 社区工作人员", "授予角色", "核对低保资格",
                  "居民 · 完整的身份证号和手机号", "账本账户 · 账户流水", "导出账户流水"):
        assert shown in page, shown
    for code in ("registry.resident", "accounts.user", "id_number", "community_staff",
                 "ledger statement", ">grant<"):
        assert code not in page, code
    # Column and button labels in the project's wording (not Django admin's 动作 / 过滤器).
    for label in (">操作<", ">对象<", ">筛选<", ">结果<", ">原因<"):
        assert label in page, label
    assert "过滤器" not in page and "动作" not in page and "记录对象" not in page
    from tests.crawl.crawler import untranslated

    assert not untranslated(page)


def test_unknown_codes_are_still_shown():
    from linli.common.audit import audit_object_label, audit_reason_label

    assert audit_object_label("gone.model", "weird") == "gone.model · weird"
    assert audit_object_label("", "") == ""
    assert audit_reason_label("电话确认服务时间") == "电话确认服务时间"


# Same English word, a different meaning in a Linli app and in Django's admin (where the
# admin's reading is kept); the app should give its word a context.
DJANGO_KEEPS = {"group"}  # ledger transfer batch (批次) vs. auth's user group (组)


def test_linli_wording_wins_over_djangos_catalogues():
    """Django merges every catalogue of a language; django.contrib.* come first in
    INSTALLED_APPS and win. Every msgid a Linli catalogue translates must come out in Linli's
    wording (linli/locale, which outranks all apps, repeats the clashing ones). Linli
    catalogues disagreeing among themselves is test_translations' business."""
    from django.utils import translation

    from tests.core.test_translations import CATALOGUES, _entries, _msgstrs

    ours: dict[tuple[str, str, bool], set[str]] = {}
    for po in CATALOGUES:
        for msgctxt, msgid, flags, strs in _entries(po):
            msgstrs = _msgstrs(strs)
            if "fuzzy" in flags or not any(msgstrs) or msgid in DJANGO_KEEPS:
                continue
            ours.setdefault((msgctxt, msgid, "msgstr[" in strs), set()).add(msgstrs[0])
    overridden = []
    with translation.override("zh-hans"):
        for (msgctxt, msgid, plural), wordings in sorted(ours.items()):
            if plural:
                shown = (translation.npgettext(msgctxt, msgid, msgid, 1) if msgctxt
                         else translation.ngettext(msgid, msgid, 1))
            else:
                shown = (translation.pgettext(msgctxt, msgid) if msgctxt
                         else translation.gettext(msgid))
            # shown == msgid: not compiled yet, which test_translations reports.
            if shown not in wordings and shown != msgid:
                overridden.append(f"{msgid!r} shows {shown!r}, not {' / '.join(wordings)!r}")
    assert not overridden, "\n".join(overridden)
