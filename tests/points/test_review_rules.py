"""Review rules an auditor checks: four eyes (the recorder never reviews their own record),
no duplicate inspection records, who recorded and who decided shown to staff; and the
resident's pages: names instead of codes, newest first, no inline script."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from linli.common.exceptions import Conflict, PermissionDenied
from linli.points import services
from linli.points.models import Claim, ClaimStatus
from tests.factories import points_claim, points_convention, points_member

pytestmark = pytest.mark.django_db

FOUR_EYES = "记录人不能审核自己记录的积分，请由其他工作人员审核"


@pytest.fixture
def home(world):
    return points_member(community=world.community, user=world.users["resident"],
                         grid=world.grid)


@pytest.fixture
def recorded(world, home):
    """A claim the grid worker recorded on inspection."""
    item = points_convention(world.community).items.get(code="HW01")
    return services.claim_record(household=home, item=item, actor=world.users["grid_worker"],
                                 note="门前整洁")


# --- four eyes --------------------------------------------------------------------------


def test_the_recorder_cannot_approve_or_reject_their_own_record(world, recorded):
    worker = world.users["grid_worker"]
    with pytest.raises(PermissionDenied) as approving:
        services.claim_approve(claim=recorded, actor=worker)
    assert approving.value.message == FOUR_EYES
    with pytest.raises(PermissionDenied) as rejecting:
        services.claim_reject(claim=recorded, actor=worker, reason="写错了")
    assert rejecting.value.message == FOUR_EYES
    recorded.refresh_from_db()
    assert recorded.status == ClaimStatus.PENDING and recorded.transfer is None
    # Another member of staff may
    services.claim_approve(claim=recorded, actor=world.users["community_staff"])
    recorded.refresh_from_db()
    assert recorded.status == ClaimStatus.APPROVED
    assert recorded.decided_by == world.users["community_staff"]


def test_a_deduction_recorder_who_is_staff_still_needs_someone_else(world, home):
    item = points_convention(world.community, deductions=True).items.get(code="DD01")
    staff = world.users["community_staff"]
    claim = services.claim_record(household=home, item=item, actor=staff, note="乱扔垃圾")
    with pytest.raises(PermissionDenied) as refused:
        services.claim_approve(claim=claim, actor=staff)
    assert refused.value.message == FOUR_EYES
    services.claim_approve(claim=claim, actor=world.users["street_admin"])
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.APPROVED


def test_the_recorder_is_refused_on_the_page_and_sees_no_buttons(client, world, recorded):
    client.force_login(world.users["grid_worker"])
    detail = client.get(reverse("points:claim_detail", kwargs={"uuid": recorded.uuid}))
    page = detail.content.decode()
    assert FOUR_EYES in page
    assert reverse("points:claim_decide", kwargs={"uuid": recorded.uuid}) not in page
    response = client.post(reverse("points:claim_decide", kwargs={"uuid": recorded.uuid}),
                           {"action": "approve"}, follow=True)
    assert FOUR_EYES in response.content.decode()
    assert Claim.objects.get(pk=recorded.pk).status == ClaimStatus.PENDING


def test_the_recorder_is_refused_by_the_api(client, world, recorded):
    client.force_login(world.users["grid_worker"])
    response = client.post(f"/api/v1/points/claims/{recorded.uuid}/approve", {},
                           content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == FOUR_EYES
    response = client.post(f"/api/v1/points/claims/{recorded.uuid}/reject",
                           {"reason": "写错了"}, content_type="application/json")
    assert response.status_code == 403
    assert Claim.objects.get(pk=recorded.pk).status == ClaimStatus.PENDING


def test_bulk_approval_skips_own_records_and_reports_them(client, world, home, recorded):
    resident_claim = points_claim(home, code="MA01", user=world.users["resident"])
    worker = world.users["grid_worker"]
    approved, refused = services.claim_bulk_approve(claims=[recorded, resident_claim],
                                                    actor=worker)
    assert [c.pk for c in approved] == [resident_claim.pk]
    assert [(c.pk, message) for c, message in refused] == [(recorded.pk, FOUR_EYES)]

    # Through the page: the skipped record is named with the reason
    other = points_claim(home, code="MA01", user=world.users["resident"])
    again = services.claim_record(household=home, item=recorded.item, actor=worker,
                                  occurred_on=timezone.localdate() - datetime.timedelta(days=1))
    client.force_login(worker)
    response = client.post(reverse("points:queue_bulk"),
                           {"claims": [str(other.uuid), str(again.uuid)]}, follow=True)
    page = response.content.decode()
    assert "1 条申报未通过批量审核" in page and FOUR_EYES in page
    assert Claim.objects.get(pk=other.pk).status == ClaimStatus.APPROVED
    assert Claim.objects.get(pk=again.pk).status == ClaimStatus.PENDING

    # Through the API: the refusal names the claim
    body = client.post("/api/v1/points/claim-approvals", {"claims": [str(again.uuid)]},
                       content_type="application/json").json()
    assert body == {"approved": [], "refused": [{"claim": str(again.uuid),
                                                 "message": FOUR_EYES}]}


def test_staff_see_who_recorded_and_who_approved(client, world, recorded):
    world.users["grid_worker"].name = "网格员老周"
    world.users["grid_worker"].save(update_fields=["name"])
    world.users["community_staff"].name = "社工小林"
    world.users["community_staff"].save(update_fields=["name"])
    services.claim_approve(claim=recorded, actor=world.users["community_staff"])
    recorded.refresh_from_db()

    client.force_login(world.users["street_admin"])
    page = client.get(reverse("points:claim_detail", kwargs={"uuid": recorded.uuid}))
    recorded_by = page.content.decode()
    created = timezone.localtime(recorded.created_at).strftime("%Y-%m-%d %H:%M")
    decided = timezone.localtime(recorded.decided_at).strftime("%Y-%m-%d %H:%M")
    assert f"网格员老周 · {created}" in recorded_by
    assert f"社工小林 · {decided}" in recorded_by
    queue = client.get(reverse("points:queue") + "?status=approved").content.decode()
    assert "记录人：网格员老周" in queue and "审核人：社工小林" in queue

    body = client.get(f"/api/v1/points/claims/{recorded.uuid}").json()
    assert body["recorded_by"] == "网格员老周" and body["decided_by"] == "社工小林"
    assert body["decided_at"] is not None and body["created_at"] is not None


# --- duplicates -------------------------------------------------------------------------


def test_the_same_inspection_record_is_refused_naming_the_first(world, home, recorded):
    world.users["grid_worker"].name = "网格员老周"
    world.users["grid_worker"].save(update_fields=["name"])
    with pytest.raises(Conflict) as duplicate:
        services.claim_record(household=home, item=recorded.item,
                              actor=world.users["community_staff"])
    message = duplicate.value.message
    at = timezone.localtime(recorded.created_at).strftime("%Y-%m-%d %H:%M")
    assert duplicate.value.code == "duplicate" and duplicate.value.field == "item"
    assert "门前三包环境整洁" in message and "网格员老周" in message and at in message
    assert Claim.objects.filter(household=home).count() == 1
    # Another day is another occasion
    services.claim_record(household=home, item=recorded.item,
                          actor=world.users["community_staff"],
                          occurred_on=timezone.localdate() - datetime.timedelta(days=1))
    # A rejected first record does not block a correct one
    services.claim_reject(claim=recorded, actor=world.users["community_staff"], reason="看错了")
    services.claim_record(household=home, item=recorded.item,
                          actor=world.users["community_staff"])
    assert Claim.objects.filter(household=home).count() == 3


def test_the_inspection_page_warns_about_a_duplicate(client, world, home, recorded):
    client.force_login(world.users["community_staff"])
    response = client.post(reverse("points:inspection_new"), {
        "household": str(home.uuid), "item": str(recorded.item.uuid),
        "occurred_on": timezone.localdate().isoformat(), "note": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "已有记录" in page and "不能重复记录" in page
    assert Claim.objects.filter(household=home).count() == 1


def test_the_claim_page_warns_a_reviewer_of_a_same_day_record(client, world, home, recorded):
    own = services.claim_submit(household=home, item=recorded.item,
                                actor=world.users["resident"])
    client.force_login(world.users["community_staff"])
    page = client.get(reverse("points:claim_detail", kwargs={"uuid": own.uuid})).content.decode()
    assert 'data-testid="duplicate-warning"' in page
    assert reverse("points:claim_detail", kwargs={"uuid": recorded.uuid}) in page
    client.force_login(world.users["resident"])
    page = client.get(reverse("points:claim_detail", kwargs={"uuid": own.uuid})).content.decode()
    assert 'data-testid="duplicate-warning"' not in page


# --- resident pages ---------------------------------------------------------------------


def test_household_choice_has_no_inline_handler_and_a_visible_button(client, world, home):
    from linli.registry.models import BindingKind, BindingStatus, HouseholdBinding

    second = points_member(community=world.community, grid=world.grid)
    HouseholdBinding.objects.create(household=second, user=world.users["resident"],
                                    kind=BindingKind.PROXY, status=BindingStatus.CONFIRMED)
    client.force_login(world.users["resident"])
    page = client.get(reverse("points:household")).content.decode()
    assert "onchange" not in page and "data-autosubmit" in page
    assert '<button class="btn btn-small" type="submit">查看</button>' in page
    assert "points/points.js" in page


def test_statement_shows_item_names_newest_first(client, world, home):
    from linli.ledger.models import AccountKind, TransferKind, Unit
    from linli.ledger.services import (
        household_account_ensure,
        system_account_ensure,
        transfer_create,
    )

    points_convention(world.community, cap=None)
    older = points_claim(home, code="MA01")
    Claim.objects.filter(pk=older.pk).update(
        occurred_on=timezone.localdate() - datetime.timedelta(days=5))
    newer = points_claim(home, code="HW01")
    services.claim_approve(claim=newer, actor=world.users["grid_worker"])
    # An entry written the old way (memo "code title", as the demo data had) still reads by
    # the item's name
    issuer = system_account_ensure(street=world.street, kind=AccountKind.ISSUER,
                                   unit=Unit.POINTS)
    transfer = transfer_create(unit=Unit.POINTS, debit=issuer,
                               credit=household_account_ensure(household=home), amount=5,
                               kind=TransferKind.AWARD, reference=older.reference,
                               idempotency_key=older.reference, memo="MA01 邻里互助")
    Claim.objects.filter(pk=older.pk).update(status=ClaimStatus.APPROVED, points=5,
                                             transfer=transfer)

    client.force_login(world.users["resident"])
    household = client.get(reverse("points:household")).content.decode()
    statement = client.get(reverse("points:statement")).content.decode()
    for page in (household, statement):
        assert "MA01" not in page and "HW01" not in page
        assert "邻里互助" in page and "门前三包环境整洁" in page
    # My claims: newest occasion first, although the older one was decided last
    claims = household[household.index("我的申报"):]
    assert claims.index("门前三包环境整洁") < claims.index("邻里互助")


def test_award_rules_show_chinese_names_not_codes(client, world):
    for code in ("volunteer_hour", "activity_attendance", "service_order"):
        services.award_rule_set(community=world.community, code=code, title="规则",
                                points_per_unit=1)
    client.force_login(world.users["community_staff"])
    page = client.get(reverse("points:conventions")).content.decode()
    table = page[page.index("自动奖励规则"):]
    for code in ("volunteer_hour", "activity_attendance", "service_order"):
        assert f">{code}<" not in table
    assert "志愿服务时长" in table and "参加社区活动" in table and "完成志愿服务订单" in table


def test_post_only_actions_redirect_on_reload(client, world, recorded):
    client.force_login(world.users["community_staff"])
    decide = client.get(reverse("points:claim_decide", kwargs={"uuid": recorded.uuid}))
    assert decide.status_code == 302
    assert decide["Location"] == reverse("points:claim_detail", kwargs={"uuid": recorded.uuid})
    bulk = client.get(reverse("points:queue_bulk"))
    assert bulk.status_code == 302 and bulk["Location"] == reverse("points:queue")
    rule = client.get(reverse("points:rule_set"))
    assert rule.status_code == 302 and rule["Location"] == reverse("points:conventions")


def test_claims_per_day_is_a_documented_setting(world, home, settings):
    assert settings.POINTS_CLAIMS_PER_DAY == 10
    item = points_convention(world.community, cap=None).items.get(code="MA01")
    settings.POINTS_CLAIMS_PER_DAY = 1
    services.claim_submit(household=home, item=item, actor=world.users["resident"])
    with pytest.raises(services.RateLimited) as limited:
        services.claim_submit(household=home, item=item, actor=world.users["resident"])
    assert "1" in limited.value.message


def test_readme_documents_the_points_and_store_settings():
    readme = (settings.BASE_DIR.parent / "README.md").read_text(encoding="utf-8")
    for name in ("POINTS_CLAIMS_PER_DAY", "STORE_REDEMPTIONS_PER_DAY", "STORE_PICKUP_DAYS",
                 "STORE_COUNTER_MISSES"):
        assert f"| `{name}` |" in readme, name


def test_a_grid_worker_is_refused_a_deduction_on_the_page_and_in_the_api(client, world, home):
    from tests.factories import points_fund

    points_fund(home, 20)
    item = points_convention(world.community, deductions=True).items.get(code="DD01")
    claim = services.claim_record(household=home, item=item, actor=world.users["community_staff"],
                                  note="乱扔垃圾")
    refusal = "扣分须经社区工作人员审批。"
    with pytest.raises(PermissionDenied) as refused:
        services.claim_approve(claim=claim, actor=world.users["grid_worker"])
    assert refused.value.message == refusal
    client.force_login(world.users["grid_worker"])
    detail = client.get(reverse("points:claim_detail", kwargs={"uuid": claim.uuid}))
    assert reverse("points:claim_decide", kwargs={"uuid": claim.uuid}) not in \
        detail.content.decode()
    page = client.post(reverse("points:claim_decide", kwargs={"uuid": claim.uuid}),
                       {"action": "approve"}, follow=True)
    assert refusal in page.content.decode()
    api = client.post(f"/api/v1/points/claims/{claim.uuid}/approve", {},
                      content_type="application/json")
    assert api.status_code == 403 and api.json()["error"]["message"] == refusal
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING and claim.points == 0
