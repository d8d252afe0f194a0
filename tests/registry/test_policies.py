"""Who may change the registry is decided inside the services (linli/registry/policies.py):
every refused actor is refused by the service itself, whatever page, API or task calls it, and
nothing is written. Pages and the API give the same answer."""

import pytest
from django.urls import reverse

from linli.common.exceptions import PermissionDenied
from linli.registry import imports, services
from linli.registry.models import DeletionRequest, Estate, Household, ImportJob, Resident

pytestmark = pytest.mark.django_db


def _refused(call, text):
    with pytest.raises(PermissionDenied) as info:
        call()
    assert text in info.value.message  # said in Chinese, naming who may act


@pytest.mark.parametrize("who", ["volunteer", "store_clerk", "auditor", "resident",
                                 "other_grid_worker"])
def test_resident_create_and_update_refused_outside_the_households_scope(world, reg, who):
    actor = world.other["grid_worker"] if who == "other_grid_worker" else world.users[who]
    household = reg["a"]["household"]
    before = Resident.objects.count()
    _refused(lambda: services.resident_create(household=household, actor=actor, name="王五"),
             "网格员或社区工作人员")
    _refused(lambda: services.resident_update(resident=reg["a"]["resident"], actor=actor,
                                              ethnicity="满族"), "网格员或社区工作人员")
    assert Resident.objects.count() == before
    reg["a"]["resident"].refresh_from_db()
    assert reg["a"]["resident"].ethnicity != "满族"


def test_resident_create_allowed_for_the_grid_worker_and_the_system(world, reg):
    household = reg["a"]["household"]
    r = services.resident_create(household=household, actor=world.users["grid_worker"],
                                 name="王五")
    assert r.household == household
    assert services.resident_create(household=household, actor=None, name="赵六").pk


def test_household_create_and_update_refused_outside_scope(world, reg):
    stranger = world.other["grid_worker"]
    _refused(lambda: services.household_create(grid=world.grid, number="x-1", address="某路1号",
                                               actor=stranger), "网格员或社区工作人员")
    assert not Household.objects.filter(number="x-1").exists()
    household = reg["a"]["household"]
    _refused(lambda: services.household_update(household=household, actor=stranger,
                                               room="999"), "网格员或社区工作人员")
    # A grid worker of grid A may not move the household into community B's grid.
    _refused(lambda: services.household_update(household=household,
                                               actor=world.users["grid_worker"],
                                               grid=world.other_grid), "网格")
    household.refresh_from_db()
    assert household.room != "999" and household.grid == world.grid


def test_reveal_refused_to_staff_of_another_community(world, reg):
    """The old rule looked only at the role: any grid worker anywhere could reveal."""
    from linli.common.models import AuditAction, AuditEvent

    _refused(lambda: services.resident_reveal(resident=reg["a"]["resident"],
                                              actor=world.other["community_staff"],
                                              field="mobile", reason="核对"), "完整")
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()
    value = services.resident_reveal(resident=reg["a"]["resident"],
                                     actor=world.users["grid_worker"], field="mobile",
                                     reason="核对")
    assert value == reg["a"]["mobile"]


def test_anonymise_needs_staff_of_the_community(client, world, reg):
    head = reg["a"]["resident"]
    for actor in (world.users["grid_worker"], world.other["community_staff"], None):
        _refused(lambda a=actor: services.resident_anonymise(resident=head, actor=a),
                 "工作人员")
    head.refresh_from_db()
    assert head.anonymised_at is None
    # The page: a grid worker gets 403, staff of another community 404; nothing removed.
    url = reverse("registry:resident_anonymise", kwargs={"uuid": head.uuid})
    client.force_login(world.users["grid_worker"])
    assert client.post(url).status_code == 403
    client.force_login(world.other["community_staff"])
    assert client.post(url).status_code == 404
    # The API answers the same.
    api = f"/api/v1/registry/residents/{head.uuid}/anonymise"
    client.force_login(world.users["grid_worker"])
    assert client.post(api).status_code == 403
    head.refresh_from_db()
    assert head.anonymised_at is None


def test_door_token_rotation_needs_staff_of_the_community(client, world, reg):
    household = reg["a"]["household"]
    token = household.door_token
    for actor in (world.users["grid_worker"], world.other["community_staff"],
                  world.users["resident"], None):
        _refused(lambda a=actor: services.household_rotate_door_token(household=household,
                                                                       actor=a), "门牌")
    client.force_login(world.users["grid_worker"])
    assert client.post(reverse("registry:door_rotate",
                               kwargs={"uuid": household.uuid})).status_code == 403
    assert client.post(f"/api/v1/registry/households/{household.uuid}/door-token"
                       ).status_code == 403
    household.refresh_from_db()
    assert household.door_token == token
    services.household_rotate_door_token(household=household,
                                         actor=world.users["community_staff"])
    household.refresh_from_db()
    assert household.door_token != token


def test_binding_decision_refused_to_others(client, world, reg):
    binding = reg["a"]["binding"]
    for actor in (world.other["community_staff"], world.users["volunteer"],
                  world.other["resident"], None):
        _refused(lambda a=actor: services.binding_decide(binding=binding, actor=a,
                                                         confirm=True), "申请")
    binding.refresh_from_db()
    assert binding.status == "pending"
    client.force_login(world.users["volunteer"])
    assert client.post(reverse("registry:binding_decide", kwargs={"uuid": binding.uuid}),
                       {"confirm": "1"}).status_code == 403
    assert client.post(f"/api/v1/registry/bindings/{binding.uuid}/decision",
                       {"confirm": True}, content_type="application/json").status_code == 403
    binding.refresh_from_db()
    assert binding.status == "pending"


def test_import_commit_and_upload_need_staff_of_the_community(client, world, reg):
    job = reg["a"]["job"]
    for actor in (world.users["grid_worker"], world.other["community_staff"], None):
        _refused(lambda a=actor: imports.import_commit_request(job=job, actor=a), "导入")
    job.refresh_from_db()
    assert job.status == "checked"
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = ImportJob.objects.count()
    _refused(lambda: imports.import_job_create(
        community=world.community, actor=world.other["community_staff"],
        upload=SimpleUploadedFile("x.xlsx", b"x")), "导入")
    assert ImportJob.objects.count() == before
    client.force_login(world.users["grid_worker"])
    assert client.post(reverse("registry:import_commit",
                               kwargs={"uuid": job.uuid})).status_code == 403


def test_deletion_request_only_by_the_person(world, reg):
    head = Resident.objects.get(pk=reg["a"]["resident"].pk)  # linked to world's resident
    for actor in (world.users["community_staff"], world.other["resident"]):
        _refused(lambda a=actor: services.deletion_request_create(resident=head, actor=a),
                 "本人")
    assert not DeletionRequest.objects.exists()
    request = services.deletion_request_create(resident=head, actor=world.users["resident"])
    assert request.requested_by == world.users["resident"]


def test_places_only_by_staff_of_the_community(client, world, reg):
    _refused(lambda: services.estate_create(community=world.community, name="新小区",
                                            actor=world.users["grid_worker"]), "工作人员")
    _refused(lambda: services.building_create(
        estate=reg["a"]["estate"], grid=world.grid, name="9栋", address="测试路9号",
        actor=world.other["community_staff"]), "工作人员")
    assert not Estate.objects.filter(name="新小区").exists()
    client.force_login(world.users["grid_worker"])
    response = client.post(reverse("registry:places"),
                           {"form": "estate", "estate-community": world.community.pk,
                            "estate-name": "新小区"})
    assert response.status_code == 404  # the page answers writes by non-managers as absent
    assert not Estate.objects.filter(name="新小区").exists()
