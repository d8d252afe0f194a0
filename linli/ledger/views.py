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

from linli.accounts.permissions import roles_required, signed_in
from linli.common.audit import audit_record
from linli.common.exceptions import DomainError
from linli.common.models import AuditAction
from linli.common.pages import form_add_domain_error, refusal_of
from linli.ledger import policies, selectors, services
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


def _xlsx(account: Account, rows, title: str, *, staff: bool = False) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from linli.common.xlsx import safe_row

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    time_unit = account.unit == Unit.TIME
    sheet.append(safe_row([pgettext("ledger", "Account"),
                           account.label if staff else _("My time account")]))
    sheet.append([_("Balance"), amount_text(account.balance, account.unit)])
    sheet.append([])
    # Residents see where value came from in plain words; the opaque reference is for staff.
    header = [_("Time"), _("Type"), _("Counterparty"), _("Memo")]
    header += [_("Reference")] if staff else []
    header += ([_("In (hours)"), _("Out (hours)"), _("Balance after (hours)"),
                _("Change (minutes)")] if time_unit
               else [_("In (points)"), _("Out (points)"), _("Balance after (points)")])
    sheet.append(header)
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for row in rows:
        t = row.transfer
        values = [timezone.localtime(t.created_at).strftime("%Y-%m-%d %H:%M"),
                  t.get_kind_display(), row.counterparty.label if staff else row.source,
                  t.memo] + ([t.reference] if staff else [])
        if time_unit:
            values += [round(row.change / 60, 2) if row.change > 0 else None,
                       round(-row.change / 60, 2) if row.change < 0 else None,
                       round(row.balance_after / 60, 2), row.change]
        else:
            values += [row.change if row.change > 0 else None,
                       -row.change if row.change < 0 else None, row.balance_after]
        sheet.append(safe_row(values))
    widths = (18, 14, 20, 30) + ((24,) if staff else ()) + (12, 12, 16, 14)
    for column, width in zip("ABCDEFGHI", widths, strict=False):
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


# Each flow is fill in → check and confirm → done, with post/redirect/get between the steps:
# the preview stores a draft in the session and redirects to a confirm page, so reloading or
# going back always lands on a page (never a re-POST or a blank 405), and the confirm page
# runs the same check as the service, so an impossible amount is refused at the preview.

_FIELD_MAP = {"minutes": "hours"}


def _form_error(form, exc: DomainError) -> None:
    form_add_domain_error(form, exc, field_names=_FIELD_MAP)


def _draft_key(name: str) -> str:
    return f"ledger-draft:{name}"


def _draft(request, name: str) -> dict | None:
    draft = request.session.get(_draft_key(name))
    return draft if isinstance(draft, dict) else None


def _draft_put(request, name: str, data: dict) -> None:
    request.session[_draft_key(name)] = {**data, "key": _new_key()}


def _draft_drop(request, name: str) -> None:
    request.session.pop(_draft_key(name), None)


def _hours_initial(minutes) -> str:
    return f"{int(minutes) / 60:g}"


def _gift_recipient(family, draft):
    return next((r for r in family if str(r.uuid) == draft.get("recipient")), None)


@signed_in
def gift(request):
    """Gift hours to a family member: fill in (here), check and confirm, done."""
    ctx = _resident_context(request)
    resident, account = ctx["resident"], ctx["account"]
    if resident is None:
        return render(request, "ledger/gift.html", ctx)
    family = list(selectors.family_members_for(resident=resident))
    draft = _draft(request, "gift")
    initial = ({"recipient": draft.get("recipient"), "hours": _hours_initial(draft["minutes"]),
                "memo": draft.get("memo", "")} if draft else None)
    form = GiftForm(request.POST or None, family=family, initial=initial)
    ctx.update({"form": form, "family": family,
                "gift_cap": services.gift_yearly_cap_minutes(),
                "gifted": services.gifted_this_year(account=account) if account else 0})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.gift_check(giver=resident, recipient=data["recipient"],
                                minutes=data["hours"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            _draft_put(request, "gift", {"recipient": str(data["recipient"].uuid),
                                         "minutes": data["hours"], "memo": data["memo"]})
            return redirect("ledger:gift_confirm")
    return render(request, "ledger/gift.html", ctx)


@signed_in
def gift_confirm(request):
    ctx = _resident_context(request)
    resident = ctx["resident"]
    draft = _draft(request, "gift")
    if resident is None or draft is None:
        return redirect("ledger:timebank" if request.method == "POST" else "ledger:gift")
    family = list(selectors.family_members_for(resident=resident))
    recipient = _gift_recipient(family, draft)
    if request.method == "POST":
        try:
            services.gift_create(giver=resident, recipient=recipient, minutes=draft["minutes"],
                                 idempotency_key=draft["key"], memo=draft.get("memo", ""),
                                 actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("ledger:gift")
        _draft_drop(request, "gift")
        messages.success(request, _("You gifted %(amount)s to %(name)s.") % {
            "amount": amount_text(draft["minutes"], Unit.TIME), "name": recipient.name})
        return redirect("ledger:timebank")
    problem = refusal_of(lambda: services.gift_check(giver=resident, recipient=recipient,
                                                     minutes=draft["minutes"]))
    ctx.update({"confirming": True, "problem": problem, "recipient": recipient, "family": family,
                "minutes": draft["minutes"], "memo": draft.get("memo", "")})
    return render(request, "ledger/gift.html", ctx)


@signed_in
def donate(request):
    """Donate hours to the community fund: fill in (here), check and confirm, done."""
    ctx = _resident_context(request)
    resident = ctx["resident"]
    if resident is None:
        return render(request, "ledger/donate.html", ctx)
    draft = _draft(request, "donate")
    initial = ({"hours": _hours_initial(draft["minutes"]), "memo": draft.get("memo", "")}
               if draft else None)
    form = DonationForm(request.POST or None, initial=initial)
    ctx["form"] = form
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.donation_check(donor=resident, minutes=data["hours"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            _draft_put(request, "donate", {"minutes": data["hours"], "memo": data["memo"]})
            return redirect("ledger:donate_confirm")
    return render(request, "ledger/donate.html", ctx)


@signed_in
def donate_confirm(request):
    ctx = _resident_context(request)
    resident = ctx["resident"]
    draft = _draft(request, "donate")
    if resident is None or draft is None:
        return redirect("ledger:timebank" if request.method == "POST" else "ledger:donate")
    if request.method == "POST":
        try:
            services.donation_create(donor=resident, minutes=draft["minutes"],
                                     idempotency_key=draft["key"], memo=draft.get("memo", ""),
                                     actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("ledger:donate")
        _draft_drop(request, "donate")
        messages.success(request, _("Thank you! You donated %(amount)s to the community "
                                    "fund.") % {"amount": amount_text(draft["minutes"],
                                                                      Unit.TIME)})
        return redirect("ledger:timebank")
    problem = refusal_of(lambda: services.donation_check(donor=resident,
                                                         minutes=draft["minutes"]))
    ctx.update({"confirming": True, "problem": problem, "minutes": draft["minutes"],
                "memo": draft.get("memo", "")})
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


@roles_required(*STAFF)
def account(request, uuid):
    account = _staff_account(request, uuid)
    form, _filters, page, rows = _statement_page(request, account)
    adjust = None
    if policies.can_adjust(request.user, account):
        draft = _draft(request, "adjust")
        initial = None
        if draft and draft.get("account") == str(account.uuid):
            initial = {"direction": draft["direction"], "reason": draft["reason"],
                       "amount": _hours_initial(draft["amount"])
                       if account.unit == Unit.TIME else draft["amount"]}
        adjust = AdjustmentForm(unit=account.unit, initial=initial)
    return render(request, "ledger/account.html", {
        "account": account, "form": form, "page": page, "rows": rows,
        "pending": selectors.reservation_list_for_account(account=account)[:20],
        "adjust": adjust,
    })


@roles_required(*STAFF)
def account_export(request, uuid):
    account = _staff_account(request, uuid)
    _form, filters = _statement_filters(request)
    audit_record(action=AuditAction.EXPORT, request=request, obj=account, field="statement",
                 reason="ledger statement", street_id=account.street_id)
    return _xlsx(account, _all_rows(account, filters), _("Statement"), staff=True)


@roles_required(*STAFF)
def adjust(request, uuid):
    """The preview of a correction: checked like the service, then confirmed on its own page.
    A GET (a reload or a bookmark) goes back to the account."""
    account = _staff_account(request, uuid)
    if request.method != "POST":
        return redirect("ledger:account", uuid=account.uuid)
    form = AdjustmentForm(request.POST, unit=account.unit)
    if not form.is_valid():
        errors = "; ".join(f"{form.fields[name].label if name in form.fields else ''}："
                           f"{e}".lstrip("：") for name, errs in form.errors.items()
                           for e in errs)
        messages.error(request, _("The correction was not saved: %(errors)s") % {
            "errors": errors})
        return redirect("ledger:account", uuid=account.uuid)
    data = form.cleaned_data
    try:
        if not policies.can_adjust(request.user, account):
            raise DomainError(_("Only staff looking after this account may correct it, and "
                                "never their own or their family's account."))
        services.adjustment_check(account=account, direction=data["direction"],
                                  amount=data["amount"], reason=data["reason"])
    except DomainError as exc:
        messages.error(request, _("The correction was not saved: %(errors)s") % {
            "errors": exc.message})
        return redirect("ledger:account", uuid=account.uuid)
    _draft_put(request, "adjust", {"account": str(account.uuid), "direction": data["direction"],
                                   "amount": data["amount"], "reason": data["reason"]})
    return redirect("ledger:adjust_confirm", uuid=account.uuid)


@roles_required(*STAFF)
def adjust_confirm(request, uuid):
    account = _staff_account(request, uuid)
    draft = _draft(request, "adjust")
    if draft is None or draft.get("account") != str(account.uuid):
        return redirect("ledger:account", uuid=account.uuid)
    if request.method == "POST":
        try:
            services.adjustment_create(
                account=account, direction=draft["direction"], amount=draft["amount"],
                reason=draft["reason"], idempotency_key=draft["key"], actor=request.user,
                request=request)
        except DomainError as exc:
            messages.error(request, _("The correction was not saved: %(errors)s") % {
                "errors": exc.message})
        else:
            _draft_drop(request, "adjust")
            messages.success(request, _("The correction was saved and recorded in the audit "
                                        "log."))
        return redirect("ledger:account", uuid=account.uuid)
    problem = refusal_of(lambda: services.adjustment_check(
        account=account, direction=draft["direction"], amount=draft["amount"],
        reason=draft["reason"]))
    if not problem and not policies.can_adjust(request.user, account):
        problem = _("Only staff looking after this account may correct it, and never their "
                    "own or their family's account.")
    return render(request, "ledger/adjust_confirm.html", {
        "account": account, "draft": draft, "problem": problem,
        "credit": draft["direction"] == services.Direction.CREDIT,
    })


@roles_required(*STAFF)
def reverse(request, uuid):
    transfer = selectors.transfer_get_for_user(user=request.user, uuid=uuid, staff_only=True)
    if transfer is None:
        raise Http404
    visible = selectors.account_list_for_user(user=request.user, staff_only=True)
    back = transfer.credit if visible.filter(pk=transfer.credit_id).exists() else transfer.debit
    allowed = policies.can_reverse(request.user, transfer)
    form = ReversalForm(request.POST or None, unit=transfer.unit,
                        initial={"idempotency_key": _new_key()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.transfer_correct(
                transfer=transfer, amount=data["amount"] or None, reason=data["reason"],
                idempotency_key=data["idempotency_key"], actor=request.user, request=request)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("The transfer was reversed and the correction recorded "
                                        "in the audit log."))
            return redirect("ledger:account", uuid=back.uuid)
    return render(request, "ledger/reverse.html", {
        "transfer": transfer, "form": form, "back": back, "allowed": allowed,
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


def _staff_community(request, community_uuid):
    community = selectors.ledger_communities_for(request.user).filter(
        uuid=community_uuid).first()
    if community is None:
        raise Http404
    return community


@roles_required(*STAFF)
def allocate(request, community_uuid):
    """The fund page: priority elders and a search; allocating goes through a checked preview
    and a confirm page."""
    from linli.registry.models import Resident

    community = _staff_community(request, community_uuid)
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
                services.allocation_check(
                    fund=services.fund_account_ensure(community=community),
                    recipient=recipient, minutes=data["hours"], reason=data["reason"])
            except DomainError as exc:
                messages.error(request, _("%(name)s: %(problem)s") % {
                    "name": recipient.name, "problem": exc.message})
            else:
                _draft_put(request, "allocate", {
                    "community": str(community.uuid), "recipient": str(recipient.uuid),
                    "minutes": data["hours"], "reason": data["reason"]})
                return redirect("ledger:allocate_confirm", community_uuid=community.uuid)
        else:
            errors = "; ".join(f"{form.fields[name].label}：{e}" if name in form.fields
                               else str(e) for name, errs in form.errors.items() for e in errs)
            messages.error(request, errors)
        return redirect("ledger:allocate", community_uuid=community.uuid)
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


@roles_required(*STAFF)
def allocate_confirm(request, community_uuid):
    from linli.registry.models import Resident

    community = _staff_community(request, community_uuid)
    draft = _draft(request, "allocate")
    if draft is None or draft.get("community") != str(community.uuid):
        return redirect("ledger:allocate", community_uuid=community.uuid)
    recipient = Resident.objects.filter(uuid=draft["recipient"],
                                        household__community=community).first()
    if recipient is None:
        _draft_drop(request, "allocate")
        return redirect("ledger:allocate", community_uuid=community.uuid)
    fund = services.fund_account_ensure(community=community)
    if request.method == "POST":
        try:
            services.allocation_create(
                fund=fund, recipient=recipient, minutes=draft["minutes"],
                reason=draft["reason"], idempotency_key=draft["key"], actor=request.user,
                request=request)
        except DomainError as exc:
            messages.error(request, _("%(name)s: %(problem)s") % {
                "name": recipient.name, "problem": exc.message})
        else:
            _draft_drop(request, "allocate")
            messages.success(request, _("%(amount)s allocated to %(name)s.") % {
                "amount": amount_text(draft["minutes"], Unit.TIME), "name": recipient.name})
        return redirect("ledger:allocate", community_uuid=community.uuid)
    problem = refusal_of(lambda: services.allocation_check(
        fund=fund, recipient=recipient, minutes=draft["minutes"], reason=draft["reason"]))
    if not problem and not policies.can_allocate(request.user, fund):
        problem = _("Only staff of this community may pass on hours from its fund.")
    return render(request, "ledger/allocate_confirm.html", {
        "community": community, "fund": fund, "recipient": recipient, "draft": draft,
        "problem": problem,
    })
