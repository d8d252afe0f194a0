"""Who may act on volunteers, teams, certificates and party members: decided inside the
services (policies + require), so pages and API agree. Each refusal is checked on the service
and, where they exist, through the page (POST) and the API."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from linli.accounts.models import Role
from linli.common.exceptions import PermissionDenied
from linli.volunteers import services
from linli.volunteers.models import (
    Certificate,
    GoodDeed,
    PartyOrganisation,
    PartyOrgKind,
    ProjectClaim,
    ProjectStatus,
    ReportStatus,
    Team,
    TeamMembership,
    VolunteerStatus,
)
from tests.factories import (
    UserFactory,
    party_member_make,
    party_project_make,
    user_with_role,
    volunteer_make,
    volunteer_team,
)

pytestmark = pytest.mark.django_db


def _api(client, url, body=None, method="post"):
    return getattr(client, method)(url, json.dumps(body or {}), content_type="application/json")


# --- approve / reject / suspend / reinstate -------------------------------------------------


@pytest.mark.parametrize("action", ["approve", "reject", "suspend", "reinstate"])
def test_staff_of_another_community_cannot_decide_by_the_service(world, action):
    status = {"approve": "pending", "reject": "pending", "suspend": "active",
              "reinstate": "suspended"}[action]
    volunteer = volunteer_make(community=world.community, status=status)
    call = getattr(services, f"volunteer_{action}")
    kwargs = {"note": "x"} if action in ("approve", "reinstate") else {"reason": "x"}
    for actor in (world.other["community_staff"], world.users["grid_worker"],
                  world.users["store_clerk"], world.users["resident"]):
        with pytest.raises(PermissionDenied, match="只有志愿者所在社区的工作人员"):
            call(volunteer=volunteer, actor=actor, **kwargs)
    volunteer.refresh_from_db()
    assert volunteer.status == status


def test_staff_cannot_approve_their_own_registration(client, world):
    """Four eyes: the one who registers may not approve."""
    staff = world.users["community_staff"]
    mine = volunteer_make(community=world.community, user=staff, status="pending")
    with pytest.raises(PermissionDenied):
        services.volunteer_approve(volunteer=mine, actor=staff)
    client.force_login(staff)
    detail = client.get(reverse("volunteers:staff_detail", kwargs={"uuid": mine.uuid}))
    assert detail.context["can_decide"] is False  # no approve button for one's own
    page = client.post(reverse("volunteers:staff_decide", kwargs={"uuid": mine.uuid}),
                       {"action": "approve"}, follow=True)
    assert "不能审核自己的注册" in page.content.decode()
    api = _api(client, f"/api/v1/volunteers/{mine.uuid}/decision", {"action": "approve"})
    assert api.status_code == 403 and api.json()["error"]["code"] == "forbidden"
    mine.refresh_from_db()
    assert mine.status == VolunteerStatus.PENDING and mine.number is None
    # A colleague may
    services.volunteer_approve(volunteer=mine, actor=world.users["street_admin"])
    mine.refresh_from_db()
    assert mine.status == VolunteerStatus.ACTIVE


# --- teams -------------------------------------------------------------------------------------


def test_a_street_team_is_created_by_the_street_administrator_only(client, world):
    staff = world.users["community_staff"]
    with pytest.raises(PermissionDenied):
        services.team_create(street=world.street, name="街道法律服务队", actor=staff)
    with pytest.raises(PermissionDenied):  # nor a team of another community
        services.team_create(street=world.street, community=world.other_community,
                             name="观湖服务队", actor=staff)
    client.force_login(staff)
    api = _api(client, "/api/v1/volunteer-teams", {"name": "街道法律服务队"})
    assert api.status_code == 403
    ok = _api(client, "/api/v1/volunteer-teams",
              {"name": "紫轩服务队", "community": str(world.community.uuid)})
    assert ok.status_code == 201
    services.team_create(street=world.street, name="街道法律服务队",
                         actor=world.users["street_admin"])
    assert set(Team.objects.values_list("name", flat=True)) == {"紫轩服务队", "街道法律服务队"}


def test_members_are_added_by_staff_of_the_team_and_leave_by_themselves(world):
    team = volunteer_team(community=world.community)
    volunteer = volunteer_make(community=world.community)
    with pytest.raises(PermissionDenied):
        services.team_member_add(team=team, volunteer=volunteer,
                                 actor=world.other["community_staff"])
    with pytest.raises(PermissionDenied):
        services.team_member_add(team=team, volunteer=volunteer, actor=volunteer.user)
    services.team_member_add(team=team, volunteer=volunteer,
                             actor=world.users["community_staff"])
    other = volunteer_make(community=world.community)
    with pytest.raises(PermissionDenied):  # another volunteer cannot remove them
        services.team_member_remove(team=team, volunteer=volunteer, actor=other.user)
    services.team_member_remove(team=team, volunteer=volunteer, actor=volunteer.user)
    assert not TeamMembership.objects.exists()


# --- commendations and certificates ----------------------------------------------------------


def test_certificates_are_issued_to_oneself_or_by_staff_and_revoked_by_staff(client, world):
    volunteer = volunteer_make(community=world.community)
    stranger = volunteer_make(community=world.community)
    with pytest.raises(PermissionDenied):
        services.certificate_issue(volunteer=volunteer, actor=stranger.user)
    with pytest.raises(PermissionDenied):
        services.certificate_issue(volunteer=volunteer, actor=world.other["community_staff"])
    certificate = services.certificate_issue(volunteer=volunteer, actor=volunteer.user)
    with pytest.raises(PermissionDenied):  # a volunteer cannot revoke, not even their own
        services.certificate_revoke(certificate=certificate, actor=volunteer.user, reason="x")
    with pytest.raises(PermissionDenied):
        services.commendation_create(volunteer=volunteer, title="优秀", awarded_by="街道",
                                     awarded_on=dt.date(2024, 1, 1), actor=volunteer.user)
    assert Certificate.objects.filter(revoked_at__isnull=True).count() == 1


# --- party members (双报到) -------------------------------------------------------------------


def test_a_staff_member_cannot_confirm_their_own_party_report(client, world):
    staff = world.users["community_staff"]
    report = services.party_member_report_create(community=world.community, name="王党员",
                                                 user=staff, actor=staff)
    assert report.status == ReportStatus.PENDING
    with pytest.raises(PermissionDenied):
        services.party_member_report_decide(report=report, actor=staff, confirm=True)
    client.force_login(staff)
    api = _api(client, f"/api/v1/party/reports/{report.uuid}/decision", {"confirm": True})
    assert api.status_code == 403
    page = client.post(reverse("volunteers:report_decide", kwargs={"uuid": report.uuid}),
                       {"action": "confirm"}, follow=True)
    assert "不能确认自己的报到" in page.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING
    services.party_member_report_decide(report=report, actor=world.users["street_admin"],
                                        confirm=True)
    report.refresh_from_db()
    assert report.status == ReportStatus.CONFIRMED


def test_nobody_reports_for_someone_else_unless_staff(world):
    resident, other = world.users["resident"], UserFactory()
    with pytest.raises(PermissionDenied):
        services.party_member_report_create(community=world.community, name="冒名",
                                            user=other, actor=resident)
    with pytest.raises(PermissionDenied):
        services.party_member_report_create(community=world.other_community, name="赵",
                                            actor=world.users["community_staff"])


def test_claims_projects_and_deeds_are_guarded(world):
    project = party_project_make(community=world.community)
    member = party_member_make(community=world.community, user=UserFactory())
    impostor = world.users["resident"]
    with pytest.raises(PermissionDenied):  # claiming in someone else's name
        services.project_claim_create(project=project, member=member, actor=impostor)
    org = services.party_organisation_create(community=world.community, name="第一支部",
                                             kind=PartyOrgKind.ESTATE_BRANCH,
                                             actor=world.users["community_staff"])
    with pytest.raises(PermissionDenied):  # only staff claim for an organisation
        services.project_claim_create(project=project, organisation=org, actor=member.user)
    with pytest.raises(PermissionDenied):
        services.party_project_close(project=project, actor=world.other["community_staff"])
    with pytest.raises(PermissionDenied):
        services.good_deed_create(community=world.community, title="修水管",
                                  actor=world.users["store_clerk"])
    with pytest.raises(PermissionDenied):
        services.party_organisation_create(community=world.community, name="第二支部",
                                           kind=PartyOrgKind.UNIT, actor=impostor)
    services.project_claim_create(project=project, member=member, actor=member.user)
    services.project_claim_create(project=project, organisation=org,
                                  actor=world.users["street_admin"])
    project.refresh_from_db()
    assert project.claimed_count == 2 == ProjectClaim.objects.count()
    assert project.status == ProjectStatus.OPEN
    assert not GoodDeed.objects.exists()
    assert PartyOrganisation.objects.count() == 1


# --- pages that failed with demo-shaped data -------------------------------------------------


@pytest.mark.parametrize("role", ["community_staff", "street_admin"])
def test_good_deeds_page_with_deeds_without_organisation(client, world, role):
    """Demo deeds are recorded for a member only, or for nobody in particular."""
    member = party_member_make(community=world.community, name="钱党员")
    GoodDeed.objects.create(community=world.community, member=member, title="帮老人修水管",
                            done_on=dt.date(2025, 1, 2))
    GoodDeed.objects.create(community=world.community, title="清理楼道",
                            done_on=dt.date(2025, 1, 3))
    client.force_login(world.users[role])
    page = client.get("/workbench/party/deeds/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "帮老人修水管" in text and "钱党员" in text and "清理楼道" in text


def test_project_page_for_the_street_administrator_with_member_claims(client, world):
    """The demo's projects sit in 观湖社区 and were claimed by members (no organisation)."""
    project = party_project_make(community=world.other_community, planned=3, title="爱心理发")
    for name in ("赵党员", "钱党员"):
        member = party_member_make(community=world.other_community, name=name)
        ProjectClaim.objects.create(project=project, member=member)
    type(project).objects.filter(pk=project.pk).update(claimed_count=2)
    client.force_login(world.users["street_admin"])
    page = client.get(reverse("volunteers:project", kwargs={"uuid": project.uuid}))
    assert page.status_code == 200
    text = page.content.decode()
    assert "赵党员" in text and "钱党员" in text and "2 / 3" in text


def test_community_staff_still_cannot_see_another_communitys_project(client, world):
    project = party_project_make(community=world.other_community)
    client.force_login(user_with_role(Role.COMMUNITY_STAFF, world.community))
    assert client.get(reverse("volunteers:project",
                              kwargs={"uuid": project.uuid})).status_code == 404


# --- reload and back land on a page ------------------------------------------------------------


def test_a_get_on_an_action_url_lands_on_its_page_not_a_blank_405(client, world):
    volunteer = volunteer_make(community=world.community, status="pending")
    client.force_login(world.users["community_staff"])
    detail = reverse("volunteers:staff_detail", kwargs={"uuid": volunteer.uuid})
    for name in ("staff_decide", "commend", "staff_certificate"):
        response = client.get(reverse(f"volunteers:{name}", kwargs={"uuid": volunteer.uuid}))
        assert (response.status_code, response["Location"]) == (302, detail), name
    response = client.get(reverse("volunteers:certificate_request"))
    assert (response.status_code, response["Location"]) == (302, reverse("volunteers:me"))


def test_a_volunteer_leaves_a_team_from_their_page(client, world):
    team = volunteer_team(community=world.community, name="助老服务队")
    volunteer = volunteer_make(community=world.community)
    services.team_member_add(team=team, volunteer=volunteer,
                             actor=world.users["community_staff"])
    client.force_login(volunteer.user)
    url = reverse("volunteers:team_leave", kwargs={"uuid": team.uuid})
    assert client.get(url)["Location"] == reverse("volunteers:my_teams")  # GET changes nothing
    assert TeamMembership.objects.filter(volunteer=volunteer).exists()
    page = client.post(url, follow=True).content.decode()
    assert "您已退出“助老服务队”。" in page
    assert not TeamMembership.objects.filter(volunteer=volunteer).exists()
    again = client.post(url, follow=True).content.decode()  # a double tap
    assert "您不在这个服务队中。" in again
