"""Reading a community's own roster as people write it (linli.registry.roster).

The workbooks are built here, in the shapes community offices keep: a title row merged over
the sheet, a blank row, a two-row header with merged group headings, headings with stars,
line breaks and full-width brackets, synonyms instead of Linli's labels, full-width digits,
every date and phone form met in practice, blank rows and a 合计 row; and an old .xls.
"""

import datetime
import io

import pytest
import xlwt
from openpyxl import Workbook

from linli.registry import roster
from linli.registry.imports import COLUMNS
from linli.registry.roster import (
    Address,
    RosterError,
    RosterValueError,
    find_header,
    fold,
    guess_mapping,
    is_totals_row,
    map_choice,
    open_sheet,
    parse_address,
    parse_date,
    parse_id_text,
    parse_mobile,
    split_tags,
)
from tests.factories import id_number_for

WIDE = str.maketrans("0123456789", "０１２３４５６７８９")
HEAD_ID = id_number_for(datetime.date(1972, 8, 19), 15)
WIFE_ID = id_number_for(datetime.date(1974, 3, 2), 26)
SON_ID = id_number_for(datetime.date(2009, 2, 4), 37)


def save(wb: Workbook) -> io.BytesIO:
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def messy_roster() -> io.BytesIO:
    """紫轩社区's own roster: title, blank row, two-row header, data, blank rows, 合计."""
    wb = Workbook()
    ws = wb.active
    ws.append(["紫轩社区居民花名册（2026年）"])
    ws.merge_cells("A1:N1")
    ws.append([])
    ws.append(["序号", "基本信息", None, None, None, "住址", None, None, None, "联系电话*",
               "特殊人群", "户籍类型", "与户主\n关系", "备注"])
    ws.append([None, "姓名", "公民身份号码", "性别", "出生年月", "小区", "楼栋", "单元",
               "房号（室）", None, None, None, None, None])
    for cells in ("A3:A4", "B3:E3", "F3:I3", "J3:J4", "K3:K4", "L3:L4", "M3:M4", "N3:N4"):
        ws.merge_cells(cells)
    ws.append([1, "王建国", HEAD_ID.translate(WIDE), "男", "19720819", "紫轩小区", "3栋", "2",
               "501室", "+86 185 0000 1111", "低保户、空巢老人", "户籍人口", "户主", None])
    ws.append([2, "李秀英", WIFE_ID, "女", datetime.date(1974, 3, 2), "紫轩小区", "3幢",
               "2单元", "501", "137-0857-9269", "残疾人，独居老人", "本地户籍", "妻子", None])
    ws.append([])
    ws.append([3, "王小宝", SON_ID, "男", "2009年2月4日", "紫轩小区", "3号楼", "二单元",
               501, "0086 139 0000 2222", None, "户籍", "长子", "  在外读书 "])
    ws.append([4, "张　伟", "   ", "男", "1960年2月30日", "紫轩小区", "5栋", "1", "101",
               "１８６１２３４５６７８", "", "流动人口", "户主", None])
    ws.append([None] * 14)
    ws.append(["合 计", "4人"])
    return save(wb)


# --- Reading a workbook --------------------------------------------------------------------

def test_messy_roster_header_headings_and_rows():
    sheet = open_sheet(messy_roster(), "紫轩社区花名册.xlsx", max_rows=1000)
    assert sheet.header_row == 4
    assert sheet.headings == [
        "序号", "姓名", "公民身份号码", "性别", "出生年月", "小区", "楼栋", "单元",
        "房号(室)", "联系电话", "特殊人群", "户籍类型", "与户主关系", "备注"]
    assert guess_mapping(sheet.headings) == [
        "row_label", "name", "id_number", "gender", "birth_date", "estate", "building", "unit",
        "room", "mobile", "tags", "residence_type", "relation", None]
    rows = list(sheet.rows)
    # Spreadsheet row numbers; the blank rows 7 and 10 are not yielded.
    assert [n for n, _cells in rows] == [5, 6, 8, 9, 11]
    first = rows[0][1]
    assert first[0] == 1 and isinstance(first[0], int)
    assert first[2] == HEAD_ID  # full-width digits folded
    assert first[13] is None
    assert rows[1][1][4] == datetime.date(1974, 3, 2)
    assert rows[2][1][8] == 501 and rows[2][1][13] == "在外读书"
    assert rows[3][1][1] == "张 伟" and rows[3][1][2] is None
    assert rows[3][1][9] == "18612345678"
    assert [is_totals_row(cells) for _n, cells in rows] == [False] * 4 + [True]
    assert all(len(cells) == len(sheet.headings) for _n, cells in rows)
    assert sheet.total_estimate == 7


def test_messy_roster_values_read_as_people_wrote_them():
    sheet = open_sheet(messy_roster(), "花名册.xlsx", max_rows=1000)
    mapping = guess_mapping(sheet.headings)
    col = {key: i for i, key in enumerate(mapping) if key}
    rows = [cells for _n, cells in sheet.rows if not is_totals_row(cells)]
    assert [parse_id_text(r[col["id_number"]]) for r in rows[:3]] == [HEAD_ID, WIFE_ID, SON_ID]
    assert [parse_date(r[col["birth_date"]]) for r in rows[:3]] == [
        datetime.date(1972, 8, 19), datetime.date(1974, 3, 2), datetime.date(2009, 2, 4)]
    with pytest.raises(RosterValueError) as caught:
        parse_date(rows[3][col["birth_date"]])
    assert caught.value.kind == "impossible"
    assert caught.value.message == "1960年2月30日 不存在。"
    assert [parse_mobile(r[col["mobile"]]) for r in rows] == [
        "18500001111", "13708579269", "13900002222", "18612345678"]
    assert [map_choice("residence_type", r[col["residence_type"]]) for r in rows] == [
        "registered", "registered", "registered", "floating"]
    assert [map_choice("relation", r[col["relation"]]) for r in rows] == [
        "head", "spouse", "child", "head"]
    assert [map_choice("gender", r[col["gender"]]) for r in rows] == ["M", "F", "M", "M"]
    assert split_tags(rows[0][col["tags"]]) == ["低保户", "空巢老人"]
    assert split_tags(rows[1][col["tags"]]) == ["残疾人", "独居老人"]
    assert [(roster.normalise_building(r[col["building"]]),
             roster.normalise_unit(r[col["unit"]]),
             roster.normalise_room(r[col["room"]])) for r in rows] == [
        ("3栋", "2单元", "501"), ("3栋", "2单元", "501"), ("3栋", "2单元", "501"),
        ("5栋", "1单元", "101")]


def test_linli_template_is_read_too():
    wb = Workbook()
    ws = wb.active
    ws.append([h + ("*" if req else "") for _k, h, req in COLUMNS])
    ws.append(["1-1-101", "001", "锦绣大道88号1栋1单元101", "紫轩小区", "1栋", "1单元", "101",
               "张三", HEAD_ID])
    sheet = open_sheet(save(wb), "template.xlsx", max_rows=10)
    assert sheet.header_row == 1
    assert guess_mapping(sheet.headings) == [key for key, _h, _r in COLUMNS]
    [(number, cells)] = list(sheet.rows)
    assert number == 2 and cells[1] == "001" and cells[8] == HEAD_ID


def test_xls_workbook_is_read():
    book = xlwt.Workbook()
    ws = book.add_sheet("居民")
    ws.write(0, 0, "观湖社区人口登记表")
    for col, heading in enumerate(["编号", "居民姓名", "身份证号码", "出生日期", "手机号码",
                                   "人口类型", "家庭住址"]):
        ws.write(2, col, heading)
    dated = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    ws.write(3, 0, 1)
    ws.write(3, 1, "陈静")
    ws.write(3, 2, WIFE_ID)
    ws.write(3, 3, datetime.date(1974, 3, 2), dated)
    ws.write(3, 4, 13800001111)
    ws.write(3, 5, "常住人口")
    ws.write(3, 6, "锦绣大道88号紫轩小区3号楼2单元501")
    ws.write(4, 0, 2)
    ws.write(4, 1, "刘洋")
    ws.write(4, 2, 522423197208190015)  # typed as a number: the last digits are lost
    ws.write(4, 3, 26530)  # an Excel serial date without a date format
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    sheet = open_sheet(buffer, "观湖.XLS", max_rows=100)
    assert sheet.header_row == 3
    assert guess_mapping(sheet.headings) == [
        "row_label", "name", "id_number", "birth_date", "mobile", "residence_type", "address"]
    (n1, first), (n2, second) = list(sheet.rows)
    assert (n1, n2) == (4, 5)
    assert parse_date(first[3]) == datetime.date(1974, 3, 2)
    assert parse_mobile(first[4]) == "13800001111"
    assert map_choice("residence_type", first[5]) == "permanent"
    assert parse_address(first[6]) == Address("紫轩小区", "3栋", "2单元", "501")
    assert parse_date(second[3]) == datetime.date(1972, 8, 19)
    with pytest.raises(RosterValueError) as caught:
        parse_id_text(second[2])
    assert caught.value.message == "身份证号请存为文本：存为数字会丢失末尾几位。"


def test_unreadable_files_are_refused_with_a_message():
    with pytest.raises(RosterError) as caught:
        open_sheet(io.BytesIO(b"name,id\n"), "roster.csv", max_rows=10)
    assert caught.value.message == "请上传 Excel 格式的花名册（.xlsx 或 .xls）。"
    with pytest.raises(RosterError) as caught:
        open_sheet(io.BytesIO(b"PK\x03\x04 not really a zip"), "roster.xlsx", max_rows=10)
    assert caught.value.message == "无法按 Excel 工作簿（.xlsx 或 .xls）读取此文件。"


def test_a_sheet_without_a_header_is_refused():
    wb = Workbook()
    ws = wb.active
    ws.append(["紫轩社区居民花名册"])
    ws.append(["王建国", HEAD_ID, "男"])
    with pytest.raises(RosterError) as caught:
        open_sheet(save(wb), "roster.xlsx", max_rows=10)
    assert "没有找到表头行" in caught.value.message


def test_too_many_rows_are_refused_before_reading_them():
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "姓名", "身份证号"])
    for n in range(6):
        ws.append([n + 1, f"居民{n}", HEAD_ID])
    with pytest.raises(RosterError) as caught:
        open_sheet(save(wb), "roster.xlsx", max_rows=5)
    assert caught.value.message == "表格超过 5 行，请拆分成较小的文件。"
    assert len(list(open_sheet(save(wb), "roster.xlsx", max_rows=6).rows)) == 6


def test_the_first_visible_sheet_is_read():
    wb = Workbook()
    hidden = wb.active
    hidden.title = "说明"
    hidden.append(["填表说明"])
    hidden.sheet_state = "hidden"
    ws = wb.create_sheet("花名册")
    ws.append(["姓名", "身份证号"])
    ws.append(["王建国", HEAD_ID])
    sheet = open_sheet(save(wb), "roster.xlsx", max_rows=10)
    assert sheet.headings == ["姓名", "身份证号"]


# --- Header detection -----------------------------------------------------------------------

def test_find_header_takes_the_lower_row_when_it_names_more_fields():
    rows = [
        ["紫轩社区居民花名册（2026年）", None, None, None, None],
        [None, None, None, None, None],
        ["序号", "姓名", "住址", None, None],
        [None, None, "小区", "楼栋", "房号"],
        [1, "王建国", "紫轩小区", "3栋", "501"],
    ]
    assert find_header(rows) == (3, ["序号", "姓名", "小区", "楼栋", "房号"])


def test_find_header_joins_a_group_heading_row_above():
    rows = [
        ["基本信息", None, "家庭信息", None],
        ["姓名", "身份证号", "与户主关系", "户号"],
        ["王建国", HEAD_ID, "户主", "3-2-501"],
    ]
    assert find_header(rows) == (1, ["姓名", "身份证号", "与户主关系", "户号"])


def test_find_header_does_not_take_a_data_row_for_a_heading_row():
    rows = [["姓名", "身份证号", "性别"], ["王建国", HEAD_ID, "男"]]
    assert find_header(rows) == (0, ["姓名", "身份证号", "性别"])


# --- Column guesses --------------------------------------------------------------------------

def test_field_keys_are_the_import_columns_plus_the_row_label():
    assert [f.key for f in roster.FIELDS] == ["row_label"] + [k for k, _h, _r in COLUMNS]
    labels = {f.key: f.label for f in roster.FIELDS}
    assert all(labels[key] == heading for key, heading, _r in COLUMNS)


@pytest.mark.parametrize("heading,key", [
    ("公民身份号码", "id_number"), ("身份证号码", "id_number"), ("身份证", "id_number"),
    ("证件号码", "id_number"), ("身份证号*", "id_number"), ("身份证 号码", "id_number"),
    ("联系电话", "mobile"), ("手机", "mobile"), ("手机号码", "mobile"), ("电话", "mobile"),
    ("联系方式", "mobile"), ("特殊人群", "tags"), ("人员类别", "tags"), ("人群类别", "tags"),
    ("户籍类型", "residence_type"), ("人口类型", "residence_type"),
    ("户口性质", "residence_type"), ("居住类型", "residence_type"),
    ("与户主关系", "relation"), ("关系", "relation"), ("家庭关系", "relation"),
    ("出生日期", "birth_date"), ("出生年月", "birth_date"), ("生日", "birth_date"),
    ("出生日期（年月日）", "birth_date"), ("小区名称", "estate"), ("楼号", "building"),
    ("栋号", "building"), ("幢", "building"), ("单元", "unit"), ("门牌号", "room"),
    ("室", "room"), ("家庭住址", "address"), ("现住址", "address"), ("户编号", "household_number"),
    ("所属网格", "grid"), ("网格", "grid"), ("编号", "row_label"), ("No.", "row_label"),
    ("政治面貌", "political_status"), ("民族", "ethnicity"), ("性别", "gender"),
    ("监护人身份证号", "guardian_id"), ("监护人身份证号码", "guardian_id"),
    ("迁出日期", "moved_out_on"), ("死亡日期", "deceased_on"), ("现居住详细地址", "address"),
    ("网格员", None), ("楼栋长", None), ("备注", None), ("工作单位", None), ("", None),
    ("联系电话（手机）", "mobile"), ("身份证号码(18位)", "id_number"), ("性别（男/女）", "gender"),
])
def test_heading_synonyms(heading, key):
    assert guess_mapping([heading]) == [key]


def test_two_columns_never_get_the_same_field():
    # The exact label beats the synonym; between two synonyms the leftmost wins.
    assert guess_mapping(["电话", "手机号", "户主姓名", "姓名"]) == [
        None, "mobile", None, "name"]
    assert guess_mapping(["手机", "联系电话"]) == ["mobile", None]


def test_remembered_choices_win_over_synonyms():
    remembered = {"联系电话": "", "备用电话": "mobile", "人员类别": "residence_type"}
    assert guess_mapping(["联系电话", "备用电话", "人员类别", "特殊人群"], remembered) == [
        None, "mobile", "residence_type", "tags"]
    # A remembered key that no longer exists is ignored, not trusted.
    assert guess_mapping(["姓名"], {"姓名": "nickname"}) == [None]


# --- Values -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "1972-08-19", "1972.8.19", "1972/8/19", "19720819", "1972年8月19日", "1972年08月19号",
    "１９７２年８月１９日", "1972-8-19", " 1972 年 8 月 19 日 ", "1972-08-19 00:00:00",
    19720819, 19720819.0, 26530, 26530.0, datetime.date(1972, 8, 19),
    datetime.datetime(1972, 8, 19, 0, 0),
])
def test_dates_as_people_write_them(value):
    assert parse_date(value) == datetime.date(1972, 8, 19)


@pytest.mark.parametrize("value,message", [
    ("1960年2月30日", "1960年2月30日 不存在。"),
    ("19600230", "1960年2月30日 不存在。"),
    ("1972-13-01", "1972年13月1日 不存在。"),
])
def test_impossible_dates_say_so(value, message):
    with pytest.raises(RosterValueError) as caught:
        parse_date(value)
    assert (caught.value.kind, caught.value.message) == ("impossible", message)


@pytest.mark.parametrize("value,fragment", [
    ("不详", "“不详”不是日期"), ("1972年8月", "缺少日"), (1972, "缺少日"), ("72-8-19", "不是日期"),
    ("", "不是日期"), (None, "不是日期"),
])
def test_unreadable_dates_say_how_to_write_them(value, fragment):
    with pytest.raises(RosterValueError) as caught:
        parse_date(value)
    assert caught.value.kind == "format" and fragment in caught.value.message


@pytest.mark.parametrize("value", [
    "+86 185 0000 1111", "+8618500001111", "0086 18500001111", "0086-185-0000-1111",
    "86-18500001111", "185-0000-1111", "185 0000 1111", "(185)00001111",
    "１８５ ００００ １１１１", "＋８６１８５００００１１１１", 18500001111, 18500001111.0,
    "18500001111",
])
def test_mobiles_as_people_write_them(value):
    assert parse_mobile(value) == "18500001111"


def test_landlines_and_other_text_are_refused():
    with pytest.raises(RosterValueError) as caught:
        parse_mobile("0571-88886666")
    assert "固定电话" in caught.value.message and "手机号" in caught.value.message
    with pytest.raises(RosterValueError) as caught:
        parse_mobile("88886666")
    assert "固定电话" in caught.value.message
    for value in ("1850000111", "185000011112", "13800001111/13900002222", "无", "٣٨٠٠"):
        with pytest.raises(RosterValueError) as caught:
            parse_mobile(value)
        assert "不是手机号" in caught.value.message


def test_id_text_is_folded_and_a_number_cell_refused():
    x_number = next(id_number_for(datetime.date(1980, 1, 1), n) for n in range(1, 200)
                    if id_number_for(datetime.date(1980, 1, 1), n).endswith("X"))
    assert parse_id_text(" " + x_number[:6] + " " + x_number[6:-1].translate(WIDE) + "ｘ") \
        == x_number
    assert parse_id_text(None) == ""
    for number in (5.224231972081901e17, 522423197208190015):
        with pytest.raises(RosterValueError) as caught:
            parse_id_text(number)
        assert caught.value.message == "身份证号请存为文本：存为数字会丢失末尾几位。"


@pytest.mark.parametrize("text,expected", [
    ("紫轩小区3栋2单元501", ("紫轩小区", "3栋", "2单元", "501")),
    ("紫轩小区3幢2单元501室", ("紫轩小区", "3栋", "2单元", "501")),
    ("锦绣大道88号紫轩小区3号楼2单元501", ("紫轩小区", "3栋", "2单元", "501")),
    ("紫轩小区3-2-501", ("紫轩小区", "3栋", "2单元", "501")),
    ("紫轩花园3栋501", ("紫轩花园", "3栋", "", "501")),
    ("紫轩小区３栋２单元５０１", ("紫轩小区", "3栋", "2单元", "501")),
    ("紫轩小区 3 栋 2 单元 501 室", ("紫轩小区", "3栋", "2单元", "501")),
    ("观湖苑十二栋一单元302", ("观湖苑", "12栋", "1单元", "302")),
    ("紫轩小区3-501", ("紫轩小区", "3栋", "", "501")),
    ("紫轩小区3栋2-501", ("紫轩小区", "3栋", "2单元", "501")),
    ("紫轩小区3#2-501", ("紫轩小区", "3栋", "2单元", "501")),
    ("紫轩小区3号2单元501", ("紫轩小区", "3栋", "2单元", "501")),
    ("紫轩小区A座1203", ("紫轩小区", "A座", "", "1203")),
    ("紫轩小区二期3栋1单元101", ("紫轩小区二期", "3栋", "1单元", "101")),
])
def test_addresses_split_into_estate_building_unit_room(text, expected):
    assert parse_address(text) == Address(*expected)


@pytest.mark.parametrize("text", ["紫轩小区", "", None, "锦绣大道88号", "3-2-501"])
def test_addresses_without_a_building_give_none(text):
    assert parse_address(text) is None


def test_tags_split_on_the_separators_people_use():
    assert split_tags("低保户、空巢老人，残疾人;独居老人；高龄/低保户 重点") == [
        "低保户", "空巢老人", "残疾人", "独居老人", "高龄", "重点"]
    assert split_tags(None) == [] and split_tags("  ") == []


@pytest.mark.parametrize("kind,text,code", [
    ("residence_type", "户籍", "registered"), ("residence_type", "户籍人口", "registered"),
    ("residence_type", "本地户籍", "registered"), ("residence_type", "常住", "permanent"),
    ("residence_type", "常住人口", "permanent"), ("residence_type", "流动", "floating"),
    ("residence_type", "流动人口", "floating"), ("residence_type", "外来人口", "floating"),
    ("residence_type", "人户分离", "separated"), ("residence_type", "registered", "registered"),
    ("relation", "户主", "head"), ("relation", "本人", "head"), ("relation", "妻子", "spouse"),
    ("relation", "丈夫", "spouse"), ("relation", "长子", "child"), ("relation", "次女", "child"),
    ("relation", "孙子", "grandchild"), ("relation", "外孙女", "grandchild"),
    ("relation", "儿媳", "in_law"), ("relation", "女婿", "in_law"),
    ("relation", "父亲", "parent"), ("relation", "母亲", "parent"),
    ("gender", "男", "M"), ("gender", "女性", "F"), ("gender", "Ｆ", "F"),
    ("political_status", "中共党员", "party_member"), ("political_status", "群众", "masses"),
    ("political_status", "共青团员", "league_member"),
    ("sensitive_basis", "本人同意", "consent"), ("sensitive_basis", "法定职责", "legal_duty"),
    ("relation", "表舅", None), ("residence_type", "", None), ("unknown_kind", "户主", None),
])
def test_choice_words(kind, text, code):
    assert map_choice(kind, text) == code


def test_choice_codes_are_the_model_choices():
    from linli.registry.models import (
        Gender,
        PoliticalStatus,
        Relation,
        ResidenceType,
        SensitiveBasis,
    )
    choices = {"gender": Gender, "political_status": PoliticalStatus,
               "residence_type": ResidenceType, "relation": Relation,
               "sensitive_basis": SensitiveBasis}
    assert set(roster.CHOICE_SYNONYMS) == set(choices)
    for kind, words in roster.CHOICE_SYNONYMS.items():
        assert set(words.values()) <= set(choices[kind].values), kind


@pytest.mark.parametrize("cells,expected", [
    (["合计", 120], True), (["合 计", "120人"], True), ([None, "小计：", 12], True),
    (["总计"], True), (["共计 5 户"], True), (["累计"], True), ([None, None, "合计"], True),
    ([1, "王建国", "合计"], True), ([1, "王建国", HEAD_ID, "合计"], False),
    ([1, "合欢", HEAD_ID], False), ([], False), ([None, None], False),
])
def test_totals_rows(cells, expected):
    assert is_totals_row(cells) is expected


@pytest.mark.parametrize("value,expected", [
    (None, ""), ("", ""), ("abc", "abc"), ("  a  b ", "a b"), ("５０１", "501"),
    ("张\u3000伟", "张 伟"), ("Ａ座", "A座"), ("a\x00b\u202e", "ab"), ("身份证\n号码", "身份证 号码"),
    (501.0, "501"), (12.5, "12.5"), (7, "7"), ("（室）", "(室)"),
])
def test_fold(value, expected):
    assert fold(value) == expected


def test_cells_merged_over_a_household_give_each_member_the_value():
    """Offices merge a household's 户号 and address over its members' rows."""
    wb = Workbook()
    ws = wb.active
    ws.append(["户号", "住址", "姓名", "与户主关系"])
    ws.append(["3-2-501", "紫轩小区3栋2单元501", "王建国", "户主"])
    ws.append([None, None, "李秀英", "妻子"])
    ws.append([None, None, "王小宝", "长子"])
    ws.append(["3-2-502", "紫轩小区3栋2单元502", "赵敏", "户主"])
    ws.append(["合计", None, None, "4人"])
    ws.merge_cells("A2:A4")
    ws.merge_cells("B2:B4")
    ws.merge_cells("A6:C6")
    sheet = open_sheet(save(wb), "roster.xlsx", max_rows=10)
    rows = list(sheet.rows)
    assert [(n, c[0], c[1], c[2]) for n, c in rows[:4]] == [
        (2, "3-2-501", "紫轩小区3栋2单元501", "王建国"),
        (3, "3-2-501", "紫轩小区3栋2单元501", "李秀英"),
        (4, "3-2-501", "紫轩小区3栋2单元501", "王小宝"),
        (5, "3-2-502", "紫轩小区3栋2单元502", "赵敏"),
    ]
    assert is_totals_row(rows[4][1])


@pytest.mark.parametrize("written,expected", [
    ("低保户", "低保"), ("残疾人", "残疾"), ("独居老人", "独居"), ("高龄", "高龄"),
    ("空巢老人", None), ("低保对象", "低保"), ("", None), ("ＶＩＰ", None),
    ("高龄独居老人", None),  # two tags in one word: staff decide
])
def test_tag_suggestions(written, expected):
    assert roster.suggest_tag(written, ["独居", "高龄", "残疾", "低保"]) == expected
