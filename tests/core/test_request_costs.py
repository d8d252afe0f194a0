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


# --- Scopes: the communities and grids behind a user's roles, read once per request --------

COMMUNITY_IDS = 'FROM "registry_community" WHERE "registry_community"."street_id" IN'
GRID_IDS = 'FROM "registry_grid" WHERE "registry_grid"."community_id" IN'


def _scope_reads(sqls: list[str]) -> tuple[list[str], list[str]]:
    ids_only = [s for s in sqls if s.startswith('SELECT "registry_')]
    return ([s for s in ids_only if COMMUNITY_IDS in s],
            [s for s in ids_only if GRID_IDS in s])


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_a_street_admins_scope_is_read_once_per_request(client, world, page):
    """Policies, lists and filters each ask for the communities and grids of the street; the
    page reads them once, whichever roles each selector asks about."""
    client.force_login(world.users["street_admin"])
    client.get(page)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    communities, grids = _scope_reads([q["sql"] for q in queries.captured_queries])
    assert len(communities) <= 1, communities
    assert len(grids) <= 1, grids


def test_the_workbench_counts_the_scope_with_two_scope_reads(client, world):
    client.force_login(world.users["street_admin"])
    client.get("/workbench/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/workbench/").content.decode()
    communities, grids = _scope_reads([q["sql"] for q in queries.captured_queries])
    assert (len(communities), len(grids)) == (1, 1)
    assert world.community.name in page and world.other_community.name in page


def test_scopes_are_read_once_inside_a_request_and_again_in_the_next(world,
                                                                     django_assert_num_queries):
    from linli.accounts.models import Role
    from linli.accounts.selectors import (
        communities_for,
        community_ids_for,
        grid_ids_for,
        grids_for,
        scopes_cached,
    )
    from tests.factories import CommunityFactory, GridFactory

    admin = world.users["street_admin"]
    admin.role_assignments  # noqa: B018  (the roles are read once per request anyway)
    both = {world.community.pk, world.other_community.pk}
    with scopes_cached():
        with django_assert_num_queries(2):  # the street's communities, then their grids
            for roles in ({Role.STREET_ADMIN}, {Role.STREET_ADMIN, Role.COMMUNITY_STAFF}):
                assert community_ids_for(admin, roles) == both
                assert grid_ids_for(admin, roles) == {world.grid.pk, world.other_grid.pk}
        with django_assert_num_queries(1):  # the list itself; the ids are known
            assert set(communities_for(admin).values_list("pk", flat=True)) == both
        grids_for(admin)
        grids_for(admin)
    # A community opened after that request is in the next one's scope.
    newer = CommunityFactory(street=world.street)
    newer_grid = GridFactory(community=newer)
    with scopes_cached():
        assert newer.pk in community_ids_for(admin)
        assert newer_grid.pk in grid_ids_for(admin)


def test_a_role_granted_during_a_request_widens_the_scope_at_once(world):
    """The request that grants a role (a registration approved, a binding confirmed) checks
    the new scope in the same request, with nothing stale left from before the grant."""
    from linli.accounts.models import Role
    from linli.accounts.selectors import communities_for, grids_for, scopes_cached
    from linli.accounts.services import role_grant

    staff = world.users["community_staff"]
    with scopes_cached():
        assert set(communities_for(staff)) == {world.community}
        assert set(grids_for(staff)) == {world.grid}
        assert not staff.has_role(Role.STREET_ADMIN)
        role_grant(user=staff, role=Role.COMMUNITY_STAFF, scope=world.other_community,
                   granted_by=world.users["street_admin"])
        assert set(communities_for(staff)) == {world.community, world.other_community}
        assert set(grids_for(staff)) == {world.grid, world.other_grid}
        role_grant(user=staff, role=Role.STREET_ADMIN, scope=world.street)
        assert staff.has_role(Role.STREET_ADMIN)
        assert staff.home_street_id == world.street.pk
        assert set(communities_for(staff, {Role.STREET_ADMIN})) == {
            world.community, world.other_community}


def test_anonymous_and_roleless_users_have_no_scope(world, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    from linli.accounts.selectors import communities_for, grids_for, scopes_cached
    from tests.factories import UserFactory

    nobody = UserFactory()
    with scopes_cached():
        for user in (AnonymousUser(), nobody):
            assert list(communities_for(user)) == [] and list(grids_for(user)) == []
