"""Granting and taking away roles: the account keeps its other roles, the audit log says who
did it, and the request that changes a role sees the new scope at once."""

import pytest

from linli.accounts.models import Role, RoleAssignment
from linli.accounts.selectors import communities_for, scopes_cached
from linli.accounts.services import role_grant, role_revoke
from linli.common.audit import audit_describe
from linli.common.exceptions import ValidationError
from linli.common.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def test_revoking_a_role_keeps_the_others_and_is_audited(world):
    admin = world.users["street_admin"]
    staff = world.users["community_staff"]
    role_grant(user=staff, role=Role.VOLUNTEER, scope=world.community)
    with scopes_cached():
        assert staff.has_role(Role.VOLUNTEER)
        assert role_revoke(user=staff, role=Role.VOLUNTEER, scope=world.community,
                           revoked_by=admin) == 1
        assert not staff.has_role(Role.VOLUNTEER) and staff.has_role(Role.COMMUNITY_STAFF)
        assert set(communities_for(staff)) == {world.community}
    assert list(RoleAssignment.objects.filter(user=staff).values_list("role", flat=True)) == [
        Role.COMMUNITY_STAFF]
    event = AuditEvent.objects.get(action=AuditAction.ROLE_CHANGED, reason="revoke")
    assert event.actor == admin and event.field == Role.VOLUNTEER
    described = audit_describe([event])[0]
    assert described.reason_label == "收回角色"
    assert described.object_label.endswith(str(Role.VOLUNTEER.label))


def test_revoking_the_last_scope_of_a_role_narrows_the_scope_in_the_same_request(world):
    staff = world.users["community_staff"]
    role_grant(user=staff, role=Role.COMMUNITY_STAFF, scope=world.other_community)
    with scopes_cached():
        assert set(communities_for(staff)) == {world.community, world.other_community}
        role_revoke(user=staff, role=Role.COMMUNITY_STAFF, scope=world.other_community)
        assert set(communities_for(staff)) == {world.community}


def test_revoking_a_role_not_held_changes_nothing(world):
    resident = world.users["resident"]
    before = AuditEvent.objects.count()
    assert role_revoke(user=resident, role=Role.VOLUNTEER, scope=world.other_community,
                       revoked_by=world.users["street_admin"]) == 0
    assert resident.has_role(Role.RESIDENT)
    assert AuditEvent.objects.count() == before


def test_a_role_needs_the_scope_it_is_held_in(world):
    with pytest.raises(ValidationError):
        role_revoke(user=world.users["grid_worker"], role=Role.GRID_WORKER, scope=world.community)
    with pytest.raises(ValidationError):
        role_revoke(user=world.users["grid_worker"], role="no_such_role", scope=world.grid)
    assert world.users["grid_worker"].has_role(Role.GRID_WORKER)
