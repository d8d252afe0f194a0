"""Who may act on points, decided by the services: every claim, deduction, convention and
award-rule action (tests/access/rules_points.py ACTION_RULES) called directly as every role
and as the system. Allowed roles succeed; every other role is refused by the service."""

import pytest

from linli.common.exceptions import PermissionDenied
from tests.access.rules import ROLES
from tests.access.rules_points import ACTION_RULES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", sorted(ACTION_RULES))
def test_each_points_action_is_decided_by_the_service(world, name):
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
