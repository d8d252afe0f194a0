"""Post/redirect/get on the registry's confirm steps: reloading a result page or going back
never sends a request twice and never shows a blank 405; no inline event handlers (the CSP,
`script-src 'self'`, would silently block them)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from linli.accounts.models import User
from linli.registry.models import BindingStatus, HouseholdBinding

pytestmark = pytest.mark.django_db


def test_registration_redirects_and_reload_shows_the_result_once(client, world, reg):
    household = reg["household2"]
    url = reverse("registry:door_register", kwargs={"token": household.door_token})
    response = client.post(url, {"kind": "member", "name": "刘小红", "mobile": "13577778888",
                                 "relation": "child", "password": "Liu-Xiaohong-2024"})
    assert response.status_code == 302
    result = response["Location"]
    for _reload in range(2):
        page = client.get(result)
        assert page.status_code == 200
        body = page.content.decode()
        assert "谢谢" in body and "网格员" in body and "<form" not in body.split("</header>")[1]
    user = User.objects.get(mobile="13577778888")
    assert HouseholdBinding.objects.filter(user=user).count() == 1
    # Back to the form (the page before the result): the form, not an error.
    assert client.get(url).status_code == 200


def test_signed_in_relative_registers_as_proxy_with_redirect(client, world, reg):
    household = reg["a"]["household"]
    relative = world.users["volunteer"]
    client.force_login(relative)
    url = reverse("registry:door_register", kwargs={"token": household.door_token})
    response = client.post(url, {"kind": "proxy", "relation": "child",
                                 "member_name": reg["a"]["resident"].name})
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert "谢谢" in body
    binding = HouseholdBinding.objects.get(user=relative)
    assert binding.status == BindingStatus.PENDING and binding.kind == "proxy"
    client.get(response["Location"])
    assert HouseholdBinding.objects.filter(user=relative).count() == 1


def test_result_page_without_a_request_shows_the_form(client, world, reg):
    household = reg["a"]["household"]
    url = reverse("registry:door_register", kwargs={"token": household.door_token})
    client.force_login(world.users["store_clerk"])
    body = client.get(url + "?sent=1").content.decode()
    assert "谢谢" not in body and "<form" in body


def test_get_on_an_action_lands_on_its_page(client, world, reg):
    household, head = reg["a"]["household"], reg["a"]["resident"]
    binding, job = reg["a"]["binding"], reg["a"]["job"]
    door = reverse("registry:door", kwargs={"token": household.door_token})
    assert client.get(reverse("registry:door_verify",
                              kwargs={"token": household.door_token}))["Location"] == door
    client.force_login(world.users["community_staff"])
    cases = {
        reverse("registry:binding_decide", kwargs={"uuid": binding.uuid}):
            reverse("registry:bindings"),
        reverse("registry:door_rotate", kwargs={"uuid": household.uuid}):
            reverse("registry:household_detail", kwargs={"uuid": household.uuid}),
        reverse("registry:resident_anonymise", kwargs={"uuid": head.uuid}):
            reverse("registry:resident_detail", kwargs={"uuid": head.uuid}),
        reverse("registry:import_commit", kwargs={"uuid": job.uuid}):
            reverse("registry:import_detail", kwargs={"uuid": job.uuid}),
        reverse("registry:deletion_request"): reverse("registry:my_data"),
    }
    token = household.door_token
    for action, page in cases.items():
        response = client.get(action)
        assert (response.status_code, response["Location"]) == (302, page), action
        assert client.get(page).status_code == 200
        assert client.put(action).status_code == 405
    # Nothing happened on the way.
    household.refresh_from_db()
    head.refresh_from_db()
    binding.refresh_from_db()
    assert household.door_token == token and head.anonymised_at is None
    assert binding.status == BindingStatus.PENDING


ROOT = Path(__file__).resolve().parents[2] / "linli"
TEMPLATES = [*sorted((ROOT / "registry" / "templates").rglob("*.html")),
             ROOT / "templates" / "base.html",
             *sorted((ROOT / "templates" / "includes").rglob("*.html"))]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_inline_scripts_or_event_handlers(template):
    text = template.read_text(encoding="utf-8")
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", text, re.I), template
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", text, re.I), template
    assert "javascript:" not in text
