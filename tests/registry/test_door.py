"""Door plates: visitor vs member views, verification, registration and binding, PDF."""

import pytest
from django.urls import reverse

from linli.accounts.models import Role, User
from linli.common.exceptions import ValidationError
from linli.registry.models import BindingStatus, HouseholdBinding, Resident
from linli.registry.services import binding_request

pytestmark = pytest.mark.django_db


def door_url(household):
    return reverse("registry:door", kwargs={"token": household.door_token})


def test_stranger_sees_only_address_and_contact(client, world, reg):
    household = reg["household2"]
    body = client.get(door_url(household)).content.decode()
    assert household.address in body and world.community.phone in body
    assert "刘德华" not in body and "刘小明" not in body and "13912345678" not in body
    assert "139****5678" not in body
    assert reverse("registry:door_register", kwargs={"token": household.door_token}) in body
    # A signed-in account that is not a member is still a stranger here.
    client.force_login(world.users["volunteer"])
    assert "刘德华" not in client.get(door_url(household)).content.decode()


def test_unknown_or_rotated_token_is_404(client, world, reg):
    household = reg["household2"]
    old = door_url(household)
    assert client.get("/d/not-a-token/").status_code == 404
    client.force_login(world.users["community_staff"])
    client.post(reverse("registry:door_rotate", kwargs={"uuid": household.uuid}))
    household.refresh_from_db()
    assert client.get(old).status_code == 404
    assert client.get(door_url(household)).status_code == 200


def test_member_signed_in_sees_the_household_home(client, world, reg):
    household = reg["a"]["household"]
    client.force_login(world.users["resident"])
    body = client.get(door_url(household)).content.decode()
    assert reg["a"]["resident"].name in body
    # Each home action links to its page where the page exists, else says "coming soon".
    from linli.registry.views import _home_actions

    actions = _home_actions()
    for action in actions:
        if action["url"]:
            assert f'href="{action["url"]}"' in body
    assert ("即将推出" in body) == any(a["url"] is None for a in actions)
    assert reverse("registry:my_data") in body
    assert reg["a"]["mobile"] not in body


def test_member_verifies_with_name_and_mobile(client, world, reg):
    household = reg["household2"]
    verify = reverse("registry:door_verify", kwargs={"token": household.door_token})
    response = client.post(verify, {"name": "刘德华", "mobile": "13900000000"})
    assert "刘小明" not in response.content.decode()
    response = client.post(verify, {"name": "刘德华", "mobile": "13912345678"})
    assert response.status_code == 302
    body = client.get(door_url(household)).content.decode()
    assert "刘小明" in body and "13912345678" not in body
    # The verification covers this household only.
    assert reg["a"]["resident"].name not in client.get(door_url(reg["a"]["household"])).content.decode()


def test_verification_attempts_are_limited(client, world, reg):
    household = reg["household2"]
    verify = reverse("registry:door_verify", kwargs={"token": household.door_token})
    for _ in range(5):
        client.post(verify, {"name": "刘德华", "mobile": "13900000000"})
    response = client.post(verify, {"name": "刘德华", "mobile": "13912345678"})
    assert "刘小明" not in response.content.decode()
    assert client.get(door_url(household)).content.decode().count("刘小明") == 0


def test_register_then_grid_worker_confirms(client, world, reg):
    household = reg["household2"]
    url = reverse("registry:door_register", kwargs={"token": household.door_token})
    response = client.post(url, {"kind": "member", "name": "刘小红", "mobile": "13577778888",
                                 "relation": "child", "password": "short"})
    assert not User.objects.filter(mobile="13577778888").exists()
    response = client.post(url, {"kind": "member", "name": "刘小红", "mobile": "13577778888",
                                 "relation": "child", "password": "Liu-Xiaohong-2024"})
    assert response.status_code == 302 and response["Location"].endswith("?sent=1")
    user = User.objects.get(mobile="13577778888")
    binding = HouseholdBinding.objects.get(user=user)
    assert binding.status == BindingStatus.PENDING and not user.has_role(Role.RESIDENT)
    # Not yet a member: the door still shows the stranger view.
    assert "刘德华" not in client.get(door_url(household)).content.decode()
    # Another community's grid worker cannot see or decide it.
    client.force_login(world.other["grid_worker"])
    assert client.post(reverse("registry:binding_decide", kwargs={"uuid": binding.uuid}),
                       {"confirm": "1"}).status_code == 404
    client.force_login(world.users["grid_worker"])
    assert "刘小红" in client.get(reverse("registry:bindings")).content.decode()
    client.post(reverse("registry:binding_decide", kwargs={"uuid": binding.uuid}),
                {"confirm": "1"})
    binding.refresh_from_db()
    assert binding.status == BindingStatus.CONFIRMED
    resident = Resident.objects.get(user=user)
    assert resident.household == household and resident.name == "刘小红"
    user = User.objects.get(pk=user.pk)
    assert user.has_role(Role.RESIDENT)
    assert user.roles.get(role=Role.RESIDENT).community == world.community
    client.force_login(user)
    assert "刘德华" in client.get(door_url(household)).content.decode()


def test_proxy_is_confirmed_by_the_elder(client, world, reg):
    household = reg["a"]["household"]
    head = reg["a"]["resident"]
    son = User.objects.create_user("13566665555", "Son-in-Shenzhen-1", name="张儿")
    with pytest.raises(ValidationError):
        binding_request(household=household, user=son, kind="proxy", member_name="不存在")
    binding = binding_request(household=household, user=son, kind="proxy", member_name=head.name,
                              relation="child")
    assert binding.resident == head
    client.force_login(world.users["resident"])  # the elder's own account
    assert "张儿" in client.get(reverse("registry:bindings")).content.decode()
    client.post(reverse("registry:binding_decide", kwargs={"uuid": binding.uuid}),
                {"confirm": "1"})
    binding.refresh_from_db()
    assert binding.status == BindingStatus.CONFIRMED
    head.refresh_from_db()
    assert head.user == world.users["resident"]  # the proxy does not become the resident
    client.force_login(son)
    assert head.name in client.get(door_url(household)).content.decode()


def test_plates_pdf(client, world, reg):
    client.force_login(world.users["community_staff"])
    response = client.get(reverse("registry:building_plates",
                                  kwargs={"uuid": reg["a"]["building"].uuid}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 5000
