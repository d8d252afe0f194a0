"""Who may act in the points store, decided by the services: every goods, exchange and counter
action (tests/access/rules_store.py ACTION_RULES) called directly as every role and as the
system. Allowed roles succeed; every other role is refused by the service."""

import pytest

from linli.common.exceptions import PermissionDenied
from tests.access.rules import ROLES
from tests.access.rules_store import ACTION_RULES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _room_for_many_exchanges(settings):
    settings.STORE_REDEMPTIONS_PER_DAY = 100  # one household makes an exchange per role


@pytest.mark.parametrize("name", sorted(ACTION_RULES))
def test_each_store_action_is_decided_by_the_service(world, name):
    rule = ACTION_RULES[name]
    wrong = []
    for role in (*ROLES, "system"):
        actor = None if role == "system" else world.users[role]
        allowed = rule.system if role == "system" else role in rule.allowed
        try:
            result = rule.run(world, actor)
        except PermissionDenied as exc:
            if allowed:
                wrong.append((role, "refused", exc.message))
        else:
            if not allowed:
                wrong.append((role, "allowed", result))
    assert not wrong, f"{name}: {wrong}"
