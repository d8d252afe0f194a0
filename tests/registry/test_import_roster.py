"""Import of a community's own roster as it is written (issue 11): a title row and a merged
two-row heading, synonyms, full-width digits, dates and phones in every form, a totals row, no
户号 (households from 小区/楼栋/单元/房号 or one address cell), 残疾 rows with a basis declared
for the batch; the mapping remembered; partial save, the bad rows as a workbook to fix and
import again; who may act."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from linli.common.exceptions import Conflict, PermissionDenied, ValidationError
from linli.common.models import AuditEvent
from linli.registry import imports
from linli.registry.models import (
    Building,
    Estate,
    Household,
    ImportJob,
    ImportProfile,
    ImportRow,
    Resident,
    Tag,
)
from linli.registry.privacy import hash_id_number
from linli.registry.selectors import resident_list_for_user
from tests.factories import id_number_for, registry_household

pytestmark = pytest.mark.django_db

FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
TODAY = datetime.date.today()

# Two heading rows under a title: 序号, 姓名 and 特殊人群 merged over both rows; "基本信息"
# over 性别/公民身份号码/出生日期, "住址" over 小区/楼栋/单元/房号.
TOP = ["序号", "姓名", "基本信息", None, None, "住址", None, None, None, "所属网格", "联系电话",
       "户籍类型", "与户主关系", "特殊人群"]
SUB = [None, None, "性别", "公民身份号码", "出生日期", "小区", "楼栋", "单元", "房号", None, None,
       None, None, None]


def people(grid="001"):
    """(row, id number) of the roster; the roster's 序号 run 1..7."""
    head = id_number_for(datetime.date(1972, 8, 19), 31)
    wife = id_number_for(datetime.date(1974, 2, 4), 42)
    elder = id_number_for(datetime.date(1941, 1, 9), 52)
    bad_date = id_number_for(datetime.date(1966, 10, 5), 63)
    odd_area = id_number_for(datetime.date(1980, 5, 6), 75, area="999999")
    disabled = id_number_for(datetime.date(1958, 3, 3), 82)
    tenant = id_number_for(datetime.date(1990, 1, 2), 93)
    return [
        [1, "陈 建国", "男", head.translate(FULL), "19720819", "紫轩小区", "3栋", "2单元", "501室",
         grid, "+86 185 1234 5678", "户籍人口", "户主", "低保户、空巢老人"],
        [2, "林秀英", "女", wife, "1974年2月4日", "紫轩小区", "3栋", "2单元", "501", grid,
         "137-0857-9269", "户籍人口", "妻子", ""],
        [3, "周桂兰", "女", elder, "1941.1.9", "紫轩小区", "3幢", "1单元", "102", grid,
         "13912340000", "户籍", "户主", "独居老人"],
        [4, "吴德明", "男", bad_date, "1960年2月30日", "紫轩小区", "5栋", "1单元", "201", grid,
         "", "户籍人口", "户主", ""],
        [5, "郑海", "男", odd_area, datetime.datetime(1980, 5, 6), "紫轩小区", "5栋", "1单元",
         "202", grid, "13800001234", "流动人口", "户主", ""],
        [6, "钱玉珍", "女", disabled, "1958/3/3", "紫轩小区", "5栋", "1单元", "203", grid, "",
         "户籍人口", "户主", "残疾人"],
        [7, "孙涛", "男", tenant, "1990-01-02", "紫轩小区", "6栋", "", "101", "",
         "18611112222", "流动人口", "户主", ""],
    ]


def messy_roster(rows=None, grid="001", top=TOP) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["紫轩社区居民花名册（2026年）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(top))
    ws.append([])
    ws.append(top)
    ws.append(SUB)
    for col in (1, 2, 10, 11, 12, 13, 14):
        ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    ws.merge_cells("C3:E3")
    ws.merge_cells("F3:I3")
    rows = people(grid) if rows is None else rows
    for r in rows[:3]:
        ws.append(r)
    ws.append([])  # a blank row in the middle
    for r in rows[3:]:
        ws.append(r)
    ws.append(["合 计", None, None, None, None, None, None, None, None, None, None, None, None,
               f"{len(rows)}人"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def start(world, content: bytes, name="紫轩社区花名册.xlsx", actor=None) -> ImportJob:
    job = imports.import_job_create(community=world.community,
                                    actor=actor or world.users["community_staff"],
                                    upload=SimpleUploadedFile(name, content))
    job.refresh_from_db()
    return job


def page_values(job) -> dict:
    """The value step as staff leave it: Linli's choices, unknown ones unmapped."""
    return {kind: {e["value"]: e["choice"] for e in entries if e["choice"] is not None}
            for kind, entries in imports.import_value_choices(job=job).items()}


def confirm(world, job, *, columns=None, values=None, basis="consent", mode="partial"):
    return imports.import_mapping_set(
        job=job, actor=world.users["community_staff"], columns=columns or {},
        values=page_values(job) if values is None else values, sensitive_basis=basis,
        mode=mode)


def save(world, job, **kwargs):
    imports.import_commit_request(job=job, actor=world.users["community_staff"],
                                  **{"confirm_places": True, **kwargs})
    job.refresh_from_db()
    return job


def problems(job) -> dict:
    return {r.label: r for r in ImportRow.objects.filter(job=job)}


def test_a_messy_roster_is_read_mapped_checked_and_partly_saved(world, reg):
    staff = world.users["community_staff"]
    job = start(world, messy_roster(grid=world.grid.number))
    assert job.status == "mapping", job.message
    headings = [c["heading"] for c in job.columns]
    guess = dict(zip(headings, job.mapping, strict=True))
    assert guess["公民身份号码"] == "id_number" and guess["联系电话"] == "mobile"
    assert guess["特殊人群"] == "tags" and guess["户籍类型"] == "residence_type"
    assert guess["序号"] == "row_label" and guess["所属网格"] == "grid"
    assert {guess[h] for h in ("小区", "楼栋", "单元", "房号")} == {
        "estate", "building", "unit", "room"}
    samples = job.columns[headings.index("姓名")]["samples"]
    assert samples[:2] == ["陈 建国", "林秀英"] and "合 计" not in str(job.columns)

    choices = page_values(job)
    assert choices["residence_type"]["户籍人口"] == "registered"
    assert choices["residence_type"]["流动人口"] == "floating"
    assert choices["relation"]["妻子"] == "spouse"
    assert choices["tags"]["低保户"] == "低保" and choices["tags"]["残疾人"] == "残疾"
    assert choices["tags"]["空巢老人"] == imports.NEW_TAG

    job = confirm(world, job)
    assert job.status == "checked", job.message
    assert (job.create_count, job.update_count, job.error_count) == (5, 0, 2)
    assert job.skipped_count == 2  # the totals row and the blank row
    assert job.warning_count == 1
    rows = problems(job)
    # The impossible date names the roster's row label, the column as written, both dates.
    bad = rows["4"]
    assert bad.outcome == "error" and bad.name == "吴德明"
    message = bad.errors[0]
    assert message["column"] == "出生日期" and message["value"] == "1960年2月30日"
    assert "1960年2月30日" in message["message"] and "1966-10-05" in message["message"]
    assert "不存在" in message["message"]
    # A new building without a grid: the row says what to do.
    assert rows["7"].outcome == "error"
    assert "网格" in rows["7"].errors[0]["message"] and "6栋" in rows["7"].errors[0]["message"]
    # An area code that is no division: a warning, the row is still saved.
    assert rows["5"].outcome == "create" and rows["5"].warnings
    assert "地区" in rows["5"].warnings[0]["message"] or "代码" in rows["5"].warnings[0]["message"]
    assert [r.label for r in ImportRow.objects.filter(job=job, outcome="skipped")] == ["合 计"]
    # The preview names the places the save creates.
    assert job.places["estates"] == ["紫轩小区"]
    assert sorted(job.places["buildings"]) == ["紫轩小区 3栋", "紫轩小区 5栋"]
    assert job.places["households"] == 4

    # Saving creates places: it needs the confirmation.
    with pytest.raises(ValidationError) as refused:
        imports.import_commit_request(job=job, actor=staff, confirm_places=False)
    assert refused.value.field == "confirm_places"
    assert not Estate.objects.filter(name="紫轩小区").exists()
    job = save(world, job)
    assert job.status == "done", job.message
    assert (job.create_count, job.error_count) == (5, 2)

    chen = Resident.objects.get(name="陈 建国")
    ascii_id = id_number_for(datetime.date(1972, 8, 19), 31)  # the file had it full-width
    assert chen.id_number_hash == hash_id_number(ascii_id)
    assert chen.id_number_masked.isascii() and chen.mobile == "18512345678"
    assert chen.birth_date == datetime.date(1972, 8, 19)
    found = resident_list_for_user(user=staff, id_number=ascii_id)
    assert list(found) == [chen]
    assert sorted(t.name for t in chen.tags.all()) == ["低保", "空巢老人"]
    assert not Tag.objects.get(name="空巢老人").sensitive
    household = chen.household
    assert household.head == chen and household.room == "501"
    assert household.building.name == "3栋" and household.unit.name == "2单元"
    assert household.grid == world.grid and household.building.grid == world.grid
    lin = Resident.objects.get(name="林秀英")
    assert lin.household == household and lin.mobile == "13708579269"
    assert lin.relation == "spouse" and lin.residence_type == "registered"
    zhou = Resident.objects.get(name="周桂兰")
    assert zhou.household.building == household.building  # 3幢 is 3栋
    qian = Resident.objects.get(name="钱玉珍")
    assert [t.name for t in qian.tags.all()] == ["残疾"] and qian.sensitive_basis == "consent"
    assert Resident.objects.get(name="郑海").residence_type == "floating"
    assert not Resident.objects.filter(name__in=["吴德明", "孙涛"]).exists()
    event = AuditEvent.objects.get(action="registry_import")
    assert event.object_id == str(job.uuid) and "本人同意" in event.reason
    assert event.actor == staff

    # The bad rows as a workbook: the file's own headings and cells plus 问题.
    content = imports.import_error_workbook(job=job, actor=staff)
    sheet = load_workbook(io.BytesIO(content)).active
    table = [[c.value for c in r] for r in sheet.iter_rows()]
    assert table[0][:2] == ["序号", "姓名"] and table[0][-1] == "问题"
    assert [r[1] for r in table[1:]] == ["吴德明", "孙涛"]
    assert "1966-10-05" in table[1][-1] and "出生日期" in table[1][-1]
    # Fix both (the real birth date; the building's grid) and import the workbook again.
    table[1][4] = "1966年10月5日"
    table[2][headings.index("所属网格")] = world.grid.number
    fixed = Workbook()
    for r in table:
        fixed.active.append(r)
    buffer = io.BytesIO()
    fixed.save(buffer)
    again = start(world, buffer.getvalue(), name="有问题的行.xlsx")
    assert again.status == "mapping"
    assert again.mapping[-1] is None  # 问题 is ignored
    again = confirm(world, again)
    assert (again.create_count, again.update_count, again.error_count) == (2, 0, 0), [
        r.errors for r in again.rows.all()]
    again = save(world, again)
    assert again.status == "done"
    assert Resident.objects.get(name="吴德明").birth_date == datetime.date(1966, 10, 5)
    assert Resident.objects.get(name="孙涛").household.building.name == "6栋"

    # The whole roster again (the date fixed): updates, never duplicates.
    before = (Resident.objects.count(), Household.objects.count(), Building.objects.count())
    rows = people(world.grid.number)
    rows[3][4] = "1966-10-05"
    rows[6][9] = world.grid.number
    rows[1][10] = "13708570000"
    third = confirm(world, start(world, messy_roster(rows)))
    assert (third.create_count, third.update_count, third.error_count) == (0, 7, 0)
    third = save(world, third, confirm_places=False)
    assert third.status == "done", third.message
    assert (Resident.objects.count(), Household.objects.count(),
            Building.objects.count()) == before
    assert Resident.objects.get(name="林秀英").mobile == "13708570000"


def test_save_all_or_nothing_refuses_while_any_row_is_bad(world, reg):
    job = confirm(world, start(world, messy_roster(grid=world.grid.number)), mode="all")
    assert job.error_count == 2 and job.create_count == 5
    with pytest.raises(Conflict):
        imports.import_commit_request(job=job, actor=world.users["community_staff"],
                                      confirm_places=True)
    job.refresh_from_db()
    assert job.status == "checked"
    assert not Resident.objects.filter(name="陈 建国").exists()
    # Without the batch basis the 残疾 row is refused too, saying how to state one.
    job = imports.import_mapping_reopen(job=job, actor=world.users["community_staff"])
    job = confirm(world, job, basis="", mode="all")
    qian = problems(job)["6"]
    assert qian.outcome == "error" and "依据" in qian.errors[0]["message"]


def test_unmapped_values_are_row_errors_and_the_mapping_is_remembered(world, reg):
    rows = people(world.grid.number)
    rows[0][11] = "待核实"  # a value Linli does not know, left unmapped
    job = start(world, messy_roster(rows))
    headings = [c["heading"] for c in job.columns]
    values = page_values(job)
    assert "待核实" not in values["residence_type"]
    values["tags"]["空巢老人"] = ""  # ignored
    # Staff say 联系电话 is not a mobile column here: ignore it.
    job = confirm(world, job, values=values, columns={headings.index("联系电话"): None})
    rows = problems(job)
    assert rows["1"].outcome == "error"
    assert rows["1"].errors[0]["column"] == "户籍类型" and "待核实" in rows["1"].errors[0][
        "message"]
    assert rows["3"].outcome == "create"  # 户籍 is known
    profile = ImportProfile.objects.get(community=world.community)
    assert profile.columns["联系电话"] == "" and profile.columns["公民身份号码"] == "id_number"
    # Next upload: the remembered choices come first.
    second = start(world, messy_roster(grid=world.grid.number))
    guess = dict(zip(headings, second.mapping, strict=True))
    assert guess["联系电话"] is None and guess["公民身份号码"] == "id_number"
    assert page_values(second)["tags"]["空巢老人"] == ""


def test_households_from_one_address_cell_and_the_buildings_grid(world, reg):
    """No 户号 and no grid: the address cell gives estate/building/unit/room, an existing
    building gives the grid and an existing household is found by its door."""
    from linli.registry.services import building_create, estate_create

    estate = estate_create(community=world.community, name="锦绣花园")
    building = building_create(estate=estate, grid=world.grid, name="2栋", address="锦绣大道88号2栋")
    existing = registry_household(world.grid, "JX-2-1-101", building=building, unit_name="1单元",
                                  room="101")
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号码", "家庭住址", "手机"])
    ws.append(["何小云", id_number_for(datetime.date(1985, 6, 1), 12), "锦绣花园2栋1单元101",
               "13500001111"])
    ws.append(["何大山", id_number_for(datetime.date(1950, 6, 1), 13),
               "锦绣大道88号锦绣花园2号楼1单元102室", "0851-85551234"])
    ws.append(["何小河", id_number_for(datetime.date(1986, 6, 1), 15), "锦绣花园9栋1单元101", ""])
    ws.append(["何小溪", id_number_for(datetime.date(1987, 6, 1), 17), "锦绣花园2-1-103", ""])
    buffer = io.BytesIO()
    wb.save(buffer)
    job = confirm(world, start(world, buffer.getvalue()), basis="")
    rows = {r.name: r for r in job.rows.all()}
    assert rows["何小云"].outcome == "create", rows["何小云"].errors
    assert rows["何大山"].outcome == "error" and rows["何大山"].errors[0]["column"] == "手机"
    assert "手机" in rows["何大山"].errors[0]["message"]
    assert rows["何小河"].outcome == "error" and "网格" in rows["何小河"].errors[0]["message"]
    assert rows["何小溪"].outcome == "create", rows["何小溪"].errors
    assert job.places["households"] == 1 and not job.places["buildings"]
    job = save(world, job)
    assert job.status == "done", job.message
    assert Resident.objects.get(name="何小云").household == existing
    xi = Resident.objects.get(name="何小溪").household
    assert (xi.building, xi.unit.name, xi.room, xi.grid) == (building, "1单元", "103", world.grid)


def test_a_household_known_only_by_its_address_is_found_by_that_address(world, reg):
    """A household entered by hand with an address and no building: a roster row at that
    address (written another way) joins it, taking its grid, instead of making a second
    household for the same door."""
    by_hand = registry_household(world.grid, "手工-7", address="紫荆苑 5幢 3单元 402室")
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号码", "家庭住址"])
    ws.append(["柳青", id_number_for(datetime.date(1979, 3, 1), 21), "紫荆苑5栋3单元402"])
    ws.append(["柳絮", id_number_for(datetime.date(1981, 3, 1), 23), "紫荆苑5栋3单元403"])
    buffer = io.BytesIO()
    wb.save(buffer)
    job = confirm(world, start(world, buffer.getvalue()), basis="")
    rows = {r.name: r for r in job.rows.all()}
    assert rows["柳青"].outcome == "create", rows["柳青"].errors
    # Next door is not known: a new building needs its grid.
    assert rows["柳絮"].outcome == "error" and "网格" in rows["柳絮"].errors[0]["message"]
    assert job.places["households"] == 0
    job = save(world, job)
    assert job.status == "done", job.message
    assert Resident.objects.get(name="柳青").household == by_hand
    by_hand.refresh_from_db()
    assert (by_hand.number, by_hand.building.name, by_hand.unit.name, by_hand.room) == (
        "手工-7", "5栋", "3单元", "402")
    assert Household.objects.filter(community=world.community, address__contains="紫荆苑"
                                     ).count() == 1


def test_who_may_act_is_decided_in_the_service(world, reg):
    job = start(world, messy_roster(grid=world.grid.number))
    content = messy_roster(grid=world.grid.number)
    for actor in (world.other["community_staff"], world.users["grid_worker"],
                  world.users["resident"], None):
        with pytest.raises(PermissionDenied):
            start(world, content, actor=actor) if actor else imports.import_job_create(
                community=world.community, actor=None,
                upload=SimpleUploadedFile("x.xlsx", content))
        with pytest.raises(PermissionDenied):
            imports.import_mapping_set(job=job, actor=actor, columns={}, values={},
                                       sensitive_basis="", mode="all")
    job = confirm(world, job)
    for actor in (world.other["community_staff"], world.users["grid_worker"],
                  world.users["resident"]):
        with pytest.raises(PermissionDenied):
            imports.import_commit_request(job=job, actor=actor, confirm_places=True)
        with pytest.raises(PermissionDenied):
            imports.import_error_workbook(job=job, actor=actor)
    job.refresh_from_db()
    assert job.status == "checked"
    assert not Resident.objects.filter(name="陈 建国").exists()


def test_the_pages_walk_through_the_steps(client, world, reg):
    client.force_login(world.users["community_staff"])
    response = client.post(reverse("registry:import_start"), {
        "community": world.community.uuid,
        "file": SimpleUploadedFile("花名册.xlsx", messy_roster(grid=world.grid.number))})
    job = ImportJob.objects.order_by("-id").first()
    url = reverse("registry:import_detail", kwargs={"uuid": job.uuid})
    assert response["Location"] == url
    page = client.get(url).content.decode()
    assert "公民身份号码" in page and "忽略此列" in page and "陈 建国" in page
    # Sample ID numbers and mobiles are shown masked, and stored so.
    wife_id = people()[1][3]
    assert wife_id not in page and f"{wife_id[:3]}***********{wife_id[-4:]}" in page
    assert "13708579269" not in page and "137-0857-9269" not in page
    assert wife_id not in str(job.columns) + str(job.distinct)
    headings = [c["heading"] for c in job.columns]
    data = {f"col_{i}": key or "" for i, key in enumerate(job.mapping)}
    client.post(reverse("registry:import_columns", kwargs={"uuid": job.uuid}), data)
    page = client.get(url).content.decode()
    assert "户籍人口" in page and "新建标签“空巢老人”" in page and "处理依据" in page
    form = {"mode": "partial", "sensitive_basis": "consent"}
    for kind, entries in imports.import_value_choices(job=job).items():
        for n, e in enumerate(entries):
            form[f"v_{kind}_{n}"] = e["choice"] if e["choice"] is not None else "__none"
    client.post(reverse("registry:import_mapping", kwargs={"uuid": job.uuid}), form)
    job.refresh_from_db()
    assert job.status == "checked" and job.error_count == 2
    page = client.get(url).content.decode()
    assert "紫轩小区 3栋" in page and "1966-10-05" in page and "吴德明" in page
    page += client.get(url, {"show": "all"}).content.decode()
    assert not any(p[3] in page or str(p[3]).translate(FULL) in page for p in people())
    # Without the tick nothing is saved and the page says why.
    page = client.post(reverse("registry:import_commit", kwargs={"uuid": job.uuid}),
                       follow=True).content.decode()
    assert "确认" in page
    assert not Resident.objects.filter(name="陈 建国").exists()
    client.post(reverse("registry:import_commit", kwargs={"uuid": job.uuid}),
                {"confirm_places": "1"})
    job.refresh_from_db()
    assert job.status == "done"
    download = client.get(reverse("registry:import_errors", kwargs={"uuid": job.uuid}))
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    # The download holds full ID numbers: it is logged like an export.
    event = AuditEvent.objects.get(action="export", object_id=str(job.uuid))
    assert event.actor == world.users["community_staff"] and event.field == "full"
    assert headings[0] == "序号"


def test_the_template_lists_the_allowed_values(client, world, reg):
    client.force_login(world.users["community_staff"])
    wb = load_workbook(io.BytesIO(client.get(reverse("registry:import_template")).content))
    assert wb.sheetnames == ["居民", "可填写的值"]
    text = " ".join(str(c.value) for r in wb["可填写的值"].iter_rows() for c in r)
    for word in ("户籍", "流动", "人户分离", "中共党员", "配偶", "本人同意", "法定职责", "残疾",
                 "1972年8月19日"):
        assert word in text


def test_an_xls_roster_is_imported_too(world, reg):
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("花名册")
    sheet.write_merge(0, 0, 0, 5, "观澜社区人口登记表")
    for col, heading in enumerate(["编号", "姓名", "证件号码", "手机号码", "住址", "网格"]):
        sheet.write(1, col, heading)
    number = id_number_for(datetime.date(1962, 4, 8), 35)
    for col, value in enumerate(["1", "冯  志刚", number.translate(FULL), "138 0013 8000",
                                 "观澜苑7栋1单元302", world.grid.number]):
        sheet.write(2, col, value)
    buffer = io.BytesIO()
    book.save(buffer)
    job = start(world, buffer.getvalue(), name="人口登记表.xls")
    assert job.status == "mapping", job.message
    assert job.storage_name.endswith(".xls")
    job = save(world, confirm(world, job, basis=""))
    assert job.status == "done", job.message
    feng = Resident.objects.get(id_number_hash=hash_id_number(number))
    assert feng.mobile == "13800138000"
    assert feng.household.building.name == "7栋" and feng.household.room == "302"


def test_a_child_whose_guardian_row_is_bad_is_held_back_in_a_partial_save(world, reg):
    child_born = TODAY.replace(year=TODAY.year - 6, day=1)
    parent = id_number_for(datetime.date(1988, 3, 3), 11)
    wb = Workbook()
    ws = wb.active
    ws.append(["户号", "网格编号", "地址", "姓名", "身份证号", "手机号", "监护人身份证号"])
    grid = world.grid.number
    ws.append(["G-1", grid, "紫轩路9号", "马大力", parent, "12345", ""])
    ws.append(["G-1", grid, "紫轩路9号", "马小宝", id_number_for(child_born, 12), "", parent])
    ws.append(["G-2", grid, "紫轩路10号", "牛爱华", id_number_for(datetime.date(1970, 1, 1), 14),
               "", ""])
    buffer = io.BytesIO()
    wb.save(buffer)
    job = confirm(world, start(world, buffer.getvalue()), basis="")
    rows = {r.name: r for r in job.rows.all()}
    assert rows["马大力"].outcome == "error" and rows["马大力"].errors[0]["column"] == "手机号"
    assert rows["马小宝"].outcome == "error"
    assert "监护人" in rows["马小宝"].errors[0]["message"]
    assert rows["牛爱华"].outcome == "create"
    job = save(world, job)
    assert job.status == "done", job.message
    assert list(Resident.objects.filter(name__in=["马大力", "马小宝", "牛爱华"]).values_list(
        "name", flat=True)) == ["牛爱华"]
