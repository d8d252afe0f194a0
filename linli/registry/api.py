"""Grid registry API: places, households, residents (masked), reveal, bindings, own data.

ID numbers and mobiles are always masked in responses; the one way to a full value is
`POST …/reveal` with a reason, which is written to the audit log.

Input that is well formed but breaks a registry rule (a wrong check digit, a birth date
that disagrees with the ID number, a duplicate household number) answers 409 with the error
code `invalid` or `conflict` and the offending field (`linli.api` maps every service error): the schema promises the shape of a
request, the registry decides whether its content fits the records.
"""

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import BeforeValidator, StrictBool, WithJsonSchema

from linli.accounts.models import Role
from linli.common.api import (
    ERRORS,
    CleanStr,
    CodeStr,
    NameStr,
    Pagination,
    require_roles,
)
from linli.common.dates import age_on
from linli.common.exceptions import NotFound, ValidationError
from linli.common.masking import mask_mobile
from linli.common.pagination import PageMap
from linli.registry import rules, selectors, services
from linli.registry.models import (
    BindingKind,
    BindingStatus,
    Gender,
    Household,
    PoliticalStatus,
    Relation,
    ResidenceType,
    Resident,
    SensitiveBasis,
)
from linli.registry.selectors import MANAGER_ROLES, REGISTRY_ROLES

router = Router(tags=["registry"])


class RegistryWorkerOut(Schema):
    name: str
    mobile_masked: str


class RegistryGridOut(Schema):
    uuid: UUID
    code: str
    name: str
    community: str
    boundary: str
    phone: str
    workers: list[RegistryWorkerOut]


class RegistryTagOut(Schema):
    name: str
    sensitive: bool


class RegistryHouseholdOut(Schema):
    uuid: UUID
    number: str
    address: str
    community: str
    grid: str
    grid_code: str
    building: str | None
    unit: str | None
    room: str
    head_name: str | None
    updated_at: datetime


class RegistryMemberOut(Schema):
    uuid: UUID
    name: str
    relation: str
    mobile_masked: str
    id_number_masked: str


class RegistryHouseholdDetailOut(RegistryHouseholdOut):
    members: list[RegistryMemberOut]


class RegistryResidentOut(Schema):
    uuid: UUID
    household: UUID
    household_number: str
    address: str
    name: str
    gender: str
    birth_date: date | None
    age: int | None
    id_number_masked: str
    mobile_masked: str
    ethnicity: str
    political_status: str
    residence_type: str
    relation: str
    moved_out: bool
    moved_out_on: date | None
    deceased: bool
    deceased_on: date | None
    tags: list[str]
    guardian: UUID | None
    has_account: bool
    anonymised: bool


class RegistryResidentDetailOut(RegistryResidentOut):
    health_note: str
    sensitive_basis: str
    sensitive_basis_note: str


Text64 = Field("", max_length=64)


def _date_text(value: Any) -> Any:
    # pydantic's lax mode reads 0 as 1970-01-01 and 20260501 as a time stamp: only
    # YYYY-MM-DD text is a date here. The range is the registry's rule (1900-01-01 to today),
    # checked in the service and answered 409 with its own message.
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(_("must be a date in YYYY-MM-DD form"))
    return value


#: A birth date: `YYYY-MM-DD` text. Unlike the shared `IsoDate` (2000–2099) people alive
#: today were born last century; the service refuses dates before 1900-01-01 or in the future.
BirthDate = Annotated[date, BeforeValidator(_date_text), WithJsonSchema({
    "type": "string", "format": "date",
    "pattern": r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$",
    "description": "YYYY-MM-DD; from 1900-01-01 to today (a date outside answers 409)"})]

#: A past event in a person's life (moved out, died): `YYYY-MM-DD` text, possibly decades ago;
#: the service refuses a date in the future or before the birth date (409).
PastDate = Annotated[date, BeforeValidator(_date_text), WithJsonSchema({
    "type": "string", "format": "date",
    "pattern": r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$",
    "description": "YYYY-MM-DD; not in the future nor before the birth date (else 409)"})]


class RegistryResidentFilter(Schema):
    q: str = Field("", max_length=64, description="Name, pinyin, initials, mobile tail or ID")
    tag: str = Field("", max_length=16)
    address: str = Field("", max_length=64)
    mobile_tail: str = Field("", max_length=11, pattern=r"^\d*$")
    id_number: str = Field("", max_length=18)
    grid: UUID | None = None
    include_inactive: bool = False


class RegistryHouseholdFilter(Schema):
    q: str = Field("", max_length=64)
    grid: UUID | None = None


class RegistryResidentFields(Schema):
    name: NameStr | None = Field(None, min_length=1, max_length=rules.NAME_MAX)
    gender: Gender | Literal[""] | None = None
    birth_date: BirthDate | None = None
    id_number: str | None = Field(None, max_length=18)
    mobile: str | None = Field(None, max_length=20, description="Spaces, dashes and full-width digits are folded")
    ethnicity: str | None = Field(None, max_length=rules.ETHNICITY_MAX)
    political_status: PoliticalStatus | Literal[""] | None = None
    residence_type: ResidenceType | None = None
    relation: Relation | Literal[""] | None = None
    moved_out: StrictBool | None = None
    moved_out_on: PastDate | None = None
    deceased: StrictBool | None = None
    deceased_on: PastDate | None = None
    tags: list[str] | None = Field(None, max_length=20)
    health_note: str | None = Field(None, max_length=2000)
    sensitive_basis: SensitiveBasis | None = None
    sensitive_basis_note: str | None = Field(None, max_length=rules.BASIS_NOTE_MAX)
    guardian: UUID | None = None


class RegistryResidentIn(RegistryResidentFields):
    household: UUID
    name: NameStr = Field(..., min_length=1, max_length=rules.NAME_MAX)


class RegistryHouseholdIn(Schema):
    grid: UUID
    number: CodeStr = Field(..., min_length=1, max_length=rules.HOUSEHOLD_NUMBER_MAX)
    address: CleanStr = Field(..., min_length=1, max_length=rules.ADDRESS_MAX)
    building: UUID | None = None
    unit: str = Field("", max_length=16)
    room: str = Field("", max_length=16)


class RegistryHouseholdPatch(Schema):
    grid: UUID | None = None
    number: CodeStr | None = Field(None, min_length=1,
                                   max_length=rules.HOUSEHOLD_NUMBER_MAX)
    address: CleanStr | None = Field(None, min_length=1, max_length=rules.ADDRESS_MAX)
    unit: str | None = Field(None, max_length=16)
    room: str | None = Field(None, max_length=16)


class RegistryRevealIn(Schema):
    field: Literal["id_number", "mobile"]
    reason: str = Field(..., min_length=1, max_length=200)


class RegistryRevealOut(Schema):
    field: str
    value: str


class RegistryDoorTokenOut(Schema):
    door_url: str


class RegistryBindingOut(Schema):
    uuid: UUID
    household: str
    kind: BindingKind
    relation: str
    name: str
    mobile_masked: str
    member_name: str | None
    status: BindingStatus


class RegistryDecisionIn(Schema):
    confirm: StrictBool
    note: str = Field("", max_length=255)


class RegistryMyDataOut(Schema):
    resident: RegistryResidentDetailOut
    household: RegistryHouseholdDetailOut


# --- Serialisers (always masked) --------------------------------------------------------

def _household_out(h: Household) -> dict:
    return {
        "uuid": h.uuid, "number": h.number, "address": h.address,
        "community": h.community.name, "grid": h.grid.name, "grid_code": h.grid.code,
        "building": str(h.building) if h.building_id else None,
        "unit": h.unit.name if h.unit_id else None, "room": h.room,
        "head_name": h.head.name if h.head_id else None, "updated_at": h.updated_at,
    }


def _household_detail(h: Household) -> dict:
    members = [
        {"uuid": r.uuid, "name": r.name, "relation": r.get_relation_display(),
         "mobile_masked": r.mobile_masked, "id_number_masked": r.id_number_masked}
        for r in h.residents.filter(anonymised_at__isnull=True).order_by("id")
    ]
    return {**_household_out(h), "members": members}


def _resident_out(r: Resident, detail: bool = False, *, today: date | None = None) -> dict:
    """One resident, masked. Lists pass `today` (read once per page) and prefetch `tags`,
    `household` and `guardian` for the page."""
    today = today or timezone.localdate()
    data = {
        "uuid": r.uuid, "household": r.household.uuid, "household_number": r.household.number,
        "address": r.household.address, "name": r.name, "gender": r.gender,
        "birth_date": r.birth_date, "age": age_on(r.birth_date, today),
        "id_number_masked": r.id_number_masked,
        "mobile_masked": r.mobile_masked, "ethnicity": r.ethnicity,
        "political_status": r.political_status, "residence_type": r.residence_type,
        "relation": r.relation, "moved_out": r.moved_out, "moved_out_on": r.moved_out_on,
        "deceased": r.deceased, "deceased_on": r.deceased_on,
        "tags": [t.name for t in r.tags.all()],
        "guardian": r.guardian.uuid if r.guardian_id else None,
        "has_account": r.user_id is not None, "anonymised": r.anonymised_at is not None,
    }
    if detail:
        data.update(health_note=r.health_note, sensitive_basis=r.sensitive_basis,
                    sensitive_basis_note=r.sensitive_basis_note)
    return data


def _fields_from(payload: RegistryResidentFields, request) -> dict:
    data = payload.dict(exclude_unset=True)
    data.pop("household", None)
    if "tags" in data:
        names = data["tags"] or []
        tags = list(selectors.tag_list_for_user(user=request.auth).filter(name__in=names))
        if len(tags) != len(set(names)):
            raise ValidationError(_("Unknown tag."), field="tags")
        data["tags"] = tags
    if "guardian" in data:
        guardian = None
        if data["guardian"] is not None:
            guardian = selectors.resident_get_for_user(user=request.auth, uuid=data["guardian"])
            if guardian is None:
                raise NotFound(_("The guardian was not found."), field="guardian")
        data["guardian"] = guardian
    for key in ("gender", "political_status", "relation"):
        if key in data and data[key] is None:
            data[key] = ""
    return data


def _resident_or_404(request, uuid) -> Resident:
    require_roles(request, *REGISTRY_ROLES)
    resident = selectors.resident_get_for_user(user=request.auth, uuid=uuid)
    if resident is None:
        raise Http404
    return resident


def _household_or_404(request, uuid) -> Household:
    require_roles(request, *REGISTRY_ROLES)
    household = selectors.household_get_for_user(user=request.auth, uuid=uuid)
    if household is None:
        raise Http404
    return household


# --- Operations -------------------------------------------------------------------------

@router.get("/registry/grids", response={200: list[RegistryGridOut], **ERRORS})
@paginate(Pagination)
def grid_list(request):
    """Grids in the caller's scope with boundary, public phone and grid workers."""
    require_roles(request, *REGISTRY_ROLES)
    workers: dict[int, list] = {}

    def prepare(grids):
        workers.update(selectors.grid_workers_by_grid([g.pk for g in grids]))

    def row(g):
        return {"uuid": g.uuid, "code": g.code, "name": g.name, "community": g.community.name,
                "boundary": g.boundary, "phone": g.phone,
                "workers": [{"name": u.name, "mobile_masked": mask_mobile(u.mobile)}
                            for u in workers.get(g.pk, [])]}

    return PageMap(selectors.grid_list_for_user(user=request.auth), row, prepare=prepare)


@router.get("/registry/tags", response={200: list[RegistryTagOut], **ERRORS})
def tag_list(request):
    """Resident tags configured for the caller's street."""
    require_roles(request, *REGISTRY_ROLES)
    return list(selectors.tag_list_for_user(user=request.auth))


@router.get("/registry/households", response={200: list[RegistryHouseholdOut], **ERRORS})
@paginate(Pagination)
def household_list(request, filters: Query[RegistryHouseholdFilter]):
    """Households in scope; `q` matches number, address or a member's name."""
    require_roles(request, *REGISTRY_ROLES)
    grid = None
    if filters.grid:
        grid = selectors.grid_get_for_user(user=request.auth, uuid=filters.grid)
        if grid is None:
            raise Http404
    qs = selectors.household_list_for_user(user=request.auth, q=filters.q, grid=grid)
    return PageMap(qs.select_related("unit"), _household_out)


@router.post("/registry/households", response={201: RegistryHouseholdDetailOut, **ERRORS})
def household_create(request, payload: RegistryHouseholdIn):
    """Add a household to a grid in scope."""
    require_roles(request, *REGISTRY_ROLES)
    grid = selectors.grid_get_for_user(user=request.auth, uuid=payload.grid)
    if grid is None:
        raise NotFound(_("The grid was not found."), field="grid")
    building = None
    if payload.building:
        building = selectors.building_get_for_user(user=request.auth, uuid=payload.building)
        if building is None:
            raise NotFound(_("The building was not found."), field="building")
    household = services.household_create(
        grid=grid, number=payload.number, address=payload.address, actor=request.auth,
        building=building, unit_name=payload.unit, room=payload.room,
    )
    return Status(201, _household_detail(household))


@router.get("/registry/households/{uuid}", response={200: RegistryHouseholdDetailOut, **ERRORS})
def household_get(request, uuid: UUID):
    """One household with its members (masked)."""
    return _household_detail(_household_or_404(request, uuid))


@router.patch("/registry/households/{uuid}", response={200: RegistryHouseholdDetailOut, **ERRORS})
def household_update(request, uuid: UUID, payload: RegistryHouseholdPatch):
    """Correct a household's number, address, grid, unit or room."""
    household = _household_or_404(request, uuid)
    grid = None
    if payload.grid:
        grid = selectors.grid_get_for_user(user=request.auth, uuid=payload.grid)
        if grid is None:
            raise NotFound(_("The grid was not found."), field="grid")
    household = services.household_update(
        household=household, actor=request.auth, grid=grid, number=payload.number,
        address=payload.address, unit_name=payload.unit, room=payload.room,
    )
    return _household_detail(household)


@router.post("/registry/households/{uuid}/door-token", response={200: RegistryDoorTokenOut, **ERRORS})
def household_door_token_rotate(request, uuid: UUID):
    """Replace a lost door plate: the old QR code stops working at once."""
    require_roles(request, *MANAGER_ROLES)
    household = _household_or_404(request, uuid)
    household = services.household_rotate_door_token(household=household, actor=request.auth)
    return {"door_url": request.build_absolute_uri(f"/d/{household.door_token}/")}


@router.get("/registry/residents", response={200: list[RegistryResidentOut], **ERRORS})
@paginate(Pagination)
def resident_list(request, filters: Query[RegistryResidentFilter]):
    """Search residents in scope: name, full pinyin, initials (`zs` → 张三), mobile tail,
    exact ID number, address, tag. ID numbers and mobiles are masked."""
    require_roles(request, *REGISTRY_ROLES)
    grid = None
    if filters.grid:
        grid = selectors.grid_get_for_user(user=request.auth, uuid=filters.grid)
        if grid is None:
            raise Http404
    qs = selectors.resident_list_for_user(
        user=request.auth, q=filters.q, tag=filters.tag, address=filters.address,
        mobile_tail=filters.mobile_tail, id_number=filters.id_number, grid=grid,
        include_inactive=filters.include_inactive,
    ).select_related("household", "guardian")
    today = timezone.localdate()
    return PageMap(qs, lambda r: _resident_out(r, today=today))


@router.post("/registry/residents", response={201: RegistryResidentDetailOut, **ERRORS})
def resident_create(request, payload: RegistryResidentIn):
    """Add a resident; the ID number is checked (check digit, birth date, gender)."""
    household = _household_or_404(request, payload.household)
    resident = services.resident_create(household=household, actor=request.auth,
                                        **_fields_from(payload, request))
    return Status(201, _resident_out(resident, detail=True))


@router.get("/registry/residents/{uuid}", response={200: RegistryResidentDetailOut, **ERRORS})
def resident_get(request, uuid: UUID):
    """One resident (masked)."""
    return _resident_out(_resident_or_404(request, uuid), detail=True)


@router.patch("/registry/residents/{uuid}", response={200: RegistryResidentDetailOut, **ERRORS})
def resident_update(request, uuid: UUID, payload: RegistryResidentFields):
    """Correct a resident; omit `id_number` to keep the stored number."""
    resident = _resident_or_404(request, uuid)
    resident = services.resident_update(resident=resident, actor=request.auth,
                                        **_fields_from(payload, request))
    return _resident_out(resident, detail=True)


@router.post("/registry/residents/{uuid}/reveal", response={200: RegistryRevealOut, **ERRORS})
def resident_reveal(request, uuid: UUID, payload: RegistryRevealIn):
    """Show one full ID number or mobile; the reason is written to the audit log."""
    resident = _resident_or_404(request, uuid)
    value = services.resident_reveal(resident=resident, actor=request.auth,
                                     field=payload.field, reason=payload.reason,
                                     request=request)
    return {"field": payload.field, "value": value}


@router.post("/registry/residents/{uuid}/anonymise", response={200: RegistryResidentOut, **ERRORS})
def resident_anonymise(request, uuid: UUID):
    """Carry out a deletion request: personal fields are replaced by a pseudonym."""
    require_roles(request, *MANAGER_ROLES)
    resident = _resident_or_404(request, uuid)
    return _resident_out(services.resident_anonymise(resident=resident, actor=request.auth,
                                                     request=request))


@router.get("/registry/me", response={200: RegistryMyDataOut, **ERRORS})
def my_data(request):
    """The caller's own resident record and household (their own data, still masked)."""
    resident = selectors.resident_of_user(user=request.auth)
    if resident is None:
        raise Http404
    return {"resident": _resident_out(resident, detail=True),
            "household": _household_detail(resident.household)}


def _binding_out(b) -> dict:
    return {"uuid": b.uuid, "household": b.household.address, "kind": b.kind,
            "relation": b.relation, "name": b.user.name,
            "mobile_masked": mask_mobile(b.user.mobile),
            "member_name": b.resident.name if b.resident_id else None, "status": b.status}


@router.get("/registry/bindings", response={200: list[RegistryBindingOut], **ERRORS})
@paginate(Pagination)
def binding_list(request):
    """Account bindings waiting for the caller's confirmation."""
    require_roles(request, *REGISTRY_ROLES, Role.RESIDENT)
    return PageMap(selectors.binding_list_for_user(user=request.auth), _binding_out)


@router.post("/registry/bindings/{uuid}/decision", response={200: RegistryBindingOut, **ERRORS})
def binding_decide(request, uuid: UUID, payload: RegistryDecisionIn):
    """Confirm or reject a resident's or proxy's binding to a household."""
    require_roles(request, *REGISTRY_ROLES, Role.RESIDENT)
    binding = selectors.binding_get_for_user(user=request.auth, uuid=uuid)
    if binding is None:
        raise Http404
    binding = services.binding_decide(binding=binding, actor=request.auth,
                                      confirm=payload.confirm, note=payload.note)
    return _binding_out(binding)
