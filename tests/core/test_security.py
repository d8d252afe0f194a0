"""Login lockout, staff idle timeout, password policy, CSRF and security headers."""

import gzip
from datetime import timedelta
from pathlib import Path

import django.contrib.auth.password_validation as pv
import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.utils import timezone

from linli.accounts.models import Role
from linli.accounts.services import user_create
from linli.common.audit import client_ip
from linli.common.exceptions import ValidationError
from linli.common.models import AuditAction, AuditEvent
from tests.crawl.crawler import untranslated
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
    assert "该账号密码错误次数过多，已锁定 15 分钟" in response.content.decode()
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
    statuses = [client.post("/api/v1/auth/token",
                            {"mobile": user.mobile, "password": "nope-nope"},
                            content_type="application/json").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    r = client.post("/api/v1/auth/token", {"mobile": user.mobile, "password": PASSWORD},
                    content_type="application/json")
    assert r.status_code == 429
    assert r.json()["error"] == {"code": "account_locked", "fields": [],
                                 "message": "该账号密码错误次数过多，已锁定 15 分钟"}
    assert 890 <= int(r["Retry-After"]) <= 900


def test_a_second_resident_on_the_same_phone_is_not_locked_out(client, world):
    """Five wrong passwords by one resident lock her account, not the phone: her neighbour
    signs in from the same address and browser, and the message names the account."""
    first, second = world.users["resident"], world.users["volunteer"]
    for _ in range(5):
        _login(client, first.mobile, "wrong-password-x")
    assert _login(client, second.mobile, PASSWORD).status_code == 302
    client.logout()

    response = _login(client, first.mobile, PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "该账号密码错误次数过多，已锁定 15 分钟" in page and "此网络" not in page
    assert 'name="password"' in page  # the form stays, for whoever holds the phone next
    assert not untranslated(page)
    assert 890 <= int(response["Retry-After"]) <= 900
    assert "_auth_user_id" not in client.session


def test_tries_during_a_lock_do_not_extend_it(client, world):
    resident = world.users["resident"]
    for _ in range(5):
        _login(client, resident.mobile, "wrong-password-x")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=10))
    assert _login(client, resident.mobile, PASSWORD).status_code == 429
    assert _login(client, resident.mobile, "wrong-password-x").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _login(client, resident.mobile, PASSWORD).status_code == 302


def test_fifty_failures_from_one_address_lock_that_network(client, world):
    """Password spraying: one wrong password each for many accounts from one address."""
    statuses = [_login(client, f"1370000{i:04d}", "wrong-password-x").status_code
                for i in range(50)]
    assert set(statuses[:49]) == {200} and statuses[49] == 429

    response = _login(client, world.users["resident"].mobile, PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "此网络登录失败次数过多，请 15 分钟后再试" in page and "该账号" not in page
    assert 890 <= int(response["Retry-After"]) <= 900
    r = client.post("/api/v1/auth/token", {"mobile": world.users["resident"].mobile,
                                           "password": PASSWORD}, content_type="application/json")
    assert r.status_code == 429 and r.json()["error"]["code"] == "network_locked"
    assert r.json()["error"]["message"] == "此网络登录失败次数过多，请 15 分钟后再试"
    assert int(r["Retry-After"]) > 0

    # Another address is not affected, and the lock lifts after 15 minutes.
    elsewhere = Client(REMOTE_ADDR="198.51.100.9")
    assert _login(elsewhere, world.users["volunteer"].mobile, PASSWORD).status_code == 302
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _login(client, world.users["resident"].mobile, PASSWORD).status_code == 302


def test_api_token_lockout_does_not_catch_another_account(client, world):
    user = world.users["resident"]
    for _ in range(5):
        client.post("/api/v1/auth/token", {"mobile": user.mobile, "password": "nope-nope"},
                    content_type="application/json")
    other = client.post("/api/v1/auth/token", {"mobile": world.users["volunteer"].mobile,
                                               "password": PASSWORD},
                        content_type="application/json")
    assert other.status_code == 201


@override_settings(PROXY_COUNT=1)
def test_behind_the_proxy_the_client_address_is_logged_and_locked(world):
    """The proxy's own address is REMOTE_ADDR; the client's is the last X-Forwarded-For entry
    (whatever the client wrote further left is ignored)."""
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    proxy.post("/accounts/login/", {"username": "13700000001", "password": "wrong-password-x"},
               HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7")
    assert AuditEvent.objects.get(action=AuditAction.LOGIN_FAILURE).ip == "203.0.113.7"
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"

    for i in range(49):
        proxy.post("/accounts/login/", {"username": f"1370001{i:04d}", "password": "x-wrong-1"},
                   HTTP_X_FORWARDED_FOR="203.0.113.7")
    locked = proxy.post("/accounts/login/", {"username": world.users["resident"].mobile,
                                             "password": PASSWORD},
                        HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert locked.status_code == 429
    # A neighbour behind the same proxy is a different client.
    neighbour = proxy.post("/accounts/login/", {"username": world.users["volunteer"].mobile,
                                                "password": PASSWORD},
                           HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert neighbour.status_code == 302
    login = AuditEvent.objects.get(action=AuditAction.LOGIN_SUCCESS)
    assert login.ip == "203.0.113.8"


@override_settings(PROXY_COUNT=0)
def test_without_a_proxy_the_forwarded_header_is_ignored(world):
    direct = Client(REMOTE_ADDR="198.51.100.20")
    direct.post("/accounts/login/", {"username": "13700000001", "password": "wrong-password-x"},
                HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert AuditEvent.objects.get(action=AuditAction.LOGIN_FAILURE).ip == "198.51.100.20"
    assert AccessAttempt.objects.get().ip_address == "198.51.100.20"


@pytest.mark.parametrize(("proxies", "forwarded", "expected"), [
    (0, "203.0.113.7", "10.0.0.2"),
    (1, "203.0.113.7", "203.0.113.7"),
    (1, "1.2.3.4, 203.0.113.7", "203.0.113.7"),
    (1, "2001:db8::1", "2001:db8::1"),
    (1, "not-an-address", "10.0.0.2"),
    (1, None, "10.0.0.2"),
    (2, "203.0.113.7, 10.0.0.9", "203.0.113.7"),
    (2, "203.0.113.7", "10.0.0.2"),  # fewer entries than proxies: the header is not trusted
])
def test_client_ip_reads_the_entry_the_nearest_proxy_wrote(rf, settings, proxies, forwarded,
                                                           expected):
    settings.PROXY_COUNT = proxies
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2", **extra)) == expected


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
    assert response.status_code == 403
    assert not type(world.users["resident"]).objects.get(pk=world.users["resident"].pk).elder_mode


def test_security_headers(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self';" in csp
    assert "style-src 'self';" in csp  # no inline style either
    assert "frame-ancestors 'none'" in csp


def test_a_successful_login_clears_only_that_accounts_failures(client, world):
    """One resident signing in on the shared phone neither unlocks the other's account nor
    wipes the address's failure count."""
    first, second = world.users["resident"], world.users["volunteer"]
    for _ in range(5):
        _login(client, first.mobile, "wrong-password-x")
    for _ in range(2):
        _login(client, second.mobile, "wrong-password-x")
    assert _login(client, second.mobile, PASSWORD).status_code == 302
    client.logout()
    assert not AccessAttempt.objects.filter(username=second.mobile).exists()
    assert AccessAttempt.objects.get(username=first.mobile).failures_since_start == 5
    assert _login(client, first.mobile, PASSWORD).status_code == 429
