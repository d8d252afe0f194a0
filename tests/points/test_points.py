"""The civic points bank: conventions and their adoption rule, claims and their review, caps,
rate limits, deductions, old versions, automatic awards, rankings and the API."""

import datetime
import json

import pytest
from django.test import override_settings
from django.urls import reverse

from linli.common.exceptions import Conflict, NotFound, PermissionDenied, ValidationError
from linli.ledger.models import Account, Transfer, TransferKind, Unit
from linli.ledger.reconciliation import ledger_verify
from linli.points import selectors, services
from linli.points.models import Award, ClaimEvent, ClaimStatus, ConventionStatus
from tests.factories import (
    UserFactory,
    points_claim,
    points_convention,
    points_member,
    points_png,
)

pytestmark = pytest.mark.django_db


def _balance(household) -> int:
    account = Account.objects.filter(household=household, unit=Unit.POINTS).first()
    return account.balance if account else 0


@pytest.fixture
def home(world):
    return points_member(community=world.community, user=world.users["resident"],
                         grid=world.grid)


# --- conventions --------------------------------------------------------------------------


def test_adoption_needs_a_quorum_and_a_majority_of_those_present(world):
    draft = services.convention_create(community=world.community, title="居民公约")
    services.convention_item_add(convention=draft, code="HW01", title="门前整洁",
                                 category="sanitation", points=10)
    args = {"convention": draft, "adopted_on": datetime.date(2026, 1, 5), "meeting": "居民会议"}
    with pytest.raises(ValidationError) as quorum:
        services.convention_adopt(entitled_count=100, present_count=50, votes_for=50, **args)
    assert quorum.value.field == "present_count"
    assert quorum.value.message == ("会议人数不足：须有过半数应到人员出席（100 人中至少 51 人）。")
    with pytest.raises(ValidationError) as majority:
        services.convention_adopt(entitled_count=100, present_count=51, votes_for=25, **args)
    assert majority.value.field == "votes_for"
    adopted = services.convention_adopt(entitled_count=100, present_count=51, votes_for=26,
                                        **args)
    assert adopted.status == ConventionStatus.ADOPTED and adopted.present_count == 51


def test_items_of_an_adopted_version_are_immutable_and_deductions_need_the_convention(world):
    convention = points_convention(world.community)
    with pytest.raises(Conflict):
        services.convention_item_add(convention=convention, code="X1", title="新增",
                                     category="other", points=1)
    draft = services.convention_create(community=world.community, title="第二版")
    assert set(draft.items.values_list("code", flat=True)) == {"HW01", "MA01"}
    with pytest.raises(ValidationError) as refused:
        services.convention_item_add(convention=draft, code="DD9", title="乱扔垃圾",
                                     category="waste", points=5, is_deduction=True)
    assert refused.value.field == "is_deduction"


def test_a_new_version_never_changes_past_awards(world, home):
    # Given a claim approved under version 1 (HW01 worth 10 points)
    v1 = points_convention(world.community)
    old = points_claim(home)
    services.claim_approve(claim=old, actor=world.users["grid_worker"])
    # When version 2 doubles the item and is adopted
    draft = services.convention_create(community=world.community, title="第二版",
                                       copy_current=False)
    services.convention_item_add(convention=draft, code="HW01", title="门前整洁（新）",
                                 category="sanitation", points=20)
    services.convention_adopt(convention=draft, adopted_on=datetime.date(2026, 2, 1),
                              meeting="居民会议", entitled_count=10, present_count=6,
                              votes_for=4)
    # Then the old claim still points at version 1 with its 10 points
    old.refresh_from_db()
    v1.refresh_from_db()
    assert v1.status == ConventionStatus.SUPERSEDED
    assert old.item.convention_id == v1.pk and old.points == 10 and old.item.points == 10
    assert _balance(home) == 10
    # and a pending claim under the old version can no longer be filed
    with pytest.raises(Conflict):
        services.claim_submit(household=home, item=old.item, actor=world.users["resident"])
    new_item = selectors.items_in_force(community=world.community).get(code="HW01")
    claim = services.claim_submit(household=home, item=new_item, actor=world.users["resident"])
    services.claim_approve(claim=claim, actor=world.users["grid_worker"])
    assert _balance(home) == 30


# --- claims -----------------------------------------------------------------------------


def test_claim_with_photo_is_approved_once_and_credits_the_household(world, home):
    item = points_convention(world.community).items.get(code="HW01")
    claim = services.claim_submit(household=home, item=item, actor=world.users["resident"],
                                  note="清扫楼道", photo=points_png())
    assert claim.photo.name.endswith(".png") and claim.status == ClaimStatus.PENDING

    services.claim_approve(claim=claim, actor=world.users["grid_worker"])
    with pytest.raises(Conflict):
        services.claim_approve(claim=claim, actor=world.users["community_staff"])
    with pytest.raises(Conflict):
        services.claim_reject(claim=claim, actor=world.users["grid_worker"], reason="重复")

    claim.refresh_from_db()
    transfers = Transfer.objects.filter(idempotency_key=f"points-claim:{claim.uuid}")
    assert transfers.count() == 1 and transfers.get().kind == TransferKind.AWARD
    assert claim.status == ClaimStatus.APPROVED and claim.points == 10
    assert _balance(home) == 10
    assert list(ClaimEvent.objects.filter(claim=claim).values_list("from_status", "to_status")
                ) == [("", "pending"), ("pending", "approved")]
    assert ledger_verify().ok


def test_a_non_image_is_refused_with_a_clear_message(world, home):
    from django.core.files.uploadedfile import SimpleUploadedFile

    item = points_convention(world.community).items.get(code="HW01")
    fake = SimpleUploadedFile("x.png", b"<script>alert(1)</script>", content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        services.claim_submit(household=home, item=item, actor=world.users["resident"],
                              photo=fake)
    assert refused.value.field == "photo"


def test_reject_needs_a_reason_and_moves_no_points(world, home):
    claim = points_claim(home)
    with pytest.raises(ValidationError):
        services.claim_reject(claim=claim, actor=world.users["grid_worker"], reason=" ")
    services.claim_reject(claim=claim, actor=world.users["grid_worker"], reason="照片看不清")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED and claim.reason == "照片看不清"
    assert _balance(home) == 0


def test_cap_per_household_per_period_is_enforced(world, home):
    item = points_convention(world.community, cap=2).items.get(code="HW01")
    user = world.users["resident"]
    first = services.claim_submit(household=home, item=item, actor=user)
    services.claim_submit(household=home, item=item, actor=user)
    with pytest.raises(Conflict) as capped:
        services.claim_submit(household=home, item=item, actor=user)
    assert capped.value.code == "cap_reached"
    assert capped.value.message == "“门前三包环境整洁”每户每月最多 2 次，本周期已达上限。"
    services.claim_approve(claim=first, actor=world.users["grid_worker"])
    assert _balance(home) == 10


def test_cap_is_checked_again_at_approval(world, home):
    # Claims recorded past the cap (e.g. before a correction) cannot all be approved
    convention = points_convention(world.community, cap=1)
    claims = [points_claim(home) for _ in range(2)]
    services.claim_approve(claim=claims[0], actor=world.users["grid_worker"])
    with pytest.raises(Conflict) as capped:
        services.claim_approve(claim=claims[1], actor=world.users["grid_worker"])
    assert capped.value.code == "cap_reached"
    assert convention.items.get(code="HW01").cap_count == 1
    assert _balance(home) == 10


@override_settings(POINTS_CLAIMS_PER_DAY=3)
def test_claims_are_rate_limited_per_household(world, home):
    item = points_convention(world.community, cap=None).items.get(code="MA01")
    for _ in range(3):
        services.claim_submit(household=home, item=item, actor=world.users["resident"])
    with pytest.raises(services.RateLimited) as limited:
        services.claim_submit(household=home, item=item, actor=world.users["resident"])
    assert limited.value.status == 429
    assert limited.value.message == "您家 24 小时内已提交 3 次申报，已达上限，请明天再试。"


def test_deduction_needs_staff_approval(world, home):
    convention = points_convention(world.community, deductions=True)
    deduction = convention.items.get(code="DD01")
    from tests.factories import points_fund

    points_fund(home, 20)
    with pytest.raises(PermissionDenied):
        services.claim_submit(household=home, item=deduction, actor=world.users["resident"])
    claim = services.claim_record(household=home, item=deduction,
                                  actor=world.users["grid_worker"], note="乱扔垃圾")
    with pytest.raises(PermissionDenied):
        services.claim_approve(claim=claim, actor=world.users["grid_worker"])
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING and _balance(home) == 20
    services.claim_approve(claim=claim, actor=world.users["community_staff"])
    claim.refresh_from_db()
    assert claim.points == -5 and _balance(home) == 15


def test_reviewers_only_see_their_grids(world, home):
    other = points_member(community=world.other_community, user=world.other["resident"],
                          grid=world.other_grid)
    points_convention(world.other_community)
    mine, theirs = points_claim(home), points_claim(other)
    queue = selectors.claim_queue_for_user(user=world.users["grid_worker"])
    assert list(queue) == [mine]
    with pytest.raises(PermissionDenied):
        services.claim_approve(claim=theirs, actor=world.users["grid_worker"])
    assert selectors.claim_get_for_user(user=world.users["resident"], uuid=theirs.uuid) is None
    assert selectors.claim_get_for_user(user=world.users["resident"], uuid=mine.uuid) == mine


def test_bulk_approval_approves_each_and_reports_refusals(world, home):
    points_convention(world.community, cap=2)
    claims = [points_claim(home) for _ in range(3)]
    approved, refused = services.claim_bulk_approve(claims=claims,
                                                    actor=world.users["grid_worker"])
    assert [c.pk for c in approved] == [claims[0].pk, claims[1].pk]
    assert [(c.pk, m) for c, m in refused] == [
        (claims[2].pk, "“门前三包环境整洁”每户每月最多 2 次，本周期已达上限。")]
    assert _balance(home) == 20


# --- automatic awards -------------------------------------------------------------------


def test_award_for_source_is_idempotent_and_capped(world, home):
    services.award_rule_set(community=world.community, code="volunteer_hour",
                            title="志愿服务每小时", points_per_unit=2, unit_label="小时",
                            cap_points=10)
    first = services.award_for_source(household=home, rule_code="volunteer_hour",
                                      source_reference="order:abc", quantity=3, actor=None)
    again = services.award_for_source(household=home, rule_code="volunteer_hour",
                                      source_reference="order:abc", quantity=3, actor=None)
    assert first.pk == again.pk and first.points == 6 and _balance(home) == 6
    with pytest.raises(Conflict):
        services.award_for_source(household=home, rule_code="volunteer_hour",
                                  source_reference="order:abc", quantity=4, actor=None)
    capped = services.award_for_source(household=home, rule_code="volunteer_hour",
                                       source_reference="order:def", quantity=5, actor=None)
    assert capped.points == 4 and _balance(home) == 10
    zero = services.award_for_source(household=home, rule_code="volunteer_hour",
                                     source_reference="order:ghi", quantity=1, actor=None)
    assert zero.points == 0 and zero.transfer is None and _balance(home) == 10
    with pytest.raises(NotFound):
        services.award_for_source(household=home, rule_code="nope", source_reference="x",
                                  quantity=1, actor=None)
    assert Award.objects.count() == 3 and ledger_verify().ok


# --- household page, ranking ------------------------------------------------------------


def test_member_earnings_and_ranking_show_only_address_and_surname(world, home):
    from linli.registry.models import Resident

    points_convention(world.community)
    resident = home.residents.first()
    Resident.objects.filter(pk=resident.pk).update(name="李秀兰")
    claim = points_claim(home)
    services.claim_approve(claim=claim, actor=world.users["grid_worker"])
    earnings = selectors.member_earnings(household=home)
    assert [(e.name, e.points) for e in earnings] == [("李秀兰", 10)]
    rows = selectors.ranking_for(community=world.community, month=selectors.this_month())
    assert [(r.rank, r.surname, r.points) for r in rows] == [(1, "李", 10)]
    assert rows[0].address == home.address
    assert "秀兰" not in json.dumps([r.__dict__ for r in rows], ensure_ascii=False)


def test_household_page_lists_claims_and_balance(client, world, home):
    claim = points_claim(home)
    services.claim_approve(claim=claim, actor=world.users["grid_worker"])
    client.force_login(world.users["resident"])
    page = client.get(reverse("points:household")).content.decode()
    assert "门前三包环境整洁" in page and "已通过" in page
    assert 'data-testid="points-balance">10<' in page


def test_user_without_household_sees_an_empty_state(client, world):
    client.force_login(world.users["volunteer"])
    response = client.get(reverse("points:household"))
    assert response.status_code == 200 and "尚未关联" in response.content.decode()


# --- API --------------------------------------------------------------------------------


def test_api_claim_flow_and_error_bodies(client, world, home):
    convention = points_convention(world.community)
    item = convention.items.get(code="HW01")
    client.force_login(world.users["resident"])
    response = client.post("/api/v1/points/claims", {
        "item": str(item.uuid), "note": "打扫", "photo": points_png()})
    assert response.status_code == 201, response.content
    claim_uuid = response.json()["uuid"]
    assert response.json()["has_photo"] is True

    staff = UserFactory()
    client.force_login(world.users["grid_worker"])
    approve = f"/api/v1/points/claims/{claim_uuid}/approve"
    assert client.post(approve, "{}", content_type="application/json").status_code == 200
    again = client.post(approve, "{}", content_type="application/json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_decided"

    client.force_login(world.users["resident"])
    me = client.get("/api/v1/points/me").json()
    assert me["available"] == 10
    statement = client.get("/api/v1/points/me/statement").json()
    assert statement["items"][0]["change"] == 10
    client.force_login(staff)
    assert client.get("/api/v1/points/me").status_code == 404


def test_pages_ignore_malformed_query_parameters(client, world, home):
    client.force_login(world.users["resident"])
    mine = client.get(reverse("points:household") + "?household=nope")
    assert mine.status_code == 200 and mine.context["household"] == home
    ranking = client.get(reverse("points:rankings") + "?community=x&month=13-99")
    assert ranking.status_code == 200
    assert ranking.context["community"] == world.community
    assert ranking.context["month"] == selectors.this_month()
    client.force_login(world.users["grid_worker"])
    queue = client.get(reverse("points:queue") + "?grid=bad&status=odd")
    assert queue.status_code == 200
    assert queue.context["status"] == ClaimStatus.PENDING and queue.context["grid"] is None


def test_api_award_rules(client, world):
    client.force_login(world.users["community_staff"])
    body = {"community": str(world.community.uuid), "code": "volunteer_hour",
            "title": "志愿服务每小时", "points_per_unit": 2, "cap_points": 40}
    saved = client.put("/api/v1/points/rules", body, content_type="application/json")
    assert saved.status_code == 200 and saved.json()["cap_points"] == 40
    listed = client.get("/api/v1/points/rules").json()["items"]
    assert [r["code"] for r in listed] == ["volunteer_hour"]
    client.force_login(world.other["community_staff"])
    assert client.put("/api/v1/points/rules", body,
                      content_type="application/json").status_code == 404


def test_the_door_plate_home_links_to_my_points(client, world, home):
    client.force_login(world.users["resident"])
    page = client.get(reverse("registry:door", kwargs={"token": home.door_token}))
    assert f'href="{reverse("points:household")}"' in page.content.decode()
