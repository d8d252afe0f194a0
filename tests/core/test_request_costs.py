"""Fixed costs of every request: what a signed-in request reads and writes besides its page.

- A staff request with a fresh session writes nothing: the 30-minute idle expiry is pushed
  forward at most once a minute, and the idle timeout still signs staff out.
- The user and their roles (with scopes) are read once per request, whatever the page asks.
- Outside tests, database connections persist (SQLite runs its PRAGMAs once per connection).
"""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.accounts.middleware import IDLE_REFRESHED_KEY

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["/workbench/", "/registry/", "/workbench/orders/", "/workbench/points/queue/",
               "/workbench/ledger/", "/accounts/people/", "/inbox/"]
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


def _session_writes(queries) -> list[str]:
    return [sql for sql in _writes(queries) if "django_session" in sql]


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_a_staff_request_within_the_minute_writes_nothing(client, world):
    client.force_login(world.users["community_staff"])
    with CaptureQueriesContext(connection) as first:
        assert client.get("/workbench/").status_code == 200
    # The first staff request sets the 30-minute idle expiry (one session write)...
    assert len(_session_writes(first.captured_queries)) == 1
    remaining = _expiry(client) - timezone.now()
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)
    # ...the next ones within the minute write nothing at all.
    for page in ("/workbench/", "/registry/", "/workbench/orders/"):
        with CaptureQueriesContext(connection) as later:
            assert client.get(page).status_code == 200
        assert _writes(later.captured_queries) == [], page


def test_the_idle_expiry_moves_on_once_the_minute_has_passed(client, world):
    client.force_login(world.users["street_admin"])
    client.get("/workbench/")
    # The last refresh was two minutes ago and the stored expiry says so.
    session = client.session
    session[IDLE_REFRESHED_KEY] -= 120
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timedelta(minutes=28))
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/workbench/").status_code == 200
    assert len(_session_writes(queries.captured_queries)) == 1
    remaining = _expiry(client) - timezone.now()
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)


def test_staff_still_signed_out_after_thirty_idle_minutes(client, world):
    client.force_login(world.users["grid_worker"])
    client.get("/workbench/")
    client.get("/workbench/")  # within the minute: nothing written, still signed in
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/workbench/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_refresh_time_from_the_future_is_not_trusted(client, world):
    """A stored time ahead of the clock (a clock step back) does not freeze the expiry."""
    client.force_login(world.users["community_staff"])
    client.get("/workbench/")
    session = client.session
    session[IDLE_REFRESHED_KEY] += 3600
    session.save()
    with CaptureQueriesContext(connection) as queries:
        client.get("/workbench/")
    assert len(_session_writes(queries.captured_queries)) == 1


def test_resident_requests_write_no_session(client, world):
    client.force_login(world.users["resident"])
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
        assert client.get("/accounts/me/").status_code == 200
    assert _session_writes(queries.captured_queries) == []
    assert _expiry(client) - timezone.now() > timedelta(days=13)


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_user_and_roles_are_read_once_per_request(client, world, page):
    client.force_login(world.users["street_admin"])
    client.get(page)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    sqls = [q["sql"] for q in queries.captured_queries]
    role_reads = [s for s in sqls if 'FROM "accounts_roleassignment"' in s
                  and '"accounts_roleassignment"."user_id" = ' in s]
    user_reads = [s for s in sqls if s.startswith('SELECT "accounts_user".')
                  and '"accounts_user"."id" = ' in s]
    session_reads = [s for s in sqls if 'FROM "django_session"' in s]
    assert len(role_reads) == 1, role_reads
    assert len(user_reads) == 1, user_reads
    assert len(session_reads) == 1, session_reads


def test_cached_db_sessions_read_no_session_row(client, world, settings):
    """With a shared cache (Redis in production) sessions are read from it; the idle expiry
    and signing out work the same."""
    settings.CACHES = {**settings.CACHES, "sessions": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": f"linli-test-sessions-{os.getpid()}"}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "sessions"
    from django.core.cache import caches

    caches["sessions"].clear()
    try:
        client.force_login(world.users["community_staff"])
        client.get("/workbench/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/workbench/").status_code == 200
        sqls = [q["sql"] for q in queries.captured_queries]
        assert not [s for s in sqls if "django_session" in s]
        assert _writes(queries.captured_queries) == []
        # The database row still carries the 30-minute expiry.
        remaining = _expiry(client) - timezone.now()
        assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)
        # Signing out removes the session from the cache as well as the database.
        key = client.session.session_key
        client.post("/accounts/logout/")
        assert not Session.objects.filter(session_key=key).exists()
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        response = client.get("/workbench/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    finally:
        caches["sessions"].clear()


_CONNECTIONS_PER_REQUEST = """
import json, os, django
django.setup()
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connection
from django.db.backends.signals import connection_created
opened = []
connection_created.connect(lambda sender, connection, **kw: opened.append(1))
pragmas = []
for _ in range(3 if os.environ["PROBE_CONNECT"] else 0):
    request_started.send(sender=None)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            pragmas.append(cursor.execute("PRAGMA foreign_keys").fetchone()[0])
        cursor.execute("SELECT 1")
    request_finished.send(sender=None)
db = settings.DATABASES["default"]
print(json.dumps({"opened": len(opened), "max_age": db["CONN_MAX_AGE"],
                  "health": db["CONN_HEALTH_CHECKS"], "pragmas": pragmas,
                  "init": db.get("OPTIONS", {}).get("init_command", "")}))
"""


def _served_settings(tmp_path, database_url: str, connect: bool = True) -> dict:
    """Load settings as a server process does (not under tests) and serve three requests."""
    env = {k: v for k, v in os.environ.items() if k not in ("LINLI_TESTING", "CONN_MAX_AGE")}
    env.update(DJANGO_SETTINGS_MODULE="linli.settings", LINLI_DATA_DIR=str(tmp_path),
               DATABASE_URL=database_url, PROBE_CONNECT="1" if connect else "")
    out = subprocess.run([sys.executable, "-c", _CONNECTIONS_PER_REQUEST], env=env,
                         capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_sqlite_connections_persist_across_requests(tmp_path):
    served = _served_settings(tmp_path, f"sqlite:///{tmp_path / 'linli.sqlite3'}")
    assert served["max_age"] >= 60 and served["health"] is True
    # Three requests, one connection: the PRAGMAs ran once and still hold.
    assert served["opened"] == 1
    assert served["pragmas"] == [1, 1, 1]
    assert "foreign_keys=ON" in served["init"]


def test_postgresql_connections_persist_and_are_checked(tmp_path):
    db = connection.settings_dict
    on_postgresql = db["ENGINE"] == "django.db.backends.postgresql"
    if on_postgresql:  # the test database, connected to for real
        user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        url = f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    else:  # the settings a PostgreSQL deployment gets (no server needed)
        url = "postgres://linli@127.0.0.1:5432/linli"
    served = _served_settings(tmp_path, url, connect=on_postgresql)
    assert served["max_age"] >= 60 and served["health"] is True
    if on_postgresql:
        assert served["opened"] == 1
