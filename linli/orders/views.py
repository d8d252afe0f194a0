"""Pages: ordering in three taps (elder mode), the order page for everyone involved, the
volunteer's list, the staff dispatch board, phone orders, the catalogue, and meals."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from linli.accounts.models import Role
from linli.accounts.permissions import roles_required, signed_in
from linli.common.exceptions import DomainError, PermissionDenied, ValidationError
from linli.common.pages import flash_domain_error, object_or_404, post_action
from linli.common.pagination import CappedPaginator
from linli.orders import policies, selectors, services
from linli.orders.models import (
    Meal,
    OrderStatus,
    ProjectKind,
)

MANAGERS = (Role.COMMUNITY_STAFF, Role.STREET_ADMIN)
ORDER_ROLES = (Role.RESIDENT, Role.VOLUNTEER, Role.GRID_WORKER, Role.COMMUNITY_STAFF,
               Role.STREET_ADMIN)

#: The two visit windows offered each day (local time).
WINDOWS = {"am": (time(9), time(11)), "pm": (time(14), time(16))}
SLOT_DAYS = 3


# --- helpers ---------------------------------------------------------------------------------


def _slots(now: datetime | None = None) -> list[dict]:
    now = timezone.localtime(now)
    tz = timezone.get_current_timezone()
    slots = []
    for offset in range(SLOT_DAYS + 1):
        day = now.date() + timedelta(days=offset)
        for key, (start, end) in WINDOWS.items():
            start_at = datetime.combine(day, start, tz)
            if start_at < now + timedelta(hours=2):
                continue
            slots.append({"key": f"{day:%Y%m%d}-{key}", "start": start_at,
                          "end": datetime.combine(day, end, tz), "day": day,
                          "offset": offset, "window": key})
    return slots[: SLOT_DAYS * 2]


def _slot(key: str) -> dict | None:
    return next((s for s in _slots() if s["key"] == key), None)


def _member_households(user):
    from linli.registry.selectors import household_list_of_member

    return list(household_list_of_member(user=user))


def _household_for(request):
    """The household being ordered for: chosen by `?household=` among the user's own."""
    households = _member_households(request.user)
    wanted = request.GET.get("household") or request.POST.get("household")
    if wanted:
        chosen = next((h for h in households if str(h.uuid) == wanted), None)
        if chosen is None:
            raise Http404
        return chosen, households
    return (households[0] if len(households) == 1 else None), households


#: Rows per page on the board and on "my orders".
PAGE_SIZE = 20


def _page(request, qs, size: int = PAGE_SIZE) -> dict:
    """One page of `qs` sliced in SQL, uncounted (one row more than shown tells whether a next
    page exists, so no COUNT over the whole scope), with the query string for the page links.
    A page past the end shows the last page."""
    try:
        number = max(1, min(int(request.GET.get("page") or 1), 10_000))
    except (TypeError, ValueError):
        number = 1
    page = CappedPaginator(qs, size, cap=None).get_page(number)
    query = request.GET.copy()
    query.pop("page", None)
    prefix = query.urlencode()
    return {"rows": list(page.object_list), "number": page.number,
            "has_previous": page.has_previous(), "has_next": page.has_next(),
            "previous": page.number - 1, "next": page.number + 1,
            "query": f"{prefix}&" if prefix else ""}


# --- ordering (resident, proxy) ----------------------------------------------------------------


@signed_in
def new(request):
    """点单 in three taps: the service, the time, confirm."""
    household, households = _household_for(request)
    ctx = {"households": households, "household": household}
    if household is None:
        return render(request, "orders/new.html", ctx)
    projects = list(selectors.project_list_for_household(household=household))
    project = next((p for p in projects if str(p.uuid) == (request.GET.get("project")
                                                           or request.POST.get("project"))),
                   None)
    slot = _slot(request.GET.get("slot") or request.POST.get("slot") or "")
    ctx.update({"projects": projects, "project": project, "slot": slot, "slots": _slots(),
                "step": 3 if project and slot else 2 if project else 1,
                "meal_project": selectors.project_list_for_household(
                    household=household, kind=ProjectKind.MEAL).first()})
    if project and slot:
        # Warn before a second open order of the same service at an overlapping time.
        ctx["clashes"] = list(services.open_duplicates(
            project=project, household=household, slot_start=slot["start"],
            slot_end=slot["end"]))
        ctx["exact_clash"] = next((o for o in ctx["clashes"] if o.slot_start == slot["start"]
                                   and o.slot_end == slot["end"]), None)
    if request.method == "POST" and project and slot:
        # Post/redirect/get: after a refusal the confirm step is shown again by GET with the
        # message, so reload and back never resend the order.
        return post_action(
            request, lambda: services.order_submit(
                project=project, household=household, actor=request.user,
                slot_start=slot["start"], slot_end=slot["end"],
                note=request.POST.get("note", "")[:255],
                overlap_confirmed=request.POST.get("confirm_overlap") == "1"),
            success=_("Your order is in. The community will send someone."),
            next=lambda order: reverse("orders:detail", kwargs={"uuid": order.uuid}),
            failure_next=f"{request.path}?" + urlencode({
                "household": household.uuid, "project": project.uuid, "slot": slot["key"]}))
    return render(request, "orders/new.html", ctx)


@signed_in
def mine(request):
    """My orders: those of my household (and those I placed for family), and, for
    volunteers, what I am doing."""
    orders = selectors.order_list_for_user(user=request.user)
    volunteer = services.volunteer_of(request.user)
    if volunteer is not None:
        orders = orders.exclude(volunteer=volunteer).exclude(
            status=OrderStatus.DISPATCHED, volunteer__isnull=True)
    if request.user.is_staff_member:
        orders = orders.filter(requested_by=request.user) | orders.filter(
            household_id__in=[h.pk for h in _member_households(request.user)])
    page = _page(request, selectors.as_cards(orders))
    return render(request, "orders/mine.html", {
        "orders": page["rows"], "page": page, "volunteer": volunteer,
        "households": _member_households(request.user)})


def _order_or_404(request, uuid):
    return object_or_404(selectors.order_list_for_user(user=request.user), uuid=uuid)


#: Page flags -> (action whose state rule applies, policy predicate).
ABILITIES = {
    "can_cancel": ("cancel", policies.can_cancel),
    "can_rate": ("rate", policies.can_rate),
    "can_accept": ("accept", policies.can_accept),
    "can_decline": ("decline", policies.can_decline),
    "can_check_in": ("check_in", policies.can_check_in),
    "can_complete": ("complete", policies.can_complete),
    "can_resolve": ("resolve", policies.can_resolve),
    "can_settle": ("settle", policies.can_settle),
    "can_confirm_early": ("confirm_early", policies.can_confirm_early),
}


def _abilities(user, order) -> dict:
    """Which buttons to show: the same predicates the services enforce, and the state rule."""
    abilities = {flag: policies.available(order, action) and allowed(user, order)
                 for flag, (action, allowed) in ABILITIES.items()}
    manager = policies.manages(user, order.community_id)
    abilities["can_dispatch"] = manager and (policies.available(order, "dispatch")
                                             or policies.available(order, "reassign"))
    abilities["can_decline"] = abilities["can_decline"] and order.volunteer_id is not None
    abilities["can_confirm_early"] = abilities["can_confirm_early"] and (
        order.early_confirmed_at is None)
    abilities["is_manager"] = manager
    abilities["is_volunteer"] = policies.is_assigned(user, order)
    return abilities


STEPS = [
    (OrderStatus.SUBMITTED, gettext_lazy("Step: ordered")),
    (OrderStatus.DISPATCHED, gettext_lazy("Step: dispatched")),
    (OrderStatus.ACCEPTED, gettext_lazy("Step: accepted")),
    (OrderStatus.IN_SERVICE, gettext_lazy("Step: in service")),
    (OrderStatus.COMPLETED, gettext_lazy("Step: completed")),
    (OrderStatus.RATED, gettext_lazy("Step: rated")),
]
STEP_INDEX = {OrderStatus.SUBMITTED: 0, OrderStatus.DISPATCHED: 1, OrderStatus.ACCEPTED: 2,
              OrderStatus.IN_SERVICE: 3, OrderStatus.COMPLETED: 4, OrderStatus.DISPUTED: 4,
              OrderStatus.RATED: 5, OrderStatus.AUTO_CONFIRMED: 5, OrderStatus.RESOLVED: 5,
              OrderStatus.SETTLED: 5}


@roles_required(*ORDER_ROLES)
def detail(request, uuid, status: int = 200):
    order = _order_or_404(request, uuid)
    return render(request, "orders/detail.html", _detail_context(request, order),
                  status=status)


def _detail_context(request, order) -> dict:
    abilities = _abilities(request.user, order)
    reached = STEP_INDEX.get(order.status, -1)
    steps = [{"label": label, "done": i <= reached, "current": i == reached}
             for i, (_status, label) in enumerate(STEPS)]
    ctx = {"order": order, "steps": steps, "events": order.events.select_related("actor"),
           "stars": range(1, 6), **abilities}
    if order.status == OrderStatus.IN_SERVICE and order.checked_in_at:
        low, high = services.completion_bounds(order)
        ctx.update({"min_minutes": low, "max_minutes": high, "elapsed": high,
                    "too_early": timezone.now() < order.slot_start
                    and order.early_confirmed_at is None})
    if abilities["can_check_in"]:
        opens, closes = services.checkin_window(order)
        ctx.update({"checkin_opens": opens, "checkin_closes": closes,
                    "checkin_open": opens <= timezone.now() <= closes})
    if abilities["can_rate"]:
        chosen = _int_or_none(request.GET.get("stars"))
        ctx["chosen_stars"] = chosen if chosen in range(1, 6) else None
    return ctx


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return -1


def _float_or_none(value):
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return "invalid"


@roles_required(*ORDER_ROLES)
def transition(request, uuid, action):
    """Every button of the order page posts here; the service decides who may act. A refusal
    answers 403 with the order page and the reason; an illegal move or bad input comes back to
    the order page (post/redirect/get) with the message."""
    order = _order_or_404(request, uuid)
    if request.method != "POST":
        return redirect("orders:detail", uuid=order.uuid)
    post, user = request.POST, request.user
    try:
        if action == "accept":
            services.order_accept(order=order, actor=user)
            messages.success(request, _("You accepted the order. Thank you!"))
        elif action == "decline":
            services.order_decline(order=order, actor=user, reason=post.get("reason", ""))
            messages.success(request, _("The order goes back to the community."))
        elif action == "check_in":
            services.order_check_in(order=order, actor=user,
                                    latitude=_float_or_none(post.get("latitude")),
                                    longitude=_float_or_none(post.get("longitude")))
            messages.success(request, _("Checked in. The service time starts now."))
        elif action == "complete":
            services.order_complete(order=order, actor=user,
                                    minutes=_int_or_none(post.get("minutes")),
                                    note=post.get("note", ""),
                                    photo=request.FILES.get("photo"))
            messages.success(request, _("Service completed."))
        elif action == "rate":
            services.order_rate(order=order, actor=user,
                                stars=_int_or_none(post.get("stars")) or 0,
                                comment=post.get("comment", ""))
            messages.success(request, _("Thank you for rating."))
        elif action == "dispute":
            services.order_dispute(order=order, actor=user, reason=post.get("reason", ""))
            messages.success(request, _("The community will look into it."))
        elif action == "cancel":
            services.order_cancel(order=order, actor=user, reason=post.get("reason", ""))
            messages.success(request, _("The order is cancelled."))
        elif action == "refuse":
            services.order_refuse(order=order, actor=user, reason=post.get("reason", ""))
            messages.success(request, _("The order is refused."))
        elif action == "resolve":
            services.order_resolve(order=order, actor=user, pay=post.get("pay") == "1",
                                   note=post.get("note", ""),
                                   minutes=_int_or_none(post.get("minutes")))
            messages.success(request, _("The dispute is resolved."))
        elif action == "settle":
            services.order_settle(order=order, actor=user)
            messages.success(request, _("The hours are settled."))
        elif action == "confirm_early":
            services.order_confirm_early(order=order, actor=user, note=post.get("note", ""))
            messages.success(request, _("The early visit is confirmed."))
        else:
            raise Http404
    except PermissionDenied as exc:
        flash_domain_error(request, exc)
        return detail(request, uuid=order.uuid, status=403)
    except DomainError as exc:
        flash_domain_error(request, exc)
    return redirect("orders:detail", uuid=order.uuid)


# --- volunteer ---------------------------------------------------------------------------------


@roles_required(Role.VOLUNTEER)
def volunteer(request):
    me = services.volunteer_of(request.user)
    ctx = {"me": me}
    if me is not None:
        today = timezone.localdate()
        ctx.update({
            "offers": selectors.as_cards(selectors.offers_for_volunteer(volunteer=me)),
            "tasks": selectors.as_cards(selectors.tasks_for_volunteer(volunteer=me)),
            "records": selectors.service_records_for_volunteer(volunteer=me)[:10],
            "meals": selectors.meal_deliveries_for_volunteer(volunteer=me, day=today),
        })
    return render(request, "orders/volunteer.html", ctx)


# --- staff -------------------------------------------------------------------------------------


@roles_required(*MANAGERS)
def board(request):
    status = request.GET.get("status", "")
    if status == "far":
        # Check-ins the phone placed far from the household's address, in any state.
        orders = selectors.board_for_user(user=request.user, states=None).filter(
            checkin_far=True)
    else:
        orders = selectors.board_for_user(user=request.user)
        if status in OrderStatus.values:
            orders = orders.filter(status=status)
    page = _page(request, selectors.as_board_rows(orders))
    return render(request, "orders/board.html", {
        "orders": page["rows"], "page": page, "status": status,
        "statuses": [(s, OrderStatus(s).label) for s in selectors.BOARD_STATES]})


@roles_required(*MANAGERS)
def dispatch(request, uuid):
    order = selectors.order_get_for_manager(user=request.user, uuid=uuid)
    if order is None:
        raise Http404
    if request.method == "POST":
        volunteer = team = None
        if request.POST.get("volunteer"):
            volunteer = selectors.volunteer_for_dispatch(order=order,
                                                         uuid=request.POST["volunteer"])
        if request.POST.get("team"):
            team = selectors.team_for_dispatch(order=order, uuid=request.POST["team"])
        try:
            if volunteer is None and team is None:
                raise ValidationError(_("Choose one volunteer or one team."))
            move = services.order_dispatch if order.status == OrderStatus.SUBMITTED else (
                services.order_reassign)
            move(order=order, actor=request.user, volunteer=volunteer, team=team)
            messages.success(request, _("The order is sent."))
            return redirect("orders:board")
        except DomainError as exc:
            flash_domain_error(request, exc)
    from linli.volunteers.models import Skill

    q = (request.GET.get("q") or "").strip()[:32]
    skills = list(Skill.objects.order_by("order", "id"))
    skill = next((k for k in skills if k.code == request.GET.get("skill")), None)
    candidates = (selectors.candidates_for_order(order=order, q=q, skill=skill)
                  if order.status in (OrderStatus.SUBMITTED, OrderStatus.DISPATCHED,
                                      OrderStatus.ACCEPTED) else [])
    return render(request, "orders/dispatch.html", {
        "order": order, "candidates": candidates, "q": q, "skills": skills, "skill": skill,
        "teams": selectors.team_list_for_order(order=order),
        "events": order.events.select_related("actor")})


@roles_required(*MANAGERS, Role.GRID_WORKER)
def phone(request):
    """Staff enter an order an elder gave by phone."""
    from linli.registry.selectors import household_list_for_user

    q = (request.GET.get("q") or "").strip()
    households = household_list_for_user(user=request.user, q=q)[:20] if q else []
    household = None
    wanted = request.GET.get("household") or request.POST.get("household")
    if wanted:
        household = household_list_for_user(user=request.user).filter(uuid=wanted).first()
        if household is None:
            raise Http404
    ctx = {"q": q, "households": households, "household": household, "slots": _slots(),
           "posted": request.POST if request.method == "POST" else {}}
    if household is not None:
        ctx["projects"] = selectors.project_list_for_household(household=household)
        ctx["residents"] = household.residents.filter(moved_out=False, deceased=False,
                                                      anonymised_at__isnull=True)
    if request.method == "POST" and household is not None:
        project = ctx["projects"].filter(uuid=request.POST.get("project") or None).first()
        slot = _slot(request.POST.get("slot", ""))
        beneficiary = ctx["residents"].filter(uuid=request.POST.get("beneficiary") or None
                                              ).first()
        try:
            if project is None or slot is None:
                raise ValidationError(_("Choose a service and a time."))
            order = services.order_submit(project=project, household=household,
                                          actor=request.user, beneficiary=beneficiary,
                                          slot_start=slot["start"], slot_end=slot["end"],
                                          note=request.POST.get("note", ""),
                                          channel="phone",
                                          overlap_confirmed=request.POST.get(
                                              "confirm_overlap") == "1")
            messages.success(request, _("The phone order is entered."))
            return redirect("orders:detail", uuid=order.uuid)
        except DomainError as exc:
            flash_domain_error(request, exc)
            if getattr(exc, "code", "") == "overlap":
                # Staff confirm by ticking the box and sending again.
                ctx["ask_overlap"] = True
    return render(request, "orders/phone.html", ctx)


@roles_required(*MANAGERS)
def projects(request):
    from linli.accounts.selectors import communities_for

    communities = communities_for(request.user, set(MANAGERS)).order_by("code")
    if request.method == "POST":
        community = communities.filter(uuid=request.POST.get("community") or None).first()
        if community is None:
            raise Http404
        services.project_catalogue_ensure(community=community, actor=request.user)
        messages.success(request, _("The default services are in the catalogue."))
        return redirect("orders:projects")
    catalogue = selectors.project_list_for_manager(user=request.user)
    return render(request, "orders/projects.html", {
        "projects": catalogue, "communities": communities,
        "totals": [(c, selectors.service_totals(community=c)) for c in communities]})


# --- meals -------------------------------------------------------------------------------------


@signed_in
def meals(request):
    household, households = _household_for(request)
    ctx = {"household": household, "households": households}
    if household is None:
        return render(request, "orders/meals.html", ctx)
    project = selectors.project_list_for_household(household=household,
                                                   kind=ProjectKind.MEAL).first()
    today = timezone.localdate()
    ctx.update({"project": project, "meals": Meal.choices,
                "days": [today + timedelta(days=i) for i in range(7)]})
    if request.method == "POST" and project is not None:
        try:
            if request.POST.get("cancel"):
                meal = selectors.meal_get_for_user(user=request.user,
                                                   uuid=request.POST["cancel"])
                if meal is None:
                    raise Http404
                services.meal_order_cancel(meal_order=meal, actor=request.user)
                messages.success(request, _("The meal is cancelled."))
            else:
                day = parse_date(request.POST.get("date", "")) or today
                services.meal_order_create(
                    project=project, household=household, actor=request.user, date=day,
                    meal=request.POST.get("meal", Meal.LUNCH),
                    portions=_int_or_none(request.POST.get("portions")) or 1,
                    diet=request.POST.get("diet", ""))
                messages.success(request, _("The meal is ordered."))
            return redirect(f"{request.path}?household={household.uuid}")
        except DomainError as exc:
            flash_domain_error(request, exc)
    ctx["orders"] = selectors.meal_list_for_user(user=request.user).filter(
        household=household, date__gte=today)
    return render(request, "orders/meals.html", ctx)


@roles_required(*MANAGERS)
def meal_prep(request):
    from linli.accounts.selectors import communities_for
    from linli.registry.models import Building
    from linli.volunteers.models import Volunteer, VolunteerStatus

    day = parse_date(request.GET.get("date") or request.POST.get("date") or "") or (
        timezone.localdate())
    meal = request.GET.get("meal") or request.POST.get("meal") or Meal.LUNCH
    if meal not in Meal.values:
        meal = Meal.LUNCH
    communities = communities_for(request.user, set(MANAGERS))
    if request.method == "POST":
        community = communities.filter(uuid=request.POST.get("community") or None).first()
        volunteer = Volunteer.objects.filter(
            uuid=request.POST.get("volunteer") or None, status=VolunteerStatus.ACTIVE,
            community__in=communities).first()
        building = None
        if request.POST.get("building"):
            building = Building.objects.filter(uuid=request.POST["building"],
                                               estate__community__in=communities).first()

        def assign() -> int:
            if community is None or volunteer is None:
                raise ValidationError(_("Choose a volunteer."))
            return services.meal_assign(community=community, date=day, meal=meal,
                                        actor=request.user, volunteer=volunteer,
                                        building=building)

        return post_action(
            request, assign,
            success=lambda count: _("%(count)s deliveries assigned.") % {"count": count},
            next=f"{request.path}?date={day:%Y-%m-%d}&meal={meal}")
    volunteers = Volunteer.objects.filter(status=VolunteerStatus.ACTIVE,
                                          community__in=communities).select_related(
        "resident").order_by("resident__name")[:200]
    return render(request, "orders/meal_prep.html", {
        "day": day, "meal": meal, "meals": Meal.choices,
        "prep": [{**row, "meal_label": Meal(row["meal"]).label}
                 for row in selectors.meal_preparation(user=request.user, day=day)],
        "rounds": selectors.meal_rounds(user=request.user, day=day, meal=meal),
        "volunteers": volunteers, "communities": communities})


@roles_required(Role.VOLUNTEER, *MANAGERS)
@require_POST
def meal_outcome(request, uuid):
    meal = selectors.meal_get_for_user(user=request.user, uuid=uuid)
    if meal is None:
        raise Http404

    def back(_result=None) -> str:
        # The delivering volunteer goes back to their list, staff to the preparation page.
        if services.volunteer_of(request.user) is not None and meal.volunteer and (
                meal.volunteer.user_id == request.user.pk):
            return reverse("orders:volunteer")
        return reverse("orders:meal_prep")

    return post_action(
        request, lambda: services.meal_deliver(meal_order=meal, actor=request.user,
                                               delivered=request.POST.get("delivered") == "1",
                                               note=request.POST.get("note", "")),
        success=_("Recorded."), next=back)


#: Labels of this app's entries in `linli.accounts.navigation.NAV_ITEMS`, so that this app's
#: catalogue carries their translations.
NAV_LABELS = (gettext_lazy("Home services"), gettext_lazy("My tasks"),
              gettext_lazy("Dispatch board"))
