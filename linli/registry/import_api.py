"""Registry import API: staff upload a roster, map its columns, preview every row's
outcome and save. The steps and their rules (who may act included) live in
`linli.registry.imports`; this module only translates HTTP.

1. `POST /registry/imports` (multipart: `file`, `community`) → 201, the job (reading).
2. `GET /registry/imports/{uuid}` → status, progress, counts, the headings with sample values
   and the current mapping, the written values that need a meaning, the places to be created.
3. `PUT /registry/imports/{uuid}/mapping` → 202, the rows are checked.
4. `GET /registry/imports/{uuid}/rows?outcome=error` → every row's outcome and messages.
5. `POST /registry/imports/{uuid}/commit` → 202, saving.
6. `GET /registry/imports/{uuid}/errors.xlsx` → the bad rows to fix and upload again.
"""

from enum import Enum
from typing import Annotated, Any, Literal
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import BeforeValidator, Field, StrictBool

from linli.common.api import ERRORS, Pagination, require_roles
from linli.common.exceptions import ValidationError
from linli.registry import imports, roster, selectors
from linli.registry.models import (
    ImportJob,
    ImportMode,
    ImportRow,
    ImportStatus,
    RowOutcome,
    SensitiveBasis,
)
from linli.registry.selectors import MANAGER_ROLES

router = Router(tags=["registry"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Fields whose written values are mapped to Linli's codes (or, for tags, to tags).
ValueKind = Literal["gender", "political_status", "residence_type", "relation", "tags"]
FieldKey = Enum("FieldKey", {key: key for key in roster.FIELD_KEYS}, type=str)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


Text = Annotated[str, BeforeValidator(_text)]


# --- Schemas --------------------------------------------------------------------------------


class ImportColumnOut(Schema):
    index: int
    heading: Text = Field(description="The column's heading as written in the file.")
    samples: list[Text] = Field(description="Up to five values of the column.")
    field: str | None = Field(description="The field the column is read as (Linli's guess "
                                          "until staff set the mapping); null: ignored.")


class ImportFieldOut(Schema):
    key: str
    label: str


class ImportValueOut(Schema):
    kind: ValueKind
    value: Text = Field(description="A value as written in the file.")
    mapped: str | None = Field(
        description="What it is read as: a code, for tags a tag's name, \"+new\" (a tag of "
                    "the street is made on saving) or \"\" (ignored); null: not known yet, "
                    "the rows with it are errors unless a meaning is given.")


class ImportPlacesOut(Schema):
    estates: list[Text] = Field(description="Names of the estates to be created (at most 200).")
    estate_count: int
    buildings: list[Text] = Field(description="The buildings to be created (at most 200).")
    building_count: int
    units: int
    households: int
    household_examples: list[Text] = Field(description="Addresses of some new households.")


class RegistryImportJobOut(Schema):
    uuid: UUID
    community: UUID
    file_name: str
    status: ImportStatus
    total_rows: int
    processed_rows: int
    percent: int
    create_count: int
    update_count: int
    error_count: int
    warning_count: int
    skipped_count: int
    message: str
    mode: ImportMode
    sensitive_basis: SensitiveBasis
    mapping_confirmed: bool
    header_row: int = Field(description="Spreadsheet row of the header (1 = the first row).")
    columns: list[ImportColumnOut]
    fields: list[ImportFieldOut] = Field(description="The fields a column may be read as.")
    values: list[ImportValueOut] = Field(
        description="The written values of the columns read as choices or tags, with what "
                    "each is read as.")
    places: ImportPlacesOut = Field(description="What saving would create (after the check).")
    creates_places: bool


class ImportMappingIn(Schema):
    columns: list[FieldKey | None] = Field(
        max_length=1000,
        description="One entry per column of the file, in order: the field it is read as, or "
                    "null to ignore it.")
    values: dict[ValueKind, dict[str, str]] = Field(
        default_factory=dict,
        description="Per kind, a written value → its code; for tags an existing tag's name, "
                    "\"+new\" or \"\" (ignore).")
    sensitive_basis: SensitiveBasis = Field(
        SensitiveBasis.NONE,
        description="The basis for health or disability details of rows without their own; "
                    "recorded in the audit log.")
    mode: ImportMode = ImportMode.ALL


class ImportCommitIn(Schema):
    confirm_places: StrictBool = Field(
        False, description="Must be true when the preview creates estates, buildings or "
                           "households.")


class ImportMessageOut(Schema):
    column: Text = ""
    value: Text = ""
    message: Text = ""


class ImportRowOut(Schema):
    row: int = Field(description="Spreadsheet row.")
    label: str = Field(description="The roster's own label of the row (序号, else the name).")
    outcome: RowOutcome
    name: str
    errors: list[ImportMessageOut]
    warnings: list[ImportMessageOut]


class RowFilter(Schema):
    outcome: Literal["create", "update", "error", "skipped", "warning"] | None = Field(
        None, description="Only rows with this outcome; `warning`: rows with a warning.")


# --- Helpers --------------------------------------------------------------------------------


def _job(request, uuid: UUID) -> ImportJob:
    require_roles(request, *MANAGER_ROLES)
    job = selectors.import_job_get_for_user(user=request.auth, uuid=uuid)
    if job is None:
        raise Http404
    return job


def _mapping(job: ImportJob) -> list[str | None]:
    mapping = list(job.mapping or [])
    return mapping + [None] * (len(job.columns or []) - len(mapping))


def _values(job: ImportJob) -> list[dict]:
    if not job.mapping or job.status in (ImportStatus.QUEUED, ImportStatus.READING):
        return []
    return [{"kind": kind, "value": entry["value"], "mapped": entry["choice"]}
            for kind, entries in imports.import_value_choices(job=job).items()
            for entry in entries]


def _job_out(job: ImportJob) -> dict:
    if job.status == ImportStatus.COMMITTING:
        job.processed_rows = imports.commit_progress(job)
    mapping = _mapping(job)
    columns = [{"index": i, "heading": c.get("heading", ""), "samples": c.get("samples", [])[:5],
                "field": mapping[i] if i < len(mapping) else None}
               for i, c in enumerate(job.columns or [])]
    places = job.places or {}
    return {
        "uuid": job.uuid, "community": job.community.uuid, "file_name": job.file_name,
        "status": job.status, "total_rows": job.total_rows,
        "processed_rows": job.processed_rows, "percent": job.percent,
        "create_count": job.create_count, "update_count": job.update_count,
        "error_count": job.error_count, "warning_count": job.warning_count,
        "skipped_count": job.skipped_count, "message": job.message, "mode": job.mode,
        "sensitive_basis": job.sensitive_basis, "mapping_confirmed": job.mapping_confirmed,
        "header_row": job.header_row, "columns": columns,
        "fields": [{"key": f.key, "label": f.label} for f in roster.FIELDS],
        "values": _values(job),
            "places": {"estates": places.get("estates", []),
                   "estate_count": places.get("estate_count", len(places.get("estates", []))),
                   "buildings": places.get("buildings", []),
                   "building_count": places.get("building_count",
                                                len(places.get("buildings", []))),
                   "units": _count(places.get("units")),
                   "households": _count(places.get("households")),
                   "household_examples": places.get("household_examples", [])},
        "creates_places": job.creates_places,
    }


def _count(value) -> int:
    return len(value) if isinstance(value, list | tuple) else int(value or 0)


def _reload(job: ImportJob) -> ImportJob:
    return ImportJob.objects.select_related("community").get(pk=job.pk)


# --- Operations -----------------------------------------------------------------------------


@router.post("/registry/imports", response={201: RegistryImportJobOut, **ERRORS})
def import_upload(request, community: Form[UUID] = None,
                  file: File[UploadedFile] = None):
    """Upload a roster (multipart form: `file` — .xlsx or .xls, `community` — the uuid of a
    community you manage). The file is read in the background: poll the job until its status
    is `mapping`, then set the mapping. Errors name the field (`file`, `community`)."""
    require_roles(request, *MANAGER_ROLES)
    if community is None:
        raise ValidationError(_("Choose the community the roster belongs to."),
                              field="community")
    target = selectors.community_list_for_manager(user=request.auth).filter(
        uuid=community).first()
    if target is None:
        raise ValidationError(_("No community you manage has this id."), field="community")
    if file is None:
        raise ValidationError(_("Choose the roster file (.xlsx or .xls) to upload."),
                              field="file")
    job = imports.import_job_create(community=target, actor=request.auth, upload=file)
    return Status(201, _job_out(_reload(job)))


@router.get("/registry/imports/{uuid}", response={200: RegistryImportJobOut, **ERRORS})
def import_job_get(request, uuid: UUID):
    """Progress, counts, the columns with their samples and mapping, the written values and
    what they are read as, and the places that saving would create."""
    return _job_out(_job(request, uuid))


@router.put("/registry/imports/{uuid}/mapping", response={202: RegistryImportJobOut, **ERRORS})
def import_mapping(request, uuid: UUID, payload: ImportMappingIn):
    """Set which column is which field (null ignores a column), what written values mean,
    the batch's basis for health or disability details and the save mode (`all`: all rows
    or nothing; `partial`: the good rows, the bad ones offered as a workbook). The rows are
    then checked in the background (status `checking`, then `checked`)."""
    job = _job(request, uuid)
    width = len(job.columns or [])
    if len(payload.columns) != width:
        raise ValidationError(
            _("Give one entry per column of the file (%(count)d columns).") % {"count": width},
            field="columns")
    columns = {i: (key.value if key is not None else None)
               for i, key in enumerate(payload.columns)}
    job = imports.import_mapping_set(
        job=job, actor=request.auth, columns=columns,
        values={kind: dict(words) for kind, words in payload.values.items()},
        sensitive_basis=payload.sensitive_basis.value, mode=payload.mode.value)
    return Status(202, _job_out(_reload(job)))


@router.get("/registry/imports/{uuid}/rows", response={200: list[ImportRowOut], **ERRORS})
@paginate(Pagination)
def import_rows(request, uuid: UUID, filters: Query[RowFilter]) -> QuerySet:
    """Every checked row's outcome with its errors and warnings, in file order; `outcome`
    filters (`error`, `warning`, `skipped`, `create`, `update`)."""
    job = _job(request, uuid)
    rows = ImportRow.objects.filter(job=job).order_by("row")
    if filters.outcome == "warning":
        rows = rows.exclude(warnings=[])
    elif filters.outcome:
        rows = rows.filter(outcome=filters.outcome)
    return rows


@router.post("/registry/imports/{uuid}/commit", response={202: RegistryImportJobOut, **ERRORS})
def import_commit(request, uuid: UUID, payload: ImportCommitIn):
    """Save the checked rows (in the background: status `committing`, then `done`). When the
    preview creates places, `confirm_places` must be true. Errors: 409 when the job is not
    checked, or in mode `all` while rows have errors."""
    job = _job(request, uuid)
    imports.import_commit_request(job=job, actor=request.auth,
                                  confirm_places=payload.confirm_places)
    return Status(202, _job_out(_reload(job)))


@router.get("/registry/imports/{uuid}/errors.xlsx", response=ERRORS, openapi_extra={
    "responses": {"200": {"description": "The rows with errors, with the file's headings and "
                                         "cells and a 问题 column, to fix and upload again.",
                          "content": {XLSX: {"schema": {"type": "string",
                                                        "format": "binary"}}}}}})
def import_error_workbook(request, uuid: UUID):
    """The bad rows as an .xlsx workbook."""
    job = _job(request, uuid)
    content = imports.import_error_workbook(job=job, actor=request.auth)
    response = HttpResponse(content, content_type=XLSX)
    stem = (job.file_name.rsplit(".", 1)[0] or "roster")[:80]
    response["Content-Disposition"] = (
        f"attachment; filename=\"import-errors.xlsx\"; filename*=UTF-8''{_quote(stem)}-errors.xlsx")
    return response


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
