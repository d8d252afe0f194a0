"""Points pages: the household's points (balance, claims, statement), the claim form, the
review queue for grid workers and staff, conventions for community staff, and the ranking."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from html import escape

from django import forms as django_forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from linli.accounts.models import Role
from linli.accounts.permissions import roles_required, signed_in
from linli.common.exceptions import DomainError
from linli.common.pages import form_add_domain_error, post_action
from linli.common.photos import content_type_for
from linli.common.text import is_uuid
from linli.common.views import post_only
from linli.ledger import selectors as ledger_selectors
from linli.points import policies, selectors, services
from linli.points.forms import (
    AdoptForm,
    ClaimForm,
    ConventionForm,
    InspectionForm,
    ItemForm,
    RejectForm,
    RuleForm,
)
from linli.points.models import ClaimStatus

REVIEWERS = tuple(services.REVIEWER_ROLES)
MANAGERS = tuple(services.MANAGER_ROLES)
CLAIM_VIEWERS = (Role.RESIDENT, *REVIEWERS)
PER_PAGE = 20


def _household(request):
    return selectors.household_for_user(request.user, request.GET.get("household") or None)


def _members(household):
    from linli.registry.models import Resident

    if household is None:
        return Resident.objects.none()
    return household.residents.filter(anonymised_at__isnull=True, moved_out=False,
                                      deceased=False).order_by("id")


# --- household pages --------------------------------------------------------------------


@signed_in
def household(request):
    """我的积分: balance, what to claim, claims and their status, what each member earned."""
    home = _household(request)
    ctx = {"household": home, "households": selectors.households_of_member(request.user)}
    if home is not None:
        account = selectors.points_account(home)
        # Only what the list shows (the item's title, the member's name): the full claim
        # joins six tables, and compiling and reading them was most of this page's time.
        claims = selectors.claim_list_for_household(household=home).select_related(
            None).select_related("item", "resident")
        page = Paginator(claims, 10).get_page(request.GET.get("page"))
        recent = []
        if account is not None:
            transfers = ledger_selectors.transfer_list_for_account(account=account)[:5]
            recent = selectors.label_entries(
                ledger_selectors.statement_rows(account=account, transfers=transfers))
        ctx.update({
            "account": account, "page": page, "recent": recent,
            "earnings": selectors.member_earnings(household=home),
            "items": selectors.items_in_force(community=home.community),
            "convention": selectors.convention_in_force(community=home.community),
        })
    return render(request, "points/household.html", ctx)


@signed_in
def statement(request):
    home = _household(request)
    account = selectors.points_account(home)
    ctx = {"household": home, "account": account}
    if account is not None:
        transfers = ledger_selectors.transfer_list_for_account(account=account)
        page = Paginator(transfers, PER_PAGE).get_page(request.GET.get("page"))
        ctx.update({"page": page, "rows": selectors.label_entries(ledger_selectors.statement_rows(
            account=account, transfers=page.object_list))})
    return render(request, "points/statement.html", ctx)


@signed_in
def claim_new(request):
    home = _household(request)
    if home is None:
        return render(request, "points/claim_form.html", {"household": None})
    items = selectors.items_in_force(community=home.community).filter(is_deduction=False)
    form = ClaimForm(request.POST or None, request.FILES or None, items=items,
                     residents=_members(home))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            claim = services.claim_submit(
                household=home, item=d["item"], actor=request.user, resident=d["resident"],
                note=d["note"], photo=d["photo"], occurred_on=d["occurred_on"])
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Your claim was sent. The grid worker will review it."))
            return redirect("points:claim_detail", uuid=claim.uuid)
    return render(request, "points/claim_form.html", {"household": home, "form": form,
                                                      "has_items": items.exists()})


def _claim(request, uuid):
    claim = selectors.claim_get_for_user(user=request.user, uuid=uuid)
    if claim is None:
        raise Http404
    return claim


@roles_required(*CLAIM_VIEWERS)
def claim_detail(request, uuid):
    claim = _claim(request, uuid)
    reviewer = policies.in_review_scope(request.user, claim.household)
    return render(request, "points/claim_detail.html", {
        "claim": claim, "events": claim.events.select_related("actor"),
        "may_decide": policies.can_decide_claim(request.user, claim),
        "own_record": claim.status == ClaimStatus.PENDING
        and policies.is_recorder(request.user, claim) and reviewer,
        "duplicates": selectors.claim_duplicates(claim=claim) if reviewer else [],
        "reviewer": reviewer, "reject_form": RejectForm(),
    })


@roles_required(*CLAIM_VIEWERS)
def claim_photo(request, uuid):
    claim = _claim(request, uuid)
    if not claim.photo:
        raise Http404
    response = FileResponse(claim.photo.open("rb"),
                            content_type=content_type_for(claim.photo.name))
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- review -----------------------------------------------------------------------------


@roles_required(*REVIEWERS)
def queue(request):
    status = request.GET.get("status", ClaimStatus.PENDING)
    if status not in ClaimStatus.values:
        status = ClaimStatus.PENDING
    grids = selectors.review_grids(request.user)
    grid_uuid = request.GET.get("grid", "")
    grid = grids.filter(uuid=grid_uuid).first() if is_uuid(grid_uuid) else None
    q = request.GET.get("q", "").strip()[:64]
    qs = selectors.claim_queue_for_user(user=request.user, status=status, grid=grid,
                                        q=q).select_related(None).select_related(
        "item", "household__grid", "submitted_by", "decided_by")  # what the rows show
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "points/queue.html", {
        "page": page, "status": status, "statuses": ClaimStatus.choices, "grids": grids,
        "grid": grid, "q": q, "select_all": request.GET.get("select") == "all",
    })


@roles_required(*REVIEWERS)
@post_only("points:queue")
def queue_bulk(request):
    """批量通过: the ticked claims of the queue (each approved on its own)."""
    uuids = request.POST.getlist("claims")[:200]
    qs = selectors.claim_queue_for_user(user=request.user)
    claims = [c for c in qs.filter(uuid__in=[u for u in uuids if is_uuid(u)])]
    if not claims:
        messages.info(request, _("Tick the claims to approve first."))
        return redirect("points:queue")
    approved, refused = services.claim_bulk_approve(claims=claims, actor=request.user)
    if approved:
        messages.success(request, _("%(n)s claims approved.") % {"n": len(approved)})
    if refused:
        messages.warning(request, _("%(n)s claims were skipped and are still waiting:") % {
            "n": len(refused)})
    for claim, reason in refused[:10]:
        messages.error(request, f"{claim.household.address} · {claim.item.title}：{reason}")
    return redirect("points:queue")


@roles_required(*REVIEWERS)
@post_only("points:claim_detail")
def claim_decide(request, uuid):
    claim = selectors.claim_queue_for_user(user=request.user, status="").filter(
        uuid=uuid).first()
    if claim is None:
        raise Http404
    action = request.POST.get("action")
    try:
        if action == "approve":
            services.claim_approve(claim=claim, actor=request.user,
                                   note=request.POST.get("note", ""))
            messages.success(request, _("Approved: %(points)s points for %(address)s.") % {
                "points": claim.item.signed_points, "address": claim.household.address})
        elif action == "reject":
            form = RejectForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Please give the reason for rejecting."))
                return redirect("points:claim_detail", uuid=claim.uuid)
            services.claim_reject(claim=claim, actor=request.user,
                                  reason=form.cleaned_data["reason"])
            messages.success(request, _("The claim was rejected."))
        else:
            messages.error(request, _("Choose approve or reject."))
    except DomainError as exc:
        messages.error(request, exc.message)
    if request.POST.get("next") == "queue":
        return redirect("points:queue")
    return redirect("points:claim_detail", uuid=claim.uuid)


class _PlainSelect(django_forms.Select):
    """The same `<select>` Django renders, built in one pass from (value, label) pairs read
    with `values_list`: a grid worker's scope is hundreds of households and thousands of
    residents, and rendering each option through the widget templates (and instantiating
    each model for its label) made the inspection page the slowest of the workbench."""

    def __init__(self, *, attrs=None, pairs=(), empty_label=None):
        super().__init__(attrs=attrs)
        self.pairs, self.empty_label = pairs, empty_label

    def use_required_attribute(self, initial) -> bool:
        return not self.is_hidden and self.empty_label is not None

    def render(self, name, value, attrs=None, renderer=None):
        final = {"name": name, **self.build_attrs(self.attrs, attrs)}
        flat = "".join(f" {k}" if v is True else f' {k}="{escape(str(v))}"'
                       for k, v in final.items() if v is not None and v is not False)
        wanted = set(self.format_value(value))
        options = [] if self.empty_label is None else [("", self.empty_label)]
        parts, chosen = [], False
        for option_value, label in itertools.chain(options, self.pairs):
            text = "" if option_value is None else str(option_value)
            selected = not chosen and text in wanted
            chosen = chosen or selected
            parts.append(f'<option value="{escape(text)}"{" selected" if selected else ""}>'
                         f"{escape(str(label))}</option>")
        return mark_safe(f"<select{flat}>{''.join(parts)}</select>")  # noqa: S308


def _plain_select(field, pairs) -> None:
    """Render a ModelChoiceField from `pairs` (its queryset still validates the input)."""
    field.widget = _PlainSelect(attrs=field.widget.attrs, pairs=pairs,
                                empty_label=field.empty_label)


@roles_required(*REVIEWERS)
def inspection_new(request):
    from linli.points.models import ConventionItem, ConventionStatus

    households = selectors.review_households(request.user).order_by("community__code", "number")
    items = ConventionItem.objects.filter(
        convention__status=ConventionStatus.ADOPTED,
        convention__community__in=households.values("community")).select_related(
        "convention__community").order_by("convention__community__code", "order")
    from linli.registry.models import Resident

    residents = Resident.objects.filter(household__in=households, anonymised_at__isnull=True)
    initial = {}
    if request.GET.get("household") and is_uuid(request.GET["household"]):
        initial["household"] = request.GET["household"]
    form = InspectionForm(request.POST or None, request.FILES or None, items=items,
                          residents=residents, households=households, initial=initial)
    _plain_select(form.fields["household"], households.values_list("uuid", "address"))
    _plain_select(form.fields["resident"], residents.values_list("uuid", "name"))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            claim = services.claim_record(
                household=d["household"], item=d["item"], actor=request.user,
                resident=d["resident"], note=d["note"], photo=d["photo"],
                occurred_on=d["occurred_on"])
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Recorded. It is now waiting for approval."))
            return redirect("points:claim_detail", uuid=claim.uuid)
    return render(request, "points/inspection_form.html", {"form": form})


# --- conventions ------------------------------------------------------------------------


@roles_required(*MANAGERS)
def conventions(request):
    communities = selectors.manager_communities(request.user)
    form = ConventionForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            convention = services.convention_create(
                community=d["community"], title=d["title"],
                allows_deductions=d["allows_deductions"], actor=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Draft created. Add or change items, then record "
                                        "the residents' meeting that adopts it."))
            return redirect("points:convention_detail", uuid=convention.uuid)
    qs = selectors.convention_list_for_user(user=request.user)
    return render(request, "points/conventions.html", {
        "page": Paginator(qs, PER_PAGE).get_page(request.GET.get("page")), "form": form,
        "rules": selectors.award_rule_list_for_user(user=request.user),
        "rule_form": RuleForm(communities=communities),
    })


def _convention(request, uuid):
    convention = selectors.convention_get_for_user(user=request.user, uuid=uuid)
    if convention is None:
        raise Http404
    return convention


def _convention_page(request, convention, *, item_form=None, adopt_form=None):
    return render(request, "points/convention_detail.html", {
        "convention": convention, "items": convention.items.all(),
        "item_form": item_form or ItemForm(),
        "adopt_form": adopt_form or AdoptForm(initial={"adopted_on": timezone.localdate()}),
    })


@roles_required(*MANAGERS)
def convention_detail(request, uuid):
    return _convention_page(request, _convention(request, uuid))


@roles_required(*MANAGERS)
@post_only("points:convention_detail")
def convention_item_add(request, uuid):
    convention = _convention(request, uuid)
    form = ItemForm(request.POST)
    if form.is_valid():
        try:
            services.convention_item_add(convention=convention, actor=request.user,
                                         **form.cleaned_data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Item added."))
            return redirect("points:convention_detail", uuid=convention.uuid)
    return _convention_page(request, convention, item_form=form)


@roles_required(*MANAGERS)
@post_only("points:convention_detail")
def convention_adopt(request, uuid):
    convention = _convention(request, uuid)
    form = AdoptForm(request.POST)
    if form.is_valid():
        try:
            services.convention_adopt(convention=convention, actor=request.user,
                                      **form.cleaned_data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("The convention is now in force."))
            return redirect("points:convention_detail", uuid=convention.uuid)
    return _convention_page(request, convention, adopt_form=form)


@roles_required(*MANAGERS)
@post_only("points:conventions")
def rule_set(request):
    form = RuleForm(request.POST, communities=selectors.manager_communities(request.user))
    if not form.is_valid():
        messages.error(request, _("Some fields are invalid."))
        return redirect("points:conventions")
    return post_action(
        request, lambda: services.award_rule_set(actor=request.user, **form.cleaned_data),
        success=_("Award rule saved."), next="points:conventions")


# --- ranking ----------------------------------------------------------------------------


def _month(value: str) -> date:
    try:
        year, month = (int(p) for p in value.split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        return selectors.this_month()


@signed_in
def rankings(request):
    communities = selectors.ranking_communities(request.user)
    community = None
    if request.GET.get("community") and is_uuid(request.GET["community"]):
        community = communities.filter(uuid=request.GET["community"]).first()
    if community is None:
        home = _household(request)
        community = (communities.filter(pk=home.community_id).first() if home else None) or \
            communities.first()
    month = _month(request.GET.get("month", ""))
    rows = selectors.ranking_for(community=community, month=month) if community else []
    months = []
    cursor = selectors.this_month()
    for _i in range(12):
        months.append(cursor)
        cursor = (cursor.replace(day=1) - timedelta(days=1)).replace(day=1)
    return render(request, "points/rankings.html", {
        "communities": communities, "community": community, "month": month, "rows": rows,
        "months": months,
    })
