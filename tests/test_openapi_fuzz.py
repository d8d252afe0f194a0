"""Property-based fuzzing of the whole API from its OpenAPI schema: no server errors, every
response (including errors) matches the documented schema, bad input is rejected."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from linli.wsgi import application

pytestmark = pytest.mark.fuzz

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)

# The token route locks accounts after failures by design; fuzzing it would lock the fuzzer out.
schema = schema.exclude(path="/api/v1/auth/token", method="POST")


@pytest.fixture
def api_token(world):
    """A user holding every role, so every operation is reachable."""
    from linli.accounts.models import Role
    from linli.accounts.services import api_token_create, role_grant

    user = world.users["community_staff"]
    for role, scope in [(Role.STREET_ADMIN, world.street), (Role.AUDITOR, world.street),
                        (Role.GRID_WORKER, world.grid), (Role.RESIDENT, world.community),
                        (Role.VOLUNTEER, world.community), (Role.STORE_CLERK, world.community)]:
        role_grant(user=user, role=role, scope=scope)
    _token, key = api_token_create(user=user, name="fuzz")
    return key


@pytest.fixture
def keep_test_transaction():
    # The WSGI handler closes "obsolete" connections after each request, which would end the
    # test's transaction; the test client avoids this the same way.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_api_conforms_to_its_schema(case, api_token, keep_test_transaction):
    case.call_and_validate(headers={"Authorization": f"Bearer {api_token}"})
