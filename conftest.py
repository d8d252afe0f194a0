import os
from dataclasses import dataclass, field

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.browser.collector import BrowserErrors, install
from tests.conftest_helpers import CHROMIUM, PHONE


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage"],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, **PHONE}


@pytest.fixture(autouse=True)
def browser_errors(request, monkeypatch):
    """Every browser test fails on a console error, an uncaught page error or a CSP violation
    (an inline `onchange=` that `script-src 'self'` blocks), listed at teardown. A test that
    expects one calls `browser_errors.allow(regex)`; one that checks them itself `take()`s them."""
    collector = BrowserErrors()
    install(monkeypatch, collector)
    yield collector
    for context in collector.contexts:  # flush the events of contexts a test left open
        try:
            context.close()
        except Exception:  # already closed with its fixture, or the browser is gone
            pass
    problems = collector.unexpected()
    if problems:
        pytest.fail(f"{request.node.nodeid}: the browser reported {len(problems)} problem(s):\n"
                    + collector.report(problems), pytrace=False)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Cache rows (throttles, lockouts) must not leak from one test into the next."""
    yield
    from django.core.cache import cache

    try:
        cache.clear()
    except Exception:  # the database may already be gone at teardown
        pass


@dataclass
class World:
    """One street with two communities (A and B), each with a grid, and a user of every role
    in community A; `other` holds community B's staff for scope-isolation checks."""

    street: object
    community: object
    grid: object
    other_community: object
    other_grid: object
    users: dict = field(default_factory=dict)
    other: dict = field(default_factory=dict)


@pytest.fixture
def world(db):
    from linli.accounts.models import Role
    from tests.factories import CommunityFactory, GridFactory, StreetFactory, user_with_role

    street = StreetFactory()
    community = CommunityFactory(street=street, name="紫轩社区")
    other_community = CommunityFactory(street=street, name="观湖社区")
    grid = GridFactory(community=community)
    other_grid = GridFactory(community=other_community)
    scopes = {
        Role.RESIDENT: community, Role.VOLUNTEER: community, Role.GRID_WORKER: grid,
        Role.COMMUNITY_STAFF: community, Role.STREET_ADMIN: street,
        Role.STORE_CLERK: community, Role.AUDITOR: street,
    }
    users = {role.value: user_with_role(role, scope) for role, scope in scopes.items()}
    other = {
        "community_staff": user_with_role(Role.COMMUNITY_STAFF, other_community),
        "grid_worker": user_with_role(Role.GRID_WORKER, other_grid),
        "resident": user_with_role(Role.RESIDENT, other_community),
    }
    return World(street, community, grid, other_community, other_grid, users, other)
