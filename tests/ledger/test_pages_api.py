import json
from io import BytesIO

import pytest
from django.test import override_settings
from openpyxl import load_workbook

from linli.common.models import AuditEvent
from linli.ledger import services
from linli.ledger.models import Account, AccountKind, Transfer, TransferKind

pytestmark = pytest.mark.django_db


def _api(client, method, url, body=None):
    return getattr(client, method)(url, json.dumps(body) if body is not None else None,
                                   content_type="application/json")


def test_the_time_bank_page_and_statement_show_balances(client, family):
    user, me, account, mother = family
    services.gift_create(giver=me, recipient=mother, minutes=90, idempotency_key="g",
                         actor=user)
    client.force_login(user)
    page = client.get("/timebank/").content.decode()
    assert "我的时间银行" in page and "8小时30分钟" in page
    statement = client.get("/timebank/statement/").content.decode()
    assert "转赠家人" in statement and "管老太" in statement and "服务存入" in statement
    # The source of earned hours in plain words, never the street's internal issuer account
    assert "志愿服务" in statement
    assert "发行账户" not in statement and "发行账户" not in page
    filtered = client.get("/timebank/statement/", {"kind": TransferKind.GIFT})
    assert [(r.transfer.kind, r.change, r.balance_after) for r in filtered.context["rows"]] == [
        (TransferKind.GIFT, -90, 510)]


def test_the_statement_exports_to_excel_with_running_balance(client, family):
    user, me, account, mother = family
    services.gift_create(giver=me, recipient=mother, minutes=90, idempotency_key="g",
                         actor=user)
    client.force_login(user)
    response = client.get("/timebank/statement.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("账户", "我的时间账户")
    assert rows[3][:5] == ("时间", "类型", "对方", "摘要", "收入（小时）")
    assert [(r[1], r[2], r[4], r[5], r[6]) for r in rows[4:]] == [
        ("转赠家人", "管老太", None, 1.5, 8.5), ("服务存入", "志愿服务", 10, None, 10)]
    assert not any("发行账户" in str(cell) for row in rows for cell in row)


def test_a_gift_is_previewed_confirmed_on_its_own_page_and_happens_once(client, family):
    user, me, account, mother = family
    client.force_login(user)
    assert "管老太" in client.get("/timebank/gift/").content.decode()
    form = {"recipient": str(mother.uuid), "hours": "1.5", "memo": "给妈妈"}
    # Given a checked preview, the browser is redirected to a confirm page (post/redirect/get)
    preview = client.post("/timebank/gift/", form)
    assert preview.status_code == 302 and preview["Location"] == "/timebank/gift/confirm/"
    # Reloading the confirm page shows it again; nothing is posted yet
    for _ in range(2):
        confirm = client.get("/timebank/gift/confirm/")
        assert confirm.status_code == 200
        page = confirm.content.decode()
        assert "请核对并确认" in page and "管老太" in page and "1小时30分钟" in page
    assert not Transfer.objects.filter(kind=TransferKind.GIFT).exists()
    for _ in range(2):  # a double tap on "confirm"
        done = client.post("/timebank/gift/confirm/")
        assert done.status_code == 302 and done["Location"] == "/timebank/"
    gift = Transfer.objects.get(kind=TransferKind.GIFT)
    assert (gift.amount, gift.credit.resident, gift.memo) == (90, mother, "给妈妈")
    # After it is done, the confirm page (reload, back button) lands on the form again
    after = client.get("/timebank/gift/confirm/")
    assert after.status_code == 302 and after["Location"] == "/timebank/gift/"


def test_a_gift_preview_refuses_what_the_service_would_refuse(client, family):
    user, me, account, mother = family
    client.force_login(user)
    # More hours than the giver has: refused at the preview, naming the field and the balance
    refused = client.post("/timebank/gift/", {"recipient": str(mother.uuid), "hours": "11"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["hours"] == ["时长不足：可用10小时，申请11小时。"]
    label = refused.context["form"].fields["hours"].label
    assert f"{label}：时长不足" in refused.content.decode()
    assert client.get("/timebank/gift/confirm/")["Location"] == "/timebank/gift/"
    # Beyond the yearly gifting limit (100 hours by default; 5 here)
    with override_settings(LEDGER_TIME_GIFT_YEARLY_CAP_MINUTES=300):
        over_cap = client.post("/timebank/gift/", {"recipient": str(mother.uuid),
                                                   "hours": "5.5"})
    assert over_cap.context["form"].errors["hours"] == [
        "每年最多转赠5小时，今年还可转赠5小时。"]
    assert not Transfer.objects.filter(kind=TransferKind.GIFT).exists()


def test_a_donation_preview_refuses_impossible_amounts(client, family):
    user, me, account, mother = family
    client.force_login(user)
    for hours in ("99999", "11"):
        refused = client.post("/timebank/donate/", {"hours": hours})
        assert refused.status_code == 200, hours
        errors = refused.context["form"].errors
        assert "hours" in errors, (hours, errors)
    assert "时长不足：可用10小时，申请11小时。" in refused.content.decode()
    assert client.get("/timebank/donate/confirm/")["Location"] == "/timebank/donate/"
    assert not Transfer.objects.filter(kind=TransferKind.DONATION).exists()


def test_a_donation_is_confirmed_then_posted_to_the_fund(client, family, world):
    user, me, account, mother = family
    client.force_login(user)
    preview = client.post("/timebank/donate/", {"hours": "2"})
    assert preview["Location"] == "/timebank/donate/confirm/"
    confirm = client.get("/timebank/donate/confirm/")
    assert "紫轩社区时间基金" in confirm.content.decode()
    assert client.post("/timebank/donate/confirm/")["Location"] == "/timebank/"
    fund = Account.objects.get(kind=AccountKind.COMMUNITY_FUND, community=world.community)
    assert fund.balance == 120


def test_a_confirm_page_that_became_impossible_says_why(client, family):
    """The balance moved between the preview and the confirmation: the confirm page shows the
    problem and offers no confirm button; a forced POST is refused by the service."""
    user, me, account, mother = family
    client.force_login(user)
    client.post("/timebank/donate/", {"hours": "8"})
    services.gift_create(giver=me, recipient=mother, minutes=300, idempotency_key="g",
                         actor=user)
    page = client.get("/timebank/donate/confirm/").content.decode()
    assert "时长不足：可用5小时，申请8小时。" in page and "确认捐赠" not in page
    refused = client.post("/timebank/donate/confirm/", follow=True)
    assert "时长不足" in refused.content.decode()
    assert not Transfer.objects.filter(kind=TransferKind.DONATION).exists()


def test_staff_correct_reverse_and_allocate_with_reasons(client, family, world):
    user, me, account, mother = family
    staff = world.users["community_staff"]
    client.force_login(staff)
    page = client.get(f"/workbench/ledger/{account.uuid}/")
    assert page.status_code == 200 and "更正余额" in page.content.decode()
    preview = client.post(f"/workbench/ledger/{account.uuid}/adjust/",
                          {"direction": "debit", "amount": "1", "reason": "重复录入"})
    assert preview["Location"] == f"/workbench/ledger/{account.uuid}/adjust/confirm/"
    confirm = client.get(preview["Location"]).content.decode()
    assert "从账户扣减" in confirm and "1小时" in confirm and "重复录入" in confirm
    account.refresh_from_db()
    assert account.balance == 600  # nothing posted before the confirmation
    client.post(preview["Location"])
    client.post(preview["Location"])  # a double click posts once
    account.refresh_from_db()
    assert account.balance == 540
    earn = Transfer.objects.get(credit=account, kind=TransferKind.EARN)
    client.post(f"/workbench/ledger/transfers/{earn.uuid}/reverse/",
                {"amount": "2", "reason": "服务时长录错", "idempotency_key": "rev-1"})
    account.refresh_from_db()
    assert account.balance == 420
    assert "已于" in client.get(f"/workbench/ledger/transfers/{earn.uuid}/reverse/").content.decode()

    services.donation_create(donor=me, minutes=120, idempotency_key="d", actor=user)
    funds = client.get("/workbench/timebank/funds/").content.decode()
    assert "2小时" in funds
    allocate = client.get(f"/workbench/timebank/funds/{world.community.uuid}/")
    assert "管老太" in allocate.content.decode()
    preview = client.post(f"/workbench/timebank/funds/{world.community.uuid}/",
                          {"recipient": str(mother.uuid), "hours": "1"})
    assert preview["Location"] == f"/workbench/timebank/funds/{world.community.uuid}/confirm/"
    assert "管老太" in client.get(preview["Location"]).content.decode()
    client.post(preview["Location"])
    assert Account.objects.get(resident=mother).balance == 60
    assert set(AuditEvent.objects.filter(action__startswith="ledger_")
               .values_list("action", flat=True)) == {
        "ledger_adjustment", "ledger_reversal", "ledger_allocation"}
    export = client.get(f"/workbench/ledger/{account.uuid}/statement.xlsx")
    assert export.status_code == 200
    assert AuditEvent.objects.filter(action="export", object_id=str(account.uuid)).exists()


def test_staff_of_another_community_see_nothing(client, family, world):
    user, me, account, mother = family
    client.force_login(world.other["community_staff"])
    assert client.get(f"/workbench/ledger/{account.uuid}/").status_code == 404
    assert _api(client, "get", f"/api/v1/ledger/accounts/{account.uuid}").status_code == 404
    listed = _api(client, "get", "/api/v1/ledger/accounts").json()
    assert listed["count"] == 0


def test_api_balance_statement_gift_and_conflict(client, family):
    user, me, account, mother = family
    client.force_login(user)
    mine = _api(client, "get", "/api/v1/timebank/me").json()
    assert mine["account"]["available"] == 600
    assert mine["family"] == [{"uuid": str(mother.uuid), "name": "管老太"}]
    body = {"recipient": str(mother.uuid), "minutes": 45, "idempotency_key": "api-gift"}
    first = _api(client, "post", "/api/v1/timebank/gifts", body)
    again = _api(client, "post", "/api/v1/timebank/gifts", body)
    assert first.status_code == again.status_code == 201
    assert first.json()["uuid"] == again.json()["uuid"]
    clash = _api(client, "post", "/api/v1/timebank/gifts", {**body, "minutes": 46})
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "idempotency_conflict"
    statement = _api(client, "get", "/api/v1/timebank/me/statement").json()
    assert [(e["kind"], e["change"], e["balance_after"]) for e in statement["items"]] == [
        ("gift", -45, 555), ("earn", 600, 600)]
    refused = _api(client, "post", "/api/v1/timebank/donations",
                   {"minutes": 10_000, "idempotency_key": "big"})
    assert refused.status_code == 409
    assert refused.json()["error"] == {
        "code": "insufficient_funds", "message": "时长不足：可用9小时15分钟，申请166小时40分钟。",
        "fields": [{"field": "minutes",
                    "message": "时长不足：可用9小时15分钟，申请166小时40分钟。"}]}


def test_api_reservations_are_visible_and_count_against_available(client, family):
    user, me, account, mother = family
    services.reservation_create(account=account, amount=120, reference="order:x",
                                idempotency_key="h", memo="上门理发")
    client.force_login(user)
    mine = _api(client, "get", "/api/v1/timebank/me").json()
    assert (mine["account"]["reserved"], mine["account"]["available"]) == (120, 480)
    assert mine["pending"][0]["memo"] == "上门理发"
    assert "上门理发" in client.get("/timebank/statement/").content.decode()


def test_api_staff_adjustment_and_single_reversal(client, family, world):
    user, me, account, mother = family
    client.force_login(world.users["street_admin"])
    adjusted = _api(client, "post", f"/api/v1/ledger/accounts/{account.uuid}/adjustments",
                    {"direction": "credit", "amount": 30, "reason": "漏记",
                     "idempotency_key": "a1"})
    assert adjusted.status_code == 201
    uuid = adjusted.json()["uuid"]
    ok = _api(client, "post", f"/api/v1/ledger/transfers/{uuid}/reversal",
              {"reason": "录错", "idempotency_key": "r1"})
    assert ok.status_code == 201 and ok.json()["reversal_of"] == uuid
    twice = _api(client, "post", f"/api/v1/ledger/transfers/{uuid}/reversal",
                 {"reason": "再来", "idempotency_key": "r2"})
    assert twice.status_code == 409
    account.refresh_from_db()
    assert account.balance == 600
    client.force_login(user)  # a resident cannot correct anything
    assert _api(client, "post", f"/api/v1/ledger/accounts/{account.uuid}/adjustments",
                {"direction": "credit", "amount": 30, "reason": "x",
                 "idempotency_key": "a2"}).status_code == 403


def test_staff_previews_refuse_impossible_amounts_and_a_reload_lands_on_a_page(client, family,
                                                                               world):
    user, me, account, mother = family
    client.force_login(world.users["community_staff"])
    # An allocation larger than the fund holds is refused at the preview, naming the resident
    allocate = f"/workbench/timebank/funds/{world.community.uuid}/"
    refused = client.post(allocate, {"recipient": str(mother.uuid), "hours": "99999"},
                          follow=True)
    assert "管老太：基金只有0 分钟，无法分配99,999小时。" in refused.content.decode()
    assert client.get(f"{allocate}confirm/")["Location"] == allocate
    # A deduction beyond the balance is refused at the preview
    adjust = f"/workbench/ledger/{account.uuid}/adjust/"
    refused = client.post(adjust, {"direction": "debit", "amount": "11", "reason": "重复"},
                          follow=True)
    assert "最多只能从该账户扣减10小时。" in refused.content.decode()
    assert client.get(f"{adjust}confirm/")["Location"] == f"/workbench/ledger/{account.uuid}/"
    # The preview URL itself, reloaded or bookmarked, goes back to the account
    assert client.get(adjust)["Location"] == f"/workbench/ledger/{account.uuid}/"
    assert not Transfer.objects.filter(kind__in=[TransferKind.ALLOCATION,
                                                 TransferKind.ADJUSTMENT]).exists()
