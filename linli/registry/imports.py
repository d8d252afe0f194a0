"""Import of households and residents from a community's own roster (.xlsx or .xls).

1. Upload (`import_job_create`): the file goes to the default storage; an ImportJob row
   tracks it. Reading (background task): the header row is found (title rows and merged
   headings skipped), each column's heading, sample values and distinct values are stored
   with Linli's guess of its meaning (the community's remembered mapping first) → MAPPING.
2. Mapping (`import_mapping_set`): staff confirm which column is which, how the values
   written in the file map to Linli's choices (residence types, tags, …), the batch's
   sensitive-data basis and the save mode; the choices are remembered for the community.
3. Check (background task): the sheet is streamed in chunks; every row's outcome (new /
   update / error / skipped) with its errors and warnings and the roster's own row label is
   stored, with the estates, buildings and households the save would create. Nothing else
   is written.
4. Commit (background task): the file is streamed and checked again and written in ONE
   transaction — mode "all": any error and nothing is saved; mode "partial": the good rows
   are saved and the bad ones can be downloaded (`import_error_workbook`) to fix and import
   again. Residents are matched on the keyed hash of their ID number, so importing the same
   people again updates, never duplicates. Progress during the commit goes to the task
   queue's key-value store, because the job row only changes when the transaction commits.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task
from openpyxl import Workbook
from simple_history.utils import bulk_update_with_history

from linli.common.exceptions import Conflict, DomainError, ValidationError, require
from linli.common.masking import mask_id_number
from linli.common.xlsx import safe_row
from linli.registry import policies, roster, rules
from linli.registry.idnumbers import IdNumberInfo, id_number_compose, id_number_parse
from linli.registry.models import (
    Building,
    Community,
    Estate,
    Grid,
    Household,
    ImportJob,
    ImportMode,
    ImportProfile,
    ImportRow,
    ImportStatus,
    Resident,
    RowOutcome,
    SensitiveBasis,
    Tag,
    Unit,
)
from linli.registry.privacy import hash_id_number, protect_id_number
from linli.registry.services import name_pinyin

logger = logging.getLogger(__name__)

CHUNK = 1000
SAMPLES = 5
DISTINCT_CAP = 100

#: (key, header, required). The header text is the template's format; exports use the same.
#: A community's own roster may name its columns otherwise (mapped at upload) and need not
#: have 户号/网格编号 when 小区/楼栋/单元/房号 or a one-cell address say where people live.
COLUMNS = [
    ("household_number", "户号", True),
    ("grid", "网格编号", True),
    ("address", "地址", True),
    ("estate", "小区", False),
    ("building", "楼栋", False),
    ("unit", "单元", False),
    ("room", "房号", False),
    ("name", "姓名", True),
    ("id_number", "身份证号", True),
    ("gender", "性别", False),
    ("birth_date", "出生日期", False),
    ("mobile", "手机号", False),
    ("ethnicity", "民族", False),
    ("political_status", "政治面貌", False),
    ("residence_type", "居住类型", False),
    ("relation", "与户主关系", False),
    ("tags", "标签", False),
    ("sensitive_basis", "敏感信息依据", False),
    ("sensitive_basis_note", "依据说明", False),
    ("guardian_id", "监护人身份证号", False),
    ("moved_out_on", "迁出日期", False),
    ("deceased_on", "死亡日期", False),
]
HEADER = {key: header for key, header, _r in COLUMNS}
#: Every field a column may be mapped to (the roster's own 序号 too), with its label.
FIELD_LABELS = {"row_label": "序号", **HEADER}

# How each code is written in the template and in exports. Reading goes the other way through
# `roster.map_choice`, which knows these words and the many others rosters use.
GENDER_LABEL = {"M": "男", "F": "女"}
POLITICAL_LABEL = {"masses": "群众", "party_member": "中共党员", "probationary": "中共预备党员",
                   "league_member": "共青团员", "other_party": "民主党派"}
RESIDENCE_LABEL = {"registered": "户籍", "permanent": "常住", "floating": "流动",
                   "separated": "人户分离"}
RELATION_LABEL = {"head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母",
                  "grandchild": "孙子女", "grandparent": "祖父母", "sibling": "兄弟姐妹",
                  "in_law": "儿媳女婿", "other": "其他"}
BASIS_LABEL = {"consent": "本人同意", "legal_duty": "法定职责"}

#: The kinds of value staff map in the value step: kind -> (code -> label shown in Chinese).
VALUE_KINDS = {
    "gender": GENDER_LABEL,
    "political_status": POLITICAL_LABEL,
    "residence_type": RESIDENCE_LABEL,
    "relation": RELATION_LABEL,
    "tags": {},
}
NEW_TAG = "+new"
#: Tags describing health or disability: created sensitive (they need a recorded basis).
SENSITIVE_TAG_WORDS = ("残疾", "重病", "病", "失能", "精神")
AUDIT_ACTION = "registry_import"

class ImportFailed(DomainError):
    code = "import_failed"


def template_workbook(*, street_id: int | None = None) -> bytes:
    """The template with a second sheet listing the values each column accepts (the tags
    of `street_id`, when given)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "居民"
    ws.append([h + ("*" if req else "") for _k, h, req in COLUMNS])
    ws.append(["1-1-101", "001", "锦绣大道88号1栋1单元101", "紫轩小区", "1栋", "1单元", "101",
               "张三", id_number_compose("520581", date(1950, 3, 7), 1), "男", "1950-03-07", "13800000000", "汉族",
               "中共党员", "户籍", "户主", "高龄、独居", "", "", "", "", ""])
    for column in ws.columns:
        ws.column_dimensions[column[0].column_letter].width = 16
    values = wb.create_sheet("可填写的值")
    values.append(["列", "可填写的值", "说明"])
    values.append(["户号*、网格编号*、地址*", "",
                   "没有户号时，可改填 小区、楼栋、单元、房号（或在“地址”一格写全，如"
                   "“紫轩小区3栋2单元501”）；新楼栋需写明网格编号"])
    values.append(["性别", "、".join(GENDER_LABEL.values()), "可不填：按身份证号"])
    for key, labels in (("political_status", POLITICAL_LABEL),
                        ("residence_type", RESIDENCE_LABEL), ("relation", RELATION_LABEL),
                        ("sensitive_basis", BASIS_LABEL)):
        values.append([HEADER[key], "、".join(labels.values()), ""])
    tags = Tag.objects.filter(street_id=street_id) if street_id else Tag.objects.none()
    values.append(["标签", "、".join(tags.order_by("order", "name").values_list(
        "name", flat=True)[:50]) or "高龄、独居",
                   "多个标签用顿号分隔；文件中的其他写法可在导入时对应或新建"])
    values.append(["出生日期、迁出日期、死亡日期", "1972-08-19、1972.8.19、19720819、1972年8月19日",
                   ""])
    values.append(["手机号", "13800000000、+86 138 0000 0000、138-0000-0000", ""])
    values.append(["序号", "", "可选：问题清单按序号指出行"])
    for letter, width in (("A", 24), ("B", 60), ("C", 60)):
        values.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- Parsing ----------------------------------------------------------------------------

def _text(value) -> str:
    """A cell as folded text (NFKC: full-width digits and letters become ASCII)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if not (value.hour or value.minute) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return roster.fold(value)


_LONG_NUMBER = re.compile(r"\d{11,}[\dXx]?")
_NUMBER_GAPS = re.compile(r"(?<=\d)[\s-]+(?=\d)")
#: Columns whose written values are personal identifiers: shown masked in messages.
IDENTIFIER_KEYS = ("id_number", "guardian_id", "mobile")


def masked_text(text: str) -> str:
    """A cell as shown on the mapping and preview pages: any ID number or phone number in it
    masked ("522423********031X"), the rest as written."""
    if sum(c.isdigit() for c in text) < 11:
        return text
    compact = _NUMBER_GAPS.sub("", text)
    return _LONG_NUMBER.sub(lambda m: mask_id_number(m.group(0)), compact)


def tag_is_sensitive(name: str) -> bool:
    return any(word in name for word in SENSITIVE_TAG_WORDS)


def household_number_for(estate: str, building: str, unit: str, room: str) -> str:
    """A household number for a roster without 户号: the same address always gives the same
    number, so importing the roster again finds the household."""
    number = "-".join(p for p in (estate, building, unit, room) if p)
    if len(number) <= 32:
        return number
    digest = hashlib.sha1("|".join((estate, building, unit, room)).encode()).hexdigest()
    return f"H{digest[:16].upper()}"


def address_key(text: str) -> str:
    """An address as the import compares it: estate, building, unit and room as the roster
    reader spells them when it can find them ("紫轩小区3幢2单元501室" and "紫轩小区 3栋 2单元
    501" are one place), else the folded text without spaces."""
    found = roster.parse_address(text)
    if found is not None:
        return "".join((found.estate, found.building, found.unit, found.room))
    return roster.fold(text).replace(" ", "")


@dataclass
class ParsedRow:
    row: int
    values: dict
    label: str = ""
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    hash: str = ""
    guardian_hash: str = ""
    tags: list = field(default_factory=list)  # tag names
    batch_basis: bool = False
    skipped: bool = False
    new_places: tuple = ()


class _Report:
    """What one row's check found: errors and warnings under the column's own heading, with
    the value as written (identifiers masked)."""

    __slots__ = ("checker", "parsed", "text")

    def __init__(self, checker: Checker, parsed: ParsedRow, text: dict[str, str]):
        self.checker, self.parsed, self.text = checker, parsed, text

    def shown(self, key: str, value: str | None) -> str:
        value = (self.text.get(key, "") if value is None else value)[:100]
        if key in IDENTIFIER_KEYS and value:
            return mask_id_number(_NUMBER_GAPS.sub("", value))
        return masked_text(value)

    def err(self, key: str, message: str, value: str | None = None) -> None:
        written = self.text.get(key, "") if value is None else value
        if key in IDENTIFIER_KEYS and written and written in message:
            message = message.replace(written, self.shown(key, written))
        self.parsed.errors.append({"column": self.checker._column(key),
                                   "value": self.shown(key, value), "message": message})

    def warn(self, key: str, message: str) -> None:
        self.parsed.warnings.append({"column": self.checker._column(key),
                                     "value": self.shown(key, None), "message": message})

    def check(self, key: str, rule, *args, **kwargs):
        """Apply one of `linli.registry.rules`: its refusal becomes this column's error (the
        row goes on, so that one read reports every problem of the row)."""
        try:
            return rule(*args, **kwargs)
        except ValidationError as exc:
            self.err(key, exc.message)
            return None


class Checker:
    """Checks rows of one community against a confirmed mapping; keeps what later rows need
    (hashes seen, households, places met so far)."""

    def __init__(self, community: Community, job: ImportJob):
        self.community = community
        self.today = timezone.localdate()
        self.index = {key: i for i, key in enumerate(job.mapping) if key}
        headings = [c.get("heading", "") for c in job.columns]
        self.heading = {key: (headings[i] if i < len(headings) and headings[i]
                              else FIELD_LABELS.get(key, key)) for key, i in self.index.items()}
        self.values = job.values or {}
        self.batch_basis = job.sensitive_basis or ""
        self.grids = {g.number: g for g in Grid.objects.filter(community=community)}
        self.grid_by_id = {g.pk: g for g in self.grids.values()}
        self.tags = {t.name: t for t in Tag.objects.filter(street_id=community.street_id)}
        self.seen_hashes: dict[str, str] = {}
        self.good_hashes: set[str] = set()
        self.households: dict[str, tuple[str, str]] = {}
        self.guardian_checks: list[tuple[int, str]] = []
        # Places already stored: estates by name, buildings by (estate, name) -> (id, grid
        # id), units by (building id, name), households by number and by address.
        self.estates = set(Estate.objects.filter(community=community).values_list(
            "name", flat=True))
        self.buildings = {(e, n): (pk, g) for pk, e, n, g in Building.objects.filter(
            estate__community=community).values_list("id", "estate__name", "name", "grid_id")}
        self.units = {(b, n): pk for pk, b, n in Unit.objects.filter(
            building__estate__community=community).values_list("id", "building_id", "name")}
        unit_names = {pk: n for (_b, n), pk in self.units.items()}
        self.numbers: set[str] = set()
        self.by_place: dict[tuple, str] = {}
        # Households entered with an address only (no building): {address key: (number,
        # grid number)}, so that a roster row at that address finds them.
        self.by_address: dict[str, tuple[str, str]] = {}
        grid_numbers = {pk: g.number for pk, g in self.grid_by_id.items()}
        for number, b, u, room, address, grid_id in Household.objects.filter(
                community=community).values_list(
                "number", "building_id", "unit_id", "room", "address", "grid_id").iterator(
                chunk_size=5000):
            self.numbers.add(number)
            if b and room:
                self.by_place.setdefault((b, unit_names.get(u, ""), room), number)
            elif not b and (key := address_key(address)):
                self.by_address.setdefault(key, (number, grid_numbers.get(grid_id, "")))
        # What the save would create (for the preview).
        self.new_estates: dict[str, None] = {}
        self.new_buildings: dict[tuple[str, str], None] = {}
        self.new_units: set[tuple[str, str, str]] = set()
        self.new_households: dict[str, str] = {}

    # -- helpers

    def _raw(self, cells, key):
        i = self.index.get(key)
        if i is None or i >= len(cells):
            return None
        return cells[i]

    def _column(self, key: str) -> str:
        return self.heading.get(key) or FIELD_LABELS.get(key, key)

    def _choice(self, kind: str, text: str) -> str | None:
        """The code for a value written in the file: staff's choice in the value step (""
        ignores it), else Linli's vocabulary (`roster.map_choice`); None when unknown."""
        mapped = self.values.get(kind) or {}
        if text in mapped:
            return mapped[text]
        return roster.map_choice(kind, text)

    def parse(self, row_number: int, cells) -> ParsedRow:
        """One row read and checked against the rules every resident obeys
        (`linli.registry.rules`) and against the rows before it."""
        self._cells = cells
        text = {key: _text(self._raw(cells, key)) for key in self.index}
        label = text.get("row_label", "") or text.get("name", "")
        parsed = ParsedRow(row=row_number, values={}, label=label[:64])
        report = _Report(self, parsed, text)
        v = parsed.values
        for key in ("household_number", "grid", "address", "estate", "building", "unit", "room",
                    "name", "ethnicity", "sensitive_basis_note"):
            v[key] = text.get(key, "")
        report.check("name", rules.name, v["name"],
                     missing=_("The name is empty: write the person's name."))
        info = self._identity(report)
        self._mobile(report)
        self._choices(report)
        self._tags(report)
        for key in ("moved_out_on", "deceased_on"):
            day = self._date(key, report.err, None)
            report.check(key, rules.not_in_future, day, field=key, today=self.today)
            v[key] = day
        self._household(parsed, report.err)
        if info is not None:
            self._seen(report, info)
        self._guardian(report)
        return parsed

    def _identity(self, report: _Report) -> IdNumberInfo | None:
        """The ID number, and the birth date and gender it gives (those written besides
        must agree with it)."""
        v, err = report.parsed.values, report.err
        info = None
        id_raw = self._raw(self._cells, "id_number")
        try:
            id_text = roster.parse_id_text(id_raw) if id_raw not in (None, "") else ""
        except roster.RosterValueError as exc:
            err("id_number", exc.message, _text(id_raw))
            id_text = ""
        else:
            if not id_text:
                err("id_number", _("The ID number is empty: write the 18-character number."))
            else:
                try:
                    info = id_number_parse(id_text, today=self.today)
                except ValidationError as exc:
                    err("id_number", exc.message)
                else:
                    for message in info.warnings:
                        report.warn("id_number", message)
        gender = report.text.get("gender", "")
        if gender:
            code = self._choice("gender", gender)
            if code not in ("M", "F", ""):
                err("gender", _("Write 男 or 女 (or leave it empty: the ID number gives it)."))
            gender = code if code in ("M", "F") else ""
        birth = self._date("birth_date", err, info)
        if info is not None:
            report.check("birth_date", rules.birth_date_agrees, info, birth)
            report.check("gender", rules.gender_agrees, info, gender)
            birth, gender = info.birth_date, info.gender
        v.update(gender=gender, birth_date=birth)
        return info

    def _mobile(self, report: _Report) -> None:
        v = report.parsed.values
        v["mobile"] = ""
        if report.text.get("mobile"):
            try:
                v["mobile"] = roster.parse_mobile(self._raw(self._cells, "mobile"))
            except roster.RosterValueError as exc:
                report.err("mobile", exc.message)

    def _choices(self, report: _Report) -> None:
        v, err = report.parsed.values, report.err
        for kind in ("political_status", "residence_type", "relation"):
            written = report.text.get(kind, "")
            code = self._choice(kind, written) if written else ""
            if code is None:
                err(kind, _("“%(value)s” is not a known value: choose what it means in the "
                            "value step, or write one of: %(allowed)s.")
                    % {"value": written, "allowed": "、".join(VALUE_KINDS[kind].values())})
                code = ""
            v[kind] = code
        v["residence_type"] = rules.residence_type(v["residence_type"])
        basis_written = report.text.get("sensitive_basis", "")
        v["sensitive_basis"] = ""
        if basis_written:
            code = self._choice("sensitive_basis", basis_written)
            if code not in (SensitiveBasis.CONSENT, SensitiveBasis.LEGAL_DUTY):
                err("sensitive_basis", _("Write 本人同意 or 法定职责."))
            else:
                v["sensitive_basis"] = code

    def _tags(self, report: _Report) -> None:
        """The row's tags as staff mapped them; a sensitive one needs a basis (the row's own,
        else the batch's)."""
        parsed, err = report.parsed, report.err
        v = parsed.values
        tag_map = self.values.get("tags") or {}
        sensitive = False
        for name in roster.split_tags(report.text.get("tags", "")):
            chosen = tag_map.get(name)
            if chosen == "":
                continue
            if chosen == NEW_TAG:
                target = name[:16]
                is_sensitive = (self.tags[target].sensitive if target in self.tags
                                else tag_is_sensitive(target))
            else:
                target = chosen or name
                if target not in self.tags:
                    err("tags", _("Unknown tag “%(value)s”: in the value step map it to a tag, "
                                  "create it or ignore it.") % {"value": name}, name)
                    continue
                is_sensitive = self.tags[target].sensitive
            if target not in parsed.tags:
                parsed.tags.append(target)
            sensitive = sensitive or is_sensitive
        if sensitive and not v["sensitive_basis"]:
            if self.batch_basis:
                v["sensitive_basis"] = self.batch_basis
                parsed.batch_basis = True
            else:
                err("tags", _("Health or disability details need a recorded consent or legal "
                              "basis: choose the batch's basis in the import options, or add "
                              "a 敏感信息依据 column."))

    def _seen(self, report: _Report, info: IdNumberInfo) -> None:
        """One person once per file: the second row with a number names the first."""
        parsed = report.parsed
        parsed.hash = hash_id_number(info.number)
        parsed.values["id_number"] = info.number
        earlier = self.seen_hashes.get(parsed.hash)
        if earlier is not None:
            report.err("id_number", _("The same ID number is already in row %(row)s.")
                       % {"row": earlier})
        else:
            self.seen_hashes[parsed.hash] = parsed.label or str(parsed.row)

    def _guardian(self, report: _Report) -> None:
        """A child's guardian, by ID number: looked up once the whole file is read
        (`unresolved_guardians`)."""
        parsed, err = report.parsed, report.err
        if not rules.needs_guardian(parsed.values["birth_date"], today=self.today):
            return
        if not report.text.get("guardian_id", ""):
            err("guardian_id", _("A child under 14 can be recorded only with a guardian: "
                                 "write the guardian's ID number."))
            return
        try:
            guardian = roster.parse_id_text(self._raw(self._cells, "guardian_id"))
        except roster.RosterValueError as exc:
            err("guardian_id", exc.message)
        else:
            parsed.guardian_hash = hash_id_number(guardian)
            self.guardian_checks.append((parsed.row, parsed.guardian_hash))

    def _date(self, key: str, err, info) -> date | None:
        value = self._raw(self._cells, key)
        if value in (None, ""):
            return None
        try:
            return roster.parse_date(value)
        except roster.RosterValueError as exc:
            written = _text(value)
            if exc.kind == "impossible" and info is not None:
                err(key, _("%(column)s %(value)s does not exist; the birth date in the ID "
                           "number is %(date)s.") % {"column": self._column(key),
                                                     "value": written,
                                                     "date": info.birth_date.isoformat()},
                    written)
            elif exc.kind == "impossible":
                err(key, _("%(column)s %(value)s does not exist: check the day and month.")
                    % {"column": self._column(key), "value": written}, written)
            else:
                err(key, _("Cannot read this date: write it like 1972-08-19 or "
                           "1972年8月19日."), written)
            return None

    def _household(self, parsed: ParsedRow, err) -> None:
        """Where the person lives: by 户号 and grid, or by estate/building/unit/room (written
        in their columns or in one address cell)."""
        v = parsed.values
        if v["grid"] and v["grid"].isdigit():
            v["grid"] = f"{int(v['grid']):03d}"
        if v["address"] and not (v["estate"] and v["building"] and v["room"]):
            found = roster.parse_address(v["address"])
            if found is not None:
                v["estate"] = v["estate"] or (found.estate or "")
                v["building"] = v["building"] or (found.building or "")
                v["unit"] = v["unit"] or (found.unit or "")
                v["room"] = v["room"] or (found.room or "")
        v["building"] = roster.normalise_building(v["building"])
        v["unit"] = roster.normalise_unit(v["unit"])
        v["room"] = roster.normalise_room(v["room"])
        estate, building, unit, room = (v["estate"][:64], v["building"][:32], v["unit"][:16],
                                        v["room"][:16])
        building_hit = self.buildings.get((estate, building)) if estate and building else None
        if v["household_number"]:
            if "grid" not in self.index or not v["grid"]:
                if building_hit:
                    v["grid"] = self.grid_by_id[building_hit[1]].number
                else:
                    err("grid", _("The grid is empty: write the grid number (for example 001)."))
                    return
            if v["grid"] not in self.grids:
                err("grid", _("No grid with this number in the community."))
                return
            try:
                rules.household_number(v["household_number"])
            except ValidationError as exc:
                err("household_number", exc.message)
                return
            if not v["address"]:
                v["address"] = "".join((estate, building, unit, room))
            try:
                rules.address(v["address"],
                              missing=_("The address is empty: write where the household lives."))
            except ValidationError as exc:
                err("address", exc.message)
                return
            first = self.households.setdefault(v["household_number"], (v["grid"], v["address"]))
            if first[0] != v["grid"]:
                err("grid", _("The same household number appears with another grid."))
                return
        else:
            if not (estate and building and room):
                key = "address" if "address" in self.index else (
                    "building" if "building" in self.index else "name")
                err(key, _("Cannot tell the household: write 户号 and 网格编号, or 小区, 楼栋 "
                           "and 房号 (also as one address such as 紫轩小区3栋2单元501)."),
                    v["address"] or "".join((estate, building, unit, room)))
                return
            known = (self.by_address.get("".join((estate, building, unit, room)))
                     or self.by_address.get(address_key(v["address"]) if v["address"] else ""))
            if building_hit:
                v["grid"] = self.grid_by_id[building_hit[1]].number
            elif known is not None and not v["grid"]:
                v["grid"] = known[1]
            elif not v["grid"]:
                key = "grid" if "grid" in self.index else "building"
                err(key, _("%(building)s of %(estate)s is a new building: add a 网格 column "
                           "with its grid number, or add the building on the places page "
                           "first.") % {"building": building, "estate": estate},
                    v["grid"] if key == "grid" else building)
                return
            if v["grid"] not in self.grids:
                err("grid", _("No grid with this number in the community."))
                return
            number = None
            if building_hit:
                number = self.by_place.get((building_hit[0], unit, room))
            if number is None and known is not None:
                number = known[0]
            v["household_number"] = number or household_number_for(estate, building, unit, room)
            if not v["address"]:
                v["address"] = "".join((estate, building, unit, room))
            first = self.households.setdefault(v["household_number"], (v["grid"], v["address"]))
            if first[0] != v["grid"]:
                err("grid", _("The same household appears with another grid."))
                return
        v["estate"], v["building"], v["unit"], v["room"] = estate, building, unit, room
        parsed.new_places = (estate, building, unit, v["household_number"], v["address"])

    def note_places(self, parsed: ParsedRow) -> None:
        """Count, for the preview, the places a good row's save would create."""
        if not parsed.new_places:
            return
        estate, building, unit, number, address = parsed.new_places
        if estate and building:
            if estate not in self.estates:
                self.new_estates.setdefault(estate, None)
            if (estate, building) not in self.buildings:
                self.new_buildings.setdefault((estate, building), None)
                if unit:
                    self.new_units.add((estate, building, unit))
            elif unit and (self.buildings[(estate, building)][0], unit) not in self.units:
                self.new_units.add((estate, building, unit))
        if number not in self.numbers and number not in self.new_households:
            self.new_households[number] = address

    def places(self) -> dict:
        cap = 200
        return {
            "estates": list(self.new_estates)[:cap],
            "estate_count": len(self.new_estates),
            "buildings": [f"{e} {b}" for e, b in list(self.new_buildings)[:cap]],
            "building_count": len(self.new_buildings),
            "units": len(self.new_units),
            "households": len(self.new_households),
            "household_examples": list(self.new_households.values())[:20],
        }

    def match(self, rows: list[ParsedRow]) -> dict[str, tuple[int, int]]:
        """Existing residents by hash for a chunk: {hash: (resident id, community id)}."""
        hashes = [r.hash for r in rows if r.hash]
        found = Resident.objects.filter(id_number_hash__in=hashes).values_list(
            "id_number_hash", "id", "household__community_id")
        existing = {h: (rid, cid) for h, rid, cid in found}
        for r in rows:
            hit = existing.get(r.hash)
            if hit and hit[1] != self.community.pk:
                r.errors.append({"column": self._column("id_number"), "value": "",
                                 "message": _("This person is registered in another "
                                              "community.")})
        for r in rows:
            if r.hash and not r.errors:
                self.good_hashes.add(r.hash)
        return existing

    def unresolved_guardians(self) -> list[tuple[int, str]]:
        """Guardians must be in this file (on a good row) or already in this community."""
        missing = [(row, h) for row, h in self.guardian_checks if h not in self.good_hashes]
        known = set()
        hashes = [h for _r, h in missing]
        for start in range(0, len(hashes), CHUNK):
            known.update(Resident.objects.filter(
                id_number_hash__in=hashes[start:start + CHUNK],
                household__community=self.community).values_list("id_number_hash", flat=True))
        return [(row, h) for row, h in missing if h not in known]

# --- Limits -------------------------------------------------------------------------------

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')


def _mb(size: int) -> int:
    return max(1, size // (1024 * 1024))


def xlsx_check_limits(handle) -> None:
    """Refuse, before openpyxl parses anything, a file over the size cap, a package that
    unpacks to more than the cap (declared sizes: zipfile will not read past them), or a
    worksheet whose declared dimension has more rows than the cap. A .xlsx is a zip of XML;
    a few hundred kilobytes can claim tens of millions of rows."""
    max_bytes = settings.REGISTRY_IMPORT_MAX_BYTES
    max_rows = settings.REGISTRY_IMPORT_MAX_ROWS
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    if size > max_bytes:
        raise ImportFailed(_("The file is too large: %(mb)d MB at most.") % {"mb": _mb(max_bytes)})
    try:
        with zipfile.ZipFile(handle) as package:
            members = package.infolist()
            unpacked = sum(m.file_size for m in members)
            if unpacked > settings.REGISTRY_IMPORT_MAX_UNPACKED_BYTES:
                raise ImportFailed(_("The file unpacks to more than %(mb)d MB; split it into "
                                     "smaller files.")
                                   % {"mb": _mb(settings.REGISTRY_IMPORT_MAX_UNPACKED_BYTES)})
            for member in members:
                if not (member.filename.startswith("xl/worksheets/")
                        and member.filename.endswith(".xml")):
                    continue
                with package.open(member) as sheet:
                    head = sheet.read(64 * 1024)
                found = _DIMENSION.search(head)
                if found and found.group(1) and int(found.group(1)) - 1 > max_rows:
                    raise ImportFailed(_too_many_rows())
    except zipfile.BadZipFile:
        raise ImportFailed(_("The file could not be read as .xlsx.")) from None
    finally:
        handle.seek(0)


def _too_many_rows() -> str:
    return _("The sheet has more than %(rows)s rows; split it into smaller files.") % {
        "rows": f"{settings.REGISTRY_IMPORT_MAX_ROWS:,}"}


# --- Reading the file ------------------------------------------------------------------------

def _open_sheet(job: ImportJob):
    """(handle, roster.Sheet) of the stored file; ImportFailed with the reason otherwise."""
    handle = default_storage.open(job.storage_name, "rb")
    try:
        if job.storage_name.lower().endswith(".xlsx"):
            xlsx_check_limits(handle)
        sheet = roster.open_sheet(handle, job.storage_name,
                                  max_rows=settings.REGISTRY_IMPORT_MAX_ROWS)
    except roster.RosterError as exc:
        handle.close()
        raise ImportFailed(exc.message) from None
    except ImportFailed:
        handle.close()
        raise
    except Exception:  # a damaged file the reader did not name
        handle.close()
        logger.exception("import %s: cannot open", job.pk)
        raise ImportFailed(_("The file could not be read as an Excel workbook (.xlsx or "
                             ".xls).")) from None
    return handle, sheet


def _rows(sheet) -> Iterator[tuple[int, list]]:
    """The sheet's non-blank rows after the header, stopping with ImportFailed past the
    row cap (a sheet lying about its size is not read to its end)."""
    last = sheet.header_row + settings.REGISTRY_IMPORT_MAX_ROWS
    rows = iter(sheet.rows)
    while True:
        try:
            number, cells = next(rows)
        except StopIteration:
            return
        except roster.RosterError as exc:
            raise ImportFailed(exc.message) from None
        if number > last:
            raise ImportFailed(_too_many_rows())
        yield number, cells


def _chunks(sheet, size: int | None = None) -> Iterator[list[tuple[int, list]]]:
    rows = _rows(sheet)
    while chunk := list(islice(rows, size or CHUNK)):
        yield chunk


# --- Jobs -------------------------------------------------------------------------------

def import_job_create(*, community: Community, actor, upload) -> ImportJob:
    """Store the upload and queue the reading. Not atomic on purpose: the job row must exist
    (committed) before the background worker looks for it."""
    require(policies.can_import(actor, community.pk),
            _("Only staff of this community may import its residents."))
    name = (upload.name or "").lower()
    if not name.endswith((".xlsx", ".xls")):
        raise ValidationError(_("Upload the roster as an Excel file (.xlsx or .xls)."),
                              field="file")
    suffix = ".xls" if name.endswith(".xls") else ".xlsx"
    # Checked before anything is stored: a refused file leaves nothing behind.
    try:
        if suffix == ".xlsx":
            xlsx_check_limits(upload)
        else:
            _check_size(upload)
    except ImportFailed as exc:
        raise ValidationError(exc.message, field="file") from None
    job = ImportJob(community=community, created_by=actor, file_name=upload.name[:255])
    job.storage_name = default_storage.save(f"registry/imports/{job.uuid}{suffix}", upload)
    job.save()
    import_read_task(job.pk)
    return job


def _check_size(handle) -> None:
    max_bytes = settings.REGISTRY_IMPORT_MAX_BYTES
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    if size > max_bytes:
        raise ImportFailed(_("The file is too large: %(mb)d MB at most.") % {"mb": _mb(max_bytes)})


def _profile(community_id: int) -> ImportProfile | None:
    return ImportProfile.objects.filter(community_id=community_id).first()


def import_read(job_id: int) -> ImportJob:
    """Find the header; store each column's heading, samples and distinct values and Linli's
    guess of its meaning → MAPPING (or FAILED with the reason)."""
    job = ImportJob.objects.get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.READING, processed_rows=0)
    try:
        handle, sheet = _open_sheet(job)
    except ImportFailed as exc:
        return _fail(job, exc.message)
    headings = list(sheet.headings)
    profile = _profile(job.community_id)
    mapping = roster.guess_mapping(headings, profile.columns if profile else None)
    tag_column = mapping.index("tags") if "tags" in mapping else None
    width = len(headings)
    samples: list[list[str]] = [[] for _h in headings]
    distinct: list[dict[str, None]] = [{} for _h in headings]
    tag_parts: dict[str, None] = {}
    total = 0
    ImportJob.objects.filter(pk=job.pk).update(total_rows=sheet.total_estimate)
    try:
        for chunk in _chunks(sheet):
            for _n, cells in chunk:
                if roster.is_totals_row(cells):
                    continue
                total += 1
                for i, cell in enumerate(cells[:width]):
                    if cell is None or cell == "":
                        continue
                    seen = distinct[i]
                    if len(seen) >= DISTINCT_CAP and len(samples[i]) >= SAMPLES \
                            and i != tag_column:
                        continue
                    text = masked_text(_text(cell))
                    if not text:
                        continue
                    if len(samples[i]) < SAMPLES and text[:40] not in samples[i]:
                        samples[i].append(text[:40])
                    if len(seen) < DISTINCT_CAP:
                        seen.setdefault(text[:64], None)
                    if i == tag_column and len(tag_parts) < DISTINCT_CAP:
                        for part in roster.split_tags(text):
                            tag_parts.setdefault(part, None)
            ImportJob.objects.filter(pk=job.pk).update(
                processed_rows=total, total_rows=max(sheet.total_estimate, total))
    except ImportFailed as exc:
        return _fail(job, exc.message)
    finally:
        handle.close()
    if not total:
        return _fail(job, _("The file has no data rows."))
    stored = {str(i): list(d) for i, d in enumerate(distinct)}
    if tag_column is not None:
        stored["tags_parts"] = list(tag_parts)
        stored["tags_column"] = tag_column
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.MAPPING, header_row=sheet.header_row,
        columns=[{"heading": h, "samples": samples[i]} for i, h in enumerate(headings)],
        distinct=stored, mapping=mapping, mapping_confirmed=False,
        processed_rows=total, total_rows=total, message="")
    return ImportJob.objects.get(pk=job.pk)


# --- Mapping ------------------------------------------------------------------------------

def _mapping_from(job: ImportJob, columns: dict) -> list[str | None]:
    """The full mapping (one key or None per column): Linli's guess, changed by `columns`
    ({column index: field key, or None/"" to ignore the column}); checked."""
    width = len(job.columns)
    mapping = list(job.mapping) + [None] * (width - len(job.mapping))
    for index, key in (columns or {}).items():
        try:
            i = int(index)
        except (TypeError, ValueError):
            raise ValidationError(_("Unknown column %(col)s.") % {"col": index},
                                  field="columns") from None
        if not 0 <= i < width:
            raise ValidationError(_("Unknown column %(col)s.") % {"col": index},
                                  field="columns")
        if key and key not in FIELD_LABELS:
            raise ValidationError(_("Unknown field “%(key)s”.") % {"key": key},
                                  field="columns")
        mapping[i] = key or None
    headings = [c.get("heading", "") for c in job.columns]
    seen: dict[str, int] = {}
    for i, key in enumerate(mapping):
        if not key:
            continue
        if key in seen:
            raise ValidationError(
                _("The columns “%(a)s” and “%(b)s” are both mapped to %(field)s: ignore one "
                  "of them.") % {"a": headings[seen[key]], "b": headings[i],
                                 "field": FIELD_LABELS[key]}, field="columns")
        seen[key] = i
    for key in ("name", "id_number"):
        if key not in seen:
            raise ValidationError(
                _("No column is mapped to %(field)s: choose the column that holds it.")
                % {"field": FIELD_LABELS[key]}, field="columns")
    by_number = "household_number" in seen and ("grid" in seen or (
        "estate" in seen and "building" in seen))
    by_place = "address" in seen or ("estate" in seen and "building" in seen
                                     and "room" in seen)
    if not (by_number or by_place):
        raise ValidationError(
            _("Households need either 户号 and 网格编号, or an address (one 地址 column, or "
              "小区, 楼栋 and 房号): map those columns."), field="columns")
    return mapping


def _can_manage(actor, job: ImportJob) -> None:
    require(policies.can_manage_import(actor, job),
            _("Only staff of the import's community may change or save it."))


def import_columns_set(*, job: ImportJob, actor, columns: dict) -> ImportJob:
    """The column step alone (pages): the mapping is kept on the job; values come next."""
    _can_manage(actor, job)
    if job.status not in (ImportStatus.MAPPING, ImportStatus.CHECKED):
        raise Conflict(_("This import is not waiting for its mapping."))
    mapping = _mapping_from(job, columns)
    ImportJob.objects.filter(pk=job.pk).update(mapping=mapping, mapping_confirmed=True)
    job.refresh_from_db()
    return job


def _tag_names(job: ImportJob) -> set[str]:
    return set(Tag.objects.filter(street_id=job.community.street_id).values_list(
        "name", flat=True))


def _clean_values(job: ImportJob, values: dict) -> dict[str, dict[str, str]]:
    tags = None
    clean: dict[str, dict[str, str]] = {}
    for kind, chosen in (values or {}).items():
        if kind not in VALUE_KINDS or not isinstance(chosen, dict):
            raise ValidationError(_("Unknown kind of value “%(kind)s”.") % {"kind": kind},
                                  field="values")
        allowed = VALUE_KINDS[kind]
        out = {}
        for written, code in chosen.items():
            written = roster.fold(written)
            code = roster.fold(code) if code is not None else ""
            if not written:
                continue
            if kind == "tags":
                tags = tags if tags is not None else _tag_names(job)
                if code not in ("", NEW_TAG) and code not in tags:
                    raise ValidationError(
                        _("“%(value)s”: no tag named “%(code)s”; choose an existing tag, "
                          "create a new one or ignore it.") % {"value": written, "code": code},
                        field="values")
                if code == NEW_TAG and len(written) > 16:
                    raise ValidationError(
                        _("“%(value)s” is too long for a tag name (16 characters at most).")
                        % {"value": written}, field="values")
            elif code and code not in allowed:
                raise ValidationError(
                    _("“%(value)s”: “%(code)s” is not one of the values of %(field)s.")
                    % {"value": written, "code": code, "field": FIELD_LABELS[kind]},
                    field="values")
            out[written] = code
        clean[kind] = out
    return clean


def import_mapping_set(*, job: ImportJob, actor, columns: dict, values: dict,
                       sensitive_basis: str = "", mode: str = ImportMode.ALL) -> ImportJob:
    """Confirm which column is which, what the written values mean, the batch's basis for
    health and disability details and the save mode; remember them for the community and
    queue the check."""
    _can_manage(actor, job)
    if job.status not in (ImportStatus.MAPPING, ImportStatus.CHECKED):
        raise Conflict(_("This import is not waiting for its mapping."))
    mapping = _mapping_from(job, columns)
    clean = _clean_values(job, values)
    if sensitive_basis not in (SensitiveBasis.NONE, SensitiveBasis.CONSENT,
                               SensitiveBasis.LEGAL_DUTY):
        raise ValidationError(_("Choose the basis from the list."), field="sensitive_basis")
    if mode not in ImportMode.values:
        raise ValidationError(_("Choose how to save from the list."), field="mode")
    with transaction.atomic():
        updated = ImportJob.objects.filter(
            pk=job.pk, status__in=[ImportStatus.MAPPING, ImportStatus.CHECKED]).update(
            mapping=mapping, mapping_confirmed=True, values=clean,
            sensitive_basis=sensitive_basis, mode=mode, status=ImportStatus.CHECKING,
            processed_rows=0, message="")
        if updated != 1:
            raise Conflict(_("This import is not waiting for its mapping."))
        profile, _c = ImportProfile.objects.select_for_update().get_or_create(
            community_id=job.community_id)
        for column, key in zip(job.columns, mapping, strict=False):
            if column.get("heading"):
                profile.columns[column["heading"]] = key or ""
        for kind, chosen in clean.items():
            profile.values.setdefault(kind, {}).update(chosen)
        profile.save()
    import_check_task(job.pk)
    job.refresh_from_db()
    return job


def import_value_choices(*, job: ImportJob) -> dict[str, list[dict]]:
    """For the value step: per kind mapped to a column, the values written in the file with
    the current choice (this job's, then the community's remembered one, then Linli's guess;
    None when unknown). Unknown tags are offered as new tags."""
    profile = _profile(job.community_id)
    remembered = profile.values if profile else {}
    chosen = job.values or {}
    tags = sorted(_tag_names(job))
    out: dict[str, list[dict]] = {}
    for kind in VALUE_KINDS:
        if kind not in job.mapping:
            continue
        column = job.mapping.index(kind)
        if kind == "tags":
            if job.distinct.get("tags_column") == column:
                written = job.distinct.get("tags_parts", [])
            else:
                written = list(dict.fromkeys(
                    p for t in job.distinct.get(str(column), []) for p in roster.split_tags(t)))
        else:
            written = job.distinct.get(str(column), [])
        entries = []
        for text in written:
            guess = (chosen.get(kind) or {}).get(text)
            if guess is None:
                guess = (remembered.get(kind) or {}).get(text)
            if guess is None and kind == "tags":
                if text in tags:
                    guess = text
                else:
                    near = [t for t in tags if t in text or text in t]
                    guess = near[0] if len(near) == 1 else NEW_TAG
            elif guess is None:
                guess = roster.map_choice(kind, text)
            entries.append({"value": text, "choice": guess})
        out[kind] = entries
    return out


# --- Check ----------------------------------------------------------------------------------

def _progress_key(job_id: int) -> str:
    return f"registry-import-progress-{job_id}"


def commit_progress(job: ImportJob) -> int:
    from huey.contrib.djhuey import HUEY

    value = HUEY.get(_progress_key(job.pk), peek=True)
    return int(value or 0)


def _skipped_row(job: ImportJob, number: int, cells) -> dict:
    label = next((_text(c) for c in cells if c not in (None, "")), "")
    return {"job_id": job.pk, "row": number, "label": label[:64], "name": "",
            "outcome": RowOutcome.SKIPPED, "errors": [],
            "warnings": [{"column": "", "value": label[:100],
                          "message": _("A totals row: skipped.")}]}


def import_check(job_id: int) -> ImportJob:
    """Check every row against the job's mapping. A job never read (a file stored by a
    script) is read first and checked with Linli's guess."""
    job = ImportJob.objects.select_related("community").get(pk=job_id)
    if not job.columns:
        job = import_read(job.pk)
        if job.status != ImportStatus.MAPPING:
            return job
        job = ImportJob.objects.select_related("community").get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKING, processed_rows=0)
    ImportRow.objects.filter(job=job).delete()
    try:
        handle, sheet = _open_sheet(job)
    except ImportFailed as exc:
        return _fail(job, exc.message)
    if len(sheet.headings) != len(job.columns):
        handle.close()
        return _fail(job, _("The file's columns changed since it was read; upload it again."))
    checker = Checker(job.community, job)
    counts = {RowOutcome.CREATE: 0, RowOutcome.UPDATE: 0, RowOutcome.ERROR: 0,
              RowOutcome.SKIPPED: 0}
    warned = processed = 0
    row_writer = _Writer(ImportRow, _fields_of(ImportRow))
    try:
        for chunk in _chunks(sheet):
            results, parsed = [], []
            for number, cells in chunk:
                if roster.is_totals_row(cells):
                    results.append(_skipped_row(job, number, cells))
                    continue
                parsed.append(checker.parse(number, cells))
            existing = checker.match(parsed)
            for p in parsed:
                if p.errors:
                    outcome = RowOutcome.ERROR
                elif p.hash in existing:
                    outcome = RowOutcome.UPDATE
                else:
                    outcome = RowOutcome.CREATE
                if not p.errors:
                    checker.note_places(p)
                warned += bool(p.warnings)
                results.append({"job_id": job.pk, "row": p.row, "label": p.label,
                                "outcome": outcome, "name": p.values["name"][:64],
                                "errors": p.errors, "warnings": p.warnings})
            for r in results:
                counts[r["outcome"]] += 1
            row_writer.insert(results)
            processed += len(chunk)
            ImportJob.objects.filter(pk=job.pk).update(
                processed_rows=processed, total_rows=max(job.total_rows, processed))
        unresolved = dict(checker.unresolved_guardians())
        for item in ImportRow.objects.filter(job=job, row__in=list(unresolved)):
            if item.outcome != RowOutcome.ERROR:
                counts[item.outcome] -= 1
                counts[RowOutcome.ERROR] += 1
            item.outcome = RowOutcome.ERROR
            item.errors = [*item.errors, {
                "column": checker._column("guardian_id"), "value": "", "message": _(
                    "The guardian is neither in this file (on a row without errors) nor "
                    "registered in this community.")}]
            item.save(update_fields=["outcome", "errors"])
    except ImportFailed as exc:  # past the row cap
        failed = exc
    else:
        failed = None
    finally:
        handle.close()
    if failed is not None:
        ImportRow.objects.filter(job=job).delete()
        return _fail(job, failed.message)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.CHECKED, processed_rows=processed, total_rows=processed,
        create_count=counts[RowOutcome.CREATE], update_count=counts[RowOutcome.UPDATE],
        error_count=counts[RowOutcome.ERROR], warning_count=warned,
        skipped_count=counts[RowOutcome.SKIPPED] + sheet.skipped_blank,
        places=checker.places(),
        message="" if processed else _("The file has no data rows."),
    )
    return ImportJob.objects.get(pk=job.pk)


def _fail(job: ImportJob, message: str) -> ImportJob:
    """Mark the job failed and delete its file: a failed upload is not kept."""
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED, message=message[:255])
    _delete_upload(job)
    return ImportJob.objects.get(pk=job.pk)


def _delete_upload(job: ImportJob) -> None:
    try:
        default_storage.delete(job.storage_name)
    except OSError:
        logger.warning("import %s: could not delete %s", job.pk, job.storage_name)


# --- Commit -----------------------------------------------------------------------------------

def import_commit_request(*, job: ImportJob, actor, confirm_places: bool = False) -> None:
    """Queue the save. Mode "all": refused while any row has an error. When the save creates
    estates, buildings or households, staff must confirm it (`confirm_places`)."""
    require(policies.can_commit_import(actor, job),
            _("Only staff of the import's community may save it."))
    if job.status != ImportStatus.CHECKED:
        raise Conflict(_("This import is not ready to be saved."))
    if job.error_count and job.mode == ImportMode.ALL:
        raise Conflict(_("Fix the rows with errors and upload the file again, or choose to "
                         "save only the good rows."))
    if not (job.create_count or job.update_count):
        raise Conflict(_("No row can be saved."))
    if job.creates_places and not confirm_places:
        places = job.places
        raise ValidationError(
            _("Saving creates %(estates)s estates, %(buildings)s buildings and %(households)s "
              "households: confirm that they should be created.")
            % {"estates": places.get("estate_count", 0),
               "buildings": places.get("building_count", 0),
               "households": places.get("households", 0)}, field="confirm_places")
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).update(
        status=ImportStatus.COMMITTING)
    if updated != 1:
        raise Conflict(_("This import is not ready to be saved."))
    import_commit_task(job.pk, actor.pk)


# --- Batched writes ------------------------------------------------------------------------
# Django's bulk_create builds a model instance per row and prepares every value through the
# field's layers; for 100,000 wide rows (and as many history rows) that is most of the save.
# These write plain values with one executemany per table and chunk: text, numbers, booleans
# and foreign keys go as they are (both databases take them), dates, times, UUIDs and JSON
# are prepared by their field's get_db_prep_save, as Django would.

_AS_IS = frozenset({"CharField", "TextField", "BooleanField", "ForeignKey", "OneToOneField",
                    "IntegerField", "BigIntegerField", "PositiveIntegerField",
                    "PositiveSmallIntegerField", "SmallIntegerField"})
_HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type",
                    "history_user_id")


class _Writer:
    """INSERT of rows given as {attname: value} into one model's table."""

    def __init__(self, model, attnames: list[str]):
        fields = [model._meta.get_field(a) for a in attnames]
        assert [f.attname for f in fields] == attnames
        self.attnames = attnames
        self.preps = [None if f.get_internal_type() in _AS_IS else f.get_db_prep_save
                      for f in fields]
        # Dates and times repeat (one "now" per chunk, birth dates): prepared once each.
        self.cached = [f.get_internal_type() in ("DateField", "DateTimeField") for f in fields]
        qn = connection.ops.quote_name
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(
            qn(model._meta.db_table), ", ".join(qn(f.column) for f in fields),
            ", ".join(["%s"] * len(fields)))

    def params(self, rows: list[dict]) -> list[tuple]:
        columns = []
        for attname, prep, cached in zip(self.attnames, self.preps, self.cached, strict=True):
            values = [row[attname] for row in rows]
            if prep is not None:
                if cached:
                    done = {v: (v if v is None else prep(v, connection)) for v in set(values)}
                    values = [done[v] for v in values]
                else:
                    values = [v if v is None else prep(v, connection) for v in values]
            columns.append(values)
        return list(zip(*columns, strict=True))

    def insert(self, rows: list[dict]) -> None:
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, self.params(rows))


def _fields_of(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if not f.primary_key]


class _NewRows:
    """New rows of a model as {attname: value}, with what Model() and save() would fill in:
    static defaults, callable defaults (uuid, created_at, door tokens) called per row, and
    auto_now / auto_now_add fields set to `now`."""

    def __init__(self, model, now: datetime):
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.static, self.called, self.now = {}, [], {}
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.now[f.attname] = now
            elif f.has_default() and callable(f.default):
                self.called.append((f.attname, f.default))
            else:
                self.static[f.attname] = f.get_default()

    def __call__(self, values: dict) -> dict:
        row = {**self.static, **{a: make() for a, make in self.called}, **self.now}
        row.update(values)
        return row


class _HistoryWriter(_Writer):
    """History rows with the content simple_history's bulk_history_create gives them: every
    tracked field, history_type "+" or "~", the date, the user and the change reason."""

    def __init__(self, model):
        history = model.history.model
        self.tracked = [f.attname for f in history.tracked_fields]
        super().__init__(history, [*self.tracked, *_HISTORY_COLUMNS])

    def write(self, rows: list[dict], *, history_type: str, user, reason) -> None:
        extra = {"history_date": timezone.now(), "history_change_reason": reason,
                 "history_type": history_type, "history_user_id": user.pk if user else None}
        self.insert([{**row, **extra} for row in rows])

    def write_instances(self, objs, **kwargs) -> None:
        self.write([{a: getattr(o, a) for a in self.tracked} for o in objs], **kwargs)


class _Places:
    """Estates, buildings and units met so far (created on first sight)."""

    def __init__(self, community: Community):
        self.community = community
        self.estates: dict[str, Estate] = {}
        self.buildings: dict[tuple[str, str], Building] = {}
        self.units: dict[tuple[int, str], Unit] = {}

    def building(self, v: dict, grid: Grid) -> Building | None:
        if not v["estate"] or not v["building"]:
            return None
        estate = self.estates.get(v["estate"])
        if estate is None:
            estate, _c = Estate.objects.get_or_create(community=self.community,
                                                      name=v["estate"][:64])
            self.estates[v["estate"]] = estate
        key = (v["estate"], v["building"])
        building = self.buildings.get(key)
        if building is None:
            building, _c = Building.objects.get_or_create(
                estate=estate, name=v["building"][:32],
                defaults={"grid": grid, "address": v["address"][:255]})
            self.buildings[key] = building
        return building

    def unit(self, building: Building | None, name: str) -> Unit | None:
        if building is None or not name:
            return None
        key = (building.pk, name)
        unit = self.units.get(key)
        if unit is None:
            unit, _c = Unit.objects.get_or_create(building=building, name=name[:16])
            self.units[key] = unit
        return unit


def _new_tags(job: ImportJob) -> None:
    """Tags staff chose to create ("+new") exist before the rows are saved."""
    wanted = [name for name, code in (job.values.get("tags") or {}).items() if code == NEW_TAG]
    existing = set(Tag.objects.filter(street_id=job.community.street_id, name__in=wanted)
                   .values_list("name", flat=True))
    order = Tag.objects.filter(street_id=job.community.street_id).count()
    for name in wanted:
        if name[:16] not in existing:
            order += 1
            Tag.objects.get_or_create(street_id=job.community.street_id, name=name[:16],
                                      defaults={"sensitive": tag_is_sensitive(name),
                                                "order": order})


def _describe(p: ParsedRow) -> str:
    first = p.errors[0]
    return _("Row %(row)s: %(column)s — %(message)s") % {
        "row": p.label or p.row, "column": first["column"], "message": first["message"]}


class _Saver:
    """Writes the good rows of one import, chunk by chunk, in the commit's transaction:
    households first (new ones created, changed ones updated), then residents (matched on
    the ID number's keyed hash), their tags and the heads of household."""

    def __init__(self, community: Community, user, checker: Checker):
        self.community, self.user, self.checker = community, user, checker
        self.now = timezone.now()
        self.places = _Places(community)
        # number -> [pk, grid_id, address, building_id, unit_id, room, head_id]; plain values
        # rather than model instances keep memory flat on very large files.
        self.households: dict[str, list] = {
            row[0]: list(row[1:]) for row in Household.objects.filter(community=community)
            .values_list("number", "id", "grid_id", "address", "building_id", "unit_id",
                         "room", "head_id").iterator(chunk_size=2000)
        }
        self.guardian_links: list[tuple[str, str]] = []
        self.resident_writer = _Writer(Resident, _fields_of(Resident))
        self.new_resident = _NewRows(Resident, self.now)
        self.household_writer = _Writer(Household, _fields_of(Household))
        self.resident_history = _HistoryWriter(Resident)
        self.household_history = _HistoryWriter(Household)
        self.new_household = _NewRows(Household, self.now)
        self.through = Resident.tags.through
        self.tag_writer = _Writer(self.through, ["resident_id", "tag_id"])
        qn = connection.ops.quote_name
        self.head_sql = "UPDATE {} SET {} = %s WHERE {} = %s".format(
            qn(Household._meta.db_table), qn("head_id"), qn("id"))

    def save(self, parsed: list[ParsedRow], existing: dict) -> tuple[int, int]:
        """Save one chunk's good rows; returns (created, updated)."""
        self._households(parsed)
        by_hash, creates, updates = self._residents(parsed, existing)
        self._tags_and_heads(by_hash, updates)
        return len(creates), len(updates)

    def _households(self, parsed: list[ParsedRow]) -> None:
        community, households = self.community, self.households
        new_households: dict[str, dict] = {}
        changed: dict[int, tuple] = {}
        for p in parsed:
            v = p.values
            grid = self.checker.grids[v["grid"]]
            building = self.places.building(v, grid)
            unit = self.places.unit(building, v["unit"])
            want = (grid.pk, v["address"][:rules.ADDRESS_MAX], building and building.pk,
                    unit and unit.pk, v["room"][:16])
            entry = households.get(v["household_number"])
            if entry is None and v["household_number"] not in new_households:
                new_households[v["household_number"]] = self.new_household({
                    "community_id": community.pk, "grid_id": grid.pk,
                    "number": v["household_number"], "address": want[1],
                    "building_id": want[2], "unit_id": want[3], "room": want[4]})
            elif entry is not None and tuple(entry[1:6]) != want:
                changed[entry[0]] = want
                entry[1:6] = list(want)
        if new_households:
            rows = list(new_households.values())
            self.household_writer.insert(rows)
            ids = dict(Household.objects.filter(
                community=community, number__in=list(new_households)
            ).values_list("number", "id"))
            for h in rows:
                h["id"] = ids[h["number"]]
                households[h["number"]] = [h["id"], h["grid_id"], h["address"],
                                           h["building_id"], h["unit_id"], h["room"], None]
            self.household_history.write(rows, history_type="+", user=self.user, reason=None)
        if changed:
            objs = list(Household.objects.filter(pk__in=list(changed)))
            for h in objs:
                (h.grid_id, h.address, h.building_id, h.unit_id, h.room) = changed[h.pk]
            bulk_update_with_history(objs, Household,
                                     ["grid", "address", "building", "unit", "room"],
                                     default_user=self.user)

    def _fields(self, p: ParsedRow) -> dict:
        """A checked row's resident columns as stored."""
        v = p.values
        fields = {
            "name": v["name"][:rules.NAME_MAX], "gender": v["gender"],
            "birth_date": v["birth_date"], "mobile": v["mobile"],
            "ethnicity": rules.ethnicity(v["ethnicity"]),
            "political_status": v["political_status"],
            "residence_type": v["residence_type"], "relation": v["relation"],
            # A roster writes the date of a moving-out or a death; the date is the flag.
            "moved_out": bool(v["moved_out_on"]), "moved_out_on": v["moved_out_on"],
            "deceased": bool(v["deceased_on"]), "deceased_on": v["deceased_on"],
            "sensitive_basis": v["sensitive_basis"],
            "sensitive_basis_note": rules.basis_note(v["sensitive_basis_note"]),
            "household_id": self.households[v["household_number"]][0],
            "updated_at": self.now,
            **protect_id_number(v["id_number"]),
        }
        fields["name_pinyin"], fields["name_initials"] = name_pinyin(fields["name"])
        return fields

    def _residents(self, parsed: list[ParsedRow], existing: dict):
        """Creates and updates; updates load the full row so that the history records the
        real previous values. Returns ({hash: [id, relation, row]}, creates, updates)."""
        current = Resident.objects.in_bulk([existing[p.hash][0] for p in parsed
                                            if p.hash in existing])
        creates, updates, update_fields, by_hash = [], [], [], {}
        new_rows: list[tuple[dict, ParsedRow]] = []
        for p in parsed:
            fields = self._fields(p)
            hit = existing.get(p.hash)
            if hit:
                r = current[hit[0]]
                if r.health_note and not fields["sensitive_basis"]:
                    # The file has no health column: keep the basis for what is held.
                    fields["sensitive_basis"] = r.sensitive_basis
                    fields["sensitive_basis_note"] = r.sensitive_basis_note
                for key, value in fields.items():
                    setattr(r, key, value)
                updates.append(r)
                update_fields.append(fields)
                by_hash[p.hash] = [r.pk, fields["relation"], p]
            else:
                row = self.new_resident(fields)
                creates.append(row)
                new_rows.append((row, p))
                by_hash[p.hash] = [None, fields["relation"], p]  # id once written
            if p.guardian_hash:
                self.guardian_links.append((p.hash, p.guardian_hash))
        if creates:
            # One executemany for the residents; their ids are read back by the hash
            # (unique), then their history rows are written the same way.
            self.resident_writer.insert(creates)
            ids = dict(Resident.objects.filter(
                id_number_hash__in=[r["id_number_hash"] for r in creates]
            ).values_list("id_number_hash", "id"))
            for row, p in new_rows:
                row["id"] = by_hash[p.hash][0] = ids[row["id_number_hash"]]
            self.resident_history.write(creates, history_type="+", user=self.user,
                                        reason=None)
        if updates:
            self._update(updates, update_fields)
        return by_hash, creates, updates

    def _update(self, updates: list[Resident], update_fields: list[dict]) -> None:
        # One UPDATE statement run for every row (executemany): Django's bulk_update builds
        # a CASE per column and row, slow for wide rows.
        qn = connection.ops.quote_name
        keys = list(update_fields[0])
        updater = _Writer(Resident, [*keys, "id"])
        sql = "UPDATE {} SET {} WHERE {} = %s".format(
            qn(Resident._meta.db_table),
            ", ".join(f"{qn(Resident._meta.get_field(k).column)} = %s" for k in keys),
            qn("id"))
        with connection.cursor() as cursor:
            cursor.executemany(sql, updater.params(
                [{**fields, "id": r.pk} for r, fields in zip(updates, update_fields,
                                                             strict=True)]))
        self.resident_history.write_instances(updates, history_type="~", user=self.user,
                                              reason="")

    def _tags_and_heads(self, by_hash: dict, updates: list[Resident]) -> None:
        """Tags replace the previous ones; heads of household follow the relation column."""
        self.through.objects.filter(resident_id__in=[r.pk for r in updates]).delete()
        self.tag_writer.insert([
            {"resident_id": pk, "tag_id": self.checker.tags[name].pk}
            for pk, _relation, p in by_hash.values() for name in p.tags
        ])
        heads = []
        for pk, relation, p in by_hash.values():
            entry = self.households[p.values["household_number"]]
            if relation == "head" and entry[6] != pk:
                entry[6] = pk
                heads.append((pk, entry[0]))
        if heads:
            with connection.cursor() as cursor:
                cursor.executemany(self.head_sql, heads)


def _commit(job: ImportJob, user) -> dict:
    from huey.contrib.djhuey import HUEY

    community = job.community
    partial = job.mode == ImportMode.PARTIAL
    _new_tags(job)
    handle, sheet = _open_sheet(job)
    checker = Checker(community, job)
    saver = _Saver(community, user, checker)
    bad_rows = set(ImportRow.objects.filter(job=job, outcome=RowOutcome.ERROR).values_list(
        "row", flat=True)) if partial else set()
    counts = {"create": 0, "update": 0, "batch_basis": 0, "newly_bad": []}
    saved_rows: set[int] = set()
    processed = 0
    try:
        for chunk in _chunks(sheet):
            # Every row is checked again: the file, the records and the tags may have
            # changed since the check, and nothing invalid is ever saved.
            parsed = [checker.parse(n, cells) for n, cells in chunk
                      if not roster.is_totals_row(cells)]
            existing = checker.match(parsed)
            if not partial:
                bad = next((p for p in parsed if p.errors), None)
                if bad is not None:
                    raise ImportFailed(_describe(bad))
            else:
                counts["newly_bad"].extend(p for p in parsed
                                           if p.errors and p.row not in bad_rows)
                parsed = [p for p in parsed if not p.errors and p.row not in bad_rows]
            saved_rows.update(p.row for p in parsed)
            counts["batch_basis"] += sum(p.batch_basis for p in parsed)
            created, updated = saver.save(parsed, existing)
            counts["create"] += created
            counts["update"] += updated
            processed += len(chunk)
            HUEY.put(_progress_key(job.pk), processed)
        missing = [(row, h) for row, h in checker.unresolved_guardians() if row in saved_rows]
        if missing:
            raise ImportFailed(_("Row %(row)s: the guardian is neither in this file nor "
                                 "registered in this community.") % {"row": missing[0][0]})
        _link_guardians(saver.guardian_links, community)
    finally:
        handle.close()
    if job.sensitive_basis:
        from linli.common.audit import audit_record

        audit_record(action=AUDIT_ACTION, actor=user, obj=job, field="sensitive_basis",
                     reason=_("Batch basis %(basis)s declared for %(rows)s rows of %(file)s")
                     % {"basis": BASIS_LABEL.get(job.sensitive_basis, job.sensitive_basis),
                        "rows": counts["batch_basis"], "file": job.file_name},
                     street_id=job.community.street_id)
    return counts


def _link_guardians(links: list[tuple[str, str]], community: Community) -> None:
    for start in range(0, len(links), CHUNK):
        part = links[start:start + CHUNK]
        hashes = {h for pair in part for h in pair}
        found = {h: (rid, born) for h, rid, born in Resident.objects.filter(
            id_number_hash__in=hashes).values_list("id_number_hash", "id", "birth_date")}
        today = timezone.localdate()
        updates = []
        for child_hash, guardian_hash in part:
            child, guardian = found.get(child_hash), found.get(guardian_hash)
            if guardian is None or child is None or child == guardian:
                raise ImportFailed(_("A guardian could not be linked."))
            try:
                rules.guardian_adult(guardian[1], today=today)
            except ValidationError as exc:
                raise ImportFailed(exc.message) from None
            updates.append(Resident(pk=child[0], guardian_id=guardian[0]))
        Resident.objects.bulk_update(updates, ["guardian"])


def import_commit(job_id: int, user_id: int | None = None) -> ImportJob:
    from huey.contrib.djhuey import HUEY

    from linli.accounts.models import User

    job = ImportJob.objects.select_related("community").get(pk=job_id)
    user = User.objects.filter(pk=user_id).first() if user_id else None
    HUEY.put(_progress_key(job.pk), 0)
    try:
        with transaction.atomic():
            counts = _commit(job, user)
    except ImportFailed as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            message=(_("Nothing was saved. ") + exc.message)[:255])
        _delete_upload(job)
    except Exception:
        logger.exception("import %s: commit failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            message=_("Nothing was saved: an unexpected error occurred."))
        _delete_upload(job)
    else:
        newly_bad = counts["newly_bad"]
        for p in newly_bad:  # changed since the check (partial mode): kept for the workbook
            ImportRow.objects.filter(job=job, row=p.row).update(
                outcome=RowOutcome.ERROR, errors=p.errors)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.DONE, processed_rows=job.total_rows,
            create_count=counts["create"], update_count=counts["update"],
            error_count=job.error_count + len(newly_bad), finished_at=timezone.now())
    finally:
        HUEY.delete(_progress_key(job.pk))
    return ImportJob.objects.get(pk=job.pk)


# --- The bad rows, to fix and import again ----------------------------------------------------

def _problems(errors: list) -> str:
    return "；".join(f"{e.get('column', '')}{'“' + e['value'] + '”' if e.get('value') else ''}："
                    f"{e.get('message', '')}" for e in errors)


def import_error_workbook(*, job: ImportJob, actor) -> bytes:
    """The rows with errors as the file had them (its own headings and cells) plus a 问题
    column with every message of the row: fix them and import the workbook again."""
    _can_manage(actor, job)
    if job.status not in (ImportStatus.CHECKED, ImportStatus.DONE) or not job.error_count:
        raise Conflict(_("This import has no rows with errors to download."))
    problems = dict(ImportRow.objects.filter(job=job, outcome=RowOutcome.ERROR).values_list(
        "row", "errors"))
    try:
        handle, sheet = _open_sheet(job)
    except ImportFailed as exc:
        raise Conflict(exc.message) from None
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("有问题的行")
    headings = list(sheet.headings)
    ws.append(safe_row([*headings, "问题"]))
    try:
        for number, cells in _rows(sheet):
            errors = problems.get(number)
            if errors is None:
                continue
            row = list(cells)[:len(headings)]
            row += [None] * (len(headings) - len(row))
            ws.append(safe_row([*row, _problems(errors)]))
    except ImportFailed as exc:
        raise Conflict(exc.message) from None
    finally:
        handle.close()
    from linli.common.audit import audit_record
    from linli.common.models import AuditAction

    audit_record(action=AuditAction.EXPORT, actor=actor, obj=job, field="full",
                 reason=_("Rows with errors of an import, to fix and import again"),
                 street_id=job.community.street_id)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def import_mapping_reopen(*, job: ImportJob, actor) -> ImportJob:
    """Back from the preview to the mapping: the check's outcome is dropped."""
    _can_manage(actor, job)
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).update(
        status=ImportStatus.MAPPING, mapping_confirmed=False)
    if updated != 1:
        raise Conflict(_("This import is not waiting for its mapping."))
    ImportRow.objects.filter(job=job).delete()
    job.refresh_from_db()
    return job


# --- Background steps ---------------------------------------------------------------------
# Queued by the steps above (upload → read, mapping → check, commit request → commit);
# `linli.registry.tasks` names them for the consumer.

@db_task()
def import_read_task(job_id: int):
    import_read(job_id)


@db_task()
def import_check_task(job_id: int):
    import_check(job_id)


@db_task()
def import_commit_task(job_id: int, user_id: int | None = None):
    import_commit(job_id, user_id)
