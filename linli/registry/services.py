"""Writes for the grid registry. Views, API, imports and the demo all come through here.

Every service validates first and writes after, inside one transaction, so a failed check
leaves nothing half-written. Errors are `linli.common.exceptions` with the offending field.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from linli.accounts.models import Role, User
from linli.common.audit import audit_record
from linli.common.exceptions import Conflict, TooManyRequests, ValidationError, require
from linli.common.models import AuditAction, AuditEvent, AuditResult
from linli.common.text import clean_name, fold_code, fold_mobile
from linli.registry import policies, rules
from linli.registry.idnumbers import id_number_parse
from linli.registry.models import (
    BindingKind,
    BindingStatus,
    Building,
    Community,
    DeletionRequest,
    DeletionStatus,
    Estate,
    Gender,
    Grid,
    GridVisit,
    Household,
    HouseholdBinding,
    PoliticalStatus,
    Relation,
    ResidenceType,
    Resident,
    SensitiveBasis,
    Tag,
    Unit,
    new_door_token,
)
from linli.registry.privacy import decrypt_id_number, hash_id_number, protect_id_number

RESIDENT_FIELDS = (
    "name", "gender", "birth_date", "id_number", "mobile", "ethnicity", "political_status",
    "residence_type", "relation", "moved_out", "moved_out_on", "deceased", "deceased_on",
    "tags", "health_note", "sensitive_basis", "sensitive_basis_note", "guardian",
)


# --- Pinyin -----------------------------------------------------------------------------

_ALL_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


def name_pinyin(name: str) -> tuple[str, str]:
    """`张三` → (`zhangsan`, `zs`). Non-Chinese characters pass through lower-cased."""
    return _name_pinyin((name or "").strip())


@lru_cache(maxsize=65536)
def _name_pinyin(name: str) -> tuple[str, str]:
    # Names repeat (an import of 100,000 people has far fewer distinct names), hence the
    # cache. A name of Chinese characters only is converted once: every syllable is
    # lower-case pinyin and its initial is its first letter (what Style.FIRST_LETTER gives).
    # Anything else (Latin letters, digits, ·) passes through whole in both styles.
    if _ALL_HAN.fullmatch(name):
        parts = lazy_pinyin(name, errors="default")
        full = "".join(parts).lower()
        initials = "".join(p[:1] for p in parts).lower()
        return full[:255], initials[:64]
    full = "".join(lazy_pinyin(name, errors="default")).lower().replace(" ", "")
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default"))
    return full[:255], initials.lower().replace(" ", "")[:64]


# --- Validation -------------------------------------------------------------------------

def resident_clean(
    *, data: dict[str, Any], household: Household, instance: Resident | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Check one resident's fields (all given keys of RESIDENT_FIELDS) against each other and
    the household. Returns the cleaned values and soft warnings; raises ValidationError on the
    first problem, naming its field. Used by the forms while typing, the API and imports."""
    today = timezone.localdate()
    merged: dict[str, Any] = {}
    if instance is not None:
        for key in RESIDENT_FIELDS:
            if key == "id_number":
                merged[key] = None  # unchanged unless given
            elif key == "tags":
                merged[key] = None
            else:
                merged[key] = getattr(instance, key)
    merged.update({k: v for k, v in data.items() if k in RESIDENT_FIELDS})
    warnings: list[str] = []
    clean: dict[str, Any] = {}

    # One hygiene rule for names from pages, API and imports: controls dropped, bidi
    # overrides refused (linli.common.text).
    clean["name"] = rules.name(clean_name(merged.get("name") or "", field="name"))

    gender = merged.get("gender") or ""
    if gender and gender not in Gender.values:
        raise ValidationError(_("Choose male or female."), field="gender")
    birth = rules.birth_date(merged.get("birth_date"), today=today)

    id_number = merged.get("id_number")
    if id_number is not None:
        id_number = fold_code(str(id_number))
        if id_number:
            info = id_number_parse(id_number)
            warnings.extend(info.warnings)
            birth = rules.birth_date_agrees(info, birth)
            gender = rules.gender_agrees(info, gender)
            digest = hash_id_number(info.number)
            clash = Resident.objects.filter(id_number_hash=digest)
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                raise Conflict(_("A resident with this ID number is already registered."),
                               field="id_number")
            clean.update(protect_id_number(info.number))
        else:
            clean.update({"id_number_encrypted": "", "id_number_hash": "",
                          "id_number_masked": ""})
    elif instance is not None and instance.id_number_encrypted:
        # Unchanged number: birth date and gender must still agree with it.
        info = id_number_parse(decrypt_id_number(instance.id_number_encrypted))
        rules.birth_date_agrees(info, birth)
        rules.gender_agrees(info, gender)
    clean["gender"], clean["birth_date"] = gender, birth

    clean["mobile"] = rules.mobile(fold_mobile(merged.get("mobile")))

    clean["ethnicity"] = rules.ethnicity(merged.get("ethnicity"))
    for key, choices, label in (
        ("political_status", PoliticalStatus, _("political status")),
        ("residence_type", ResidenceType, _("residence type")),
        ("relation", Relation, _("relation to head")),
    ):
        value = merged.get(key) or ""
        if value and value not in choices.values:
            raise ValidationError(_("Unknown %(what)s.") % {"what": label}, field=key)
        clean[key] = value
    clean["residence_type"] = rules.residence_type(clean["residence_type"])

    for flag, day_key, message in (
        ("moved_out", "moved_out_on", _("Give the moving-out date only for a resident who moved out.")),
        ("deceased", "deceased_on", _("Give the date of death only for a deceased resident.")),
    ):
        clean[flag], clean[day_key] = rules.life_event(
            on=bool(merged.get(flag)), day=merged.get(day_key), birth=birth, today=today,
            field=day_key, not_on=message)

    tags = merged.get("tags")
    if tags is not None:
        tags = list(tags)
        street_id = household.community.street_id
        if any(t.street_id != street_id for t in tags):
            raise ValidationError(_("This tag belongs to another street."), field="tags")
        clean["tags"] = tags
    health_note = (merged.get("health_note") or "").strip()
    basis = merged.get("sensitive_basis") or ""
    if basis and basis not in SensitiveBasis.values:
        raise ValidationError(_("Unknown basis."), field="sensitive_basis")
    basis_note = rules.basis_note(merged.get("sensitive_basis_note"))
    sensitive_tags = [t for t in (tags if tags is not None else
                                  (list(instance.tags.all()) if instance else [])) if t.sensitive]
    if (health_note or sensitive_tags) and not basis:
        raise ValidationError(
            _("Health or disability details need a recorded consent or legal basis."),
            field="sensitive_basis",
        )
    if basis and not basis_note and (health_note or sensitive_tags):
        raise ValidationError(
            _("Note where the consent is kept or which rule applies."),
            field="sensitive_basis_note",
        )
    clean["health_note"], clean["sensitive_basis"] = health_note, basis
    clean["sensitive_basis_note"] = basis_note

    guardian = merged.get("guardian")
    if rules.needs_guardian(birth, today=today):
        if guardian is None:
            raise ValidationError(
                _("A child under 14 can be recorded only with a guardian."), field="guardian"
            )
        if instance is not None and guardian.pk == instance.pk:
            raise ValidationError(_("A child cannot be their own guardian."), field="guardian")
        if guardian.household.community_id != household.community_id:
            raise ValidationError(_("The guardian must be registered in this community."),
                                  field="guardian")
        rules.guardian_adult(guardian.birth_date, today=today)
    clean["guardian"] = guardian
    return clean, warnings


def _apply_pinyin(resident: Resident) -> None:
    resident.name_pinyin, resident.name_initials = name_pinyin(resident.name)


def _set_head(household: Household, resident: Resident) -> None:
    if resident.relation == Relation.HEAD and household.head_id != resident.pk:
        household.head = resident
        household.save(update_fields=["head", "updated_at"])
    elif resident.relation != Relation.HEAD and household.head_id == resident.pk:
        household.head = None
        household.save(update_fields=["head", "updated_at"])


# --- Residents --------------------------------------------------------------------------

@transaction.atomic
def resident_create(*, household: Household, actor: User | None = None,
                    **fields: Any) -> Resident:
    require(policies.can_edit_resident(actor, household),
            _("Only the grid worker or community staff of this household may add its members."))
    unknown = set(fields) - set(RESIDENT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field."), field=sorted(unknown)[0])
    clean, warnings = resident_clean(data=fields, household=household)
    tags = clean.pop("tags", None)
    resident = Resident(household=household, **clean)
    _apply_pinyin(resident)
    resident._history_user = actor
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError as exc:
        raise Conflict(_("A resident with this ID number is already registered."),
                       field="id_number") from exc
    if tags:
        resident.tags.set(tags)
    _set_head(household, resident)
    resident.warnings = warnings
    return resident


@transaction.atomic
def resident_update(*, resident: Resident, actor: User | None = None,
                    **changes: Any) -> Resident:
    """Change the given fields. `id_number` omitted (or None) keeps the stored number."""
    require(policies.can_edit_resident(actor, resident.household),
            _("Only the grid worker or community staff of this household may change its "
              "members' records."))
    unknown = set(changes) - set(RESIDENT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field."), field=sorted(unknown)[0])
    if resident.anonymised_at:
        raise Conflict(_("This record has been anonymised and cannot be changed."))
    if changes.get("id_number") is None:
        changes.pop("id_number", None)
    clean, warnings = resident_clean(data=changes, household=resident.household,
                                     instance=resident)
    tags = clean.pop("tags", None)
    for key, value in clean.items():
        setattr(resident, key, value)
    _apply_pinyin(resident)
    resident._history_user = actor
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError as exc:
        raise Conflict(_("A resident with this ID number is already registered."),
                       field="id_number") from exc
    if tags is not None:
        resident.tags.set(tags)
    _set_head(resident.household, resident)
    resident.warnings = warnings
    return resident


def resident_reveal(*, resident: Resident, actor: User, field: str, reason: str,
                    request=None) -> str:
    """Return one full value and log that it was shown (never the value itself)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give the reason for viewing the full value."),
                              field="reason")
    if field not in ("id_number", "mobile"):
        raise ValidationError(_("Only the ID number or mobile can be revealed."), field="field")
    require(policies.can_reveal(actor, resident),
            _("Only the grid worker or community staff of this resident may view the full "
              "ID number or mobile."))
    _reveal_throttle(actor)
    audit_record(action=AuditAction.REVEAL, actor=actor, request=request, obj=resident,
                 field=field, reason=reason,
                 street_id=resident.household.community.street_id)
    if field == "mobile":
        return resident.mobile
    return decrypt_id_number(resident.id_number_encrypted)


def _reveal_throttle(actor: User) -> None:
    """At most REGISTRY_REVEAL_LIMIT reveals per person per window. The audit log is the
    counter: every reveal already writes a row there, it is shared by every worker process,
    and a refused reveal writes none (so a refusal does not extend the wait)."""
    limit = settings.REGISTRY_REVEAL_LIMIT
    window = settings.REGISTRY_REVEAL_WINDOW_SECONDS
    since = timezone.now() - timedelta(seconds=window)
    recent = AuditEvent.objects.filter(action=AuditAction.REVEAL, result=AuditResult.OK,
                                       actor=actor, at__gte=since)
    if recent.count() < limit:
        return
    oldest = recent.order_by("at").values_list("at", flat=True)[0]
    wait = max(1, math.ceil((oldest + timedelta(seconds=window) - timezone.now())
                            .total_seconds() / 60))
    raise TooManyRequests(
        _("You have viewed %(limit)d full ID numbers or mobiles in the last %(window)d minutes, "
          "the most allowed. Please try again in %(wait)d minutes.")
        % {"limit": limit, "window": window // 60, "wait": wait})


def _pseudonym(resident: Resident) -> str:
    return f"居民{resident.uuid.hex[:8].upper()}"


@transaction.atomic
def resident_anonymise(*, resident: Resident, actor: User | None = None,
                       request=None) -> Resident:
    """Deletion under PIPL Art. 47: personal fields are blanked or replaced by a pseudonym,
    in the record and in its history. The row and its primary key stay, so ledger entries
    and service records keep pointing at it."""
    require(policies.can_anonymise(actor, resident),
            _("Only staff of the resident's community may remove personal data."))
    if resident.anonymised_at:
        return resident
    pseudonym = _pseudonym(resident)
    blank = {
        "name": pseudonym, "gender": "", "birth_date": None, "id_number_encrypted": "",
        "id_number_hash": "", "id_number_masked": "", "mobile": "", "ethnicity": "",
        "political_status": "", "relation": "", "health_note": "", "sensitive_basis": "",
        "sensitive_basis_note": "", "guardian": None, "moved_out_on": None,
        "deceased_on": None,
    }
    for key, value in blank.items():
        setattr(resident, key, value)
    resident.moved_out = True
    resident.anonymised_at = timezone.now()
    resident.name_pinyin, resident.name_initials = "", ""
    user = resident.user
    resident.user = None
    resident._history_user = actor
    resident.save()
    resident.tags.clear()
    history_blank = {k if k != "guardian" else "guardian_id": v for k, v in blank.items()}
    Resident.history.filter(id=resident.pk).update(**history_blank)
    Resident.objects.filter(guardian=resident).update(guardian=None)
    household = resident.household
    if household.head_id == resident.pk:
        household.head = None
        household.save(update_fields=["head", "updated_at"])
    if user is not None:
        # The account goes too: no name, an impossible mobile (real ones start with 1).
        User.objects.filter(pk=user.pk).update(
            name=pseudonym, mobile=f"0{user.pk:010d}"[:11], is_active=False, password="!"
        )
        HouseholdBinding.objects.filter(user_id=user.pk).delete()
    # Recorded in the same transaction: an anonymisation is never without its audit row.
    audit_record(action=AuditAction.ANONYMISE, actor=actor, request=request, obj=resident,
                 field="account" if user is not None else "",
                 reason=_("personal data removed; login disabled") if user is not None
                 else _("personal data removed"),
                 street_id=household.community.street_id)
    DeletionRequest.objects.filter(resident=resident, status=DeletionStatus.PENDING).update(
        status=DeletionStatus.DONE, processed_by=actor, processed_at=timezone.now()
    )
    return resident


@transaction.atomic
def deletion_request_create(*, resident: Resident, actor: User,
                            reason: str = "") -> DeletionRequest:
    require(policies.can_request_deletion(actor, resident),
            _("Only the person themself may ask for their data to be removed."))
    existing = DeletionRequest.objects.filter(resident=resident,
                                              status=DeletionStatus.PENDING).first()
    if existing:
        return existing
    return DeletionRequest.objects.create(resident=resident, requested_by=actor,
                                          reason=reason.strip()[:255])


# --- Places and households --------------------------------------------------------------

@transaction.atomic
def estate_create(*, community: Community, name: str, actor: User | None = None) -> Estate:
    require(policies.can_manage_places(actor, community.pk),
            _("Only staff of this community may add estates and buildings."))
    name = fold_code(name or "")
    if not name:
        raise ValidationError(_("Please enter the name."), field="name")
    estate, _created = Estate.objects.get_or_create(community=community, name=name[:64])
    return estate


@transaction.atomic
def building_create(*, estate: Estate, grid: Grid, name: str, address: str,
                    latitude=None, longitude=None, actor: User | None = None) -> Building:
    require(policies.can_manage_places(actor, estate.community_id),
            _("Only staff of this community may add estates and buildings."))
    name, address = fold_code(name or ""), (address or "").strip()
    if not name:
        raise ValidationError(_("Please enter the building name."), field="name")
    if not address:
        raise ValidationError(_("Please enter the address."), field="address")
    if grid.community_id != estate.community_id:
        raise ValidationError(_("The grid must belong to the estate's community."), field="grid")
    if (latitude is None) != (longitude is None):
        raise ValidationError(_("Give both latitude and longitude, or neither."),
                              field="latitude")
    if latitude is not None and not (-90 <= float(latitude) <= 90):
        raise ValidationError(_("Latitude must be between -90 and 90."), field="latitude")
    if longitude is not None and not (-180 <= float(longitude) <= 180):
        raise ValidationError(_("Longitude must be between -180 and 180."), field="longitude")
    if Building.objects.filter(estate=estate, name=name).exists():
        raise Conflict(_("This building already exists in the estate."), field="name")
    return Building.objects.create(estate=estate, grid=grid, name=name[:32],
                                   address=address[:255], latitude=latitude,
                                   longitude=longitude)


def unit_get_or_create(*, building: Building, name: str) -> Unit | None:
    name = fold_code(name or "")
    if not name:
        return None
    unit, _created = Unit.objects.get_or_create(building=building, name=name[:16])
    return unit


def _household_clean(*, community: Community, grid: Grid, number: str, address: str,
                     building: Building | None, instance: Household | None = None) -> dict:
    number = rules.household_number(fold_code(number or ""))
    address = rules.address((address or "").strip())
    if grid.community_id != community.pk:
        raise ValidationError(_("The grid must belong to the household's community."),
                              field="grid")
    if building is not None and building.grid_id != grid.pk:
        raise ValidationError(_("The building is in another grid."), field="building")
    clash = Household.objects.filter(community=community, number=number)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise Conflict(_("This household number is already used in the community."),
                       field="number")
    return {"number": number, "address": address}


@transaction.atomic
def household_create(*, grid: Grid, number: str, address: str, actor: User | None = None,
                     building: Building | None = None, unit_name: str = "",
                     room: str = "") -> Household:
    require(policies.can_create_household(actor, grid),
            _("Only the grid worker or community staff of this grid may add households."))
    community = grid.community
    clean = _household_clean(community=community, grid=grid, number=number, address=address,
                             building=building)
    unit = unit_get_or_create(building=building, name=unit_name) if building else None
    household = Household(community=community, grid=grid, building=building, unit=unit,
                          room=fold_code(room or "")[:16], **clean)
    household._history_user = actor
    household.save()
    return household


@transaction.atomic
def household_update(*, household: Household, actor: User | None = None,
                     grid: Grid | None = None, number: str | None = None,
                     address: str | None = None, building: Building | None = None,
                     unit_name: str | None = None, room: str | None = None) -> Household:
    require(policies.can_edit_household(actor, household),
            _("Only the grid worker or community staff of this household may change it."))
    if grid is not None and grid.pk != household.grid_id:
        require(policies.can_create_household(actor, grid),
                _("You may move a household only into a grid you look after."))
    grid = grid or household.grid
    building = building if building is not None else household.building
    if building is not None and building.grid_id != grid.pk:
        building = None if building == household.building else building
    clean = _household_clean(
        community=household.community, grid=grid,
        number=household.number if number is None else number,
        address=household.address if address is None else address,
        building=building, instance=household,
    )
    household.grid, household.building = grid, building
    household.number, household.address = clean["number"], clean["address"]
    if unit_name is not None:
        household.unit = unit_get_or_create(building=building, name=unit_name) if building else None
    if room is not None:
        household.room = fold_code(room)[:16]
    household._history_user = actor
    household.save()
    return household


@transaction.atomic
def household_rotate_door_token(*, household: Household, actor: User | None = None) -> Household:
    """A lost plate: the old QR code stops working at once; print a new plate."""
    require(policies.can_rotate_door_token(actor, household),
            _("Only staff of the household's community may replace its door plate."))
    household.door_token = new_door_token()
    household.door_token_rotated_at = timezone.now()
    household._history_user = actor
    household.save(update_fields=["door_token", "door_token_rotated_at", "updated_at"])
    return household


def tag_ensure(*, street, names: list[tuple[str, bool]]) -> list[Tag]:
    tags = []
    for order, (name, sensitive) in enumerate(names):
        tag, _created = Tag.objects.get_or_create(
            street=street, name=name, defaults={"sensitive": sensitive, "order": order}
        )
        tags.append(tag)
    return tags


# --- Accounts of residents --------------------------------------------------------------

def door_member_verify(*, household: Household, name: str, mobile: str) -> Resident | None:
    """A visitor proves membership with their registered name and mobile."""
    name, mobile = (name or "").strip(), fold_mobile(mobile)
    if not name or not rules.is_mobile(mobile):
        return None
    return household.residents.filter(name=name, mobile=mobile, anonymised_at__isnull=True,
                                      moved_out=False, deceased=False).first()


@transaction.atomic
def binding_request(*, household: Household, user: User, kind: str, relation: str = "",
                    member_name: str = "") -> HouseholdBinding:
    if kind not in BindingKind.values:
        raise ValidationError(_("Choose whether you live here or are a relative."),
                              field="kind")
    if relation and relation not in Relation.values:
        raise ValidationError(_("Unknown relation."), field="relation")
    open_binding = HouseholdBinding.objects.filter(household=household, user=user).exclude(
        status=BindingStatus.REJECTED).first()
    if open_binding:
        return open_binding
    active = household.residents.filter(anonymised_at__isnull=True, deceased=False)
    if kind == BindingKind.PROXY:
        member_name = (member_name or "").strip()
        if not member_name:
            raise ValidationError(_("Enter the name of the family member you act for."),
                                  field="member_name")
        resident = active.filter(name=member_name).first()
        if resident is None:
            raise ValidationError(
                _("No member of this household has that name. Ask your grid worker."),
                field="member_name",
            )
    else:
        resident = active.filter(name=user.name, user__isnull=True).first()
    return HouseholdBinding.objects.create(household=household, user=user, kind=kind,
                                           relation=relation, resident=resident)


@transaction.atomic
def binding_decide(*, binding: HouseholdBinding, actor: User, confirm: bool,
                   note: str = "") -> HouseholdBinding:
    from linli.accounts.services import role_grant

    require(policies.can_decide_binding(actor, binding),
            _("Only the grid worker or community staff of this household, or the family "
              "member concerned, may decide this request."))
    if binding.status != BindingStatus.PENDING:
        raise Conflict(_("This request has already been decided."))
    updated = HouseholdBinding.objects.filter(pk=binding.pk, status=BindingStatus.PENDING).update(
        status=BindingStatus.CONFIRMED if confirm else BindingStatus.REJECTED,
        decided_by=actor, decided_at=timezone.now(), note=note.strip()[:255],
    )
    if updated != 1:
        raise Conflict(_("This request has already been decided."))
    binding.refresh_from_db()
    if not confirm:
        return binding
    household = binding.household
    if binding.kind == BindingKind.MEMBER:
        resident = binding.resident
        if resident is None:
            resident = resident_create(
                household=household, actor=actor, name=binding.user.name,
                mobile=binding.user.mobile, relation=binding.relation,
                residence_type=ResidenceType.PERMANENT,
            )
            binding.resident = resident
            binding.save(update_fields=["resident", "updated_at"])
        if resident.user_id and resident.user_id != binding.user_id:
            raise Conflict(_("This resident is already linked to another account."))
        resident.user = binding.user
        resident._history_user = actor
        resident.save(update_fields=["user", "updated_at"])
    role_grant(user=binding.user, role=Role.RESIDENT, scope=household.community,
               granted_by=actor)
    return binding


@transaction.atomic
def door_register(*, household: Household, name: str, mobile: str, password: str,
                  relation: str = "", kind: str = BindingKind.MEMBER,
                  member_name: str = "") -> HouseholdBinding:
    """A new account from the door-plate page, waiting for the grid worker's confirmation."""
    from linli.accounts.services import user_create

    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Please enter the name."), field="name")
    mobile = fold_mobile(mobile)
    if User.objects.filter(mobile=mobile).exists():
        raise Conflict(_("An account with this mobile number exists. Log in first, then scan "
                         "the door plate again."), field="mobile")
    user = user_create(mobile=mobile, password=password, name=name[:64])
    return binding_request(household=household, user=user, kind=kind, relation=relation,
                           member_name=member_name)


# --- Field work -------------------------------------------------------------------------

def grid_visit_touch(*, user: User):
    """Record this visit; return when the previous one was (None the first time)."""
    now = timezone.now()
    visit, created = GridVisit.objects.get_or_create(user=user, defaults={"seen_at": now})
    if created:
        return None
    previous = visit.seen_at
    # Visits within ten minutes are one session: keep comparing with the visit before it.
    if (now - previous).total_seconds() < 600:
        return visit.previous_seen_at
    GridVisit.objects.filter(pk=visit.pk).update(seen_at=now, previous_seen_at=previous)
    return previous
