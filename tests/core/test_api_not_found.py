"""Under /api/, an address no operation answers and a method an address does not take both
answer with the API's JSON error body; pages keep the Chinese HTML 404."""

import json

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

UNKNOWN = [
    "/api/v1/nope",
    "/api/v2/x",
    "/api/v1/registry/residents/not-a-uuid",
    "/api/v1/registry/imports/12345",
    "/api/v1/me/",  # the operation has no trailing slash: no redirect, a 404
    "/api/nothing/here?x=1",
    "/api/v1/orders/%0A/resolve",  # a control character in the path (found by live fuzzing)
    "/api/v1/orders/%0D%0A",
]


def _assert_not_found(response):
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"error": {
        "code": "not_found", "message": "此地址没有对应的 API 操作，请检查路径。", "fields": []}}


@pytest.mark.parametrize("path", UNKNOWN)
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_unknown_api_address_answers_the_json_error_body(client, path, method):
    if method == "get":
        response = client.get(path)
    else:
        response = getattr(client, method)(path, "{}", content_type="application/json")
    _assert_not_found(response)


def test_unknown_api_address_is_json_for_signed_in_users_and_with_debug_on(client, world):
    client.force_login(world.users["community_staff"])
    _assert_not_found(client.post("/api/v1/nope", {"a": "b"}))  # a form post, no CSRF token
    with override_settings(DEBUG=True):
        _assert_not_found(client.get("/api/v1/nope"))


def test_unknown_object_of_a_known_operation_keeps_its_own_404(client, world):
    client.force_login(world.users["community_staff"])
    response = client.get("/api/v1/registry/imports/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_wrong_method_on_a_known_address_is_a_json_405(client, world):
    client.force_login(world.users["resident"])
    response = client.delete("/api/v1/me")
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert set(response["Allow"].split(", ")) == {"GET", "PATCH"}
    error = response.json()["error"]
    assert error["code"] == "method_not_allowed" and error["fields"] == []
    assert error["message"].startswith("此地址不接受 DELETE 请求")
    assert "GET" in error["message"] and "PATCH" in error["message"]


def test_known_operations_still_answer(client, world):
    client.force_login(world.users["resident"])
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/api/openapi.json").status_code == 200


def test_pages_keep_the_chinese_html_404(client, world):
    for user in (None, world.users["resident"]):
        if user:
            client.force_login(user)
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")
        assert "页面不存在" in response.content.decode()


def test_a_404_raised_under_api_by_the_project_handler_is_json(rf):
    """The project-wide handler is the last net under /api/ (e.g. a 404 raised outside the
    API's own patterns); pages keep the Chinese HTML page."""
    from linli.common.views import error_404

    response = error_404(rf.get("/api/v1/whatever"))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["error"]["code"] == "not_found"
    page = error_404(rf.get("/nowhere/"))
    assert page["Content-Type"].startswith("text/html")
