"""The token route declares every status it answers (issue 12 items 3, 7 and 11): a NUL byte
(400), an oversize body (413) and a body that is not JSON (415) are refused before a password
is checked, in the JSON error form the published schema promises for them."""

import json

import pytest
from django.test import override_settings

from linli.accounts.models import ApiToken
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"


def _declared(client) -> set[str]:
    schema = json.loads(client.get("/api/openapi.json").content)
    return set(schema["paths"][TOKEN]["post"]["responses"])


def _refused(response, status: int) -> str:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    return response.json()["error"]["code"]


def test_the_token_route_declares_every_refusal_it_answers(client):
    assert {"201", "400", "401", "413", "415", "422", "429"} <= _declared(client)


def test_a_nul_in_the_mobile_is_a_declared_400_and_no_token(client, world):
    user = world.users["resident"]
    body = json.dumps({"mobile": user.mobile + "\u0000", "password": PASSWORD})
    assert _refused(client.post(TOKEN, body, content_type="application/json"), 400) \
        == "nul_character"
    assert "400" in _declared(client)
    assert not ApiToken.objects.exists()


def test_a_form_body_is_a_declared_415_and_no_token(client, world):
    user = world.users["resident"]
    response = client.post(TOKEN, {"mobile": user.mobile, "password": PASSWORD})
    assert _refused(response, 415) == "unsupported_media_type"
    assert "415" in _declared(client)
    assert not ApiToken.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_an_oversize_body_is_a_declared_413_and_no_token(client, world):
    user = world.users["resident"]
    body = json.dumps({"mobile": user.mobile, "password": PASSWORD, "device": "x" * 4096})
    _refused(client.post(TOKEN, body, content_type="application/json"), 413)
    assert "413" in _declared(client)
    assert not ApiToken.objects.exists()


def test_the_right_password_still_gives_a_token(client, world):
    user = world.users["resident"]
    response = client.post(TOKEN, json.dumps({"mobile": user.mobile, "password": PASSWORD}),
                           content_type="application/json")
    assert response.status_code == 201, response.content
    assert ApiToken.objects.filter(user=user).count() == 1
