"""A community worker imports the community's own roster at desktop width: uploads a messy
file, corrects one column the guess missed, sees the preview with the buildings it creates,
saves the good rows, downloads the bad ones, fixes one and imports it again."""

import datetime
import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from linli.registry.models import Building, ImportJob, Resident
from tests.conftest_helpers import DESKTOP, PHONE, shot
from tests.factories import registry_world
from tests.registry.test_import_roster import TOP, messy_roster

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(page, live_server, name, content):
    page.goto(f"{live_server.url}/registry/import/")
    page.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": XLSX, "buffer": content})
    page.get_by_role("button", name="上传").click()
    page.wait_for_url("**/registry/import/*/")


def test_staff_import_a_messy_roster_fix_the_bad_rows_and_import_them_again(
        signed_in_page, live_server, world, tmp_path):
    from linli.registry.services import tag_ensure

    registry_world(world)
    tag_ensure(street=world.street, names=[("独居", False), ("高龄", False), ("残疾", True),
                                            ("低保", False)])
    # The roster calls its residence column 人员属性, which Linli does not guess.
    top = [("人员属性" if h == "户籍类型" else h) for h in TOP]
    page = signed_in_page(world.users["community_staff"], DESKTOP, at=None)

    _upload(page, live_server, "紫轩社区花名册.xlsx",
            messy_roster(grid=world.grid.number, top=top))
    assert page.get_by_role("heading", name="每一列是什么？").is_visible()
    assert page.get_by_label("公民身份号码").input_value() == "id_number"
    assert page.get_by_label("人员属性").input_value() == ""  # ignored: not guessed
    page.get_by_label("人员属性").select_option("residence_type")
    shot(page, "import-columns-desktop")
    page.get_by_role("button", name="下一步：核对取值").click()

    assert page.get_by_role("heading", name="这些取值是什么意思？").is_visible()
    assert page.get_by_label("户籍人口").input_value() == "registered"
    assert page.get_by_label("空巢老人").input_value() == "+new"
    page.get_by_label("本批健康、残疾信息的处理依据").select_option("consent")
    page.get_by_label("只保存正确的行，下载有问题的行").check()
    shot(page, "import-values-desktop")
    page.get_by_role("button", name="检查每一行").click()

    preview = page.locator("#import-panel")
    assert page.get_by_role("heading", name="预览").is_visible()
    buildings = page.locator(".import-new-buildings").inner_text()
    assert "紫轩小区 3栋" in buildings and "紫轩小区 5栋" in buildings
    text = preview.inner_text()
    assert "1966-10-05" in text and "吴德明" in text and "6栋" in text
    shot(page, "import-preview-desktop")
    page.get_by_label("确认新建").check()
    page.get_by_role("button", name="保存正确的 5 行").click()
    page.get_by_role("heading", name="结果").wait_for()
    assert Resident.objects.filter(name__in=["陈 建国", "钱玉珍"]).count() == 2
    assert not Resident.objects.filter(name="吴德明").exists()
    shot(page, "import-result-desktop")

    with page.expect_download() as info:
        page.get_by_role("link", name="下载有问题的行（.xlsx）").click()
    bad = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active
    assert info.value.suggested_filename.endswith(".xlsx")
    table = [[c.value for c in r] for r in bad.iter_rows()]
    assert [r[1] for r in table[1:]] == ["吴德明", "孙涛"] and table[0][-1] == "问题"
    assert "1966-10-05" in table[1][-1]
    # Fix one (吴德明's birth date); 孙涛 stays wrong.
    table[1][4] = "1966年10月5日"
    fixed = Workbook()
    for r in table:
        fixed.active.append(r)
    buffer = io.BytesIO()
    fixed.save(buffer)

    _upload(page, live_server, "有问题的行.xlsx", buffer.getvalue())
    # The mapping is remembered: 人员属性 is the residence type now.
    assert page.get_by_label("人员属性").input_value() == "residence_type"
    assert page.get_by_label("问题").input_value() == ""
    page.get_by_role("button", name="下一步：核对取值").click()
    page.get_by_label("只保存正确的行，下载有问题的行").check()
    page.get_by_role("button", name="检查每一行").click()
    assert page.get_by_role("heading", name="预览").is_visible()
    assert "0 个小区、0 栋楼和 1 户" in page.get_by_label("确认新建").locator("..").inner_text()
    page.get_by_label("确认新建").check()
    page.get_by_role("button", name="保存正确的 1 行").click()
    page.get_by_role("heading", name="结果").wait_for()
    wu = Resident.objects.get(name="吴德明")
    assert wu.birth_date == datetime.date(1966, 10, 5)
    assert wu.household.building == Building.objects.get(estate__name="紫轩小区", name="5栋")
    assert Resident.objects.filter(name="陈 建国").count() == 1
    assert ImportJob.objects.filter(status="done").count() == 2
    shot(page, "import-reimport-desktop")


def test_the_mapping_and_preview_fit_a_phone(signed_in_page, live_server, world):
    from linli.registry.services import tag_ensure

    registry_world(world)
    tag_ensure(street=world.street, names=[("残疾", True), ("低保", False)])
    page = signed_in_page(world.users["community_staff"], PHONE, at=None)
    _upload(page, live_server, "花名册.xlsx", messy_roster(grid=world.grid.number))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "import-columns-phone")
    page.get_by_role("button", name="下一步：核对取值").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label("本批健康、残疾信息的处理依据").select_option("consent")
    page.get_by_role("button", name="检查每一行").click()
    assert page.get_by_role("heading", name="预览").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "import-preview-phone")
