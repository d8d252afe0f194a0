"""Reading a community's own resident roster as people write it (no database here).

A roster kept in a community office is not Linli's template: it starts with a title row,
has merged group headings over a two-row header, calls the ID number 公民身份号码, writes
dates as 19720819 or 1972年8月19日 and mobiles as "+86 185 …", types digits full-width and
ends with a 合计 row. This module turns such a sheet into folded cells, finds its header,
guesses which column is which field and reads the values; the import workflow
(`linli.registry.imports`) decides what to do with them.

Every function here runs per cell on sheets of 100,000 rows, so each keeps an ASCII fast path,
uses precompiled patterns and caches what repeats (headings, dates, choice words).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import PurePath

from django.utils.translation import gettext as _

from linli.common.text import clean_text
from linli.registry import rules


class RosterError(Exception):
    """The file as a whole cannot be read (not Excel, no header, too many rows)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RosterValueError(ValueError):
    """One cell cannot be read. `kind` is "format" (not readable as the field) or
    "impossible" (readable, but no such value exists, like 30 February)."""

    def __init__(self, message: str, kind: str = "format"):
        super().__init__(message)
        self.message = message
        self.kind = kind


# --- Folding ------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
#: A whitespace run between two non-ASCII (CJK) characters: a line break inside a heading
#: ("身份证\n号码") is layout, not a word gap.
_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")


@lru_cache(maxsize=32768)
def _fold_slow(value: str) -> str:
    value = clean_text(unicodedata.normalize("NFKC", value))
    if "  " in value:
        value = _SPACES.sub(" ", value)
    return value


_is_nfkc = unicodedata.is_normalized


def fold(value) -> str:
    """Text as Linli compares and stores it: NFKC (full-width digits, letters and spaces to
    ASCII), control characters dropped, whitespace runs collapsed to one space, ends
    stripped. None is ""; an integral float (Excel's numbers) loses its ".0"."""
    if value is None:
        return ""
    if type(value) is not str:
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, datetime):
            return value.isoformat(sep=" ")
        value = str(value)
    # Fast path, most cells: printable (no controls, bidi marks, line breaks or wide spaces),
    # already NFKC, no doubled or edge spaces.
    if (value.isprintable() and (value.isascii() or _is_nfkc("NFKC", value))
            and "  " not in value and value[:1] != " " and value[-1:] != " "):
        return value
    return _fold_slow(value)


def _cell(value):
    """A calamine cell as the workflow sees it: folded text (None when empty), int for an
    integral number, float, date or datetime."""
    kind = type(value)
    if kind is str:
        if not value:
            return None
        return fold(value) or None
    if kind is float:
        return int(value) if value.is_integer() else value
    if kind is int or kind is date or kind is datetime:
        return value
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if isinstance(value, time | timedelta):
        return str(value)
    if value is None:
        return None
    return fold(value) or None


# --- Fields and their names ---------------------------------------------------------------

@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str  # the Chinese heading of Linli's template (linli.registry.imports.COLUMNS)
    synonyms: tuple[str, ...] = ()


#: Field keys are those of linli.registry.imports.COLUMNS plus "row_label" (the roster's own
#: row number, used in messages). Synonyms are written as staff write them; they are compared
#: after `_heading_key` (folded, no spaces, no "*", no bracketed remarks).
FIELDS: list[FieldSpec] = [
    FieldSpec("row_label", "序号", ("序号", "编号", "序", "No.", "No", "NO.", "行号")),
    FieldSpec("household_number", "户号", ("户号", "户编号", "户籍号", "户编码", "家庭编号")),
    FieldSpec("grid", "网格编号", ("网格编号", "网格", "所属网格", "网格号", "网格名称",
                                   "所在网格")),
    FieldSpec("address", "地址", ("地址", "住址", "家庭住址", "现住址", "居住地址",
                                 "现居住地址", "详细地址", "现居地址", "家庭地址", "居住地")),
    FieldSpec("estate", "小区", ("小区", "小区名称", "小区名", "所属小区", "院落", "居民小区")),
    FieldSpec("building", "楼栋", ("楼栋", "楼号", "栋号", "幢", "栋", "楼栋号", "幢号",
                                   "楼")),
    FieldSpec("unit", "单元", ("单元", "单元号")),
    FieldSpec("room", "房号", ("房号", "门牌号", "室", "房间号", "房屋号", "门牌", "户室号",
                               "室号")),
    FieldSpec("name", "姓名", ("姓名", "名字", "居民姓名", "人员姓名", "成员姓名")),
    FieldSpec("id_number", "身份证号", ("身份证号", "公民身份号码", "身份证号码", "身份证",
                                        "证件号码", "身份证件号码", "证件号", "身份号码")),
    FieldSpec("gender", "性别", ("性别",)),
    FieldSpec("birth_date", "出生日期", ("出生日期", "出生年月", "生日", "出生年月日",
                                          "出生时间")),
    FieldSpec("mobile", "手机号", ("手机号", "联系电话", "手机", "手机号码", "电话",
                                  "联系方式", "电话号码", "移动电话", "联系号码")),
    FieldSpec("ethnicity", "民族", ("民族",)),
    FieldSpec("political_status", "政治面貌", ("政治面貌", "政治身份", "党派")),
    FieldSpec("residence_type", "居住类型", ("居住类型", "户籍类型", "人口类型", "户口性质",
                                             "人员类型", "户籍性质", "人口性质", "居住性质",
                                             "户口类型")),
    FieldSpec("relation", "与户主关系", ("与户主关系", "关系", "家庭关系", "与户主的关系",
                                          "家庭成员关系")),
    FieldSpec("tags", "标签", ("标签", "特殊人群", "人员类别", "人群类别", "人员标签",
                               "特殊人群类别", "重点人群", "人群分类", "人员分类")),
    FieldSpec("sensitive_basis", "敏感信息依据", ("敏感信息依据", "信息采集依据", "采集依据",
                                                  "依据")),
    FieldSpec("sensitive_basis_note", "依据说明", ("依据说明",)),
    FieldSpec("guardian_id", "监护人身份证号", ("监护人身份证号", "监护人身份证号码",
                                                 "监护人证件号码", "监护人身份证",
                                                 "监护人公民身份号码")),
    FieldSpec("moved_out_on", "迁出日期", ("迁出日期", "迁出时间")),
    FieldSpec("deceased_on", "死亡日期", ("死亡日期", "死亡时间", "去世日期", "去世时间")),
]
FIELD_KEYS = [f.key for f in FIELDS]

#: Remarks people add to headings: "出生日期（年月日）", "身份证号*", "手机号:".
_HEADING_NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|[*:：\s]")

#: Exact heading key -> (field key, score): Linli's own label beats a synonym.
_EXACT: dict[str, tuple[str, int]] = {}
for _spec in FIELDS:
    for _word in _spec.synonyms:
        _EXACT.setdefault(_word.lower().replace(" ", ""), (_spec.key, 2))
for _spec in FIELDS:
    _EXACT[_spec.label] = (_spec.key, 3)
#: Synonyms long enough to be recognised inside a longer heading ("现居住详细地址").
_CONTAINED = sorted(((w.lower(), s.key) for s in FIELDS for w in s.synonyms if len(w) >= 2
                     and not w.isascii()), key=lambda pair: -len(pair[0]))


@lru_cache(maxsize=4096)
def _heading_key(heading: str) -> str:
    """A heading reduced for comparison: folded, remarks in brackets, "*", colons and spaces
    removed, lower case."""
    key = _HEADING_NOISE.sub("", fold(heading)).lower()
    return key or fold(heading).lower().replace(" ", "")


@lru_cache(maxsize=4096)
def _match_heading(heading: str) -> tuple[str | None, int]:
    """(field key, score) for one heading: 3 Linli's label, 2 a known synonym, 1 a synonym
    inside a longer heading, 0 no idea."""
    key = _heading_key(heading)
    if not key:
        return None, 0
    hit = _EXACT.get(key)
    if hit:
        return hit
    # A heading naming a person's role ("网格员", "录入人", "楼栋长") is not the thing it
    # contains.
    if key.endswith(("员", "人", "者", "长")):
        return None, 0
    for word, field_key in _CONTAINED:
        if word in key:
            return field_key, 1
    return None, 0


def guess_mapping(headings: list[str],
                  remembered: dict[str, str] | None = None) -> list[str | None]:
    """The field key of each column, or None (ignored). A `remembered` choice for a heading
    ({heading: key, or "" for ignore}) wins over the synonyms. No two columns get the same
    key: the better match keeps it (on a tie, the leftmost), the other is ignored."""
    remembered = remembered or {}
    candidates: list[tuple[str | None, int]] = []
    for heading in headings:
        text = fold(heading)
        if text in remembered:
            key = remembered[text] or None
            candidates.append((key if key in FIELD_KEYS else None, 10))
        else:
            candidates.append(_match_heading(text) if text else (None, 0))
    best: dict[str, int] = {}
    for i, (key, score) in enumerate(candidates):
        if key is None:
            continue
        held = best.get(key)
        if held is None or score > candidates[held][1]:
            best[key] = i
    return [key if key is not None and best.get(key) == i else None
            for i, (key, _score) in enumerate(candidates)]


# --- Header detection -------------------------------------------------------------------

#: Rows looked at for the header: title rows and notes rarely take more than a few.
HEADER_SCAN_ROWS = 30
_HAS_DIGIT = re.compile(r"\d")


def _heading_text(value) -> str:
    """A heading as shown to staff: folded, a line break between Chinese characters removed,
    the "required" star dropped."""
    if value is None or isinstance(value, date):
        return ""
    text = _CJK_GAP.sub("", fold(value))
    return text.strip("* ") if "*" in text else text


def _row_score(texts: list[str]) -> int:
    """How many distinct fields a row names (exact labels or synonyms only)."""
    found = set()
    for text in texts:
        key, score = _match_heading(text) if text else (None, 0)
        if score >= 2:
            found.add(key)
    return len(found)


def _heading_like(row: list) -> bool:
    """A row that could be part of a header: text only, none of it data-like (digits)."""
    texts = [c for c in row if c not in (None, "")]
    if not texts:
        return False
    for c in texts:
        if not isinstance(c, str) or _HAS_DIGIT.search(c) or len(c) > 20:
            return False
    return True


def find_header(first_rows: list[list]) -> tuple[int, list[str]]:
    """(index in `first_rows` of the last header row, heading per column).

    The header is the row naming the most known fields (at least two). A two-row header is
    recognised when the row next to it holds only heading-like text: a group heading above
    ("住址" over 小区/楼栋/单元/房号) or the real headings below; each column then takes the
    most specific text (the lower row's, else the upper's, which covers headings merged
    vertically over both rows: calamine gives their value in the top cell only).
    Raises RosterError when no row looks like a header."""
    rows = [[_heading_text(c) for c in row] for row in first_rows[:HEADER_SCAN_ROWS]]
    scores = [_row_score(r) for r in rows]
    if not scores or max(scores) < 2:
        raise RosterError(_("No header row found: the first rows should name the columns "
                            "(姓名, 身份证号 …)."))
    best = scores.index(max(scores))
    upper, lower = best, best
    below = best + 1
    if below < len(rows) and scores[below] >= 1 and _heading_like(first_rows[below]):
        lower = below
    elif (best > 0 and _heading_like(first_rows[best - 1])
          and sum(1 for t in rows[best - 1] if t) >= 2):
        upper = best - 1
    width = max(len(rows[upper]), len(rows[lower]))
    top = rows[upper] + [""] * (width - len(rows[upper]))
    bottom = rows[lower] + [""] * (width - len(rows[lower]))
    headings = [b or t for t, b in zip(top, bottom, strict=True)]
    while headings and not headings[-1]:
        headings.pop()
    return lower, headings


# --- Opening a workbook -------------------------------------------------------------------

@dataclass
class Sheet:
    """One roster sheet. `headings`: per column, as written (folded, stars dropped).
    `rows`: (spreadsheet row number, cells) after the header, blank rows left out and
    counted in `skipped_blank` as they are passed. `total_estimate`: rows below the header,
    blank ones included (for progress)."""

    header_row: int  # 1-based spreadsheet row of the (last) header row
    headings: list[str]
    rows: Iterator[tuple[int, list]]
    total_estimate: int
    file_kind: str = "xlsx"  # "xlsx" or "xls"
    skipped_blank: int = field(default=0)


EXTENSIONS = (".xlsx", ".xlsm", ".xls")


def _too_many(max_rows: int) -> str:
    return _("The sheet has more than %(rows)s rows; split it into smaller files.") % {
        "rows": f"{max_rows:,}"}


def open_sheet(handle, file_name: str, *, max_rows: int) -> Sheet:
    """The first visible sheet of an .xlsx or .xls workbook, its header found. `rows` yields
    (spreadsheet row number, cells) for every non-blank row after the header, cells padded
    or cut to the headings' width. Raises RosterError for a file that is not a readable
    workbook, a sheet without a header, or more than `max_rows` rows after the header."""
    import python_calamine

    suffix = PurePath(file_name or "").suffix.lower()
    if suffix not in EXTENSIONS:
        raise RosterError(_("Upload the roster as an Excel file (.xlsx or .xls)."))
    try:
        handle.seek(0)
        workbook = python_calamine.CalamineWorkbook.from_filelike(handle)
        sheets = workbook.sheets_metadata
        index = next((i for i, m in enumerate(sheets)
                      if m.visible == python_calamine.SheetVisibleEnum.Visible
                      and m.typ == python_calamine.SheetTypeEnum.WorkSheet), 0)
        sheet = workbook.get_sheet_by_index(index)
    except Exception:  # calamine raises its own error types for every kind of damage
        raise RosterError(
            _("The file could not be read as an Excel workbook (.xlsx or .xls).")) from None
    # Rows come from row 0 of the sheet even when the data starts lower.
    raw = iter(sheet.iter_rows())
    first: list[list] = []
    for row in raw:
        first.append([_cell(c) for c in row])
        if len(first) >= HEADER_SCAN_ROWS:
            break
    header_index, headings = find_header(first)
    header_row = header_index + 1
    last_row = sheet.end[0] + 1 if sheet.end else len(first)
    total = max(last_row - header_row, 0)
    if total > max_rows:
        raise RosterError(_too_many(max_rows))
    width = len(headings)
    sheet_info = Sheet(header_row=header_row, headings=headings, rows=iter(()),
                       total_estimate=total, file_kind="xls" if suffix == ".xls" else "xlsx")

    merges = _data_merges(sheet, header_row)

    def rows() -> Iterator[tuple[int, list]]:
        seen = 0
        pending = ((n, r) for n, r in enumerate(first[header_index + 1:], start=header_row + 1))
        converted = ((n, [_cell(c) for c in r]) for n, r in enumerate(raw, start=len(first) + 1))
        active: list[tuple[int, int, int, object]] = []
        for number, cells in _chain(pending, converted):
            if merges:
                active = _fill_merged(number, cells, merges, active)
            if not any(c is not None for c in cells):
                sheet_info.skipped_blank += 1
                continue
            seen += 1
            if seen > max_rows:
                raise RosterError(_too_many(max_rows))
            if len(cells) < width:
                cells = cells + [None] * (width - len(cells))
            elif len(cells) > width and not any(c is not None for c in cells[width:]):
                cells = cells[:width]
            yield number, cells
        workbook.close()

    sheet_info.rows = rows()
    return sheet_info


def _data_merges(sheet, header_row: int) -> dict[int, list[tuple[int, int, int]]]:
    """Merged ranges below the header, by first spreadsheet row: [(last row, first column,
    last column)], columns as indexes into a row's cells. Offices merge a household's 户号 or
    address over its members' rows; calamine gives the value in the top cell only."""
    try:
        ranges = sheet.merged_cell_ranges or []
    except Exception:  # a format without merge information
        return {}
    offset = sheet.start[1] if sheet.start else 0
    merges: dict[int, list[tuple[int, int, int]]] = {}
    for (r0, c0), (r1, c1) in ranges:
        if r0 + 1 <= header_row:
            continue
        merges.setdefault(r0 + 1, []).append((r1 + 1, c0 - offset, c1 - offset))
    return merges


def _fill_merged(number: int, cells: list, merges: dict, active: list) -> list:
    """Give every cell of a merged range its top-left value; returns the ranges still open."""
    for last, c0, c1 in merges.get(number, ()):
        if 0 <= c0 < len(cells):
            active.append((last, c0, c1, cells[c0]))
    still = []
    for last, c0, c1, value in active:
        if number > last:
            continue
        still.append((last, c0, c1, value))
        if value is None:
            continue
        if c1 >= len(cells):
            cells.extend([None] * (c1 + 1 - len(cells)))
        for i in range(max(c0, 0), c1 + 1):
            if cells[i] is None:
                cells[i] = value
    return still


def _chain(*iterables):
    for it in iterables:
        yield from it


# --- Totals rows ----------------------------------------------------------------------------

_TOTALS = re.compile(r"^(?:合计|小计|总计|共计|累计|总数|合\s*计|小\s*计|总\s*计)")


def is_totals_row(cells) -> bool:
    """A 合计/小计/总计/共计/累计 row (also written "合 计"): the word is in one of the first
    non-empty text cells of the row."""
    looked = 0
    for c in cells:
        if c is None or c == "":
            continue
        if isinstance(c, str):
            if _TOTALS.match(c.replace(" ", "")):
                return True
        looked += 1
        if looked >= 3:
            return False
    return False


# --- Dates --------------------------------------------------------------------------------

_DATE_YMD = re.compile(
    r"^(\d{4})\s*(?:[-./年]\s*)(\d{1,2})\s*(?:[-./月]\s*)(\d{1,2})\s*[日号]?"
    r"(?:\s*T?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_YM = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?$")
_EXCEL_EPOCH = date(1899, 12, 30)
#: Excel serial numbers people meet: 1900-01-01 .. 2173-10-14.
_SERIAL_MAX = 100000


def _format_error(text: str) -> RosterValueError:
    return RosterValueError(
        _("“%(value)s” is not a date; write it like 1972-08-19 or 1972年8月19日.")
        % {"value": text}, "format")


@lru_cache(maxsize=16384)
def _parse_date_text(text: str) -> date:
    m = _DATE_YMD.match(text) or _DATE_COMPACT.match(text)
    if m is None:
        if _DATE_YM.match(text):
            raise RosterValueError(
                _("“%(value)s” has no day; write the whole date, like 1972-08-19.")
                % {"value": text}, "format")
        raise _format_error(text)
    year, month, day = (int(g) for g in m.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise RosterValueError(
            _("%(value)s does not exist.")
            % {"value": f"{year}年{month}月{day}日"}, "impossible") from None


def parse_date(value) -> date:
    """A date as people write it: 1972-08-19, 1972.8.19, 1972/8/19, 19720819, 1972年8月19日,
    1972年08月19号, an Excel date cell or an Excel serial number (26530), full-width digits.
    Raises RosterValueError: kind "format" when unreadable, "impossible" when the date does
    not exist (1960年2月30日)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool) or value is None:
        raise _format_error(fold(value))
    if isinstance(value, int | float):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and 10000000 <= value <= 99991231:
            return _parse_date_text(str(value))
        if isinstance(value, int) and 1900 <= value <= 2100:
            # A bare year, not the serial number of a day in 1905.
            raise RosterValueError(
                _("“%(value)s” has no day; write the whole date, like 1972-08-19.")
                % {"value": value}, "format")
        if 0 < value < _SERIAL_MAX:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise _format_error(fold(value))
    text = fold(value)
    if not text:
        raise _format_error(text)
    return _parse_date_text(text)


# --- Mobiles ------------------------------------------------------------------------------

_PHONE_SEPARATORS = re.compile(r"[\s\-()（）.·_]+")
_LANDLINE = re.compile(r"^(?:0\d{2,3})?[2-9]\d{6,7}$")


@lru_cache(maxsize=8192)
def _parse_mobile_text(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    digits = _PHONE_SEPARATORS.sub("", text)
    if digits.startswith("+"):
        digits = digits[1:]
        if digits.startswith("86") and len(digits) == 13:
            digits = digits[2:]
    elif digits.startswith("0086") and len(digits) == 15:
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if rules.is_mobile(digits):
        return digits
    if digits.isdigit() and _LANDLINE.match(digits):
        raise RosterValueError(
            _("“%(value)s” looks like a landline; Linli needs a mobile number (11 digits "
              "starting with 1).") % {"value": text}, "format")
    raise RosterValueError(
        _("“%(value)s” is not a mobile number; write the 11 digits starting with 1 "
          "(one number per cell).") % {"value": text}, "format")


def parse_mobile(value) -> str:
    """A mobile number as people write it (+86 185…, 0086…, 86-…, spaces, dashes, brackets,
    full-width digits) as its 11 ASCII digits. Raises RosterValueError for anything else;
    a landline is refused with a message saying a mobile is needed."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = fold(value)
    if not text:
        raise RosterValueError(_("Enter an 11-digit mobile number starting with 1."), "format")
    return _parse_mobile_text(text)


# --- ID numbers ---------------------------------------------------------------------------

def parse_id_text(value) -> str:
    """The ID number's text: NFKC-folded, spaces removed, x upper-cased. A number cell is
    refused: Excel keeps 15 significant digits, so the last ones are already lost."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise RosterValueError(
            _("Store ID numbers as text: Excel numbers lose the last digits."), "format")
    text = fold(value)
    if " " in text:
        text = text.replace(" ", "")
    return text.upper()


# --- Addresses ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Address:
    estate: str
    building: str
    unit: str
    room: str


#: "3栋", "3幢", "3号楼", "3#楼", "3#", "A座", and "3号" when a unit follows ("3号2单元").
_BUILDING_WORD = r"(?:号楼|栋|幢|座|#楼|#|楼|号(?=\s*[0-9一二三四五六七八九十]+\s*单元))"
_ADDRESS = re.compile(
    r"^(?P<estate>.*?)\s*(?P<building>[0-9A-Za-z]+|[一二三四五六七八九十]+)\s*"
    rf"(?P<bword>{_BUILDING_WORD})\s*"
    r"(?:(?P<unit>[0-9A-Za-z]+|[一二三四五六七八九十]+)\s*单元\s*)?"
    r"(?:(?P<room>[0-9A-Za-z]+(?:-[0-9]+)?)\s*(?:室|号|房)?)?$")
_ADDRESS_DASHED = re.compile(
    r"^(?P<estate>.*?[^\d\s-])\s*(?P<building>\d+)\s*-\s*(?:(?P<unit>\d+)\s*-\s*)?"
    r"(?P<room>\d+)\s*(?:室|号)?$")
#: A road and number before the estate: "锦绣大道88号紫轩小区" -> "紫轩小区".
_ROAD_PREFIX = re.compile(r"^.*?(?:路|街|大道|道|巷|弄|胡同|里)\s*\d+\s*号(?:院)?\s*(?=\S)")
_CN_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
               "十": 10}
_BUILDING_CELL = re.compile(r"^(.+?)\s*(?:号楼|栋|幢|#楼|#|楼|号)?$")
_UNIT_CELL = re.compile(r"^(.+?)\s*(?:单元)?$")
_ROOM_CELL = re.compile(r"^(.+?)\s*(?:室|号|房)?$")


def _number_word(text: str) -> str:
    """"三" -> "3", "十二" -> "12"; anything else unchanged."""
    if not text or text.isascii():
        return text.upper() if text.isalpha() else text
    if all(ch in _CN_NUMBERS for ch in text):
        if text == "十":
            return "10"
        if text.startswith("十"):
            return str(10 + _CN_NUMBERS.get(text[1:], 0))
        if len(text) == 2 and text.endswith("十"):
            return str(_CN_NUMBERS[text[0]] * 10)
        if len(text) == 3 and text[1] == "十":
            return str(_CN_NUMBERS[text[0]] * 10 + _CN_NUMBERS[text[2]])
        if len(text) == 1:
            return str(_CN_NUMBERS[text])
    return text


@lru_cache(maxsize=4096)
def normalise_building(text) -> str:
    """"3", "3栋", "3幢", "3号楼", "三栋" -> "3栋"; other names ("A座", "综合楼") kept."""
    text = fold(text).replace(" ", "")
    if not text:
        return ""
    if text.endswith("座"):
        return text
    m = _BUILDING_CELL.match(text)
    core = _number_word(m.group(1)) if m else text
    if core.isascii() and core.isalnum():
        return f"{core}栋"
    return text


@lru_cache(maxsize=4096)
def normalise_unit(text) -> str:
    """"2", "2单元", "二单元" -> "2单元"."""
    text = fold(text).replace(" ", "")
    if not text:
        return ""
    m = _UNIT_CELL.match(text)
    core = _number_word(m.group(1)) if m else text
    if core.isascii() and core.isalnum():
        return f"{core}单元"
    return text


@lru_cache(maxsize=16384)
def normalise_room(text) -> str:
    """"501", "501室", "501号" -> "501"."""
    text = fold(text).replace(" ", "")
    if not text:
        return ""
    m = _ROOM_CELL.match(text)
    core = m.group(1) if m else text
    return core.upper() if core.isascii() else core


@lru_cache(maxsize=16384)
def parse_address(text) -> Address | None:
    """Estate, building, unit and room from a one-cell address: "紫轩小区3栋2单元501",
    "紫轩小区3幢2单元501室", "锦绣大道88号紫轩小区3号楼2单元501", "紫轩小区3-2-501",
    "紫轩花园3栋501" (no unit). None when no building can be found."""
    text = fold(text)
    if not text:
        return None
    m = _ADDRESS.match(text) or _ADDRESS_DASHED.match(text)
    if m is None:
        return None
    estate = m.group("estate").strip()
    stripped = _ROAD_PREFIX.sub("", estate)
    estate = stripped or estate
    if not estate:
        return None
    building = normalise_building(m.group("building") + (
        m.groupdict().get("bword") or "栋"))
    unit, room = m.group("unit") or "", m.group("room") or ""
    if not unit and "-" in room:  # "3栋2-501": unit 2, room 501
        unit, room = room.split("-", 1)
    unit, room = normalise_unit(unit), normalise_room(room)
    return Address(estate=estate, building=building, unit=unit, room=room)


# --- Tags -----------------------------------------------------------------------------------

_TAG_SPLIT = re.compile(r"[、,;/|\s]+")


def split_tags(text) -> list[str]:
    """"低保户、空巢老人，残疾人" -> ["低保户", "空巢老人", "残疾人"] (also , ； ; / and spaces),
    each once, in order."""
    text = fold(text)
    if not text:
        return []
    seen: dict[str, None] = {}
    for part in _TAG_SPLIT.split(text):
        if part:
            seen.setdefault(part, None)
    return list(seen)


#: Words people add around a tag name: 低保户, 残疾人, 独居老人, 空巢家庭.
_TAG_AFFIXES = re.compile(r"(?:户|人员|人|老人|家庭|对象|人群|者)$")


def suggest_tag(written: str, existing: list[str]) -> str | None:
    """The existing tag a written one most likely means ("低保户" -> "低保", "独居老人" ->
    "独居"), or None. Only a suggestion for staff to confirm in the value-mapping step."""
    text = fold(written).replace(" ", "")
    if not text:
        return None
    names = {fold(name): name for name in existing if name}
    if text in names:
        return names[text]
    core = _TAG_AFFIXES.sub("", text) or text
    if core in names:
        return names[core]
    contained = [key for key in names if len(key) >= 2 and (key in text or core in key)]
    if len(contained) == 1:
        return names[contained[0]]
    return None


# --- Choices -------------------------------------------------------------------------------

CHOICE_SYNONYMS: dict[str, dict[str, str]] = {
    "gender": {
        "男": "M", "男性": "M", "M": "M", "male": "M",
        "女": "F", "女性": "F", "F": "F", "female": "F",
    },
    "political_status": {
        "群众": "masses", "普通群众": "masses",
        "中共党员": "party_member", "党员": "party_member", "共产党员": "party_member",
        "中国共产党党员": "party_member", "正式党员": "party_member",
        "中共预备党员": "probationary", "预备党员": "probationary",
        "共青团员": "league_member", "团员": "league_member",
        "中国共产主义青年团团员": "league_member",
        "民主党派": "other_party", "民革党员": "other_party", "民盟盟员": "other_party",
        "民建会员": "other_party", "民进会员": "other_party", "农工党党员": "other_party",
        "致公党党员": "other_party", "九三学社社员": "other_party", "台盟盟员": "other_party",
    },
    "residence_type": {
        "户籍": "registered", "户籍人口": "registered", "本地户籍": "registered",
        "户籍居民": "registered", "本地户口": "registered", "本地": "registered",
        "常住": "permanent", "常住人口": "permanent", "常住居民": "permanent",
        # 寄住: lives here, registered elsewhere in the city; closest to a permanent resident.
        "寄住": "permanent", "寄住人口": "permanent",
        "流动": "floating", "流动人口": "floating", "外来人口": "floating",
        "外来": "floating", "暂住": "floating", "暂住人口": "floating",
        "外地户籍": "floating", "非户籍": "floating",
        "人户分离": "separated", "户在人不在": "separated", "空挂户": "separated",
    },
    "relation": {
        "户主": "head", "本人": "head", "本人(户主)": "head", "户主本人": "head",
        "配偶": "spouse", "妻": "spouse", "妻子": "spouse", "夫": "spouse", "丈夫": "spouse",
        "爱人": "spouse", "老伴": "spouse",
        "子女": "child", "子": "child", "女": "child", "儿子": "child", "女儿": "child",
        "长子": "child", "次子": "child", "三子": "child", "四子": "child", "五子": "child",
        "长女": "child", "次女": "child", "三女": "child", "四女": "child", "五女": "child",
        "独子": "child", "独女": "child", "独生子": "child", "独生女": "child",
        "养子": "child", "养女": "child", "继子": "child", "继女": "child",
        "父母": "parent", "父亲": "parent", "母亲": "parent", "父": "parent", "母": "parent",
        "公公": "parent", "婆婆": "parent", "岳父": "parent", "岳母": "parent",
        "继父": "parent", "继母": "parent", "养父": "parent", "养母": "parent",
        "孙子女": "grandchild", "孙子": "grandchild", "孙女": "grandchild",
        "外孙": "grandchild", "外孙子": "grandchild", "外孙女": "grandchild",
        "曾孙子": "grandchild", "曾孙女": "grandchild", "孙": "grandchild",
        "祖父母": "grandparent", "祖父": "grandparent", "祖母": "grandparent",
        "外祖父": "grandparent", "外祖母": "grandparent", "爷爷": "grandparent",
        "奶奶": "grandparent", "外公": "grandparent", "外婆": "grandparent",
        "姥爷": "grandparent", "姥姥": "grandparent",
        "兄弟姐妹": "sibling", "兄": "sibling", "弟": "sibling", "姐": "sibling",
        "妹": "sibling", "哥哥": "sibling", "弟弟": "sibling", "姐姐": "sibling",
        "妹妹": "sibling",
        "儿媳女婿": "in_law", "儿媳": "in_law", "儿媳妇": "in_law", "女婿": "in_law",
        "孙媳妇": "in_law", "孙女婿": "in_law",
        "其他": "other", "其它": "other", "侄子": "other", "侄女": "other", "外甥": "other",
        "外甥女": "other", "保姆": "other", "亲属": "other", "非亲属": "other",
    },
    "sensitive_basis": {
        "本人同意": "consent", "同意": "consent", "书面同意": "consent", "已同意": "consent",
        "本人书面同意": "consent", "监护人同意": "consent",
        "法定职责": "legal_duty", "法定义务": "legal_duty", "履行法定职责": "legal_duty",
        "民政救助": "legal_duty",
    },
}
#: Codes written as themselves ("registered", "M") are accepted too.
_CHOICE_INDEX: dict[str, dict[str, str]] = {
    kind: {**{code.lower(): code for code in set(words.values())},
           **{word.lower(): code for word, code in words.items()}}
    for kind, words in CHOICE_SYNONYMS.items()
}


@lru_cache(maxsize=4096)
def map_choice(kind: str, text: str) -> str | None:
    """The code for a written choice ("户籍人口" -> "registered"), or None when the word is
    unknown (the workflow then asks staff what it means)."""
    index = _CHOICE_INDEX.get(kind)
    if index is None:
        return None
    key = fold(text).replace(" ", "").lower()
    if not key:
        return None
    return index.get(key)
