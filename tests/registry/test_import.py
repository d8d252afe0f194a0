"""Excel import: template, preview of every row, all-or-nothing commit, re-import updates."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from linli.common.exceptions import ValidationError
from linli.registry.imports import COLUMNS, import_mapping_set
from linli.registry.models import Building, Household, ImportJob, ImportRow, Resident
from linli.registry.privacy import hash_id_number
from linli.registry.services import resident_create
from tests.factories import id_number_for, registry_household

pytestmark = pytest.mark.django_db

HEADERS = [h for _k, h, _r in COLUMNS]
TODAY = datetime.date.today()
CHILD_BORN = TODAY.replace(year=TODAY.year - 6, day=1)


def row(**values):
    keys = [k for k, _h, _r in COLUMNS]
    return [values.get(k, "") for k in keys]


def good_rows(grid_number: str):
    head = id_number_for(datetime.date(1948, 2, 3), 71)
    return [
        row(household_number="1-1-101", grid=grid_number, address="紫轩小区1栋1单元101",
            estate="紫轩小区", building="1栋", unit="1单元", room="101", name="王建国",
            id_number=head, mobile="13800001111", relation="户主", tags="高龄、独居",
            political_status="中共党员", residence_type="户籍", ethnicity="汉族"),
        row(household_number="1-1-101", grid=grid_number, address="紫轩小区1栋1单元101",
            estate="紫轩小区", building="1栋", unit="1单元", room="101", name="王小宝",
            id_number=id_number_for(CHILD_BORN, 72), relation="孙子女", guardian_id=head),
        row(household_number="1-1-102", grid=grid_number, address="紫轩小区1栋1单元102",
            estate="紫轩小区", building="1栋", unit="1单元", room="102", name="李秀英",
            id_number=id_number_for(datetime.date(1955, 7, 8), 74), gender="女",
            birth_date="1955-07-08", relation="户主", tags="残疾", sensitive_basis="本人同意",
            sensitive_basis_note="同意书2024-3"),
        row(household_number="2-1-301", grid=grid_number, address="紫轩小区2栋1单元301",
            name="赵敏", id_number=id_number_for(datetime.date(1990, 12, 1), 76),
            residence_type="流动", relation="户主", mobile="13800002222"),
    ]


def xlsx(rows, headers=HEADERS) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("residents.xlsx", buffer.getvalue())


def upload(client, world, rows, headers=HEADERS, *, check=True, **options) -> ImportJob:
    """Upload, then (unless `check` is false) confirm Linli's column guess and check."""
    response = client.post(reverse("registry:import_start"), {
        "community": world.community.uuid, "file": xlsx(rows, headers)})
    assert response.status_code == 302, response.content[:500]
    job = ImportJob.objects.order_by("-id").first()
    if check and job.status == "mapping":
        job = import_mapping_set(job=job, actor=world.users["community_staff"],
                                 columns=options.pop("columns", {}),
                                 values=options.pop("values", {}),
                                 sensitive_basis=options.pop("sensitive_basis", ""),
                                 mode=options.pop("mode", "all"))
    return job


def commit(client, job, **data):
    return client.post(reverse("registry:import_commit", kwargs={"uuid": job.uuid}),
                       {"confirm_places": "1", **data})


@pytest.fixture
def staff(client, world, reg):
    client.force_login(world.users["community_staff"])
    return client


def test_template_has_the_columns(staff):
    response = staff.get(reverse("registry:import_template"))
    wb = load_workbook(io.BytesIO(response.content))
    header = [c.value for c in wb.active[1]]
    assert header[0] == "户号*" and "身份证号*" in header and len(header) == len(COLUMNS)
    sample = [c.value for c in wb.active[2]]
    from linli.registry.idnumbers import id_number_parse
    assert id_number_parse(sample[8]).birth_date == datetime.date(1950, 3, 7)


def test_preview_then_commit_then_reimport_updates(staff, world):
    grid = world.grid.number
    before = Resident.objects.count()
    job = upload(staff, world, good_rows(grid))
    assert (job.status, job.create_count, job.update_count, job.error_count) == (
        "checked", 4, 0, 0)
    page = staff.get(reverse("registry:import_detail", kwargs={"uuid": job.uuid}),
                     {"show": "all"}).content.decode()
    assert "王建国" in page and "赵敏" in page
    assert Resident.objects.count() == before  # the check writes nothing
    commit(staff, job)
    job.refresh_from_db()
    assert (job.status, job.create_count) == ("done", 4), job.message
    assert Resident.objects.count() == before + 4
    wang = Resident.objects.get(name="王建国")
    assert wang.name_initials == "wjg" and wang.household.head == wang
    assert sorted(t.name for t in wang.tags.all()) == ["独居", "高龄"]
    assert wang.political_status == "party_member" and wang.gender == "M"
    child = Resident.objects.get(name="王小宝")
    assert child.guardian == wang and child.household == wang.household
    assert Building.objects.get(name="1栋", estate__name="紫轩小区").grid == world.grid
    assert wang.household.unit.name == "1单元" and wang.household.room == "101"
    assert wang.history.count() == 1
    # Same file again, one mobile changed: updates, no duplicates.
    rows = good_rows(grid)
    rows[0][11] = "13800009999"
    job2 = upload(staff, world, rows)
    assert (job2.create_count, job2.update_count, job2.error_count) == (0, 4, 0)
    commit(staff, job2)
    job2.refresh_from_db()
    assert job2.status == "done"
    assert Resident.objects.count() == before + 4
    assert Household.objects.filter(community=world.community, number="1-1-101").count() == 1
    wang.refresh_from_db()
    assert wang.mobile == "13800009999" and wang.history.count() == 2
    api = staff.get(f"/api/v1/registry/imports/{job2.uuid}").json()
    assert api["status"] == "done" and api["update_count"] == 4


def test_bad_rows_are_reported_by_row_and_column_and_block_the_commit(staff, world):
    grid = world.grid.number
    rows = good_rows(grid)
    wrong_digit = id_number_for(datetime.date(1960, 1, 1), 81)
    wrong_digit = wrong_digit[:-1] + ("0" if wrong_digit[-1] != "0" else "1")
    rows += [
        row(household_number="9", grid=grid, address="x", name="坏校验", id_number=wrong_digit),
        row(household_number="9", grid=grid, address="x", name="生日不符",
            id_number=id_number_for(datetime.date(1960, 1, 1), 83), birth_date="1960-01-02"),
        row(household_number="9", grid="999", address="x", name="无此网格",
            id_number=id_number_for(datetime.date(1960, 1, 1), 85)),
        row(household_number="9", grid=grid, address="x", name="未知标签",
            id_number=id_number_for(datetime.date(1960, 1, 1), 87), tags="火星人"),
        row(household_number="9", grid=grid, address="x", name="重复",
            id_number=rows[0][8]),
        row(household_number="9", grid=grid, address="x", name="孩子",
            id_number=id_number_for(CHILD_BORN, 89)),
        row(household_number="9", grid=grid, address="x", name="数字",
            id_number=110101199003071233),
        row(household_number="9", grid=grid, address="", name="", id_number=""),
    ]
    before = Resident.objects.count()
    job = upload(staff, world, rows)
    assert job.status == "checked" and job.error_count == 8 and job.create_count == 4
    errors = {r.row: r.errors for r in job.rows.filter(outcome="error")}
    assert errors[6][0]["column"] == "身份证号"
    assert "校验" in errors[6][0]["message"]
    assert errors[7][0]["column"] == "出生日期"
    assert errors[8][0]["column"] == "网格编号"
    assert errors[9][0]["column"] == "标签"
    assert errors[10][0]["column"] == "身份证号"
    assert errors[11][0]["column"] == "监护人身份证号"
    assert errors[12][0]["column"] == "身份证号"
    assert {e["column"] for e in errors[13]} >= {"地址", "姓名", "身份证号"}
    page = staff.get(reverse("registry:import_detail", kwargs={"uuid": job.uuid})).content
    assert "坏校验".encode() in page
    response = commit(staff, job)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "checked"
    assert Resident.objects.count() == before


def test_commit_is_all_or_nothing(staff, world, monkeypatch):
    # One row per chunk: the first rows are written before the bad one is reached.
    monkeypatch.setattr("linli.registry.imports.CHUNK", 1)
    grid = world.grid.number
    rows = good_rows(grid)
    job = upload(staff, world, rows)
    assert job.error_count == 0
    # Between check and commit, one of the people is registered in community B.
    other = registry_household(world.other_grid, "b-9")
    resident_create(household=other, name="赵敏", id_number=rows[3][8])
    before = (Resident.objects.count(), Household.objects.count())
    commit(staff, job)
    job.refresh_from_db()
    assert job.status == "failed"
    assert "其他社区" in job.message
    assert (Resident.objects.count(), Household.objects.count()) == before
    assert not Resident.objects.filter(id_number_hash=hash_id_number(rows[0][8])).exists()


def test_missing_columns_are_named_at_the_mapping_step(staff, world):
    job = upload(staff, world, [["x", "王五"]], headers=["户号", "姓名"], check=False)
    assert job.status == "mapping"
    with pytest.raises(ValidationError) as caught:
        import_mapping_set(job=job, actor=world.users["community_staff"], columns={},
                           values={}, sensitive_basis="", mode="all")
    assert "身份证号" in caught.value.message and caught.value.field == "columns"
    # On the page: the column step again, with the message naming the missing field.
    response = staff.post(reverse("registry:import_columns", kwargs={"uuid": job.uuid}),
                          {"col_0": "household_number", "col_1": "name"}, follow=True)
    assert "身份证号" in response.content.decode()
    job.refresh_from_db()
    assert job.status == "mapping" and not ImportRow.objects.filter(job=job).exists()


def test_progress_fragment_and_other_community(client, world, reg):
    client.force_login(world.users["community_staff"])
    job = upload(client, world, good_rows(world.grid.number))
    fragment = client.get(reverse("registry:import_progress", kwargs={"uuid": job.uuid}))
    assert b"import-panel" in fragment.content and b"<html" not in fragment.content
    client.force_login(world.other["community_staff"])
    assert client.get(reverse("registry:import_detail",
                              kwargs={"uuid": job.uuid})).status_code == 404
