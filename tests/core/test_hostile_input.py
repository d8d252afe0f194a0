"""Hostile input over HTTP (issue 12): oversize and broken bodies, NUL characters, control
characters in stored names, spreadsheet bombs, reveal throttling, no-store caching.

Every answer here is a clear 4xx in the JSON error form (API) or a Chinese page, never a 500;
the NUL cases are the ones PostgreSQL answered with `psycopg.DataError` before."""

import json

import pytest
from django.test import override_settings

from tests.factories import PASSWORD, registry_world, store_goods

pytestmark = pytest.mark.django_db


def _token(client, user) -> str:
    r = client.post("/api/v1/auth/token", {"mobile": user.mobile, "password": PASSWORD,
                                           "device": "测试"}, content_type="application/json")
    assert r.status_code == 201, r.content
    return r.json()["token"]


def _bearer(client, user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {_token(client, user)}"}


def _error(response, status: int, code: str) -> str:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert body["error"]["code"] == code
    return body["error"]["message"]


# --- item 3 + 4: oversize bodies and broken multipart ---------------------------------------


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_oversize_body_answers_413_json_even_unauthenticated(client):
    big = json.dumps({"mobile": "13800000000", "password": "x" * 5000})
    r = client.post("/api/v1/auth/token", big, content_type="application/json")
    message = _error(r, 413, "payload_too_large")
    assert "请求内容过大" in message


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_oversize_form_on_a_page_answers_a_chinese_413_page(client, world):
    client.force_login(world.users["community_staff"])
    r = client.post("/accounts/login/", {"username": "x" * 5000, "password": "y"})
    assert r.status_code == 413
    page = r.content.decode()
    assert "请求被拒绝" in page and "请求内容过大" in page
    assert "Traceback" not in page


def test_multipart_without_boundary_answers_400_on_the_api(client, world):
    registry_world(world)
    auth = _bearer(client, world.users["resident"])
    r = client.post("/api/v1/points/claims", b"--x\r\n", content_type="multipart/form-data",
                    **auth)
    assert "multipart/form-data" in _error(r, 400, "bad_multipart")
    goods = store_goods(world.community)
    staff = _bearer(client, world.users["community_staff"])
    r = client.post(f"/api/v1/store/goods/{goods.uuid}/photo", b"--x\r\n",
                    content_type="multipart/form-data", **staff)
    _error(r, 400, "bad_multipart")


def test_multipart_without_boundary_on_a_page_answers_400(client, world):
    client.force_login(world.users["community_staff"])
    r = client.post("/registry/", b"--x\r\n", content_type="multipart/form-data")
    assert r.status_code == 400
    assert "请求被拒绝" in r.content.decode()


def test_form_body_sent_to_a_json_operation_is_refused_not_500(client, world):
    staff = _bearer(client, world.users["community_staff"])
    r = client.post("/api/v1/store/goods", {"name": "大米"}, **staff)  # multipart form
    assert r.status_code in (400, 415, 422), r.content
    assert r.json()["error"]["code"] != "server_error"


# --- item 2: NUL characters -------------------------------------------------------------------


def test_nul_in_json_bodies_and_queries_answers_400_on_both_databases(client, world):
    reg = registry_world(world)
    staff = _bearer(client, world.users["community_staff"])
    cases = [
        ("/api/v1/store/goods", {"name": "大米\u0000", "price": 10, "stock": 1}),
        ("/api/v1/registry/residents", {"household": str(reg["a"]["household"].uuid),
                                        "name": "王\u0000五"}),
        ("/api/v1/activities", {"title": "讲座\u0000", "starts_at": "2030-01-01T09:00:00+08:00",
                                "ends_at": "2030-01-01T10:00:00+08:00"}),
    ]
    for path, body in cases:
        r = client.post(path, json.dumps(body), content_type="application/json", **staff)
        assert "NUL" in _error(r, 400, "nul_character"), path
    raw = b'{"name": "\x00"}'
    r = client.post("/api/v1/store/goods", raw, content_type="application/json", **staff)
    _error(r, 400, "nul_character")
    r = client.get("/api/v1/registry/residents?q=a%00b", **staff)
    _error(r, 400, "nul_character")


def test_nul_in_a_page_form_or_query_answers_a_400_page(client, world):
    client.force_login(world.users["community_staff"])
    r = client.get("/registry/residents/?q=a%00b")
    assert r.status_code == 400 and "NUL" in r.content.decode()
    r = client.post("/accounts/login/", {"username": "a\x00", "password": "b"})
    assert r.status_code == 400


def test_an_escaped_backslash_is_not_mistaken_for_a_nul(client, world):
    staff = _bearer(client, world.users["community_staff"])
    # The JSON text `\\u0000` is a backslash followed by "u0000": a legal (odd) name.
    r = client.post("/api/v1/store/goods", '{"name": "a\\\\u0000", "price": 1, "stock": 1}',
                    content_type="application/json", **staff)
    assert r.status_code != 400 or r.json()["error"]["code"] != "nul_character"


# --- item 1 + 2: control characters in names, exports that never fail ------------------------


def test_api_names_lose_control_characters_and_refuse_bidi_overrides(client, world):
    from linli.registry.models import Resident

    reg = registry_world(world)
    staff = _bearer(client, world.users["community_staff"])
    body = {"household": str(reg["a"]["household"].uuid), "name": "\u0007王\t五\u0085 "}
    r = client.post("/api/v1/registry/residents", json.dumps(body),
                    content_type="application/json", **staff)
    assert r.status_code == 201, r.content
    assert Resident.objects.get(uuid=r.json()["uuid"]).name == "王 五"
    body["name"] = "王\u202e五"
    r = client.post("/api/v1/registry/residents", json.dumps(body),
                    content_type="application/json", **staff)
    assert r.status_code == 422
    field = r.json()["error"]["fields"][0]
    assert field["field"] == "name" and "U+202E" in field["message"]
    body["name"] = "\u0007\u0008"
    r = client.post("/api/v1/registry/residents", json.dumps(body),
                    content_type="application/json", **staff)
    assert r.status_code == 422


def test_goods_name_and_activity_title_are_cleaned_on_the_api(client, world):
    from linli.store.models import Goods

    staff = _bearer(client, world.users["community_staff"])
    r = client.post("/api/v1/store/goods", json.dumps({
        "community": str(world.community.uuid), "name": "大米\u0007", "price": 5, "stock": 1}),
        content_type="application/json", **staff)
    assert r.status_code == 201, r.content
    assert Goods.objects.get(uuid=r.json()["uuid"]).name == "大米"
    r = client.post("/api/v1/store/goods", json.dumps({
        "community": str(world.community.uuid), "name": "\u202e米大", "price": 5, "stock": 1}),
        content_type="application/json", **staff)
    assert r.status_code == 422


def test_registry_service_refuses_a_bidi_name_from_the_page_form(world):
    from linli.common.exceptions import ValidationError
    from tests.factories import registry_resident

    reg = registry_world(world)
    with pytest.raises(ValidationError) as refused:
        registry_resident(reg["a"]["household"], "张\u202e三")
    assert refused.value.field == "name"
    assert registry_resident(reg["a"]["household"], "张\u0007三").name == "张三"


def test_a_stored_control_character_does_not_break_the_registry_export(client, world):
    from io import BytesIO

    from openpyxl import load_workbook

    from linli.registry.models import Resident

    reg = registry_world(world)
    Resident.objects.filter(pk=reg["a"]["resident"].pk).update(name="张\u0007三\t\u202e")
    client.force_login(world.users["community_staff"])
    r = client.get("/registry/export.xlsx")
    assert r.status_code == 200
    sheet = load_workbook(BytesIO(r.content)).active
    names = [row[7] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "张三\t" in names


def test_the_ics_summary_drops_controls_and_bidi_overrides(client, world):
    from linli.activities.models import Activity
    from tests.factories import activity_make

    activity = activity_make(world.community)
    Activity.objects.filter(pk=activity.pk).update(title="生日\u0007会\u202e")
    r = client.get(f"/activities/feed/{world.community.uuid}.ics")
    assert r.status_code == 200
    text = r.content.decode()
    assert "SUMMARY:生日会" in text
    assert "\u0007" not in text and "\u202e" not in text


@pytest.mark.django_db(transaction=False)
def test_the_data_migration_cleans_stored_names(world):
    import importlib

    from django.apps import apps

    from linli.registry.models import Resident
    from linli.store.models import Goods

    reg = registry_world(world)
    goods = store_goods(world.community)
    Resident.objects.filter(pk=reg["a"]["resident"].pk).update(name="\u202e张\u0007三\n")
    Goods.objects.filter(pk=goods.pk).update(name="大米\u0007\u0007")
    migration = importlib.import_module("linli.registry.migrations.0006_clean_stored_names")
    migration.clean_stored_names(apps, None)
    assert Resident.objects.get(pk=reg["a"]["resident"].pk).name == "张三"
    assert Goods.objects.get(pk=goods.pk).name == "大米"


def test_a_birth_date_before_1900_is_refused(client, world):
    reg = registry_world(world)
    staff = _bearer(client, world.users["community_staff"])
    body = {"household": str(reg["a"]["household"].uuid), "name": "王五",
            "birth_date": "0001-01-01"}
    r = client.post("/api/v1/registry/residents", json.dumps(body),
                    content_type="application/json", **staff)
    assert 400 <= r.status_code < 500
    assert r.json()["error"]["fields"][0]["field"] == "birth_date"


# --- item 7 (central part): strict JSON bodies ------------------------------------------------


def test_a_list_body_is_refused_and_changes_nothing(client, world):
    from linli.points.models import Claim, ClaimStatus
    from tests.factories import points_claim, points_member

    household = points_member(community=world.community)
    claim = points_claim(household)
    staff = _bearer(client, world.users["community_staff"])
    r = client.post(f"/api/v1/points/claims/{claim.uuid}/approve", "[null, null]",
                    content_type="application/json", **staff)
    assert "JSON 对象" in _error(r, 422, "validation_error")
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.PENDING
    r = client.post(f"/api/v1/points/claims/{claim.uuid}/approve", "5",
                    content_type="application/json", **staff)
    _error(r, 422, "validation_error")
    r = client.post(f"/api/v1/points/claims/{claim.uuid}/approve", "{not json",
                    content_type="application/json", **staff)
    _error(r, 400, "invalid_json")
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.PENDING


def test_a_json_body_sent_as_text_plain_is_refused(client, world):
    from linli.points.models import Claim, ClaimStatus
    from tests.factories import points_claim, points_member

    claim = points_claim(points_member(community=world.community))
    staff = _bearer(client, world.users["community_staff"])
    r = client.post(f"/api/v1/points/claims/{claim.uuid}/approve", "{}",
                    content_type="text/plain", **staff)
    assert "application/json" in _error(r, 415, "unsupported_media_type")
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.PENDING


def test_goods_numbers_must_be_numbers_and_times_iso_within_range(client, world):
    from linli.store.models import Goods

    staff = _bearer(client, world.users["community_staff"])
    base = {"community": str(world.community.uuid), "name": "大米", "price": 5, "stock": 1}
    for change, field in (({"price": "5"}, "price"), ({"stock": True}, "stock"),
                          ({"available_from": 0}, "available_from"),
                          ({"available_from": "0001-01-01T00:00:00Z"}, "available_from"),
                          ({"available_until": "tomorrow"}, "available_until")):
        r = client.post("/api/v1/store/goods", json.dumps(base | change),
                        content_type="application/json", **staff)
        assert r.status_code == 422, (change, r.content)
        assert r.json()["error"]["fields"][0]["field"] == field
    assert not Goods.objects.exists()
    r = client.post("/api/v1/store/goods", json.dumps(
        base | {"available_from": "2026-05-01T09:00:00+08:00"}),
        content_type="application/json", **staff)
    assert r.status_code == 201, r.content
