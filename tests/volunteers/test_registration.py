"""Real-name registration (Art. 7), approval, numbers, suspension and team membership."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from linli.accounts.models import Role
from linli.common.exceptions import Conflict, ValidationError
from linli.notifications.models import Notification
from linli.volunteers import services
from linli.volunteers.models import Skill, Volunteer, VolunteerEvent, VolunteerStatus
from linli.volunteers.services import Slot
from tests.factories import (
    CommunityFactory,
    UserFactory,
    ledger_resident,
    volunteer_make,
    volunteer_team,
)


def _haircut():
    return Skill.objects.get(code="haircut")


pytestmark = pytest.mark.django_db

MORNING = [Slot(0, dt.time(8), dt.time(12))]


def _register(user, **overrides):
    kwargs = {"user": user, "availability": MORNING, "health_ok": True, "consent": True,
              "skills": list(Skill.objects.filter(code__in=["haircut", "repair"]))}
    kwargs.update(overrides)
    return services.volunteer_register(**kwargs)


@pytest.fixture
def resident_user(world):
    user = world.users["resident"]
    ledger_resident(community=world.community, user=user, name="李青",
                    birth_date=dt.date(1995, 3, 4))
    return user


def test_registration_needs_a_resident_record(world):
    with pytest.raises(ValidationError, match="居民信息"):
        _register(world.users["store_clerk"])


@pytest.mark.parametrize("overrides, field", [
    ({"consent": False}, "consent"),
    ({"health_ok": None}, "health_ok"),
    ({"availability": []}, "availability"),
    ({"availability": [Slot(1, dt.time(10), dt.time(9))]}, "availability"),
    ({"availability": [Slot(1, dt.time(8), dt.time(12)), Slot(1, dt.time(11), dt.time(13))]},
     "availability"),
])
def test_registration_is_validated(resident_user, overrides, field):
    with pytest.raises(ValidationError) as info:
        _register(resident_user, **overrides)
    assert info.value.field == field
    assert not Volunteer.objects.exists()


def test_minors_register_at_the_office(world):
    user = UserFactory()
    ledger_resident(community=world.community, user=user,
                    birth_date=timezone.localdate() - dt.timedelta(days=365 * 16))
    with pytest.raises(ValidationError, match="18周岁"):
        _register(user)


def test_registration_then_approval_grants_role_number_and_message(world, resident_user):
    # Given a resident who registers from their phone
    staff = world.users["community_staff"]
    with translation.override("zh-hans"):
        volunteer = _register(resident_user)
    assert volunteer.status == VolunteerStatus.PENDING and volunteer.number is None
    assert volunteer.consent_at is not None and volunteer.community == world.community
    # Staff of the community get one message naming the person, linking to the review page
    note = Notification.objects.get(user=staff)
    assert (note.title, note.body) == ("新的志愿者注册", "李青 注册成为志愿者，等待审核。")
    assert note.url == reverse("volunteers:staff_detail", kwargs={"uuid": volunteer.uuid})
    assert not Notification.objects.filter(user=world.other["community_staff"]).exists()
    with pytest.raises(Conflict):
        _register(resident_user)

    # When staff approve
    services.volunteer_approve(volunteer=volunteer, actor=staff)

    # Then the volunteer is active with a number that is not the ID number, holds the role,
    # and finds the approval in the inbox
    volunteer.refresh_from_db()
    year = timezone.localdate().year
    assert volunteer.status == VolunteerStatus.ACTIVE
    assert volunteer.number == f"{world.street.code}{year}00001"
    resident_user.__dict__.pop("role_set", None)
    resident_user.__dict__.pop("role_assignments", None)
    assert resident_user.has_role(Role.VOLUNTEER)
    assert Notification.objects.filter(user=resident_user).count() == 1
    assert list(VolunteerEvent.objects.filter(volunteer=volunteer)
                .values_list("from_status", "to_status")) == [("", "pending"),
                                                              ("pending", "active")]
    with pytest.raises(Conflict):
        services.volunteer_approve(volunteer=volunteer, actor=staff)


def test_numbers_are_unique_and_sequential_per_street(world):
    numbers = [volunteer_make(community=world.community).number for _ in range(3)]
    numbers.append(volunteer_make(community=world.other_community).number)
    assert len(set(numbers)) == 4
    assert [n[-5:] for n in numbers] == ["00001", "00002", "00003", "00004"]
    other_street = CommunityFactory()
    assert volunteer_make(community=other_street).number.endswith("00001")


def test_rejection_needs_a_reason_and_allows_registering_again(world, resident_user):
    staff = world.users["community_staff"]
    volunteer = _register(resident_user)
    with pytest.raises(ValidationError):
        services.volunteer_reject(volunteer=volunteer, actor=staff, reason=" ")
    services.volunteer_reject(volunteer=volunteer, actor=staff, reason="资料不全")
    volunteer = _register(resident_user)
    assert volunteer.status == VolunteerStatus.PENDING and volunteer.status_reason == ""


def test_suspension_with_reason_and_reinstatement(world):
    staff = world.users["community_staff"]
    volunteer = volunteer_make(community=world.community)
    with pytest.raises(ValidationError):
        services.volunteer_suspend(volunteer=volunteer, actor=staff, reason="")
    services.volunteer_suspend(volunteer=volunteer, actor=staff, reason="多次爽约")
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.SUSPENDED
    assert volunteer.status_reason == "多次爽约"
    with pytest.raises(Conflict):
        services.volunteer_suspend(volunteer=volunteer, actor=staff, reason="again")
    services.volunteer_reinstate(volunteer=volunteer, actor=staff)
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.ACTIVE and volunteer.status_reason == ""


def test_stale_copy_cannot_override_a_decision(world):
    staff = world.users["community_staff"]
    volunteer = volunteer_make(community=world.community, status="pending")
    stale = Volunteer.objects.get(pk=volunteer.pk)
    services.volunteer_reject(volunteer=volunteer, actor=staff, reason="不符合条件")
    with pytest.raises(Conflict):
        services.volunteer_approve(volunteer=stale, actor=staff)


def test_teams_take_active_volunteers_of_their_community_with_leaders(world):
    team = volunteer_team(community=world.community)
    leader = volunteer_make(community=world.community)
    staff = world.users["street_admin"]
    services.team_member_add(team=team, volunteer=leader, is_leader=True, actor=staff)
    with pytest.raises(Conflict):
        services.team_member_add(team=team, volunteer=volunteer_make(
            community=world.community, status="pending"), actor=staff)
    with pytest.raises(ValidationError):
        services.team_member_add(team=team, actor=staff,
                                 volunteer=volunteer_make(community=world.other_community))
    assert list(team.memberships.values_list("is_leader", flat=True)) == [True]


def test_phone_registration_page_and_staff_approval_page(client, world, resident_user):
    client.force_login(resident_user)
    page = client.get(reverse("volunteers:register"))
    assert page.status_code == 200
    response = client.post(reverse("volunteers:register"), {
        "skills": [_haircut().pk], "slots": ["0-am", "5-pm"],
        "health_ok": "yes", "consent": "on"})
    assert response.status_code == 302
    volunteer = Volunteer.objects.get(user=resident_user)
    assert volunteer.availability.count() == 2

    client.force_login(world.users["community_staff"])
    listing = client.get(reverse("volunteers:staff_list")).content.decode()
    assert "李青" in listing
    client.post(reverse("volunteers:staff_decide", kwargs={"uuid": volunteer.uuid}),
                {"action": "approve"})
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.ACTIVE

    # Staff of community B do not see it at all
    client.force_login(world.other["community_staff"])
    detail = reverse("volunteers:staff_detail", kwargs={"uuid": volunteer.uuid})
    assert client.get(detail).status_code == 404
    assert client.get(f"/api/v1/volunteers/{volunteer.uuid}").status_code == 404


def test_api_registration_and_decision(client, world, resident_user):
    client.force_login(resident_user)
    body = {"skills": ["haircut"], "availability": [
        {"weekday": 2, "start": "14:00", "end": "18:00"}], "health_ok": True, "consent": True}
    response = client.post("/api/v1/volunteers/registrations", body,
                           content_type="application/json")
    assert response.status_code == 201, response.content
    uuid = response.json()["uuid"]
    response = client.post("/api/v1/volunteers/registrations", body,
                           content_type="application/json")
    assert response.status_code == 409
    client.force_login(world.users["community_staff"])
    response = client.post(f"/api/v1/volunteers/{uuid}/decision", {"action": "suspend", "reason": "测试"},
                           content_type="application/json")
    assert response.status_code == 409
    response = client.post(f"/api/v1/volunteers/{uuid}/decision", {"action": "approve"},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "active"
