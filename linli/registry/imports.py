"""Excel import of households and residents.

1. Upload: the file goes to the default storage; an ImportJob row tracks it.
2. Check (background task): the sheet is streamed (openpyxl read-only) in chunks; every
   row's outcome (new / update / error with column and message) is stored; nothing else is
   written. The page polls the job row for progress.
3. Commit (background task): the file is streamed and checked again and everything is
   written in ONE transaction — any error and nothing is saved. Residents are matched on
   the keyed hash of their ID number, so importing the same file twice updates, never
   duplicates. Progress during the commit goes to the task queue's key-value store, because
   the job row itself only changes when the transaction commits.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from linli.common.exceptions import Conflict, DomainError, ValidationError, require
from linli.registry import policies
from linli.registry.idnumbers import id_number_compose, id_number_parse
from linli.registry.models import (
    Building,
    Community,
    Estate,
    Grid,
    Household,
    ImportJob,
    ImportRow,
    ImportStatus,
    Resident,
    RowOutcome,
    Tag,
    Unit,
)
from linli.registry.privacy import hash_id_number, protect_id_number
from linli.registry.services import ADULT_AGE, CHILD_AGE, MOBILE_RE, name_pinyin

logger = logging.getLogger(__name__)

CHUNK = 1000

#: (key, header, required). The header text is the file format; exports use the same.
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

GENDERS = {"男": "M", "女": "F", "M": "M", "F": "F"}
POLITICAL = {"群众": "masses", "中共党员": "party_member", "党员": "party_member",
             "中共预备党员": "probationary", "预备党员": "probationary",
             "共青团员": "league_member", "团员": "league_member", "民主党派": "other_party"}
RESIDENCE = {"户籍": "registered", "常住": "permanent", "流动": "floating",
             "人户分离": "separated"}
RELATIONS = {"户主": "head", "本人": "head", "配偶": "spouse", "妻": "spouse", "夫": "spouse",
             "子女": "child", "子": "child", "女": "child", "父母": "parent", "父亲": "parent",
             "母亲": "parent", "孙子女": "grandchild", "祖父母": "grandparent",
             "兄弟姐妹": "sibling", "儿媳女婿": "in_law", "儿媳": "in_law", "女婿": "in_law",
             "其他": "other"}
BASES = {"本人同意": "consent", "同意": "consent", "法定职责": "legal_duty"}
# Reverse maps for exports (first Chinese label of each code).
GENDER_LABEL = {"M": "男", "F": "女"}
POLITICAL_LABEL = {"masses": "群众", "party_member": "中共党员", "probationary": "中共预备党员",
                   "league_member": "共青团员", "other_party": "民主党派"}
RESIDENCE_LABEL = {v: k for k, v in RESIDENCE.items()}
RELATION_LABEL = {"head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母",
                  "grandchild": "孙子女", "grandparent": "祖父母", "sibling": "兄弟姐妹",
                  "in_law": "儿媳女婿", "other": "其他"}
BASIS_LABEL = {"consent": "本人同意", "legal_duty": "法定职责"}
TAG_SPLIT = re.compile(r"[,，、;；\s]+")


class ImportFailed(DomainError):
    code = "import_failed"


def template_workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "居民"
    ws.append([h + ("*" if req else "") for _k, h, req in COLUMNS])
    ws.append(["1-1-101", "001", "锦绣大道88号1栋1单元101", "紫轩小区", "1栋", "1单元", "101",
               "张三", id_number_compose("520581", date(1950, 3, 7), 1), "男", "1950-03-07", "13800000000", "汉族",
               "中共党员", "户籍", "户主", "高龄、独居", "", "", "", "", ""])
    for column in ws.columns:
        ws.column_dimensions[column[0].column_letter].width = 16
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- Parsing ----------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value, column: str, errors: list) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        parts = [int(p) for p in text.split("-")]
        return date(*parts)
    except (TypeError, ValueError):
        errors.append({"column": HEADER[column], "message": _("Not a date (use 2024-03-07).")})
        return None


@dataclass
class ParsedRow:
    row: int
    values: dict
    errors: list = field(default_factory=list)
    hash: str = ""
    guardian_hash: str = ""
    tags: list = field(default_factory=list)


class Checker:
    """Checks rows of one community; keeps what later rows need (hashes seen, households)."""

    def __init__(self, community: Community):
        self.community = community
        self.today = timezone.localdate()
        self.grids = {g.number: g for g in Grid.objects.filter(community=community)}
        self.tags = {t.name: t for t in Tag.objects.filter(street_id=community.street_id)}
        self.seen_hashes: dict[str, int] = {}
        self.households: dict[str, tuple[str, str]] = {}
        self.guardian_checks: list[tuple[int, str]] = []

    def parse(self, row_number: int, cells: tuple, index: dict[str, int]) -> ParsedRow:
        raw = {key: (cells[i] if i < len(cells) else None) for key, i in index.items()}
        errors: list[dict] = []

        def err(column: str, message: str) -> None:
            errors.append({"column": HEADER[column], "message": message})

        v: dict = {}
        for key in ("household_number", "grid", "address", "estate", "building", "unit", "room",
                    "name", "ethnicity", "sensitive_basis_note"):
            v[key] = _text(raw.get(key))
        for key, _h, required in COLUMNS:
            if required and not _text(raw.get(key)):
                err(key, _("This column is required."))
        if v["grid"] and v["grid"].isdigit():
            v["grid"] = f"{int(v['grid']):03d}"
        if v["grid"] and v["grid"] not in self.grids:
            err("grid", _("No grid with this number in the community."))
        if len(v["household_number"]) > 32:
            err("household_number", _("The household number is too long."))
        if len(v["name"]) > 64:
            err("name", _("The name is too long (64 characters at most)."))
        if v["household_number"] and v["grid"]:
            first = self.households.setdefault(v["household_number"], (v["grid"], v["address"]))
            if first[0] != v["grid"]:
                err("grid", _("The same household number appears with another grid."))

        id_raw = raw.get("id_number")
        info = None
        if isinstance(id_raw, float | int) and not isinstance(id_raw, bool):
            err("id_number", _("Store ID numbers as text: Excel numbers lose the last digits."))
        elif _text(id_raw):
            try:
                info = id_number_parse(_text(id_raw))
            except ValidationError as exc:
                err("id_number", exc.message)
        gender = _text(raw.get("gender"))
        if gender and gender not in GENDERS:
            err("gender", _("Write 男 or 女."))
        gender = GENDERS.get(gender, "")
        birth = _date(raw.get("birth_date"), "birth_date", errors)
        if info is not None:
            if birth and birth != info.birth_date:
                err("birth_date", _("The birth date does not agree with the ID number "
                                    "(%(date)s).") % {"date": info.birth_date.isoformat()})
            if gender and gender != info.gender:
                err("gender", _("The gender does not agree with the ID number."))
            birth, gender = info.birth_date, info.gender
        v.update(gender=gender, birth_date=birth)
        mobile = _text(raw.get("mobile"))
        if mobile and not MOBILE_RE.match(mobile):
            err("mobile", _("Enter an 11-digit mobile number starting with 1."))
        v["mobile"] = mobile
        for key, mapping in (("political_status", POLITICAL), ("residence_type", RESIDENCE),
                             ("relation", RELATIONS), ("sensitive_basis", BASES)):
            text = _text(raw.get(key))
            if text and text not in mapping and text not in mapping.values():
                err(key, _("Unknown value “%(value)s”.") % {"value": text})
            v[key] = mapping.get(text, text if text in mapping.values() else "")
        v["residence_type"] = v["residence_type"] or "registered"
        tags = []
        for name in TAG_SPLIT.split(_text(raw.get("tags"))):
            if not name:
                continue
            tag = self.tags.get(name)
            if tag is None:
                err("tags", _("Unknown tag “%(value)s”.") % {"value": name})
            else:
                tags.append(tag)
        if any(t.sensitive for t in tags) and not v["sensitive_basis"]:
            err("sensitive_basis",
                _("Health or disability details need a recorded consent or legal basis."))
        for key in ("moved_out_on", "deceased_on"):
            day = _date(raw.get(key), key, errors)
            if day and day > self.today:
                err(key, _("This date cannot be in the future."))
            v[key] = day
        parsed = ParsedRow(row=row_number, values=v, errors=errors, tags=tags)
        if info is not None:
            parsed.hash = hash_id_number(info.number)
            v["id_number"] = info.number
            earlier = self.seen_hashes.get(parsed.hash)
            if earlier is not None:
                err("id_number", _("The same ID number is already in row %(row)s.")
                    % {"row": earlier})
            else:
                self.seen_hashes[parsed.hash] = row_number
        guardian_raw = _text(raw.get("guardian_id"))
        if birth and _age(birth, self.today) < CHILD_AGE:
            if not guardian_raw:
                err("guardian_id", _("A child under 14 can be recorded only with a guardian."))
            else:
                parsed.guardian_hash = hash_id_number(guardian_raw)
                self.guardian_checks.append((row_number, parsed.guardian_hash))
        return parsed

    def match(self, rows: list[ParsedRow]) -> dict[str, tuple[int, int]]:
        """Existing residents by hash for a chunk: {hash: (resident id, community id)}."""
        hashes = [r.hash for r in rows if r.hash]
        found = Resident.objects.filter(id_number_hash__in=hashes).values_list(
            "id_number_hash", "id", "household__community_id")
        existing = {h: (rid, cid) for h, rid, cid in found}
        for r in rows:
            hit = existing.get(r.hash)
            if hit and hit[1] != self.community.pk:
                r.errors.append({"column": HEADER["id_number"],
                                 "message": _("This person is registered in another community.")})
        return existing

    def unresolved_guardians(self) -> list[tuple[int, str]]:
        """Guardians must be adults in this file or already in this community."""
        missing = [(row, h) for row, h in self.guardian_checks if h not in self.seen_hashes]
        known = set(Resident.objects.filter(
            id_number_hash__in=[h for _r, h in missing],
            household__community=self.community).values_list("id_number_hash", flat=True))
        return [(row, h) for row, h in missing if h not in known]


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


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


def _open_rows(job: ImportJob):
    """(workbook, header index, row iterator, estimated total). Streams the sheet."""
    handle = default_storage.open(job.storage_name, "rb")
    try:
        xlsx_check_limits(handle)
    except ImportFailed:
        handle.close()
        raise
    wb = load_workbook(handle, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    index: dict[str, int] = {}
    labels = {h: key for key, h, _r in COLUMNS}
    for i, cell in enumerate(header):
        key = labels.get(_text(cell).rstrip("*").strip())
        if key:
            index[key] = i
    missing = [h for key, h, req in COLUMNS if req and key not in index]
    if missing:
        wb.close()
        handle.close()
        raise ImportFailed(_("The header row lacks the columns: %(cols)s. Use the template.")
                           % {"cols": "、".join(missing)})
    total = max((ws.max_row or 1) - 1, 0)
    return wb, handle, index, rows, total


def _capped(rows: Iterable) -> Iterator[tuple[int, tuple]]:
    """Numbered rows, stopping with ImportFailed past the row cap: a sheet without a
    dimension (or lying about it) is not read to its end. Empty rows count too."""
    last = settings.REGISTRY_IMPORT_MAX_ROWS + 1
    for n, r in enumerate(rows, start=2):
        if n > last:
            raise ImportFailed(_too_many_rows())
        yield n, r


def _chunks(rows: Iterable, size: int) -> Iterator[list[tuple[int, tuple]]]:
    numbered = ((n, r) for n, r in _capped(rows)
                if r is not None and any(c not in (None, "") for c in r))
    while chunk := list(islice(numbered, size)):
        yield chunk


# --- Jobs -------------------------------------------------------------------------------

def import_job_create(*, community: Community, actor, upload) -> ImportJob:
    """Store the upload and queue the check. Not atomic on purpose: the job row must exist
    (committed) before the background worker looks for it."""
    from linli.registry.tasks import import_check_task

    require(policies.manages_community(actor, community.pk),
            _("Only staff of this community may import its residents."))
    # Checked before anything is stored: a refused file leaves nothing behind.
    try:
        xlsx_check_limits(upload)
    except ImportFailed as exc:
        raise ValidationError(exc.message, field="file") from None
    job = ImportJob(community=community, created_by=actor, file_name=upload.name[:255])
    job.storage_name = default_storage.save(f"registry/imports/{job.uuid}.xlsx", upload)
    job.save()
    import_check_task(job.pk)
    return job


def _progress_key(job_id: int) -> str:
    return f"registry-import-progress-{job_id}"


def commit_progress(job: ImportJob) -> int:
    from huey.contrib.djhuey import HUEY

    value = HUEY.get(_progress_key(job.pk), peek=True)
    return int(value or 0)


def import_check(job_id: int) -> ImportJob:
    job = ImportJob.objects.get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKING)
    ImportRow.objects.filter(job=job).delete()
    try:
        wb, handle, index, rows, total = _open_rows(job)
    except ImportFailed as exc:
        return _fail(job, exc.message)
    except Exception:  # a damaged or non-Excel file
        logger.exception("import %s: cannot open", job.pk)
        return _fail(job, _("The file could not be read as .xlsx."))
    ImportJob.objects.filter(pk=job.pk).update(total_rows=total)
    checker = Checker(job.community)
    counts = {RowOutcome.CREATE: 0, RowOutcome.UPDATE: 0, RowOutcome.ERROR: 0}
    processed = 0
    try:
        for chunk in _chunks(rows, CHUNK):
            parsed = [checker.parse(n, cells, index) for n, cells in chunk]
            existing = checker.match(parsed)
            results = []
            for p in parsed:
                if p.errors:
                    outcome = RowOutcome.ERROR
                elif p.hash in existing:
                    outcome = RowOutcome.UPDATE
                else:
                    outcome = RowOutcome.CREATE
                counts[outcome] += 1
                results.append(ImportRow(job=job, row=p.row, outcome=outcome,
                                         name=p.values["name"][:64], errors=p.errors))
            ImportRow.objects.bulk_create(results)
            processed += len(chunk)
            ImportJob.objects.filter(pk=job.pk).update(
                processed_rows=processed, total_rows=max(total, processed))
        for row, _h in checker.unresolved_guardians():
            item = ImportRow.objects.get(job=job, row=row)
            if item.outcome != RowOutcome.ERROR:
                counts[item.outcome] -= 1
                counts[RowOutcome.ERROR] += 1
            item.outcome = RowOutcome.ERROR
            item.errors = [*item.errors, {"column": HEADER["guardian_id"], "message": _(
                "The guardian is neither in this file nor registered in this community.")}]
            item.save(update_fields=["outcome", "errors"])
    except ImportFailed as exc:  # past the row cap
        failed = exc
    else:
        failed = None
    finally:
        wb.close()
        handle.close()
    if failed is not None:
        ImportRow.objects.filter(job=job).delete()
        return _fail(job, failed.message)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.CHECKED, processed_rows=processed, total_rows=processed,
        create_count=counts[RowOutcome.CREATE], update_count=counts[RowOutcome.UPDATE],
        error_count=counts[RowOutcome.ERROR],
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


def import_commit_request(*, job: ImportJob, actor) -> None:
    from linli.registry.tasks import import_commit_task

    require(policies.can_commit_import(actor, job),
            _("Only staff of the import's community may save it."))
    if job.error_count:
        raise Conflict(_("Fix the rows with errors and upload the file again."))
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).update(
        status=ImportStatus.COMMITTING)
    if updated != 1:
        raise Conflict(_("This import is not ready to be saved."))
    import_commit_task(job.pk, actor.pk)


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


def _commit(job: ImportJob, user) -> dict:
    from huey.contrib.djhuey import HUEY

    community = job.community
    wb, handle, index, rows, _total = _open_rows(job)
    checker = Checker(community)
    places = _Places(community)
    # number -> [pk, grid_id, address, building_id, unit_id, room, head_id]; plain values
    # rather than model instances keep memory flat on very large files.
    households: dict[str, list] = {
        row[0]: list(row[1:]) for row in Household.objects.filter(community=community)
        .values_list("number", "id", "grid_id", "address", "building_id", "unit_id", "room",
                     "head_id").iterator(chunk_size=2000)
    }
    counts = {"create": 0, "update": 0}
    guardian_links: list[tuple[str, str]] = []
    processed = 0
    now = timezone.now()
    try:
        for chunk in _chunks(rows, CHUNK):
            parsed = [checker.parse(n, cells, index) for n, cells in chunk]
            existing = checker.match(parsed)
            bad = next((p for p in parsed if p.errors), None)
            if bad is not None:
                raise ImportFailed(_("Row %(row)s: %(column)s — %(message)s") % {
                    "row": bad.row, **bad.errors[0]})
            # Households first: new ones created, changed ones updated.
            new_households: dict[str, Household] = {}
            changed: dict[int, tuple] = {}
            for p in parsed:
                v = p.values
                grid = checker.grids[v["grid"]]
                building = places.building(v, grid)
                unit = places.unit(building, v["unit"])
                want = (grid.pk, v["address"][:255], building and building.pk,
                        unit and unit.pk, v["room"][:16])
                entry = households.get(v["household_number"])
                if entry is None and v["household_number"] not in new_households:
                    new_households[v["household_number"]] = Household(
                        community=community, grid=grid, number=v["household_number"],
                        address=want[1], building=building, unit=unit, room=want[4])
                elif entry is not None and tuple(entry[1:6]) != want:
                    changed[entry[0]] = want
                    entry[1:6] = list(want)
            if new_households:
                objs = list(new_households.values())
                bulk_create_with_history(objs, Household, default_user=user)
                ids = dict(Household.objects.filter(
                    community=community, number__in=list(new_households)
                ).values_list("number", "id"))
                for h in objs:
                    households[h.number] = [ids[h.number], h.grid_id, h.address,
                                            h.building_id, h.unit_id, h.room, None]
            if changed:
                objs = list(Household.objects.filter(pk__in=list(changed)))
                for h in objs:
                    (h.grid_id, h.address, h.building_id, h.unit_id, h.room) = changed[h.pk]
                bulk_update_with_history(objs, Household,
                                         ["grid", "address", "building", "unit", "room"],
                                         default_user=user)
            # Residents: matched on the ID number hash; updates load the full row so that
            # the history records the real previous values.
            current = Resident.objects.in_bulk([hit[0] for hit in existing.values()])
            creates, updates, update_fields, by_hash = [], [], [], {}
            for p in parsed:
                v = p.values
                fields = {
                    "name": v["name"][:64], "gender": v["gender"], "birth_date": v["birth_date"],
                    "mobile": v["mobile"], "ethnicity": v["ethnicity"][:16],
                    "political_status": v["political_status"],
                    "residence_type": v["residence_type"], "relation": v["relation"],
                    "moved_out": bool(v["moved_out_on"]), "moved_out_on": v["moved_out_on"],
                    "deceased": bool(v["deceased_on"]), "deceased_on": v["deceased_on"],
                    "sensitive_basis": v["sensitive_basis"],
                    "sensitive_basis_note": v["sensitive_basis_note"][:255],
                    "household_id": households[v["household_number"]][0], "updated_at": now,
                    **protect_id_number(v["id_number"]),
                }
                fields["name_pinyin"], fields["name_initials"] = name_pinyin(fields["name"])
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
                else:
                    r = Resident(**fields)
                    creates.append(r)
                by_hash[p.hash] = (r, p)
                if p.guardian_hash:
                    guardian_links.append((p.hash, p.guardian_hash))
            if creates:
                bulk_create_with_history(creates, Resident, default_user=user)
                ids = dict(Resident.objects.filter(
                    id_number_hash__in=[r.id_number_hash for r in creates]
                ).values_list("id_number_hash", "id"))
                for r in creates:
                    r.pk = r.id = ids[r.id_number_hash]
            if updates:
                # One plain UPDATE per row: Django's bulk_update builds a CASE per column
                # and row, which is far slower for wide rows.
                for r, fields in zip(updates, update_fields, strict=True):
                    Resident.objects.filter(pk=r.pk).update(**fields)
                Resident.history.bulk_history_create(updates, update=True, default_user=user)
            counts["create"] += len(creates)
            counts["update"] += len(updates)
            # Tags replace the previous ones; heads of household follow the relation column.
            through = Resident.tags.through
            through.objects.filter(resident_id__in=[r.pk for r in updates]).delete()
            through.objects.bulk_create([
                through(resident_id=r.pk, tag_id=t.pk)
                for r, p in by_hash.values() for t in {t.pk: t for t in p.tags}.values()
            ])
            heads = []
            for r, p in by_hash.values():
                entry = households[p.values["household_number"]]
                if r.relation == "head" and entry[6] != r.pk:
                    entry[6] = r.pk
                    heads.append(Household(pk=entry[0], head_id=r.pk))
            for h in heads:
                Household.objects.filter(pk=h.pk).update(head_id=h.head_id)
            processed += len(chunk)
            HUEY.put(_progress_key(job.pk), processed)
        missing = checker.unresolved_guardians()
        if missing:
            raise ImportFailed(_("Row %(row)s: the guardian is neither in this file nor "
                                 "registered in this community.") % {"row": missing[0][0]})
        _link_guardians(guardian_links, community)
    finally:
        wb.close()
        handle.close()
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
            if guardian[1] and _age(guardian[1], today) < ADULT_AGE:
                raise ImportFailed(_("The guardian must be an adult."))
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
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.DONE, processed_rows=job.total_rows,
            create_count=counts["create"], update_count=counts["update"],
            finished_at=timezone.now())
    finally:
        HUEY.delete(_progress_key(job.pk))
    return ImportJob.objects.get(pk=job.pk)
