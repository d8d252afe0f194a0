"""Registry import over the API: upload a community's own roster (multipart), read its
columns and guesses, set the mapping, page through every row's outcome, save (confirming the
places it creates) and download the bad rows. Bad input answers the JSON error body naming
the field; other communities' jobs do not exist for community staff."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from linli.registry.models import Building, Estate, ImportJob, Resident, Tag
from linli.registry.privacy import hash_id_number
from tests.factories import id_number_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/registry/imports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")

HEADINGS = ["序号", "姓名", "公民身份号码", "性别", "出生日期", "联系电话", "小区", "楼栋",
            "单元", "房号", "网格", "人口类型", "特殊人群"]
ZHANG = id_number_for(datetime.date(1950, 3, 7), 11)
LI = id_number_for(datetime.date(1972, 8, 19), 13)
WANG = id_number_for(datetime.date(1966, 10, 5), 15)
ZHAO = id_number_for(datetime.date(1985, 1, 2), 18)  # even: a woman


def roster(grid: str, rows=None) -> list[list]:
    """A community office's roster: a title row, a heading row of its own words, full-width
    digits, dates and phones as people write them, a bad date and a totals row."""
    rows = rows if rows is not None else [
        ["1", "张三", ZHANG.translate(FULL), "男", "1950-03-07", "+86 185 0000 1111",
         "锦绣小区", "1栋", "1单元", "101", grid, "户籍人口", "低保户"],
        ["2", "李四", LI, "男", "19720819", "137-0857-9269", "锦绣小区", "1栋", "1单元",
         "102", grid, "户籍人口", "残疾人、空巢老人"],
        ["3", "王五", WANG, "男", "1960年2月30日", "", "锦绣小区", "2栋", "1单元", "201",
         grid, "流动人口", ""],
        ["4", "赵六", ZHAO, "女", "1985/1/2", "13800003333", "锦绣小区", "2栋", "1单元", "202",
         grid, "常住人口", ""],
        ["合计", "4人", "", "", "", "", "", "", "", "", "", "", ""],
    ]
    return [["锦绣社区居民花名册（2026年）"], HEADINGS, *rows]


def workbook(sheet_rows, name="花名册.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    for r in sheet_rows:
        ws.append(r)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADINGS))
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def staff(client, world):
    client.force_login(world.users["community_staff"])
    return client


def upload(client, world, sheet_rows=None, **extra):
    data = {"community": str(world.community.uuid),
            "file": workbook(sheet_rows or roster(world.grid.number)), **extra}
    return client.post(URL, data)


def put_mapping(client, job: dict, **body):
    payload = {"columns": [c["field"] for c in job["columns"]], "values": {},
               "sensitive_basis": "", "mode": "all", **body}
    return client.put(f"{URL}/{job['uuid']}/mapping", payload, content_type="application/json")


def checked(client, world, **body) -> dict:
    job = upload(client, world).json()
    response = put_mapping(client, job, **{
        "values": {"tags": {"低保户": "+new", "残疾人": "+new", "空巢老人": "+new"}},
        "sensitive_basis": "consent", "mode": "partial", **body})
    assert response.status_code == 202, response.content
    return response.json()


def test_upload_reads_the_roster_and_guesses_each_column(staff, world):
    response = upload(staff, world)
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["status"] == "mapping"
    assert job["community"] == str(world.community.uuid)
    assert job["header_row"] == 2  # the title row is not the header
    by_heading = {c["heading"]: c for c in job["columns"]}
    assert [c["heading"] for c in job["columns"]] == HEADINGS
    assert by_heading["公民身份号码"]["field"] == "id_number"
    assert by_heading["联系电话"]["field"] == "mobile"
    assert by_heading["特殊人群"]["field"] == "tags"
    assert by_heading["人口类型"]["field"] == "residence_type"
    assert by_heading["序号"]["field"] == "row_label"
    assert "张三" in by_heading["姓名"]["samples"]
    assert {"key": "id_number", "label": "身份证号"} in job["fields"]
    values = {(v["kind"], v["value"]): v["mapped"] for v in job["values"]}
    assert values[("residence_type", "户籍人口")] == "registered"
    assert values[("residence_type", "流动人口")] == "floating"
    assert ("tags", "低保户") in values
    assert ImportJob.objects.get(uuid=job["uuid"]).created_by == world.users["community_staff"]


def test_mapping_checks_rows_and_the_preview_lists_them_with_places(staff, world):
    job = checked(staff, world)
    assert job["status"] == "checked"
    assert job["mode"] == "partial" and job["sensitive_basis"] == "consent"
    assert (job["create_count"], job["error_count"], job["skipped_count"]) == (3, 1, 1)
    places = job["places"]
    assert places["estates"] == ["锦绣小区"] and places["estate_count"] == 1
    assert places["building_count"] == 2 and len(places["buildings"]) == 2
    assert places["households"] == 3  # the good rows only: 王五 (an error) is not saved
    assert job["creates_places"] is True

    rows = staff.get(f"{URL}/{job['uuid']}/rows").json()
    assert rows["count"] == 5
    assert [r["outcome"] for r in rows["items"]] == [
        "create", "create", "error", "create", "skipped"]
    bad = staff.get(f"{URL}/{job['uuid']}/rows", {"outcome": "error"}).json()
    assert bad["count"] == 1
    (row,) = bad["items"]
    assert row["label"] == "3" and row["name"] == "王五"
    (error,) = row["errors"]
    assert error["column"] == "出生日期" and error["value"] == "1960年2月30日"
    assert "1966-10-05" in error["message"]
    skipped = staff.get(f"{URL}/{job['uuid']}/rows", {"outcome": "skipped"}).json()
    assert skipped["count"] == 1 and skipped["items"][0]["errors"] == []


def test_rows_are_paginated_in_the_database(staff, world):
    job = checked(staff, world)
    with CaptureQueriesContext(connection) as queries:
        page = staff.get(f"{URL}/{job['uuid']}/rows", {"limit": 2, "offset": 2}).json()
    assert page["count"] == 5
    assert [r["name"] for r in page["items"]] == ["王五", "赵六"]
    row_queries = [q["sql"] for q in queries.captured_queries
                   if "registry_importrow" in q["sql"] and "COUNT" not in q["sql"].upper()]
    assert row_queries and all("LIMIT 2" in q.upper() for q in row_queries)


def test_commit_asks_to_confirm_places_then_saves_the_good_rows(staff, world):
    job = checked(staff, world)
    commit = f"{URL}/{job['uuid']}/commit"
    refused = staff.post(commit, {"confirm_places": False}, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["error"]["fields"][0]["field"] == "confirm_places"
    assert not Resident.objects.filter(name="张三").exists()

    response = staff.post(commit, {"confirm_places": True}, content_type="application/json")
    assert response.status_code == 202, response.content
    done = staff.get(f"{URL}/{job['uuid']}").json()
    assert done["status"] == "done" and done["create_count"] == 3
    zhang = Resident.objects.get(id_number_hash=hash_id_number(ZHANG))
    assert zhang.name == "张三" and zhang.mobile == "18500001111"
    li = Resident.objects.get(name="李四")
    assert li.mobile == "13708579269" and li.birth_date == datetime.date(1972, 8, 19)
    assert li.sensitive_basis == "consent"
    assert set(li.tags.values_list("name", flat=True)) == {"残疾人", "空巢老人"}
    assert Tag.objects.get(street=world.street, name="残疾人").sensitive
    assert not Resident.objects.filter(name="王五").exists()
    assert Building.objects.filter(estate__community=world.community,
                                   estate__name="锦绣小区").count() == 2
    assert Estate.objects.filter(community=world.community, name="锦绣小区").count() == 1


def test_error_workbook_holds_the_bad_rows_with_their_problem(staff, world):
    job = checked(staff, world)
    response = staff.get(f"{URL}/{job['uuid']}/errors.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    sheet = [[c for c in r] for r in ws.iter_rows(values_only=True)]
    header = next(r for r in sheet if r and "姓名" in r)
    assert "问题" in header and "公民身份号码" in header
    data = [r for r in sheet[sheet.index(header) + 1:] if any(r)]
    assert len(data) == 1
    cells = dict(zip(header, data[0], strict=False))
    assert cells["姓名"] == "王五" and "1966-10-05" in cells["问题"]


def test_mode_all_refuses_to_save_while_rows_have_errors(staff, world):
    job = checked(staff, world, mode="all")
    response = staff.post(f"{URL}/{job['uuid']}/commit", {"confirm_places": True},
                          content_type="application/json")
    assert response.status_code == 409
    assert response.json()["error"]["message"]
    assert not Resident.objects.filter(name="张三").exists()


def test_reupload_of_fixed_rows_updates_instead_of_duplicating(staff, world):
    job = checked(staff, world)
    staff.post(f"{URL}/{job['uuid']}/commit", {"confirm_places": True},
               content_type="application/json")
    fixed = roster(world.grid.number, rows=[
        ["3", "王五", WANG, "男", "1966-10-05", "", "锦绣小区", "2栋", "1单元", "201",
         world.grid.number, "流动人口", ""],
        ["4", "赵六", ZHAO, "女", "1985-01-02", "13800004444", "锦绣小区", "2栋", "1单元", "202",
         world.grid.number, "常住人口", ""],
    ])
    again = upload(staff, world, fixed).json()
    second = put_mapping(staff, again, mode="all").json()
    assert (second["create_count"], second["update_count"], second["error_count"]) == (1, 1, 0)
    response = staff.post(f"{URL}/{again['uuid']}/commit", {"confirm_places": True},
                          content_type="application/json")
    assert response.status_code == 202, response.content
    assert Resident.objects.filter(id_number_hash=hash_id_number(ZHAO)).count() == 1
    assert Resident.objects.get(id_number_hash=hash_id_number(ZHAO)).mobile == "13800004444"
    assert Resident.objects.filter(name="王五").count() == 1


# --- Bad input: the JSON error body naming the field, never a 500 ---------------------------


def _field(response) -> str:
    body = response.json()
    assert response["Content-Type"].startswith("application/json")
    assert set(body) == {"error"} and body["error"]["message"]
    return body["error"]["fields"][0]["field"]


def test_upload_without_a_file_names_the_file(staff, world):
    response = staff.post(URL, {"community": str(world.community.uuid)})
    assert response.status_code == 409 and _field(response) == "file"
    assert response.json()["error"]["message"] == "请选择要上传的花名册文件（.xlsx 或 .xls）。"
    assert not ImportJob.objects.filter(community=world.community, file_name__endswith=".xlsx",
                                        created_by=world.users["community_staff"]).exists()


def test_upload_of_a_file_that_is_not_excel_names_the_file(staff, world):
    for name, content in (("名单.txt", "姓名,身份证号\n张三,1".encode()),
                          ("名单.xlsx", b"this is not a workbook at all")):
        response = staff.post(URL, {"community": str(world.community.uuid),
                                    "file": SimpleUploadedFile(name, content)})
        assert response.status_code == 409, (name, response.content)
        assert _field(response) == "file"
    assert not ImportJob.objects.filter(created_by=world.users["community_staff"]).exists()


def test_upload_without_or_with_a_foreign_community_names_the_community(staff, world):
    file = workbook(roster(world.grid.number))
    response = staff.post(URL, {"file": file})
    assert response.status_code == 409 and _field(response) == "community"
    response = staff.post(URL, {"community": str(world.other_community.uuid),
                                "file": workbook(roster(world.grid.number))})
    assert response.status_code == 409 and _field(response) == "community"
    assert response.json()["error"]["message"] == "您管理的社区中没有这个编号的社区。"
    response = staff.post(URL, {"community": "not-a-uuid", "file": workbook([["x"]])})
    assert response.status_code == 422 and _field(response) == "community"
    assert not ImportJob.objects.exists()


def test_upload_sent_as_json_is_refused_with_the_field(staff, world):
    response = staff.post(URL, {"community": str(world.community.uuid)},
                          content_type="application/json")
    assert response.status_code == 409 and _field(response) == "community"


def test_mapping_to_an_unknown_field_names_the_column(staff, world):
    job = upload(staff, world).json()
    columns = [c["field"] for c in job["columns"]]
    columns[2] = "passport"
    response = staff.put(f"{URL}/{job['uuid']}/mapping", {"columns": columns},
                         content_type="application/json")
    assert response.status_code == 422 and _field(response) == "columns.2"
    assert ImportJob.objects.get(uuid=job["uuid"]).status == "mapping"


def test_two_columns_to_one_field_are_refused(staff, world):
    job = upload(staff, world).json()
    columns = [c["field"] for c in job["columns"]]
    columns[3] = "name"  # 性别 read as the name, besides 姓名
    response = staff.put(f"{URL}/{job['uuid']}/mapping", {"columns": columns},
                         content_type="application/json")
    assert response.status_code == 409 and _field(response) == "columns"
    message = response.json()["error"]["message"]
    assert "姓名" in message and "性别" in message
    assert ImportJob.objects.get(uuid=job["uuid"]).status == "mapping"


def test_mapping_with_the_wrong_number_of_columns_or_a_bad_value_is_refused(staff, world):
    job = upload(staff, world).json()
    response = staff.put(f"{URL}/{job['uuid']}/mapping", {"columns": ["name"]},
                         content_type="application/json")
    assert response.status_code == 409 and _field(response) == "columns"
    response = put_mapping(staff, job, values={"residence_type": {"户籍人口": "martian"}})
    assert response.status_code == 409 and _field(response) == "values"
    response = put_mapping(staff, job, values={"tags": {"低保户": "没有这个标签"}})
    assert response.status_code == 409 and _field(response) == "values"
    response = put_mapping(staff, job, mode="some")
    assert response.status_code == 422 and _field(response) == "mode"
    response = put_mapping(staff, job, sensitive_basis="because")
    assert response.status_code == 422 and _field(response) == "sensitive_basis"
    response = staff.put(f"{URL}/{job['uuid']}/mapping", "[1, 2]",
                         content_type="application/json")
    assert response.status_code == 422
    assert ImportJob.objects.get(uuid=job["uuid"]).status == "mapping"


def test_commit_before_the_check_and_workbook_without_errors_are_conflicts(staff, world):
    job = upload(staff, world).json()
    response = staff.post(f"{URL}/{job['uuid']}/commit", {"confirm_places": True},
                          content_type="application/json")
    assert response.status_code == 409
    response = staff.get(f"{URL}/{job['uuid']}/errors.xlsx")
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/json")
    response = staff.post(f"{URL}/{job['uuid']}/commit", {"confirm_places": "yes"},
                          content_type="application/json")
    assert response.status_code == 422 and _field(response) == "confirm_places"


def test_row_filter_must_be_a_known_outcome(staff, world):
    job = checked(staff, world)
    response = staff.get(f"{URL}/{job['uuid']}/rows", {"outcome": "fine"})
    assert response.status_code == 422 and _field(response) == "outcome"
    warnings = staff.get(f"{URL}/{job['uuid']}/rows", {"outcome": "warning"}).json()
    assert all(r["warnings"] for r in warnings["items"])


# --- Who may act ---------------------------------------------------------------------------


def test_street_admin_imports_for_a_community_of_the_street(client, world):
    client.force_login(world.users["street_admin"])
    job = upload(client, world).json()
    assert job["status"] == "mapping"
    assert client.get(f"{URL}/{job['uuid']}").status_code == 200


def test_other_community_staff_do_not_see_the_job(client, world):
    client.force_login(world.users["community_staff"])
    job = checked(client, world)
    client.force_login(world.other["community_staff"])
    for method, path, body in (
            ("get", "", None), ("get", "/rows", None), ("get", "/errors.xlsx", None),
            ("put", "/mapping", {"columns": [c["field"] for c in job["columns"]]}),
            ("post", "/commit", {"confirm_places": True})):
        kwargs = {"data": body, "content_type": "application/json"} if body else {}
        response = getattr(client, method)(f"{URL}/{job['uuid']}{path}", **kwargs)
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.json()["error"]["code"] == "not_found"
    assert ImportJob.objects.get(uuid=job["uuid"]).status == "checked"


def test_grid_workers_and_residents_are_refused(client, world):
    for role in ("grid_worker", "resident"):
        client.force_login(world.users[role])
        response = upload(client, world)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    assert not ImportJob.objects.exists()


def test_a_full_width_id_is_stored_ascii_and_found(staff, world):
    job = checked(staff, world)
    staff.post(f"{URL}/{job['uuid']}/commit", {"confirm_places": True},
               content_type="application/json")
    zhang = Resident.objects.get(name="张三")
    assert zhang.id_number_hash == hash_id_number(ZHANG)
    found = staff.get("/api/v1/registry/residents", {"q": ZHANG}).json()
    assert [r["name"] for r in found["items"]] == ["张三"]
