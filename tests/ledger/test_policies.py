"""Who may move value: decided inside the services (policies + require), so the page, the API
and any caller get the same answer. Each refusal is checked on the service itself and, where
they exist, through the page and the API."""

import json
from datetime import date

import pytest
from django.test import override_settings

from linli.accounts.models import Role
from linli.common.exceptions import PermissionDenied
from linli.ledger import policies, services
from linli.ledger.models import Account, AccountKind, Transfer, TransferKind
from linli.ledger.services import InsufficientFunds, LimitExceeded
from tests.factories import UserFactory, ledger_funded_account, ledger_resident, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(world):
    """A household of community A: 管素芹 (10 hours, signs in) and her mother; the community
    fund holds 5 hours."""
    user = UserFactory(name="管素芹")
    me = ledger_resident(community=world.community, user=user, name="管素芹")
    account = ledger_funded_account(resident=me, minutes=600)
    mother = ledger_resident(household=me.household, name="管老太", birth_date=date(1930, 3, 8))
    donor = ledger_funded_account(community=world.community, minutes=300, user=UserFactory())
    services.donation_create(donor=donor.resident, minutes=300, idempotency_key="fund",
                             actor=donor.resident.user)
    fund = Account.objects.get(kind=AccountKind.COMMUNITY_FUND, community=world.community)
    return user, me, account, mother, fund


def _api(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


# --- gifts and donations: only the holder of the hours --------------------------------


@pytest.mark.parametrize("who", ["mother", "staff", "system"])
def test_only_the_holder_gifts_their_hours(world, home, who):
    user, me, account, mother, fund = home
    mother_user = UserFactory()
    type(mother).objects.filter(pk=mother.pk).update(user=mother_user)
    actor = {"mother": mother_user, "staff": world.users["community_staff"],
             "system": None}[who]
    with pytest.raises(PermissionDenied, match="只有时长的持有人"):
        services.gift_create(giver=me, recipient=mother, minutes=30, idempotency_key="g",
                             actor=actor)
    assert not Transfer.objects.filter(kind=TransferKind.GIFT).exists()


@pytest.mark.parametrize("who", ["street_admin", "system"])
def test_only_the_holder_donates_their_hours(world, home, who):
    user, me, account, mother, fund = home
    actor = world.users[who] if who != "system" else None
    with pytest.raises(PermissionDenied):
        services.donation_create(donor=me, minutes=30, idempotency_key="d", actor=actor)
    account.refresh_from_db()
    assert account.balance == 600


# --- allocation: staff looking after the fund's community ------------------------------


@pytest.mark.parametrize("who", ["other_staff", "store_clerk", "resident", "system"])
def test_allocation_by_someone_not_looking_after_the_fund_is_refused(world, home, who):
    user, me, account, mother, fund = home
    actor = {"other_staff": world.other["community_staff"],
             "store_clerk": world.users["store_clerk"], "resident": user, "system": None}[who]
    assert not policies.can_allocate(actor, fund)
    with pytest.raises(PermissionDenied, match="只有本社区工作人员"):
        services.allocation_create(fund=fund, recipient=mother, minutes=60,
                                   idempotency_key="a", actor=actor)
    fund.refresh_from_db()
    assert fund.balance == 300


@pytest.mark.parametrize("who", ["community_staff", "street_admin"])
def test_staff_of_the_community_and_the_street_allocate(world, home, who):
    user, me, account, mother, fund = home
    services.allocation_create(fund=fund, recipient=mother, minutes=60, idempotency_key="a",
                               actor=world.users[who])
    assert Account.objects.get(resident=mother).balance == 60


def test_allocation_refused_by_the_api_for_staff_of_another_community(client, world, home):
    user, me, account, mother, fund = home
    # A street administrator may; staff of community B do not even see community A's fund.
    client.force_login(world.other["community_staff"])
    response = _api(client, f"/api/v1/timebank/funds/{world.community.uuid}/allocations",
                    {"recipient": str(mother.uuid), "minutes": 60, "idempotency_key": "a"})
    assert response.status_code == 404
    assert not Transfer.objects.filter(kind=TransferKind.ALLOCATION).exists()


# --- staff corrections: never on one's own household -----------------------------------


@pytest.fixture
def staff_at_home(world, home):
    """Community staff who lives in 管素芹's household."""
    user, me, account, mother, fund = home
    staff = user_with_role(Role.COMMUNITY_STAFF, world.community)
    ledger_resident(household=me.household, user=staff, name="管小弟")
    return staff


def test_staff_cannot_correct_their_own_household(world, home, staff_at_home):
    user, me, account, mother, fund = home
    assert policies.is_own_or_family(staff_at_home, account)
    assert not policies.can_adjust(staff_at_home, account)
    with pytest.raises(PermissionDenied, match="自己或家人"):
        services.adjustment_create(account=account, direction="credit", amount=60,
                                   reason="漏记", idempotency_key="a", actor=staff_at_home)
    earn = Transfer.objects.get(credit=account, kind=TransferKind.EARN)
    with pytest.raises(PermissionDenied, match="自己或家人"):
        services.transfer_correct(transfer=earn, reason="录错", idempotency_key="r",
                                  actor=staff_at_home)
    account.refresh_from_db()
    assert account.balance == 600
    # Another member of staff may
    services.adjustment_create(account=account, direction="credit", amount=60, reason="漏记",
                               idempotency_key="a2", actor=world.users["community_staff"])
    account.refresh_from_db()
    assert account.balance == 660


@pytest.mark.parametrize("who", ["other_staff", "resident", "store_clerk", "system"])
def test_corrections_by_others_are_refused_by_the_service(world, home, who):
    user, me, account, mother, fund = home
    actor = {"other_staff": world.other["community_staff"], "resident": user,
             "store_clerk": world.users["store_clerk"], "system": None}[who]
    with pytest.raises(PermissionDenied):
        services.adjustment_create(account=account, direction="debit", amount=60,
                                   reason="重复", idempotency_key="a", actor=actor)
    earn = Transfer.objects.get(credit=account, kind=TransferKind.EARN)
    with pytest.raises(PermissionDenied):
        services.transfer_correct(transfer=earn, reason="录错", idempotency_key="r",
                                  actor=actor)
    account.refresh_from_db()
    assert account.balance == 600


def test_own_household_correction_refused_on_the_page_and_the_api(client, world, home,
                                                                   staff_at_home):
    user, me, account, mother, fund = home
    client.force_login(staff_at_home)
    page = client.get(f"/workbench/ledger/{account.uuid}/")
    assert page.status_code == 200 and page.context["adjust"] is None
    preview = client.post(f"/workbench/ledger/{account.uuid}/adjust/",
                          {"direction": "credit", "amount": "1", "reason": "漏记"}, follow=True)
    assert "自己或家人" in preview.content.decode()
    earn = Transfer.objects.get(credit=account, kind=TransferKind.EARN)
    reverse = client.post(f"/workbench/ledger/transfers/{earn.uuid}/reverse/",
                          {"reason": "录错", "idempotency_key": "r"})
    assert reverse.status_code == 200 and "自己或家人" in reverse.content.decode()
    api = _api(client, f"/api/v1/ledger/accounts/{account.uuid}/adjustments",
               {"direction": "credit", "amount": 60, "reason": "漏记", "idempotency_key": "a"})
    assert api.status_code == 403 and api.json()["error"]["code"] == "forbidden"
    api = _api(client, f"/api/v1/ledger/transfers/{earn.uuid}/reversal",
               {"reason": "录错", "idempotency_key": "r"})
    assert api.status_code == 403
    account.refresh_from_db()
    assert account.balance == 600
    assert not Transfer.objects.filter(kind__in=[TransferKind.ADJUSTMENT,
                                                 TransferKind.REVERSAL]).exists()


# --- one validation for the preview and the service ------------------------------------


def test_checks_name_the_field_and_the_problem(world, home):
    user, me, account, mother, fund = home
    with pytest.raises(InsufficientFunds) as exc:
        services.gift_check(giver=me, recipient=mother, minutes=99_999 * 60)
    assert (exc.value.field, exc.value.message) == (
        "minutes", "时长不足：可用10小时，申请99,999小时。")
    with override_settings(LEDGER_TIME_GIFT_YEARLY_CAP_MINUTES=300):
        with pytest.raises(LimitExceeded) as exc:
            services.gift_check(giver=me, recipient=mother, minutes=301)
    assert exc.value.field == "minutes"
    assert exc.value.message == "每年最多转赠5小时，今年还可转赠5小时。"
    with override_settings(LEDGER_TIME_STORAGE_CAP_MINUTES=60):
        with pytest.raises(LimitExceeded) as exc:
            services.gift_check(giver=me, recipient=mother, minutes=90)
        assert exc.value.message == "管老太的时间账户最多可存1小时，还可存入1小时。"
    with pytest.raises(InsufficientFunds) as exc:
        services.allocation_check(fund=fund, recipient=mother, minutes=301)
    assert exc.value.field == "minutes"
    with pytest.raises(InsufficientFunds) as exc:
        services.adjustment_check(account=account, direction="debit", amount=601, reason="x")
    assert (exc.value.field, exc.value.message) == ("amount", "最多只能从该账户扣减10小时。")
    for bad in (0, -5):
        with pytest.raises(services.ValidationError) as exc:
            services.donation_check(donor=me, minutes=bad)
        assert exc.value.field == "minutes"
