"""Login lockout, staff idle timeout, password policy, CSRF and security headers."""

import gzip
from datetime import timedelta
from pathlib import Path

import django.contrib.auth.password_validation as pv
import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from linli.accounts.models import Role
from linli.accounts.services import user_create
from linli.common.exceptions import ValidationError
from linli.common.models import AuditAction, AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, mobile, password):
    return client.post("/accounts/login/", {"username": mobile, "password": password})


def test_five_failures_lock_the_account_for_fifteen_minutes(client, world):
    staff = world.users["community_staff"]
    for _ in range(5):
        response = _login(client, staff.mobile, "wrong-password-x")
    # Given five failures, the right password is refused too, with a clear locked page.
    response = _login(client, staff.mobile, PASSWORD)
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Every attempt is logged: axes' own log and the audit log.
    assert AccessFailureLog.objects.filter(username=staff.mobile).count() >= 5
    failures = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILURE,
                                         actor_label=staff.mobile)
    assert failures.count() >= 5
    assert failures.first().street_id == world.street.id  # filed under the account's street
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_LOCKED).exists()

    # Still locked after 14 minutes, open again after 16.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert _login(client, staff.mobile, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = _login(client, staff.mobile, PASSWORD)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_SUCCESS,
                                     actor=staff).exists()


def test_four_failures_do_not_lock(client, world):
    resident = world.users["resident"]
    for _ in range(4):
        _login(client, resident.mobile, "wrong-password-x")
    assert _login(client, resident.mobile, PASSWORD).status_code == 302


def test_api_token_login_is_locked_too(client, world):
    user = world.users["volunteer"]
    for _ in range(5):
        r = client.post("/api/v1/auth/token", {"mobile": user.mobile, "password": "nope-nope"},
                        content_type="application/json")
        assert r.status_code in (401, 429)
    r = client.post("/api/v1/auth/token", {"mobile": user.mobile, "password": PASSWORD},
                    content_type="application/json")
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "locked"


def test_staff_sessions_end_after_thirty_idle_minutes(client, world):
    staff = world.users["community_staff"]
    assert _login(client, staff.mobile, PASSWORD).status_code == 302
    client.get("/workbench/")
    session = Session.objects.get(session_key=client.session.session_key)
    remaining = session.expire_date - timezone.now()
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)
    # Idle past the limit: the next request finds no session and goes to the login page.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/workbench/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_resident_sessions_last_longer(client, world):
    resident = world.users["resident"]
    assert _login(client, resident.mobile, PASSWORD).status_code == 302
    client.get("/accounts/me/")
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.expire_date - timezone.now() > timedelta(days=13)


def _common_password(min_length: int) -> str:
    path = Path(pv.__file__).parent / "common-passwords.txt.gz"
    with gzip.open(path, "rt") as handle:
        for line in handle:
            word = line.strip()
            if len(word) >= min_length and not word.isdigit():
                return word
    raise AssertionError("no long common password in the list")


def test_staff_passwords_need_twelve_characters_and_not_common(world):
    with pytest.raises(ValidationError) as short:
        user_create(mobile="13100000001", password="Abc-12345xy", name="短密码",
                    roles=[(Role.COMMUNITY_STAFF, world.community)])
    assert short.value.field == "password"
    with pytest.raises(ValidationError):
        user_create(mobile="13100000002", password=_common_password(12), name="常见",
                    roles=[(Role.STREET_ADMIN, world.street)])
    staff = user_create(mobile="13100000003", password="Abc-12345xyz", name="合格",
                        roles=[(Role.COMMUNITY_STAFF, world.community)])
    assert staff.check_password("Abc-12345xyz")
    # Residents may use 8 characters.
    resident = user_create(mobile="13100000004", password="Qz-81t7x", name="居民",
                           roles=[(Role.RESIDENT, world.community)])
    assert resident.pk


def test_login_form_requires_csrf(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": world.users["resident"].mobile,
                                                "password": PASSWORD})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_session_api_writes_require_csrf(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["resident"])
    response = client.patch("/api/v1/me", {"elder_mode": True}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert not type(world.users["resident"]).objects.get(pk=world.users["resident"].pk).elder_mode


def test_security_headers(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp
