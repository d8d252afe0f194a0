"""Points store pages: goods and exchange for households (phone), the counter and goods
management for clerks and community staff."""

from __future__ import annotations

import uuid as uuid_lib
from functools import lru_cache

import segno
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from linli.accounts.models import Role
from linli.accounts.permissions import roles_required, signed_in
from linli.common.exceptions import DomainError
from linli.common.pages import form_add_domain_error, post_action
from linli.common.photos import content_type_for
from linli.common.views import post_only
from linli.ledger import selectors as ledger_selectors
from linli.store import policies, selectors, services
from linli.store.forms import GoodsForm, RedeemForm, RestockForm
from linli.store.models import RedemptionStatus

CLERKS = tuple(services.CLERK_ROLES)
REDEMPTION_VIEWERS = (Role.RESIDENT, *CLERKS)
PER_PAGE = 20
#: The pickup code the clerk last looked up (post/redirect/get: the counter page shows it).
COUNTER_SESSION_KEY = "store_counter_code"
SCANNER_JS = "vendor/jsqr/jsQR.js"



def _page(qs, number):
    """`Paginator(qs, PER_PAGE).get_page(number)`, without the `COUNT(*)` on a first page that
    is not full (most households' exchanges, most communities' goods): it reads up to one row
    more than a page and counts only when there is more than one page."""
    paginator = Paginator(qs, PER_PAGE)
    if number in (None, "", "1"):
        rows = list(qs[:PER_PAGE + 1])
        if len(rows) <= PER_PAGE:
            paginator.count = len(rows)  # a cached property: the rows are all there is
        return Page(rows[:PER_PAGE], 1, paginator)
    return paginator.get_page(number)


def _household(request):
    return ledger_selectors.household_for_user(request.user)


@signed_in
def index(request):
    home = _household(request)
    ctx = {"household": home}
    if home is not None:
        goods = selectors.goods_tiles_on_offer(community=home.community)
        ctx.update({
            "account": ledger_selectors.points_account(home),
            "page": _page(goods, request.GET.get("page")),
            "waiting": selectors.redemption_lines_waiting(household=home),
        })
    return render(request, "store/index.html", ctx)


def _goods(request, uuid):
    goods = selectors.goods_get_for_user(user=request.user, uuid=uuid)
    if goods is None:
        raise Http404
    return goods


@signed_in
def goods_detail(request, uuid):
    home = _household(request)
    goods = selectors.goods_get_for_household(user=request.user, uuid=uuid, household=home)
    if goods is None:
        raise Http404
    return render(request, "store/goods_detail.html", {
        "goods": goods, "household": home, "form": RedeemForm(),
        "account": ledger_selectors.points_account(home),
        "own_community": home is not None and home.community_id == goods.community_id,
    })


@signed_in
def goods_photo(request, uuid):
    goods = _goods(request, uuid)
    if not goods.photo:
        raise Http404
    response = FileResponse(goods.photo.open("rb"), content_type=content_type_for(goods.photo.name))
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _redeem_household(request, goods):
    home = _household(request)
    if home is None:
        messages.error(request, _("Your account is not linked to a household yet. Scan your "
                                  "door plate or ask your grid worker."))
    return home


@signed_in
def redeem(request, uuid):
    """Two steps without pop-ups. GET `?quantity=` shows what will happen, checked with the
    same rules as the exchange itself (`services.redemption_check`), so the page never
    promises what the exchange then refuses; it is a plain page, so reload and back work.
    The confirming POST carries a one-time key (a double tap exchanges once) and redirects
    to the pickup code."""
    goods = _goods(request, uuid)
    home = _redeem_household(request, goods)
    if home is None:
        return redirect("store:index")
    form = RedeemForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose a quantity from 1 to 20."))
        return redirect("store:goods_detail", uuid=goods.uuid)
    quantity = form.cleaned_data["quantity"]
    if request.method != "POST" or request.POST.get("confirm") != "1":
        if request.method == "POST":
            return redirect(reverse("store:redeem", kwargs={"uuid": goods.uuid})
                            + f"?quantity={quantity}")
        try:
            quote = services.redemption_check(household=home, goods=goods, quantity=quantity,
                                              actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("store:goods_detail", uuid=goods.uuid)
        return render(request, "store/redeem_confirm.html", {
            "goods": goods, "household": home, "quantity": quantity, "total": quote.price,
            "quote": quote, "after": quote.after, "key": uuid_lib.uuid4().hex,
            "days": services.pickup_days(),
        })
    try:
        redemption = services.redemption_create(
            household=home, goods=goods, quantity=quantity,
            idempotency_key=request.POST.get("key", ""), actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("store:goods_detail", uuid=goods.uuid)
    messages.success(request, _("Exchanged! Show the pickup code at the store counter."))
    return redirect("store:redemption_detail", uuid=redemption.uuid)


@signed_in
def mine(request):
    home = _household(request)
    ctx = {"household": home}
    if home is not None:
        qs = selectors.redemption_lines_for_household(household=home)
        ctx["page"] = _page(qs, request.GET.get("page"))
    return render(request, "store/mine.html", ctx)


def _redemption(request, uuid):
    redemption = selectors.redemption_get_for_user(user=request.user, uuid=uuid)
    if redemption is None:
        raise Http404
    return redemption


def _qr_svg(request, redemption) -> str:
    url = request.build_absolute_uri(reverse("store:counter") + f"?code={redemption.pickup_code}")
    return mark_safe(segno.make(url, error="m").svg_inline(scale=4, omitsize=True))  # noqa: S308 - generated SVG


@roles_required(*REDEMPTION_VIEWERS)
def redemption_detail(request, uuid):
    redemption = _redemption(request, uuid)
    waiting = redemption.status == RedemptionStatus.RESERVED
    # The pickup code proves the household at the counter: only the household sees it.
    own = policies.is_household_member(request.user, redemption.household_id)
    return render(request, "store/redemption_detail.html", {
        "r": redemption, "qr": _qr_svg(request, redemption) if waiting and own else "",
        "show_code": own, "events": redemption.events.select_related("actor"),
        "waiting": waiting,
        "may_cancel": waiting and policies.can_cancel_redemption(request.user, redemption),
    })


@roles_required(*REDEMPTION_VIEWERS)
@post_only("store:redemption_detail")
def redemption_cancel(request, uuid):
    redemption = _redemption(request, uuid)
    return post_action(
        request, lambda: services.redemption_cancel(redemption=redemption, actor=request.user,
                                                    reason=request.POST.get("reason", "")),
        success=lambda r: _("Cancelled. %(points)s points are back in your household's "
                            "account.") % {"points": r.points},
        next=reverse("store:redemption_detail", kwargs={"uuid": redemption.uuid}))


# --- counter and goods (clerks, community staff) ----------------------------------------


@lru_cache(maxsize=1)
def _has_scanner() -> bool:
    """The QR reader is an npm file (`npm ci`); without it the counter still takes typed codes."""
    return bool(finders.find(SCANNER_JS))


@roles_required(*CLERKS)
def counter(request):
    """The clerk enters or scans the household's pickup code and only then sees that one
    exchange. The lookup is a POST (wrong codes are counted per clerk) that redirects here;
    the page shows the exchange of the code in the session."""
    if request.method == "POST":
        request.session.pop(COUNTER_SESSION_KEY, None)
        if request.POST.get("clear") != "1":
            try:
                found = services.counter_lookup(actor=request.user,
                                                code=request.POST.get("code", ""))
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect("store:counter")
            request.session[COUNTER_SESSION_KEY] = found.pickup_code
        return redirect("store:counter")
    code = request.session.get(COUNTER_SESSION_KEY, "")
    found = selectors.redemption_by_code(user=request.user, code=code) if code else None
    return render(request, "store/counter.html", {
        "found": found, "typed": services.normalise_code(request.GET.get("code", ""))[:8],
        "may_hand_over": found is not None and found.status == RedemptionStatus.RESERVED
        and policies.can_hand_over(request.user, found),
        "scanner": _has_scanner(), "scanner_js": SCANNER_JS,
    })


@roles_required(*CLERKS)
@post_only("store:counter")
def hand_over(request, uuid):
    redemption = _redemption(request, uuid)
    return post_action(
        request, lambda: services.redemption_hand_over(redemption=redemption,
                                                       actor=request.user,
                                                       code=request.POST.get("code", "")),
        success=lambda r: _("Handed over: %(goods)s × %(n)s.") % {
            "goods": r.goods.name, "n": r.quantity},
        next="store:counter")


def _clerk_communities(request):
    from linli.accounts.selectors import communities_for

    return communities_for(request.user, services.CLERK_ROLES).order_by("code")


@roles_required(*CLERKS)
def manage(request):
    q = request.GET.get("q", "").strip()[:64]
    qs = selectors.goods_list_for_clerk(user=request.user, q=q)
    return render(request, "store/manage.html", {
        "page": _page(qs, request.GET.get("page")), "q": q})


@roles_required(*CLERKS)
def goods_new(request):
    form = GoodsForm(request.POST or None, request.FILES or None,
                     communities=_clerk_communities(request))
    if request.method == "POST" and form.is_valid():
        try:
            goods = services.goods_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Goods added."))
            return redirect("store:goods_edit", uuid=goods.uuid)
    return render(request, "store/goods_form.html", {"form": form, "goods": None})


def _clerk_goods(request, uuid):
    goods = selectors.goods_get_for_clerk(user=request.user, uuid=uuid)
    if goods is None:
        raise Http404
    return goods


@roles_required(*CLERKS)
def goods_edit(request, uuid):
    goods = _clerk_goods(request, uuid)
    initial = {"name": goods.name, "description": goods.description, "price": goods.price,
               "limit_per_household": goods.limit_per_household,
               "limit_period": goods.limit_period, "available_from": goods.available_from,
               "available_until": goods.available_until,
               "donor_name": goods.donor.name if goods.donor else "", "active": goods.active}
    form = GoodsForm(request.POST or None, request.FILES or None, initial=initial,
                     communities=_clerk_communities(request), editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.goods_update(goods=goods, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("store:goods_edit", uuid=goods.uuid)
    return render(request, "store/goods_form.html", {
        "form": form, "goods": goods, "restock_form": RestockForm(),
        "restocks": goods.restocks.select_related("donor", "actor")[:20],
    })


@roles_required(*CLERKS)
@post_only("store:goods_edit")
def restock(request, uuid):
    goods = _clerk_goods(request, uuid)
    form = RestockForm(request.POST)
    edit_page = reverse("store:goods_edit", kwargs={"uuid": goods.uuid})
    if not form.is_valid():
        messages.error(request, _("Enter a quantity from 1 to 100,000."))
        return redirect(edit_page)
    return post_action(
        request, lambda: services.goods_restock(goods=goods, actor=request.user,
                                                **form.cleaned_data),
        success=_("Stock added."), next=edit_page)
