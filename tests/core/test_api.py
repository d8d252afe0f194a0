"""API basics: token and session auth, one error body, OpenAPI and docs without a CDN."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from linli.accounts.models import ApiToken
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _token(client, user) -> str:
    r = client.post("/api/v1/auth/token", {"mobile": user.mobile, "password": PASSWORD,
                                           "device": "测试手机"}, content_type="application/json")
    assert r.status_code == 201, r.content
    return r.json()["token"]


def test_bearer_token_authenticates_and_can_be_revoked(client, world):
    user = world.users["volunteer"]
    token = _token(client, user)
    stored = ApiToken.objects.get(user=user)
    assert token not in stored.key_hash  # only a hash is kept
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    me = client.get("/api/v1/me", **auth).json()
    assert me["name"] == user.name
    assert me["mobile_masked"] == f"{user.mobile[:3]}****{user.mobile[-4:]}"
    assert user.mobile not in str(me)
    assert me["roles"][0]["role"] == "volunteer"
    assert client.delete("/api/v1/auth/token", **auth).status_code == 204
    r = client.get("/api/v1/me", **auth)
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"
    r = client.get("/api/v1/me")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"


def test_expired_token_is_refused(client, world):
    token = _token(client, world.users["resident"])
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_wrong_password_gives_the_error_body(client, world):
    r = client.post("/api/v1/auth/token", {"mobile": world.users["resident"].mobile,
                                           "password": "not-this-one"},
                    content_type="application/json")
    assert r.status_code == 401
    body = r.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == "invalid_credentials"
    assert body["error"]["message"] == "手机号或密码不正确。"


def test_validation_errors_name_the_field(client, world):
    client.force_login(world.users["resident"])
    r = client.patch("/api/v1/me", {"elder_mode": "maybe"}, content_type="application/json")
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"][0]["field"] == "elder_mode"
    r = client.get("/api/v1/communities", {"limit": 0})
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "limit"


def test_session_auth_and_elder_mode(client, world):
    client.force_login(world.users["resident"])
    r = client.patch("/api/v1/me", {"elder_mode": True}, content_type="application/json")
    assert r.status_code == 200 and r.json()["elder_mode"] is True


def test_communities_are_scoped(client, world):
    client.force_login(world.users["community_staff"])
    names = [c["name"] for c in client.get("/api/v1/communities").json()["items"]]
    assert names == ["紫轩社区"]
    client.force_login(world.users["street_admin"])
    names = {c["name"] for c in client.get("/api/v1/communities").json()["items"]}
    assert names == {"紫轩社区", "观湖社区"}


def test_people_api_is_scoped_and_masked(client, world):
    client.force_login(world.users["community_staff"])
    body = client.get("/api/v1/people").json()
    mobiles = {p["mobile_masked"] for p in body["items"]}
    assert all("****" in m for m in mobiles)
    names = {p["name"] for p in body["items"]}
    assert world.users["volunteer"].name in names
    assert world.other["resident"].name not in names


def test_openapi_and_docs_are_served_locally(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "Linli API"
    assert all(p.startswith("/api/v1/") for p in schema["paths"])
    docs = client.get("/api/docs").content.decode()
    assert "swagger" in docs.lower()
    assert "cdn" not in docs.lower() and "https://" not in docs


def test_schema_names_are_unique_across_apps():
    """OpenAPI components are keyed by class name: two apps' `DecisionIn` would silently
    replace each other in the documented schema."""
    import collections

    from ninja import Schema

    import linli.api  # noqa: F401  (registers every router)

    seen, stack = collections.defaultdict(set), list(Schema.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("linli."):
            seen[cls.__name__].add(cls.__module__)
    clashes = {name: mods for name, mods in seen.items() if len(mods) > 1}
    assert not clashes, clashes


@pytest.mark.parametrize("token_state", ["unknown", "expired", "revoked"])
def test_a_bad_token_on_a_write_answers_401_not_a_csrf_failure(world, token_state):
    """Mobile clients send no CSRF token: a wrong, expired or revoked bearer token must say
    so (401 invalid_token), not fail the session cookie's CSRF check (403)."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    user = world.users["resident"]
    key = "not-a-real-token" if token_state == "unknown" else _token(client, user)
    if token_state == "expired":
        ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    if token_state == "revoked":
        ApiToken.objects.update(revoked_at=timezone.now())
    r = client.patch("/api/v1/me", {"elder_mode": True}, content_type="application/json",
                     HTTP_AUTHORIZATION=f"Bearer {key}")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_token"
    assert r.json()["error"]["message"] == "登录凭证无效或已过期，请重新登录。"
    assert not type(user).objects.get(pk=user.pk).elder_mode
    # A good token needs no CSRF token.
    good = _token(client, user)
    r = client.patch("/api/v1/me", {"elder_mode": True}, content_type="application/json",
                     HTTP_AUTHORIZATION=f"Bearer {good}")
    assert r.status_code == 200 and r.json()["elder_mode"] is True


LOW_RATES = {"anon": "3/min", "user": "3/min", "token": "2/min"}


def _assert_throttled(r):
    assert r.status_code == 429
    error = r.json()["error"]
    assert error["code"] == "throttled" and error["fields"] == []
    assert error["message"].startswith("请求过于频繁，请") and "秒后再试" in error["message"]
    assert 1 <= int(r["Retry-After"]) <= 60


def test_signed_in_requests_are_throttled_per_account(client, world, settings):
    first, second = _token(client, world.users["volunteer"]), _token(client, world.users["resident"])
    settings.API_THROTTLE_RATES = LOW_RATES
    for _ in range(3):
        assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {first}").status_code == 200
    _assert_throttled(client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {first}"))
    # Another account from the same address has its own budget.
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 200


def test_token_requests_are_throttled_per_address(world, settings):
    from django.test import Client

    settings.API_THROTTLE_RATES = LOW_RATES
    here, elsewhere = Client(REMOTE_ADDR="198.51.100.1"), Client(REMOTE_ADDR="198.51.100.2")
    body = {"mobile": world.users["resident"].mobile, "password": "not-this-one"}
    for _ in range(2):
        assert here.post("/api/v1/auth/token", body, content_type="application/json"
                         ).status_code == 401
    _assert_throttled(here.post("/api/v1/auth/token", body, content_type="application/json"))
    body["password"] = PASSWORD
    assert elsewhere.post("/api/v1/auth/token", body, content_type="application/json"
                          ).status_code == 201


def test_anonymous_requests_are_throttled_per_address(world, settings):
    from django.test import Client

    settings.API_THROTTLE_RATES = {**LOW_RATES, "token": "100/min"}
    here = Client(REMOTE_ADDR="198.51.100.1")
    body = {"mobile": world.users["resident"].mobile, "password": "not-this-one"}
    statuses = [here.post("/api/v1/auth/token", body, content_type="application/json"
                          ).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    _assert_throttled(here.post("/api/v1/auth/token", body, content_type="application/json"))


def test_throttle_rates_are_checked_when_read():
    from django.core.exceptions import ImproperlyConfigured

    from linli.common.api import RateThrottle

    assert RateThrottle.parse_rate("60/min") == (60, 60)
    assert RateThrottle.parse_rate("10/hour") == (10, 3600)
    for bad in ("60", "sixty/min", "60/week", "0/min", "-1/min"):
        with pytest.raises(ImproperlyConfigured):
            RateThrottle.parse_rate(bad)


def test_throttling_is_documented_in_the_schema(client):
    schema = client.get("/api/openapi.json").json()
    assert "429" in schema["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert "429" in schema["paths"]["/api/v1/me"]["get"]["responses"]


def test_production_rates_are_on_by_default():
    """Tests run with the throttles off; a server started normally has them on."""
    import subprocess
    import sys

    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'linli.settings'; "
            "django.setup(); from django.conf import settings; "
            "print(sorted(settings.API_THROTTLE_RATES.items()))")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("API_THROTTLE", "PYTEST", "LINLI_TESTING"))}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[('anon', '60/min'), ('token', '10/min'), ('user', '600/min')]"
