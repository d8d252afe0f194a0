"""Writes for the civic points bank: convention versions, claims and automatic awards.

Points move only through the ledger's public services: an approved claim is one transfer from
the street's points issuer to the household (idempotency key `points-claim:<claim uuid>`); an
approved deduction is one transfer back; an award is one transfer per (rule, source record).
Per-household checks (caps, rate limits) run after the household's points account row is
locked, so two requests for one household cannot both pass a check (PostgreSQL row lock;
SQLite's IMMEDIATE transaction already serialises writers).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.common.exceptions import Conflict, DomainError, NotFound, require
from linli.common.exceptions import ValidationError as DomainValidationError
from linli.common.limits import CapReached, RateLimited
from linli.common.numbers import whole_number
from linli.common.periods import Period, period_bounds, period_range
from linli.common.photos import photo_save
from linli.ledger.models import AccountKind, TransferKind, Unit
from linli.ledger.services import (
    household_account_lock,
    system_account_ensure,
    transfer_create,
)
from linli.points import policies
from linli.points.models import (
    Award,
    AwardRule,
    Category,
    Claim,
    ClaimEvent,
    ClaimOrigin,
    ClaimStatus,
    Convention,
    ConventionItem,
    ConventionStatus,
)
from linli.points.policies import MANAGER_ROLES, REVIEWER_ROLES  # noqa: F401 - re-exported
from linli.points.reference import default_rule_ensure
from linli.points.states import CLAIM_MACHINE


def claims_per_day() -> int:
    return int(getattr(settings, "POINTS_CLAIMS_PER_DAY", 10))


# --- conventions ------------------------------------------------------------------------


def _text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainValidationError(_("This field is required."), field=field)
    if len(value) > max_length:
        raise DomainValidationError(_("This text is too long."), field=field)
    return value


@transaction.atomic
def convention_create(*, community, title: str, allows_deductions: bool = False, actor=None,
                      copy_current: bool = True) -> Convention:
    """A new draft version; by default it starts as a copy of the version in force."""
    require(policies.can_manage_convention(actor, community),
            _("Only community staff may change this community's convention."))
    title = _text(title, field="title", max_length=100)
    if Convention.objects.filter(community=community, status=ConventionStatus.DRAFT).exists():
        raise Conflict(_("This community already has a draft; finish or adopt it first."))
    latest = Convention.objects.filter(community=community).aggregate(v=Max("version"))["v"]
    convention = Convention.objects.create(community=community, version=(latest or 0) + 1,
                                           title=title, allows_deductions=allows_deductions)
    current = Convention.objects.filter(community=community,
                                        status=ConventionStatus.ADOPTED).first()
    if copy_current and current is not None:
        ConventionItem.objects.bulk_create([
            ConventionItem(convention=convention, code=i.code, title=i.title,
                           category=i.category, points=i.points,
                           is_deduction=i.is_deduction and allows_deductions,
                           evidence=i.evidence, photo_required=i.photo_required,
                           cap_count=i.cap_count, period=i.period, order=i.order)
            for i in current.items.all() if allows_deductions or not i.is_deduction
        ])
    return convention


@transaction.atomic
def convention_item_add(*, convention: Convention, code: str, title: str, category: str,
                        points: int, is_deduction: bool = False, evidence: str = "",
                        photo_required: bool = False, cap_count: int | None = None,
                        period: str = Period.MONTH, actor=None) -> ConventionItem:
    """Add an item to a draft; the items of an adopted version never change."""
    require(policies.can_manage_convention(actor, convention.community),
            _("Only community staff may change this community's convention."))
    if Convention.objects.filter(pk=convention.pk, status=ConventionStatus.DRAFT).count() != 1:
        raise Conflict(_("Items of an adopted convention cannot be changed; create a new "
                         "version instead."))
    code = _text(code, field="code", max_length=16)
    title = _text(title, field="title", max_length=100)
    evidence = _text(evidence, field="evidence", max_length=200, required=False)
    if category not in Category.values:
        raise DomainValidationError(_("Choose a category."), field="category")
    if period not in Period.values:
        raise DomainValidationError(_("Choose a period."), field="period")
    whole_number(points, low=1, high=10_000, field="points",
                 message=_("Points must be a whole number from 1 to 10,000."))
    if cap_count is not None:
        whole_number(cap_count, low=1, high=1000, field="cap_count",
                     message=_("The limit must be from 1 to 1,000 times."))
    if is_deduction and not convention.allows_deductions:
        raise DomainValidationError(_("This convention has no deduction items; deductions "
                                      "are not allowed."), field="is_deduction")
    if convention.items.filter(code=code).exists():
        raise Conflict(_("This code is already used in this version."), field="code")
    order = convention.items.count() + 1
    return ConventionItem.objects.create(
        convention=convention, code=code, title=title, category=category, points=points,
        is_deduction=is_deduction, evidence=evidence, photo_required=photo_required,
        cap_count=cap_count, period=period, order=order)


@transaction.atomic
def convention_adopt(*, convention: Convention, adopted_on: date, meeting: str,
                     entitled_count: int, present_count: int, votes_for: int,
                     actor=None) -> Convention:
    """Record the residents' meeting that adopted the draft; the previous version stops."""
    require(policies.can_manage_convention(actor, convention.community),
            _("Only community staff may change this community's convention."))
    meeting = _text(meeting, field="meeting", max_length=100)
    for name, value in (("entitled_count", entitled_count), ("present_count", present_count),
                        ("votes_for", votes_for)):
        whole_number(value, low=0, high=None, field=name, message=_("Enter a whole number."))
    if entitled_count < 1 or present_count > entitled_count:
        raise DomainValidationError(_("Those present cannot exceed those entitled to attend."),
                                    field="present_count")
    if present_count * 2 <= entitled_count:
        raise DomainValidationError(
            _("The meeting was not quorate: more than half of those entitled must be present "
              "(%(need)s of %(total)s).") % {"need": entitled_count // 2 + 1,
                                              "total": entitled_count},
            field="present_count")
    if votes_for > present_count:
        raise DomainValidationError(_("Votes in favour cannot exceed those present."),
                                    field="votes_for")
    if votes_for * 2 <= present_count:
        raise DomainValidationError(
            _("Not adopted: more than half of those present must vote in favour "
              "(%(need)s of %(total)s).") % {"need": present_count // 2 + 1,
                                              "total": present_count},
            field="votes_for")
    if adopted_on > timezone.localdate():
        raise DomainValidationError(_("The adoption date cannot be in the future."),
                                    field="adopted_on")
    if not convention.items.exists():
        raise DomainValidationError(_("Add at least one item before adopting."))
    Convention.objects.filter(community=convention.community_id,
                              status=ConventionStatus.ADOPTED).exclude(pk=convention.pk).update(
        status=ConventionStatus.SUPERSEDED, updated_at=timezone.now())
    rows = Convention.objects.filter(pk=convention.pk, status=ConventionStatus.DRAFT).update(
        status=ConventionStatus.ADOPTED, adopted_on=adopted_on, meeting=meeting,
        entitled_count=entitled_count, present_count=present_count, votes_for=votes_for,
        adopted_by=actor, updated_at=timezone.now())
    if rows != 1:
        raise Conflict(_("This version has already been adopted."))
    convention.refresh_from_db()
    return convention


# --- claims -----------------------------------------------------------------------------


def _check_item_in_force(*, household, item: ConventionItem) -> None:
    convention = item.convention
    if convention.community_id != household.community_id:
        raise NotFound(_("This item is not part of your community's convention."))
    if convention.status != ConventionStatus.ADOPTED:
        raise Conflict(_("This item is not in force; choose an item of the current "
                         "convention."), field="item")


def _period_count(*, household, item: ConventionItem, day: date,
                  statuses: tuple[str, ...]) -> int:
    start, end = period_bounds(item.period, day)
    return Claim.objects.filter(
        household=household, item__code=item.code,
        item__convention__community_id=household.community_id, status__in=statuses,
        occurred_on__gte=start, occurred_on__lt=end,
    ).count()


def _check_cap(*, household, item: ConventionItem, day: date, statuses: tuple[str, ...],
               exclude_pk: int | None = None) -> None:
    if not item.cap_count:
        return
    count = _period_count(household=household, item=item, day=day, statuses=statuses)
    if count >= item.cap_count:
        raise CapReached(
            _("The limit for “%(item)s” is %(cap)s times %(period)s per household, and it has "
              "been reached for this period.") % {
                "item": item.title, "cap": item.cap_count, "period": item.get_period_display()},
            field="item")


def _check_rate(*, household) -> None:
    limit = claims_per_day()
    since = timezone.now() - timedelta(days=1)
    if Claim.objects.filter(household=household, created_at__gte=since).count() >= limit:
        raise RateLimited(_("Your household has sent %(n)s claims in the last 24 hours, the "
                            "most allowed. Please try again tomorrow.") % {"n": limit})


def _member(household, resident):
    if resident is not None and resident.household_id != household.pk:
        raise DomainValidationError(_("Choose a member of this household."), field="resident")
    return resident


def _occurred(day: date | None) -> date:
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise DomainValidationError(_("The date cannot be in the future."), field="occurred_on")
    if day < today - timedelta(days=90):
        raise DomainValidationError(_("Claims must be made within 90 days."),
                                    field="occurred_on")
    return day


def _create_claim(*, household, item, origin, actor, resident, note, photo, occurred_on,
                  action: str, event_note: str) -> Claim:
    claim = Claim(household=household, item=item, resident=resident, origin=origin,
                  occurred_on=occurred_on, note=(note or "").strip()[:500], submitted_by=actor)
    if photo is not None:
        photo_save(claim.photo, photo)
    claim.save()
    # A claim is born pending: its first event has no state to leave (see states.py).
    ClaimEvent.objects.create(claim=claim, actor=actor, action=action, from_status="",
                              to_status=ClaimStatus.PENDING, note=event_note)
    return claim


@transaction.atomic
def claim_submit(*, household, item: ConventionItem, actor, resident=None, note: str = "",
                 photo=None, occurred_on: date | None = None) -> Claim:
    """A household member reports something they did (photo and note as evidence)."""
    require(policies.is_household_member(actor, household),
            _("Your account is not linked to this household."))
    _check_item_in_force(household=household, item=item)
    require(policies.can_submit_claim(actor, household, item),
            _("Deduction items are recorded by the grid worker."))
    if item.photo_required and photo is None:
        raise DomainValidationError(_("This item needs a photo as evidence."), field="photo")
    day = _occurred(occurred_on)
    household_account_lock(household=household)
    _check_rate(household=household)
    _check_cap(household=household, item=item, day=day,
               statuses=(ClaimStatus.PENDING, ClaimStatus.APPROVED))
    return _create_claim(household=household, item=item, origin=ClaimOrigin.SELF, actor=actor,
                         resident=_member(household, resident), note=note, photo=photo,
                         occurred_on=day, action="submit", event_note="")


def claim_duplicate_of(*, household, item: ConventionItem, day: date,
                       exclude_pk: int | None = None) -> Claim | None:
    """The first open or approved claim of the same household for the same item (by code, so
    across convention versions) on the same day: recording it again would pay twice."""
    qs = Claim.objects.filter(
        household=household, item__code=item.code,
        item__convention__community_id=household.community_id, occurred_on=day,
        status__in=(ClaimStatus.PENDING, ClaimStatus.APPROVED),
    ).select_related("submitted_by", "item")
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("created_at", "id").first()


def duplicate_message(first: Claim) -> str:
    who = getattr(first.submitted_by, "name", "") or _("the household")
    return _("“%(item)s” was already recorded for this household on %(day)s: recorded by "
             "%(who)s at %(at)s (%(status)s). The same record cannot be made twice.") % {
        "item": first.item.title, "day": first.occurred_on.strftime("%Y-%m-%d"), "who": who,
        "at": timezone.localtime(first.created_at).strftime("%Y-%m-%d %H:%M"),
        "status": first.get_status_display()}


@transaction.atomic
def claim_record(*, household, item: ConventionItem, actor, resident=None, note: str = "",
                 photo=None, occurred_on: date | None = None) -> Claim:
    """A grid worker (or staff) records a claim on inspection; it still needs approval by
    someone else (four eyes). The same household, item and day cannot be recorded twice."""
    require(policies.can_record_claim(actor, household),
            _("Only the grid worker or staff of this household's grid may record points."))
    _check_item_in_force(household=household, item=item)
    day = _occurred(occurred_on)
    household_account_lock(household=household)
    first = claim_duplicate_of(household=household, item=item, day=day)
    if first is not None:
        raise Conflict(duplicate_message(first), field="item", code="duplicate")
    _check_cap(household=household, item=item, day=day,
               statuses=(ClaimStatus.PENDING, ClaimStatus.APPROVED))
    return _create_claim(household=household, item=item, origin=ClaimOrigin.INSPECTION,
                         actor=actor, resident=_member(household, resident), note=note,
                         photo=photo, occurred_on=day, action="record",
                         event_note="inspection")


#: The four-eyes refusal (shown on pages, in the API and in bulk-approval reports).
def own_record_message() -> str:
    return _("The person who recorded these points cannot review them; please ask another "
             "member of staff to review.")


def _check_decider(claim: Claim, actor) -> None:
    require(policies.in_review_scope(actor, claim.household),
            _("Only the grid worker or staff of this household's grid may review this claim."))
    require(policies.can_decide_item(actor, claim),
            _("A deduction needs the approval of community staff."))
    require(not policies.is_recorder(actor, claim), own_record_message())


def _decide(claim: Claim, action: str, *, actor, note: str, **fields) -> None:
    """The guarded pending → decided update and its event (CLAIM_MACHINE); the related rows
    the caller already loaded stay loaded."""
    item, household = claim.item, claim.household
    CLAIM_MACHINE.move(claim, action, actor=actor, note=note, decided_by=actor,
                       decided_at=timezone.now(), **fields)
    claim.item, claim.household = item, household


@transaction.atomic
def claim_approve(*, claim: Claim, actor, note: str = "") -> Claim:
    """Approve: the household is credited exactly once (or debited, for a deduction)."""
    claim = Claim.objects.select_related("item__convention", "household__community").get(
        pk=claim.pk)
    _check_decider(claim, actor)
    if claim.status != ClaimStatus.PENDING:
        raise Conflict(_("This claim has already been decided."), code="already_decided")
    household = claim.household
    account = household_account_lock(household=household)
    item = claim.item
    if not item.is_deduction:
        _check_cap(household=household, item=item, day=claim.occurred_on,
                   statuses=(ClaimStatus.APPROVED,))
    _decide(claim, "approve", actor=actor, note=note, reason=(note or "").strip()[:255])
    issuer = system_account_ensure(street=household.community.street, kind=AccountKind.ISSUER,
                                   unit=Unit.POINTS)
    # The statement shows the memo to residents: the item's name, never its internal code.
    memo = item.title[:255]
    transfer = None
    if item.is_deduction:
        account.refresh_from_db()
        amount = min(item.points, account.available)
        if amount > 0:
            transfer = transfer_create(unit=Unit.POINTS, debit=account, credit=issuer,
                                       amount=amount, kind=TransferKind.ADJUSTMENT,
                                       reference=claim.reference,
                                       idempotency_key=claim.reference, memo=memo, actor=actor)
        points = -amount
    else:
        transfer = transfer_create(unit=Unit.POINTS, debit=issuer, credit=account,
                                   amount=item.points, kind=TransferKind.AWARD,
                                   reference=claim.reference, idempotency_key=claim.reference,
                                   memo=memo, actor=actor)
        points = item.points
    Claim.objects.filter(pk=claim.pk).update(points=points, transfer=transfer)
    claim.points, claim.transfer = points, transfer
    return claim


@transaction.atomic
def claim_reject(*, claim: Claim, actor, reason: str) -> Claim:
    claim = Claim.objects.select_related("item", "household").get(pk=claim.pk)
    _check_decider(claim, actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainValidationError(_("Please give the reason for rejecting."), field="reason")
    _decide(claim, "reject", actor=actor, note=reason, reason=reason[:255])
    return claim


def claim_bulk_approve(*, claims, actor) -> tuple[list[Claim], list[tuple[Claim, str]]]:
    """Approve several claims of a queue; each on its own, so one refusal (a cap, a
    deduction needing staff, a claim the actor recorded themself) does not hold up the
    others. The refusals come back with their message."""
    approved, refused = [], []
    for claim in claims:
        try:
            approved.append(claim_approve(claim=claim, actor=actor))
        except DomainError as exc:
            refused.append((claim, exc.message))
    return approved, refused


# --- automatic awards -------------------------------------------------------------------


@transaction.atomic
def award_rule_set(*, community, code: str, title: str, points_per_unit: int,
                   unit_label: str = "", cap_points: int | None = None,
                   period: str = Period.MONTH, active: bool = True, actor=None) -> AwardRule:
    """Create or change a community's automatic award rule (past awards keep their points)."""
    require(policies.can_set_award_rule(actor, community),
            _("Only community staff may change this community's award rules."))
    code = _text(code, field="code", max_length=32)
    title = _text(title, field="title", max_length=100)
    whole_number(points_per_unit, low=1, high=1000, field="points_per_unit",
                 message=_("Points must be a whole number from 1 to 1,000."))
    if period not in Period.values:
        raise DomainValidationError(_("Choose a period."), field="period")
    rule, _created = AwardRule.objects.update_or_create(
        community=community, code=code,
        defaults={"title": title, "points_per_unit": points_per_unit,
                  "unit_label": unit_label[:16], "cap_points": cap_points, "period": period,
                  "active": active})
    return rule


def _award_replay(rule: AwardRule, *, household, source_reference: str, quantity: int):
    award = Award.objects.filter(rule=rule, source_reference=source_reference).first()
    if award is not None and (award.household_id != household.pk
                              or award.quantity != quantity):
        raise Conflict(_("This source record was already awarded with other figures."),
                       code="idempotency_conflict")
    return award


def award_for_source(*, household, rule_code: str, source_reference: str, quantity: int,
                     actor=None, resident=None) -> Award:
    """Award points by rule for one source record (a completed service, an attendance).

    Called by other services after their own checks (a settled order, an attendance): the
    actor is recorded, the permission was decided by the calling service. A community without
    the rule yet gets it from `reference.DEFAULT_AWARD_RULES`; a rule its staff switched off
    awards nothing (NotFound).

    Idempotent on (rule, source_reference): calling again returns the first award. The
    points are `quantity × points_per_unit`, cut to what remains of the rule's cap for the
    household in the current period (an award may therefore carry 0 points)."""
    whole_number(quantity, low=1, high=10_000, field="quantity",
                 message=_("The quantity must be a whole number from 1 to 10,000."))
    source_reference = (source_reference or "").strip()
    if not source_reference or len(source_reference) > 50:
        raise DomainValidationError(_("A source reference of 1 to 50 characters is required."),
                                    field="source_reference")
    rule = default_rule_ensure(community_id=household.community_id, code=rule_code)
    if rule is None or not rule.active:
        raise NotFound(_("There is no active award rule “%(code)s” in this community.")
                       % {"code": rule_code})
    previous = _award_replay(rule, household=household, source_reference=source_reference,
                             quantity=quantity)
    if previous is not None:
        return previous
    try:
        with transaction.atomic():
            account = household_account_lock(household=household)
            points = quantity * rule.points_per_unit
            if rule.cap_points is not None:
                start, end = period_range(rule.period, timezone.localdate())
                earned = Award.objects.filter(rule=rule, household=household,
                                              created_at__gte=start, created_at__lt=end
                                              ).aggregate(s=Sum("points"))["s"] or 0
                points = max(0, min(points, rule.cap_points - earned))
            award = Award.objects.create(rule=rule, household=household,
                                         resident=_member(household, resident),
                                         source_reference=source_reference, quantity=quantity,
                                         points=points, actor=actor)
            if points:
                issuer = system_account_ensure(street=household.community.street,
                                               kind=AccountKind.ISSUER, unit=Unit.POINTS)
                key = f"points-award:{rule.uuid}:{source_reference}"
                award.transfer = transfer_create(
                    unit=Unit.POINTS, debit=issuer, credit=account, amount=points,
                    kind=TransferKind.AWARD, reference=key, idempotency_key=key,
                    memo=f"{rule.title} ×{quantity}"[:255], actor=actor)
                Award.objects.filter(pk=award.pk).update(transfer=award.transfer)
            return award
    except IntegrityError:
        previous = _award_replay(rule, household=household, source_reference=source_reference,
                                 quantity=quantity)
        if previous is None:
            raise
        return previous
