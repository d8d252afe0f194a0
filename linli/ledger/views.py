"""Time-bank pages for residents and ledger pages for community staff."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from io import BytesIO

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from linli.accounts.permissions import roles_required, signed_in
from linli.common.audit import audit_record
from linli.common.exceptions import DomainError
from linli.common.models import AuditAction
from linli.ledger import selectors, services
from linli.ledger.forms import (
    AdjustmentForm,
    AllocationForm,
    DonationForm,
    GiftForm,
    ReversalForm,
    StatementFilterForm,
)
from linli.ledger.models import Account, AccountKind, TransferKind, Unit
from linli.ledger.templatetags.ledger_tags import amount as amount_text

STAFF = tuple(selectors.LEDGER_STAFF_ROLES)
PER_PAGE = 20


def _new_key() -> str:
    return uuid.uuid4().hex


def _statement_filters(request) -> tuple[StatementFilterForm, dict]:
    form = StatementFilterForm(request.GET or None)
    filters: dict = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        tz = timezone.get_current_timezone()
        filters = {
            "kind": data["kind"], "direction": data["direction"],
            "since": datetime.combine(data["since"], time.min, tz) if data["since"] else None,
            "until": datetime.combine(data["until"], time.max, tz) if data["until"] else None,
        }
    return form, filters


def _statement_page(request, account: Account):
    form, filters = _statement_filters(request)
    transfers = selectors.transfer_list_for_account(account=account, **filters)
    page = Paginator(transfers, PER_PAGE).get_page(request.GET.get("page"))
    rows = selectors.statement_rows(account=account, transfers=page.object_list)
    return form, filters, page, rows


def _xlsx(account: Account, rows, title: str) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    time_unit = account.unit == Unit.TIME
    sheet.append([pgettext("ledger", "Account"), account.label])
    sheet.append([_("Balance"), amount_text(account.balance, account.unit)])
    sheet.append([])
    header = [_("Time"), _("Type"), _("Counterparty"), _("Memo"), _("Reference")]
    header += ([_("In (hours)"), _("Out (hours)"), _("Balance after (hours)"),
                _("Change (minutes)")] if time_unit
               else [_("In (points)"), _("Out (points)"), _("Balance after (points)")])
    sheet.append(header)
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for row in rows:
        t = row.transfer
        values = [timezone.localtime(t.created_at).strftime("%Y-%m-%d %H:%M"),
                  t.get_kind_display(), row.counterparty.label, t.memo, t.reference]
        if time_unit:
            values += [round(row.change / 60, 2) if row.change > 0 else None,
                       round(-row.change / 60, 2) if row.change < 0 else None,
                       round(row.balance_after / 60, 2), row.change]
        else:
            values += [row.change if row.change > 0 else None,
                       -row.change if row.change < 0 else None, row.balance_after]
        sheet.append(values)
    for column, width in zip("ABCDEFGHI", (18, 14, 20, 30, 24, 12, 12, 16, 14), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="statement-{stamp}.xlsx"'
    return response


def _all_rows(account: Account, filters: dict):
    transfers = selectors.transfer_list_for_account(account=account, **filters)[:5000]
    return selectors.statement_rows(account=account, transfers=transfers)


# --- resident pages ---------------------------------------------------------------------


def _resident_context(request) -> dict:
    resident = selectors.resident_for_user(request.user)
    account = selectors.own_time_account(resident=resident)
    return {"resident": resident, "account": account}


@signed_in
def timebank(request):
    ctx = _resident_context(request)
    account, resident = ctx["account"], ctx["resident"]
    if account is not None:
        ctx["pending"] = list(selectors.held_reservations(account=account)[:10])
        recent = selectors.transfer_list_for_account(account=account)[:5]
        ctx["recent"] = selectors.statement_rows(account=account, transfers=recent)
        ctx["gifted"] = services.gifted_this_year(account=account)
    ctx.update({
        "storage_cap": services.storage_cap_minutes(),
        "gift_cap": services.gift_yearly_cap_minutes(),
        "has_family": resident is not None
        and selectors.family_members_for(resident=resident).exists(),
    })
    return render(request, "ledger/timebank.html", ctx)


@signed_in
def statement(request):
    ctx = _resident_context(request)
    account = ctx["account"]
    if account is not None:
        form, _filters, page, rows = _statement_page(request, account)
        ctx.update({"form": form, "page": page, "rows": rows,
                    "pending": selectors.reservation_list_for_account(account=account)[:20]})
    return render(request, "ledger/statement.html", ctx)


@signed_in
def statement_export(request):
    ctx = _resident_context(request)
    if ctx["account"] is None:
        messages.info(request, _("There is nothing to export yet."))
        return redirect("ledger:statement")
    _form, filters = _statement_filters(request)
    return _xlsx(ctx["account"], _all_rows(ctx["account"], filters), _("Time statement"))


@signed_in
def gift(request):
    """Gift hours to a family member: fill in, confirm, done (one effect per confirmation)."""
    ctx = _resident_context(request)
    resident, account = ctx["resident"], ctx["account"]
    if resident is None:
        return render(request, "ledger/gift.html", ctx)
    family = list(selectors.family_members_for(resident=resident))
    form = GiftForm(request.POST or None, family=family)
    ctx.update({"form": form, "family": family,
                "gift_cap": services.gift_yearly_cap_minutes(),
                "gifted": services.gifted_this_year(account=account) if account else 0})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("confirm") != "1":
            ctx.update({"confirming": True, "data": data, "key": _new_key()})
            return render(request, "ledger/gift.html", ctx)
        try:
            services.gift_create(giver=resident, recipient=data["recipient"],
                                 minutes=data["hours"], idempotency_key=request.POST.get("key", ""),
                                 memo=data["memo"], actor=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("You gifted %(amount)s to %(name)s.") % {
                "amount": amount_text(data["hours"], Unit.TIME), "name": data["recipient"].name})
            return redirect("ledger:timebank")
    return render(request, "ledger/gift.html", ctx)


@signed_in
def donate(request):
    """Donate hours to the community fund: fill in, confirm, done."""
    ctx = _resident_context(request)
    resident = ctx["resident"]
    if resident is None:
        return render(request, "ledger/donate.html", ctx)
    form = DonationForm(request.POST or None)
    ctx["form"] = form
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("confirm") != "1":
            ctx.update({"confirming": True, "data": data, "key": _new_key()})
            return render(request, "ledger/donate.html", ctx)
        try:
            services.donation_create(donor=resident, minutes=data["hours"],
                                     idempotency_key=request.POST.get("key", ""),
                                     memo=data["memo"], actor=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Thank you! You donated %(amount)s to the community "
                                        "fund.") % {"amount": amount_text(data["hours"],
                                                                          Unit.TIME)})
            return redirect("ledger:timebank")
    return render(request, "ledger/donate.html", ctx)


# --- staff pages ------------------------------------------------------------------------


@roles_required(*STAFF)
def accounts(request):
    query = request.GET.get("q", "").strip()[:64]
    kind = request.GET.get("kind", "")
    if kind not in AccountKind.values:
        kind = ""
    qs = selectors.account_list_for_user(user=request.user, query=query, kind=kind,
                                         staff_only=True)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "ledger/accounts.html", {
        "page": page, "query": query, "kind": kind, "kinds": AccountKind.choices,
    })


def _staff_account(request, uuid) -> Account:
    account = selectors.account_get_for_user(user=request.user, uuid=uuid, staff_only=True)
    if account is None:
        raise Http404
    return account


def _is_own(request, account: Account) -> bool:
    return bool(account.resident_id and account.resident.user_id == request.user.pk)


@roles_required(*STAFF)
def account(request, uuid):
    account = _staff_account(request, uuid)
    form, _filters, page, rows = _statement_page(request, account)
    adjust = AdjustmentForm(unit=account.unit, initial={"idempotency_key": _new_key()})
    return render(request, "ledger/account.html", {
        "account": account, "form": form, "page": page, "rows": rows,
        "pending": selectors.reservation_list_for_account(account=account)[:20],
        "adjust": adjust if account.is_member and not _is_own(request, account) else None,
    })


@roles_required(*STAFF)
def account_export(request, uuid):
    account = _staff_account(request, uuid)
    _form, filters = _statement_filters(request)
    audit_record(action=AuditAction.EXPORT, request=request, obj=account, field="statement",
                 reason="ledger statement", street_id=account.street_id)
    return _xlsx(account, _all_rows(account, filters), _("Statement"))


@roles_required(*STAFF)
@require_POST
def adjust(request, uuid):
    account = _staff_account(request, uuid)
    form = AdjustmentForm(request.POST, unit=account.unit)
    if _is_own(request, account):
        messages.error(request, _("You cannot correct your own account."))
    elif not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("The correction was not saved: %(errors)s") % {
            "errors": errors})
    else:
        data = form.cleaned_data
        try:
            services.adjustment_create(
                account=account, direction=data["direction"], amount=data["amount"],
                reason=data["reason"], idempotency_key=data["idempotency_key"],
                actor=request.user, request=request)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The correction was saved and recorded in the audit "
                                        "log."))
    return redirect("ledger:account", uuid=account.uuid)


@roles_required(*STAFF)
def reverse(request, uuid):
    transfer = selectors.transfer_get_for_user(user=request.user, uuid=uuid, staff_only=True)
    if transfer is None:
        raise Http404
    visible = selectors.account_list_for_user(user=request.user, staff_only=True)
    back = transfer.credit if visible.filter(pk=transfer.credit_id).exists() else transfer.debit
    own = _is_own(request, transfer.debit) or _is_own(request, transfer.credit)
    form = ReversalForm(request.POST or None, unit=transfer.unit,
                        initial={"idempotency_key": _new_key()})
    if request.method == "POST" and not own and form.is_valid():
        data = form.cleaned_data
        try:
            services.transfer_reverse(
                transfer=transfer, amount=data["amount"] or None, reason=data["reason"],
                idempotency_key=data["idempotency_key"], actor=request.user, request=request)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The transfer was reversed and the correction recorded "
                                        "in the audit log."))
            return redirect("ledger:account", uuid=back.uuid)
    return render(request, "ledger/reverse.html", {
        "transfer": transfer, "form": form, "back": back, "own": own,
        "already": transfer.reversals.first(),
        "is_reversal": transfer.kind == TransferKind.REVERSAL,
    })


@roles_required(*STAFF)
def funds(request):
    balances = {f.community_id: f for f in selectors.fund_list_for_user(user=request.user)}
    rows = [(c, balances.get(c.pk))
            for c in selectors.ledger_communities_for(request.user).order_by("street_id",
                                                                             "code")]
    return render(request, "ledger/funds.html", {"rows": rows})


@roles_required(*STAFF)
def allocate(request, community_uuid):
    from linli.registry.models import Resident

    community = selectors.ledger_communities_for(request.user).filter(
        uuid=community_uuid).first()
    if community is None:
        raise Http404
    fund = selectors.fund_list_for_user(user=request.user).filter(community=community).first()
    if request.method == "POST":
        form = AllocationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            recipient = Resident.objects.filter(uuid=data["recipient"],
                                                household__community=community).first()
            if recipient is None:
                raise Http404
            try:
                services.allocation_create(
                    fund=services.fund_account_ensure(community=community),
                    recipient=recipient, minutes=data["hours"], reason=data["reason"],
                    idempotency_key=data["idempotency_key"], actor=request.user,
                    request=request)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("%(amount)s allocated to %(name)s.") % {
                    "amount": amount_text(data["hours"], Unit.TIME), "name": recipient.name})
                return redirect("ledger:allocate", community_uuid=community.uuid)
        else:
            messages.error(request, _("Please enter the hours to allocate."))
    query = request.GET.get("q", "").strip()[:64]
    others = []
    if query:
        others = list(Resident.objects.filter(household__community=community,
                                              name__icontains=query).order_by("name")[:20])
    priority = Paginator(selectors.priority_residents_for(community=community), PER_PAGE)
    page = priority.get_page(request.GET.get("page"))
    return render(request, "ledger/allocate.html", {
        "community": community, "fund": fund, "page": page, "others": others,
        "query": query, "key": _new_key(),
    })
