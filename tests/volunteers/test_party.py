"""双报到: reports, guarded project claims (real threads), good deeds and the seed's figures."""

import threading

import pytest
from django.db import connection

from linli.common.exceptions import Conflict, ValidationError
from linli.volunteers import services
from linli.volunteers.models import PartyOrgKind, PartyProject, ProjectClaim, ReportStatus
from linli.volunteers.selectors import party_figures
from tests.factories import (
    CommunityFactory,
    UserFactory,
    party_member_make,
    party_project_make,
)


def _race(count: int, work) -> tuple[list, list[BaseException]]:
    """Run `work(i)` in `count` threads released together by a barrier."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def target(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            results.append(work(i))
        except BaseException as exc:  # collected and asserted on by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_never_exceed_the_plan():
    # Given a project with 5 places and 20 confirmed party members
    community = CommunityFactory()
    project = party_project_make(community=community, planned=5)
    members = [party_member_make(community=community, user=UserFactory(), name=f"党员{i}")
               for i in range(20)]

    # When all of them claim at the same moment
    def claim(i: int):
        try:
            return services.project_claim_create(
                project=PartyProject.objects.get(pk=project.pk), member=members[i],
                actor=members[i].user)
        except Conflict:
            return None

    results, errors = _race(20, claim)

    # Then exactly five succeed and the counter matches the claim rows
    assert not errors, errors
    assert len([r for r in results if r is not None]) == 5
    project.refresh_from_db()
    assert project.claimed_count == 5 == ProjectClaim.objects.filter(project=project).count()


@pytest.mark.django_db(transaction=True)
def test_one_member_racing_with_itself_claims_once():
    community = CommunityFactory()
    project = party_project_make(community=community, planned=10)
    member = party_member_make(community=community, user=UserFactory())

    def claim(i: int):
        try:
            return services.project_claim_create(
                project=PartyProject.objects.get(pk=project.pk), member=member, actor=None)
        except Conflict:
            return None

    results, errors = _race(8, claim)
    assert not errors, errors
    project.refresh_from_db()
    assert project.claimed_count == 1 == ProjectClaim.objects.filter(project=project).count()


@pytest.mark.django_db
def test_claim_rules():
    community = CommunityFactory()
    project = party_project_make(community=community, planned=1)
    pending = party_member_make(community=community, confirmed=False)
    with pytest.raises(Conflict):
        services.project_claim_create(project=project, member=pending, actor=None)
    stranger = party_member_make(community=CommunityFactory())
    with pytest.raises(ValidationError):
        services.project_claim_create(project=project, member=stranger, actor=None)
    services.project_claim_create(project=project, member=party_member_make(
        community=community), actor=None)
    with pytest.raises(Conflict, match="全部认领"):
        services.project_claim_create(project=project, member=party_member_make(
            community=community), actor=None)
    other = party_project_make(community=community)
    services.party_project_close(project=other, actor=None)
    with pytest.raises(Conflict):
        services.project_claim_create(project=other, member=party_member_make(
            community=community), actor=None)


@pytest.mark.django_db
def test_self_report_is_confirmed_by_staff_and_staff_entries_are_confirmed(world):
    staff = world.users["community_staff"]
    member = world.users["resident"]
    report = services.party_member_report_create(community=world.community, name="王党员",
                                                 user=member, actor=member)
    assert report.status == ReportStatus.PENDING
    with pytest.raises(Conflict):
        services.party_member_report_create(community=world.community, name="王党员",
                                            user=member, actor=member)
    services.party_member_report_decide(report=report, actor=staff, confirm=True)
    assert report.status == ReportStatus.CONFIRMED
    with pytest.raises(Conflict):
        services.party_member_report_decide(report=report, actor=staff, confirm=True)
    entered = services.party_member_report_create(community=world.community, name="赵党员",
                                                  actor=staff)
    assert entered.status == ReportStatus.CONFIRMED


@pytest.mark.django_db
def test_seed_figures_are_counted_from_records(world):
    from linli.registry.models import Community

    community = world.community
    for i in range(5):
        services.party_organisation_create(community=community, name=f"第{i + 1}小区党支部",
                                           kind=PartyOrgKind.ESTATE_BRANCH, actor=None)
    services.party_organisation_create(community=community, name="某单位党委",
                                       kind=PartyOrgKind.UNIT, actor=None)
    members = [party_member_make(community=community, name=f"党员{i}") for i in range(7)]
    party_member_make(community=community, confirmed=False)
    projects = [party_project_make(community=community, planned=2) for _ in range(4)]
    for project, member in zip(projects[:3], members, strict=False):
        services.project_claim_create(project=project, member=member, actor=None)
    services.project_claim_create(project=projects[0], member=members[5], actor=None)
    for i in range(3):
        services.good_deed_create(community=community, title=f"好事{i}", member=members[i],
                                  actor=None)
    party_member_make(community=world.other_community)

    figures = party_figures(communities=Community.objects.filter(pk=community.pk))
    assert figures.members_reported == 7
    assert figures.estate_branches == 5 and figures.organisations == 6
    assert figures.projects_published == 4 and figures.projects_claimed == 3
    assert figures.claims == 4 and figures.good_deeds == 3


@pytest.mark.django_db
def test_good_deed_with_photo_page(client, world):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "JPEG")
    member = party_member_make(community=world.community, name="钱党员")
    client.force_login(world.users["community_staff"])
    response = client.post("/workbench/party/deeds/", {
        "title": "帮独居老人修水管", "done_on": "2025-01-02", "member": member.pk,
        "photo": SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")})
    assert response.status_code == 302
    deed = member.good_deeds.get()
    assert deed.photo.name.endswith(".jpg") and deed.community == world.community
    client.force_login(world.other["community_staff"])
    assert "帮独居老人修水管" not in client.get("/workbench/party/deeds/").content.decode()
