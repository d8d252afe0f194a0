"""A volunteer keeps their own details current and may withdraw (退出志愿者) with a reason,
but not while they hold a service they accepted or are giving."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from linli.common.exceptions import Conflict, PermissionDenied, ValidationError
from linli.volunteers import services
from linli.volunteers.models import Skill, TeamMembership, VolunteerEvent, VolunteerStatus
from tests.factories import GridFactory, orders_order, volunteer_make, volunteer_team

pytestmark = pytest.mark.django_db


def _skills():
    return Skill.objects.filter(code__in=["haircut", "repair"]).order_by("order")


def _api(client, method, url, body):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_the_volunteer_edits_skills_times_area_and_contact_on_the_page(client, world):
    volunteer = volunteer_make(community=world.community, slots=((0, 8, 12), (3, 9, 11)))
    grid = GridFactory(community=world.community, name="第三网格")
    haircut, repair = _skills()
    client.force_login(volunteer.user)
    page = client.get(reverse("volunteers:profile"))
    assert page.status_code == 200
    assert page.context["form"].initial["slots"] == ["0-am"]
    assert "周四 09:00–11:00" in page.content.decode()  # an agreed time that is kept
    done = client.post(reverse("volunteers:profile"), {
        "skills": [haircut.pk, repair.pk], "skills_note": "会修自行车", "slots": ["5-pm"],
        "service_grid": grid.pk, "health_ok": "yes", "emergency_contact": "李娟",
        "emergency_phone": "13800001111"})
    assert done.status_code == 302 and done["Location"] == reverse("volunteers:me")
    volunteer.refresh_from_db()
    assert set(volunteer.skills.values_list("code", flat=True)) == {"haircut", "repair"}
    assert [(s.weekday, s.start, s.end) for s in volunteer.availability.all()] == [
        (3, dt.time(9), dt.time(11)), (5, dt.time(14), dt.time(18))]
    assert (volunteer.service_grid, volunteer.skills_note, volunteer.emergency_phone) == (
        grid, "会修自行车", "13800001111")


def test_a_grid_of_another_community_is_refused_with_the_field_named(client, world):
    volunteer = volunteer_make(community=world.community)
    with pytest.raises(ValidationError) as exc:
        services.volunteer_update(volunteer=volunteer, actor=volunteer.user,
                                  service_grid=world.other_grid)
    assert exc.value.field == "service_grid"
    client.force_login(volunteer.user)
    response = _api(client, "patch", "/api/v1/volunteers/me",
                    {"service_grid": str(world.other_grid.uuid)})
    assert response.status_code == 409  # well-formed, but breaks the service's rule
    assert response.json()["error"]["fields"][0]["field"] == "service_grid"


def test_only_the_volunteer_changes_their_details(world):
    volunteer = volunteer_make(community=world.community)
    for actor in (world.users["community_staff"], volunteer_make(community=world.community).user,
                  None):
        with pytest.raises(PermissionDenied):
            services.volunteer_update(volunteer=volunteer, actor=actor, skills_note="改")
    volunteer.refresh_from_db()
    assert volunteer.skills_note == ""


def test_the_api_changes_only_what_is_sent(client, world):
    volunteer = volunteer_make(community=world.community)
    _skills()
    client.force_login(volunteer.user)
    response = _api(client, "patch", "/api/v1/volunteers/me", {
        "skills": ["repair"], "availability": [{"weekday": 6, "start": "09:00",
                                                "end": "11:30"}]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["skills"] == ["repair"]
    assert body["availability"] == [{"weekday": 6, "start": "09:00:00", "end": "11:30:00"}]
    assert body["health_ok"] is True  # untouched
    overlap = _api(client, "patch", "/api/v1/volunteers/me", {"availability": [
        {"weekday": 1, "start": "08:00", "end": "12:00"},
        {"weekday": 1, "start": "11:00", "end": "13:00"}]})
    assert overlap.status_code == 409
    assert overlap.json()["error"]["fields"][0]["field"] == "availability"


# --- withdrawal ---------------------------------------------------------------------------------


def test_withdrawal_needs_a_reason_and_a_confirmation_then_redirects(client, world):
    volunteer = volunteer_make(community=world.community)
    team = volunteer_team(community=world.community)
    services.team_member_add(team=team, volunteer=volunteer, actor=world.users["street_admin"])
    client.force_login(volunteer.user)
    page = client.get(reverse("volunteers:withdraw")).content.decode()
    assert "退出后会怎样" in page and "确认退出志愿者" in page
    # Without ticking the confirmation nothing happens
    unconfirmed = client.post(reverse("volunteers:withdraw"), {"reason": "工作调动"})
    assert unconfirmed.status_code == 200
    assert "understood" in unconfirmed.context["form"].errors
    done = client.post(reverse("volunteers:withdraw"),
                       {"reason": "工作调动，搬离本社区", "understood": "on"})
    assert done.status_code == 302 and done["Location"] == reverse("volunteers:me")
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.status_reason) == (VolunteerStatus.WITHDRAWN,
                                                           "工作调动，搬离本社区")
    assert not TeamMembership.objects.filter(volunteer=volunteer).exists()
    assert VolunteerEvent.objects.filter(volunteer=volunteer, to_status="withdrawn",
                                         note="工作调动，搬离本社区").exists()
    # Reload after the redirect lands on a page that offers to register again
    again = client.get(reverse("volunteers:withdraw"))
    assert again.status_code == 200 and "重新注册" in again.content.decode()


def test_withdrawal_is_refused_while_an_accepted_order_is_open_naming_it(client, world):
    order = orders_order(world, state="accepted")
    volunteer = order.volunteer
    client.force_login(volunteer.user)
    page = client.get(reverse("volunteers:withdraw")).content.decode()
    assert order.beneficiary.name in page and order.project.name in page
    assert "确认退出志愿者" not in page  # no confirm button while it is open
    with pytest.raises(Conflict) as exc:
        services.volunteer_withdraw(volunteer=volunteer, actor=volunteer.user, reason="忙")
    assert order.project.name in exc.value.message and order.beneficiary.name in exc.value.message
    forced = client.post(reverse("volunteers:withdraw"), {"reason": "忙", "understood": "on"})
    assert forced.status_code == 302 and forced["Location"] == reverse("volunteers:withdraw")
    api = _api(client, "post", "/api/v1/volunteers/me/withdrawal", {"reason": "忙"})
    assert api.status_code == 409 and api.json()["error"]["code"] == "open_orders"
    assert order.beneficiary.name in api.json()["error"]["message"]
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.ACTIVE


def test_only_the_volunteer_withdraws_and_with_a_reason(client, world):
    volunteer = volunteer_make(community=world.community)
    with pytest.raises(PermissionDenied):
        services.volunteer_withdraw(volunteer=volunteer, actor=world.users["community_staff"],
                                    reason="x")
    with pytest.raises(ValidationError) as exc:
        services.volunteer_withdraw(volunteer=volunteer, actor=volunteer.user, reason=" ")
    assert exc.value.field == "reason"
    client.force_login(volunteer.user)
    ok = _api(client, "post", "/api/v1/volunteers/me/withdrawal", {"reason": "身体原因"})
    assert ok.status_code == 200 and ok.json()["status"] == "withdrawn"


def test_withdrawal_takes_the_volunteer_role_away_and_keeps_the_accounts_other_roles(world):
    """A withdrawn volunteer no longer holds the volunteer role, so nothing offers them work
    as one; they keep their other roles, and an approval after registering again gives the
    role back. The change is in the audit log."""
    from linli.accounts.models import Role, RoleAssignment, User
    from linli.accounts.services import role_grant
    from linli.common.models import AuditAction, AuditEvent

    volunteer = volunteer_make(community=world.community)
    user = volunteer.user
    role_grant(user=user, role=Role.RESIDENT, scope=world.community)
    role_grant(user=user, role=Role.GRID_WORKER, scope=world.grid)
    assert User.objects.get(pk=user.pk).has_role(Role.VOLUNTEER)

    services.volunteer_withdraw(volunteer=volunteer, actor=user, reason="工作调动")

    assert not user.has_role(Role.VOLUNTEER)  # the same object, in the same request
    assert set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True)) == {
        Role.RESIDENT, Role.GRID_WORKER}
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_CHANGED, actor=user,
                                     field=Role.VOLUNTEER, reason="revoke").exists()

    # Registering again and being approved grants it again
    services.volunteer_register(user=user, availability=[services.Slot(0, dt.time(8),
                                                                       dt.time(12))],
                                health_ok=True, consent=True)
    volunteer.refresh_from_db()
    services.volunteer_approve(volunteer=volunteer, actor=world.users["community_staff"])
    assert User.objects.get(pk=user.pk).has_role(Role.VOLUNTEER)
