"""Ledger API input is strict (issue 12 item 7): minutes and amounts are JSON integers within
the ledger's bounds, statement filters are `YYYY-MM-DD` dates from 2000 to 2099. Each refusal
is a 422 naming the field, and no hours move."""

import json
from datetime import date

import pytest

from linli.ledger import services
from linli.ledger.models import Account, Transfer
from tests.strict_input import BAD_INTS, assert_refused, post

pytestmark = pytest.mark.django_db

#: Statement filters arrive as query text: not a date, outside 2000–2099, or impossible.
BAD_QUERY_DATES = ["0", "1", "-1", "1.5", "20260501", "1970-01-01", "0001-01-01",
                   "2100-01-01", "2026-13-01", "2026-02-30", "2026-05-01T09:00:00", "tomorrow",
                   "true"]


def _balances() -> list[tuple[int, int]]:
    return list(Account.objects.order_by("id").values_list("balance", "reserved"))


@pytest.mark.parametrize("name", ["since", "until"])
@pytest.mark.parametrize("value", BAD_QUERY_DATES)
def test_my_statement_filters_are_iso_dates(client, family, name, value):
    user, *_ = family
    client.force_login(user)
    response = client.get("/api/v1/timebank/me/statement", {name: value})
    assert_refused(response, name)


@pytest.mark.parametrize("name", ["since", "until"])
@pytest.mark.parametrize("value", BAD_QUERY_DATES)
def test_account_statement_filters_are_iso_dates(client, family, world, name, value):
    user, me, account, mother = family
    client.force_login(world.users["community_staff"])
    response = client.get(f"/api/v1/ledger/accounts/{account.uuid}/statement", {name: value})
    assert_refused(response, name)


def test_statement_filters_still_select_by_day(client, family):
    user, me, account, mother = family
    services.gift_create(giver=me, recipient=mother, minutes=30, idempotency_key="g",
                         actor=user)
    client.force_login(user)
    today = date.today().isoformat()
    kept = client.get("/api/v1/timebank/me/statement", {"since": today, "until": today})
    assert kept.status_code == 200, kept.content
    assert {e["kind"] for e in kept.json()["items"]} == {"gift", "earn"}
    none = client.get("/api/v1/timebank/me/statement", {"until": "2001-01-01"})
    assert none.status_code == 200 and none.json()["items"] == []


@pytest.mark.parametrize("value", BAD_INTS)
def test_gift_minutes_must_be_a_json_integer(client, family, value):
    user, me, account, mother = family
    client.force_login(user)
    before, transfers = _balances(), Transfer.objects.count()
    response = post(client, "post", "/api/v1/timebank/gifts",
                    {"recipient": str(mother.uuid), "minutes": value, "idempotency_key": "g"})
    assert_refused(response, "minutes")
    assert _balances() == before and Transfer.objects.count() == transfers


@pytest.mark.parametrize("value", BAD_INTS)
def test_donation_minutes_must_be_a_json_integer(client, family, value):
    user, *_ = family
    client.force_login(user)
    before, transfers = _balances(), Transfer.objects.count()
    response = post(client, "post", "/api/v1/timebank/donations",
                    {"minutes": value, "idempotency_key": "d"})
    assert_refused(response, "minutes")
    assert _balances() == before and Transfer.objects.count() == transfers


@pytest.mark.parametrize("value", [*BAD_INTS, 0, -5, services.MAX_AMOUNT + 1])
def test_adjustment_amount_must_be_a_json_integer_in_range(client, family, world, value):
    user, me, account, mother = family
    client.force_login(world.users["community_staff"])
    before, transfers = _balances(), Transfer.objects.count()
    response = post(client, "post", f"/api/v1/ledger/accounts/{account.uuid}/adjustments",
                    {"direction": "credit", "amount": value, "reason": "漏记",
                     "idempotency_key": "a"})
    assert_refused(response, "amount")
    assert _balances() == before and Transfer.objects.count() == transfers


@pytest.mark.parametrize("value", [*[v for v in BAD_INTS if v is not None], 0,
                                   services.MAX_AMOUNT + 1])
def test_partial_reversal_amount_must_be_a_json_integer_in_range(client, family, world, value):
    user, me, account, mother = family
    gift = services.gift_create(giver=me, recipient=mother, minutes=60, idempotency_key="g",
                                actor=user)
    client.force_login(world.users["community_staff"])
    before, transfers = _balances(), Transfer.objects.count()
    response = post(client, "post", f"/api/v1/ledger/transfers/{gift.uuid}/reversal",
                    {"amount": value, "reason": "录错", "idempotency_key": "r"})
    assert_refused(response, "amount")
    assert _balances() == before and Transfer.objects.count() == transfers


def test_a_reversal_without_an_amount_reverses_in_full(client, family, world):
    user, me, account, mother = family
    gift = services.gift_create(giver=me, recipient=mother, minutes=60, idempotency_key="g",
                                actor=user)
    client.force_login(world.users["community_staff"])
    response = post(client, "post", f"/api/v1/ledger/transfers/{gift.uuid}/reversal",
                    {"amount": None, "reason": "录错", "idempotency_key": "r"})
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == 60
    account.refresh_from_db()
    assert account.balance == 600


@pytest.mark.parametrize("value", BAD_INTS)
def test_fund_allocation_minutes_must_be_a_json_integer(client, family, world, value):
    user, me, account, mother = family
    client.force_login(world.users["community_staff"])
    before, transfers = _balances(), Transfer.objects.count()
    response = post(client, "post",
                    f"/api/v1/timebank/funds/{world.community.uuid}/allocations",
                    {"recipient": str(mother.uuid), "minutes": value, "idempotency_key": "f"})
    assert_refused(response, "minutes")
    assert _balances() == before and Transfer.objects.count() == transfers


def test_the_schema_states_the_bounds_and_date_form(client, family):
    user, *_ = family
    client.force_login(user)
    schema = json.loads(client.get("/api/openapi.json").content)
    amount = schema["components"]["schemas"]["ReversalIn"]["properties"]["amount"]["anyOf"][0]
    assert amount == {"type": "integer", "minimum": 1, "maximum": services.MAX_AMOUNT}
    for name in ("GiftIn", "DonationIn", "AllocationIn"):
        minutes = schema["components"]["schemas"][name]["properties"]["minutes"]
        assert (minutes["minimum"], minutes["maximum"]) == (1, services.MAX_AMOUNT)
    params = {p["name"]: p["schema"] for p in
              schema["paths"]["/api/v1/timebank/me/statement"]["get"]["parameters"]}
    for name in ("since", "until"):
        assert params[name]["anyOf"][0]["pattern"].startswith("^20")
