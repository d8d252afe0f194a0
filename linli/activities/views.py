"""Activity and class pages: residents (sign up, tickets, check-in, calendar, classes) and
community staff (plan, run, check in, close, summarise). Every object comes through a scoped
selector; anything out of scope is a 404."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from uuid import UUID

import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from linli.accounts.permissions import public, roles_required, signed_in
from linli.activities import crediting, ics, policies, selectors, services
from linli.activities.forms import (
    ActivityForm,
    BeneficiariesForm,
    CancelForm,
    ClassForm,
    SessionCancelForm,
    SummaryForm,
    WalkinForm,
)
from linli.activities.models import (
    ACTIVE_SIGNUP,
    Activity,
    ActivityKind,
    ActivityStatus,
    CreditStatus,
    CultureClass,
    SignupRole,
    SignupStatus,
)
from linli.common.exceptions import DomainError
from linli.common.pages import flash_domain_error, form_add_domain_error, post_action
from linli.common.views import post_only

MANAGERS = tuple(selectors.MANAGER_ROLES)
PER_PAGE = 20


def _uuid(value) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _qr_svg(data: str, scale: int = 6) -> str:
    return mark_safe(segno.make(data, error="m").svg_inline(scale=scale, border=2))  # noqa: S308


def _activity_for_user(request, uuid) -> Activity:
    activity = selectors.activity_get_for_user(user=request.user, uuid=uuid)
    if activity is None:
        raise Http404
    return activity


def _activity_for_manager(request, uuid) -> Activity:
    activity = selectors.activity_get_for_manager(user=request.user, uuid=uuid)
    if activity is None:
        raise Http404
    return activity


# --- residents: activities --------------------------------------------------------------


def _label_page(page, url_name: str):
    """Fill each activity of a list page with its type and status labels and its link, worked
    out once per page: `get_FOO_display()` hashes every (lazy) choice label on each call and
    `{% url %}` reverses per row."""
    placeholder = "00000000-0000-0000-0000-000000000000"
    base = reverse(url_name, kwargs={"uuid": placeholder})
    kinds = {k: str(v) for k, v in ActivityKind.choices}
    statuses = {k: str(v) for k, v in ActivityStatus.choices}
    page.object_list = list(page.object_list)
    for a in page.object_list:
        a.kind_label = kinds.get(a.kind, a.kind)
        a.status_label = statuses.get(a.status, a.status)
        a.url = base.replace(placeholder, str(a.uuid), 1)
    return page


@signed_in
def activity_list(request):
    kind = request.GET.get("kind", "")
    if kind not in ActivityKind.values:
        kind = ""
    show_past = request.GET.get("past") == "1"
    now = timezone.now()
    qs = selectors.activity_list_for_user(user=request.user, kind=kind)
    qs = qs.exclude(status=ActivityStatus.DRAFT)
    if show_past:
        qs = qs.filter(ends_at__lt=now).order_by("-starts_at", "-id")
    else:
        qs = qs.filter(ends_at__gte=now).exclude(status=ActivityStatus.CANCELLED)
    page = _label_page(Paginator(qs, PER_PAGE).get_page(request.GET.get("page")),
                       "activities:detail")
    return render(request, "activities/list.html", {
        "page": page, "kind": kind, "kinds": ActivityKind.choices, "show_past": show_past,
        "my_signups": {s.activity_id: s for s in selectors.signup_list_for_user(
            user=request.user, active_only=True).filter(activity__in=page.object_list)},
    })


def _detail_context(request, activity: Activity) -> dict:
    mine = selectors.signups_of_user_for_activity(user=request.user, activity=activity)
    active = [s for s in mine if s.status in ACTIVE_SIGNUP]
    members = policies.signable_residents(request.user)
    taken = {s.resident_id for s in active if s.resident_id}
    me = selectors.resident_for_user(request.user)
    self_signed = any((s.user_id == request.user.pk or (me and s.resident_id == me.pk))
                      and s.role == SignupRole.PARTICIPANT for s in active)
    return {
        "activity": activity,
        "mine": mine,
        "positions": {s.pk: selectors.waitlist_position(s) for s in active},
        "members": [m for m in members if m.pk not in taken],
        "self_signed": self_signed,
        "can_volunteer": activity.volunteers_needed > 0
        and policies.can_sign_up(request.user, activity, None, SignupRole.VOLUNTEER)
        and not any(s.role == SignupRole.VOLUNTEER for s in active),
        "is_manager": policies.can_edit_activity(request.user, activity),
        "photos": list(activity.photos.all()) if activity.status == ActivityStatus.SUMMARISED
        else [],
    }


@signed_in
def activity_detail(request, uuid):
    activity = _activity_for_user(request, uuid)
    return render(request, "activities/detail.html", _detail_context(request, activity))


@signed_in
@post_only("activities:detail")
def signup(request, uuid):
    activity = _activity_for_user(request, uuid)
    resident = None
    if request.POST.get("resident"):
        wanted = _uuid(request.POST["resident"])
        resident = next((m for m in policies.signable_residents(request.user)
                         if m.uuid == wanted), None)
        if resident is None:
            raise Http404
    role = request.POST.get("role") or SignupRole.PARTICIPANT
    try:
        made = services.signup_create(activity=activity, actor=request.user, resident=resident,
                                      role=role)
    except DomainError as exc:
        flash_domain_error(request, exc)
    else:
        if made.status == SignupStatus.CONFIRMED:
            messages.success(request, _("Signed up: %(name)s has a place.") % {"name": made.name})
        else:
            messages.info(request, _("The activity is full; %(name)s is on the waiting list and "
                                     "moves up automatically if a place comes free.")
                          % {"name": made.name})
    return redirect("activities:detail", uuid=activity.uuid)


@signed_in
@post_only("activities:detail")
def signup_cancel(request, uuid):
    activity = _activity_for_user(request, uuid)
    mine = [s for s in selectors.signups_of_user_for_activity(user=request.user,
                                                              activity=activity)
            if s.status in ACTIVE_SIGNUP]
    wanted = _uuid(request.POST.get("signup", ""))
    if wanted:
        mine = [s for s in mine if s.uuid == wanted]
    if not mine:
        messages.info(request, _("There is no sign-up to cancel."))
        return redirect("activities:detail", uuid=activity.uuid)
    return post_action(
        request, lambda: services.signup_cancel(signup=mine[0], actor=request.user),
        success=_("Sign-up cancelled for %(name)s.") % {"name": mine[0].name},
        next=reverse("activities:detail", kwargs={"uuid": activity.uuid}))


@signed_in
def ticket(request, uuid):
    """The attendee's own code: the organiser scans it to check them in."""
    activity = _activity_for_user(request, uuid)
    tickets = []
    for s in selectors.signups_of_user_for_activity(user=request.user, activity=activity):
        if s.status != SignupStatus.CONFIRMED:
            continue
        url = request.build_absolute_uri(
            reverse("activities:scan") + "?" + urlencode({"t": services.ticket_token(signup=s)}))
        tickets.append({"signup": s, "svg": _qr_svg(url, scale=7)})
    return render(request, "activities/ticket.html", {"activity": activity, "tickets": tickets})


@signed_in
def checkin(request, uuid):
    """Opened from the organiser's QR code: one big button checks in the person (and anyone
    they signed up who came along)."""
    activity = _activity_for_user(request, uuid)
    token = request.POST.get("t") or request.GET.get("t", "")
    ctx = {"activity": activity, "token": token}
    if request.method == "GET" and request.GET.get("done") == "1":
        # After the check-in (post/redirect/get): a reload shows the result again.
        done = [s.attendance for s in selectors.signups_of_user_for_activity(
            user=request.user, activity=activity) if hasattr(s, "attendance")]
        if done:
            ctx["done"] = done
            return render(request, "activities/checkin.html", ctx)
    if not token:
        ctx["error"] = _("Scan the code on the organiser's phone to check in.")
        return render(request, "activities/checkin.html", ctx)
    try:
        services.checkin_token_verify(activity=activity, token=token)
    except DomainError as exc:
        ctx["error"] = exc.message
        return render(request, "activities/checkin.html", ctx, status=400)
    mine = [s for s in selectors.signups_of_user_for_activity(user=request.user,
                                                              activity=activity)
            if s.status == SignupStatus.CONFIRMED or hasattr(s, "attendance")]
    ctx["mine"] = mine
    if request.method == "POST":
        try:
            services.checkin_record(activity=activity, actor=request.user, token=token)
        except DomainError as exc:
            ctx["error"] = exc.message
            return render(request, "activities/checkin.html", ctx, status=exc.status)
        return redirect(reverse("activities:checkin", kwargs={"uuid": activity.uuid})
                        + "?done=1")
    return render(request, "activities/checkin.html", ctx)


@signed_in
def mine(request):
    from linli.notifications.selectors import notification_list_for_user

    signups = selectors.signup_list_for_user(user=request.user)
    page = Paginator(signups, PER_PAGE).get_page(request.GET.get("page"))
    account = crediting.household_points_account(user=request.user)
    return render(request, "activities/mine.html", {
        "page": page,
        "notices": notification_list_for_user(user=request.user, unread_only=True)[:5],
        "points_account": account,
        "points_rows": crediting.recent_points(account=account) if account else [],
        "resident": selectors.resident_for_user(request.user),
    })


# --- calendar ---------------------------------------------------------------------------


def _calendar_community(request):
    communities = list(selectors.member_communities_for(request.user).order_by("street_id", "code"))
    for c in selectors.managed_communities_for(request.user):
        if c not in communities:
            communities.append(c)
    wanted = _uuid(request.GET.get("community", ""))
    chosen = next((c for c in communities if c.uuid == wanted), None)
    if chosen is None and wanted:
        raise Http404
    if chosen is None:
        home = selectors.home_community_id_for(request.user)
        chosen = next((c for c in communities if c.pk == home), None) if home else None
    return chosen or (communities[0] if communities else None), communities


def _month(value: str) -> tuple[int, int]:
    try:
        year, month = (int(x) for x in value.split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    today = timezone.localdate()
    return today.year, today.month


def _day_url(community) -> str:
    """The day page's URL (for 2000-01-01, substituted per day) keeping the community."""
    return (reverse("activities:calendar_day", kwargs={"day": "2000-01-01"})
            + "?" + urlencode({"community": str(community.uuid)}))


def _agenda(weeks, *, today: date, manages: bool) -> list[dict]:
    """The month's days as the agenda lists them (days with something on; every day for
    staff), with their heading and CSS classes worked out once here, not in template tags
    per day."""
    from django.utils.dateformat import format as date_format

    days = []
    for week in weeks:
        for d in week:
            if not d.in_month or not (d.items or manages):
                continue
            css = "act-agenda-day"
            if d.day < today:
                css += " act-agenda-past"
            if d.day == today:
                css += " act-agenda-today"
            days.append({"day": d, "css": css, "is_today": d.day == today,
                         "label": date_format(d.day, "n月j日 l")})
    return days


def _month_cells(weeks, *, today: date, manages: bool) -> list[list[dict]]:
    """The month grid's cells: CSS classes, the first three items and how many more."""
    rows = []
    for week in weeks:
        row = []
        for d in week:
            css = "act-day"
            if not d.in_month:
                css += " act-day-out"
            empty_mark = d.in_month and manages and not d.items
            if empty_mark:
                css += " act-day-empty"
            if d.day == today:
                css += " act-day-today"
            row.append({"day": d, "css": css, "pills": d.items[:3],
                        "more": max(len(d.items) - 3, 0), "empty_mark": empty_mark})
        rows.append(row)
    return rows


@signed_in
def calendar(request):
    community, communities = _calendar_community(request)
    year, month = _month(request.GET.get("month", ""))
    ctx = {"community": community, "communities": communities, "year": year, "month": month,
           "first": date(year, month, 1)}
    if community is not None:
        manages = selectors.managed_communities_for(request.user).filter(pk=community.pk).exists()
        weeks = selectors.month_grid(community=community, year=year, month=month,
                                     include_drafts=manages)
        selectors.calendar_link(weeks=weeks, day_url=_day_url(community))
        today = timezone.localdate()
        prev = date(year, month, 1) - timedelta(days=1)
        nxt = date(year, month, 28) + timedelta(days=7)
        ctx.update({
            "weeks": weeks, "manages": manages,
            "agenda": _agenda(weeks, today=today, manages=manages),
            "cells": _month_cells(weeks, today=today, manages=manages),
            "has_items": any(d.items for week in weeks for d in week if d.in_month),
            "warnings": selectors.calendar_warnings(weeks=weeks) if manages else [],
            "prev_month": f"{prev.year}-{prev.month:02d}",
            "next_month": f"{nxt.year}-{nxt.month:02d}",
            "ics_url": request.build_absolute_uri(
                reverse("activities:ics", kwargs={"community_uuid": community.uuid})),
            "today": today,
        })
    return render(request, "activities/calendar.html", ctx)


@signed_in
def calendar_day(request, day):
    try:
        the_day = date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    community, communities = _calendar_community(request)
    items = []
    if community is not None:
        manages = selectors.managed_communities_for(request.user).filter(pk=community.pk).exists()
        items = selectors.calendar_items(community=community, start=the_day, end=the_day,
                                         include_drafts=manages).get(the_day, [])
        selectors.calendar_link(items=items)
    return render(request, "activities/day.html", {
        "community": community, "communities": communities, "day": the_day, "items": items,
        "prev_day": the_day - timedelta(days=1), "next_day": the_day + timedelta(days=1),
    })


@public
def calendar_ics(request, community_uuid):
    """A subscribable iCalendar feed of a community's published activities and classes.
    Public (calendar apps cannot sign in): it holds what the notice board shows, no names."""
    from linli.registry.models import Community

    community = Community.objects.filter(uuid=community_uuid).first()
    if community is None:
        raise Http404
    today = timezone.localdate()
    items = selectors.calendar_items(community=community, start=today - timedelta(days=31),
                                     end=today + timedelta(days=92))
    body = ics.calendar_text(community=community, items=items,
                             base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="linli-{community.code}.ics"'
    return response


# --- residents: classes -----------------------------------------------------------------


@signed_in
def class_list(request):
    classes = selectors.class_list_for_user(user=request.user).filter(is_active=True)
    following = set(request.user.class_follows.values_list("culture_class_id", flat=True))
    return render(request, "activities/classes.html", {"classes": classes,
                                                       "following": following})


def _class_for_user(request, uuid) -> CultureClass:
    culture_class = selectors.class_get_for_user(user=request.user, uuid=uuid)
    if culture_class is None:
        raise Http404
    return culture_class


@signed_in
def class_detail(request, uuid):
    culture_class = _class_for_user(request, uuid)
    return render(request, "activities/class_detail.html", {
        "culture_class": culture_class,
        "sessions": selectors.session_list_for_class(
            culture_class=culture_class, since=timezone.localdate())[:12],
        "enrolment": selectors.enrolment_of_user(user=request.user,
                                                 culture_class=culture_class),
        "following": selectors.is_following(user=request.user, culture_class=culture_class),
    })


@signed_in
@post_only("activities:class_detail")
def class_enrol(request, uuid):
    culture_class = _class_for_user(request, uuid)
    return post_action(
        request,
        lambda: services.enrolment_create(culture_class=culture_class, actor=request.user),
        success=lambda made: _("%(name)s is enrolled.") % {"name": made.name},
        next=reverse("activities:class_detail", kwargs={"uuid": culture_class.uuid}))


@signed_in
@post_only("activities:class_detail")
def class_withdraw(request, uuid):
    culture_class = _class_for_user(request, uuid)
    enrolment = selectors.enrolment_of_user(user=request.user, culture_class=culture_class)
    if enrolment is None:
        messages.info(request, _("You are not enrolled in this class."))
        return redirect("activities:class_detail", uuid=culture_class.uuid)
    return post_action(
        request, lambda: services.enrolment_withdraw(enrolment=enrolment, actor=request.user),
        success=_("You have left the class."),
        next=reverse("activities:class_detail", kwargs={"uuid": culture_class.uuid}))


@signed_in
@post_only("activities:class_detail")
def class_follow(request, uuid):
    culture_class = _class_for_user(request, uuid)
    follow = request.POST.get("follow", "1") == "1"
    return post_action(
        request, lambda: services.class_follow_set(culture_class=culture_class,
                                                   user=request.user, follow=follow),
        success=_("You follow this class.") if follow else _("You no longer follow this class."),
        next=reverse("activities:class_detail", kwargs={"uuid": culture_class.uuid}))


# --- staff: activities ------------------------------------------------------------------


@roles_required(*MANAGERS)
def manage(request):
    status = request.GET.get("status", "")
    if status not in ActivityStatus.values:
        status = ""
    query = request.GET.get("q", "").strip()[:64]
    qs = selectors.activity_manage_list(user=request.user, status=status, query=query)
    page = _label_page(Paginator(qs, PER_PAGE).get_page(request.GET.get("page")),
                       "activities:manage_detail")
    return render(request, "activities/manage.html", {
        "page": page, "status": status, "statuses": ActivityStatus.choices, "query": query,
    })


def _local_default(days: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


@roles_required(*MANAGERS)
def create(request):
    communities = list(selectors.managed_communities_for(request.user))
    initial = {"starts_at": _local_default(7, 9), "ends_at": _local_default(7, 11),
               "signup_opens_at": _local_default(0, 8), "signup_closes_at": _local_default(7, 8),
               "capacity": 30}
    form = ActivityForm(request.POST or None, request.FILES or None, communities=communities,
                        initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        community, cover = data.pop("community"), data.pop("cover")
        try:
            activity = services.activity_create(community=community, actor=request.user,
                                                cover=cover, **data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Draft saved. Publish it when it is ready."))
            return redirect("activities:manage_detail", uuid=activity.uuid)
    return render(request, "activities/form.html", {"form": form, "editing": False})


@roles_required(*MANAGERS)
def edit(request, uuid):
    activity = _activity_for_manager(request, uuid)
    initial = {f: getattr(activity, f) for f in services.ACTIVITY_FIELDS}
    form = ActivityForm(request.POST or None, request.FILES or None, editing=True,
                        initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        cover = data.pop("cover")
        try:
            services.activity_update(activity=activity, actor=request.user, cover=cover, **data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("activities:manage_detail", uuid=activity.uuid)
    return render(request, "activities/form.html", {"form": form, "editing": True,
                                                    "activity": activity})


@roles_required(*MANAGERS)
def manage_detail(request, uuid):
    activity = _activity_for_manager(request, uuid)
    signups = selectors.signup_list_for_activity(activity=activity)
    attendances = selectors.attendance_list_for_activity(activity=activity)
    return render(request, "activities/manage_detail.html", {
        "activity": activity,
        "signups": signups,
        "attendances": attendances,
        "events": activity.events.select_related("actor"),
        "walkin_form": WalkinForm(),
        "beneficiaries_form": BeneficiariesForm(initial={
            "count": activity.beneficiaries, "reason": activity.beneficiaries_reason}),
        "credit_problems": attendances.filter(
            credit_status__in=[CreditStatus.PENDING, CreditStatus.FAILED]).count(),
        "S": ActivityStatus,
    })


TRANSITIONS = {
    "publish": (services.activity_publish,
                gettext_lazy("Published: residents can now sign up.")),
    "start": (services.activity_start, gettext_lazy("The activity is under way.")),
    "end": (services.activity_end,
            gettext_lazy("Attendance closed; points and hours credited.")),
    "credit": (services.activity_credit, gettext_lazy("Crediting retried.")),
}


@roles_required(*MANAGERS)
@post_only("activities:manage_detail")
def transition(request, uuid):
    activity = _activity_for_manager(request, uuid)
    action = request.POST.get("action", "")
    if action not in TRANSITIONS:
        messages.error(request, _("Unknown action."))
        return redirect("activities:manage_detail", uuid=activity.uuid)
    service, done = TRANSITIONS[action]
    return post_action(request, lambda: service(activity=activity, actor=request.user),
                       success=str(done),
                       next=reverse("activities:manage_detail", kwargs={"uuid": activity.uuid}))


@roles_required(*MANAGERS)
def cancel(request, uuid):
    """Cancelling cannot be undone: a page of its own says who will be told, then confirm."""
    activity = _activity_for_manager(request, uuid)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_cancel(activity=activity, actor=request.user,
                                     reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Cancelled. Everyone signed up has been told."))
            return redirect("activities:manage_detail", uuid=activity.uuid)
    told = activity.signups.filter(status__in=ACTIVE_SIGNUP).count()
    return render(request, "activities/cancel.html", {"activity": activity, "form": form,
                                                      "told": told})


@roles_required(*MANAGERS)
def summary(request, uuid):
    activity = _activity_for_manager(request, uuid)
    form = SummaryForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        photos = [(data[f], data["caption"]) for f in ("photo1", "photo2", "photo3")]
        try:
            services.activity_summarise(activity=activity, actor=request.user,
                                        summary=data["summary"], photos=photos)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Summary saved."))
            return redirect("activities:manage_detail", uuid=activity.uuid)
    return render(request, "activities/summary.html", {"activity": activity, "form": form})


@roles_required(*MANAGERS)
@post_only("activities:manage_detail")
def beneficiaries(request, uuid):
    activity = _activity_for_manager(request, uuid)
    form = BeneficiariesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please enter a number and who was served."))
        return redirect("activities:manage_detail", uuid=activity.uuid)
    return post_action(
        request, lambda: services.activity_beneficiaries_set(
            activity=activity, actor=request.user, count=form.cleaned_data["count"],
            reason=form.cleaned_data["reason"]),
        success=_("People served updated."),
        next=reverse("activities:manage_detail", kwargs={"uuid": activity.uuid}))


def _checkin_url(request, activity: Activity) -> str:
    token = services.checkin_token(activity=activity)
    return request.build_absolute_uri(
        reverse("activities:checkin", kwargs={"uuid": activity.uuid}) + "?"
        + urlencode({"t": token}))


def _qr_context(request, activity: Activity) -> dict:
    url = _checkin_url(request, activity)
    return {"activity": activity, "checkin_url": url, "svg": _qr_svg(url),
            "rotate": services.CHECKIN_ROTATE_SECONDS,
            "checked_in": activity.attendances.count(),
            "generated_at": timezone.localtime()}


@roles_required(*MANAGERS)
@never_cache
def qr(request, uuid):
    """The organiser's phone: a check-in code that renews itself every minute (htmx polling;
    no inline script, the CSP forbids it)."""
    activity = _activity_for_manager(request, uuid)
    return render(request, "activities/qr.html", _qr_context(request, activity))


@roles_required(*MANAGERS)
@never_cache
def qr_fragment(request, uuid):
    activity = _activity_for_manager(request, uuid)
    return render(request, "activities/_qr.html", _qr_context(request, activity))


@roles_required(*MANAGERS)
def scan(request):
    """Opened by the organiser's phone camera from an attendee's ticket code."""
    token = request.POST.get("t") or request.GET.get("t", "")
    ctx = {"token": token}
    try:
        signup = services.ticket_signup(token=token)
        if selectors.activity_get_for_manager(user=request.user,
                                              uuid=signup.activity.uuid) is None:
            raise Http404
    except DomainError as exc:
        ctx["error"] = exc.message
        return render(request, "activities/scan.html", ctx, status=400)
    ctx["signup"] = signup
    ctx["activity"] = signup.activity
    if request.method == "POST":
        try:
            services.checkin_by_ticket(token=token, actor=request.user)
        except DomainError as exc:
            ctx["error"] = exc.message
        else:
            return redirect(reverse("activities:scan") + "?" + urlencode({"t": token,
                                                                         "done": "1"}))
    elif request.GET.get("done") == "1" and hasattr(signup, "attendance"):
        ctx["done"] = signup.attendance
    return render(request, "activities/scan.html", ctx)


@roles_required(*MANAGERS)
@post_only("activities:manage")
def staff_checkin(request, uuid):
    signup = selectors.signup_get_for_user(user=request.user, uuid=uuid)
    if signup is None or selectors.activity_get_for_manager(
            user=request.user, uuid=signup.activity.uuid) is None:
        raise Http404
    return post_action(
        request, lambda: services.checkin_by_staff(signup=signup, actor=request.user),
        success=_("%(name)s checked in.") % {"name": signup.name},
        next=reverse("activities:manage_detail", kwargs={"uuid": signup.activity.uuid}))


@roles_required(*MANAGERS)
@post_only("activities:manage")
def checkout(request, uuid):
    attendance = selectors.attendance_get_for_manager(user=request.user, uuid=uuid)
    if attendance is None:
        raise Http404
    return post_action(
        request, lambda: services.attendance_checkout(attendance=attendance, actor=request.user),
        success=_("%(name)s checked out.") % {"name": attendance.name},
        next=reverse("activities:manage_detail", kwargs={"uuid": attendance.activity.uuid}))


@roles_required(*MANAGERS)
@post_only("activities:manage_detail")
def walkin(request, uuid):
    from linli.registry.models import Resident

    activity = _activity_for_manager(request, uuid)
    form = WalkinForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give the person's name."))
        return redirect("activities:manage_detail", uuid=activity.uuid)
    data = form.cleaned_data
    resident = None
    if data["mobile"]:
        resident = Resident.objects.filter(
            mobile=data["mobile"], household__community=activity.community, moved_out=False,
            deceased=False).first()
    return post_action(
        request, lambda: services.walkin_record(activity=activity, actor=request.user,
                                                name=data["name"], resident=resident,
                                                role=data["role"]),
        success=_("%(name)s recorded.") % {"name": data["name"]},
        next=reverse("activities:manage_detail", kwargs={"uuid": activity.uuid}))


# --- staff: classes ---------------------------------------------------------------------


@roles_required(*MANAGERS)
def class_manage(request):
    return render(request, "activities/class_manage.html", {
        "classes": selectors.class_manage_list(user=request.user)})


@roles_required(*MANAGERS)
def class_create(request):
    from linli.accounts.models import User

    communities = list(selectors.managed_communities_for(request.user))
    today = timezone.localdate()
    form = ClassForm(request.POST or None, communities=communities, initial={
        "term_start": today, "term_end": today + timedelta(days=90), "capacity": 30,
        "term_name": f"{today.year}"})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        mobile = data.pop("teacher_mobile")
        teacher = User.objects.filter(mobile=mobile).first() if mobile else None
        try:
            made = services.class_create(actor=request.user, teacher=teacher, **data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Class created with its sessions for the term."))
            return redirect("activities:class_admin", uuid=made.uuid)
    return render(request, "activities/class_form.html", {"form": form})


def _class_for_manager(request, uuid) -> CultureClass:
    culture_class = selectors.class_get_for_manager(user=request.user, uuid=uuid)
    if culture_class is None:
        raise Http404
    return culture_class


@roles_required(*MANAGERS)
def class_admin(request, uuid):
    culture_class = _class_for_manager(request, uuid)
    sessions = selectors.session_list_for_class(culture_class=culture_class)
    page = Paginator(sessions, 40).get_page(request.GET.get("page"))
    return render(request, "activities/class_admin.html", {
        "culture_class": culture_class, "page": page,
        "enrolments": selectors.enrolment_list_for_class(culture_class=culture_class),
        "followers": culture_class.follows.count(), "now_at": timezone.now(),
    })


@roles_required(*MANAGERS)
@post_only("activities:class_admin")
def class_generate(request, uuid):
    culture_class = _class_for_manager(request, uuid)
    return post_action(
        request, lambda: services.class_sessions_generate(culture_class=culture_class,
                                                          actor=request.user),
        success=lambda made: _("%(n)s new sessions added.") % {"n": made},
        next=reverse("activities:class_admin", kwargs={"uuid": culture_class.uuid}))


@roles_required(*MANAGERS)
def session(request, uuid):
    """Per-session attendance: tick who came."""
    class_session = selectors.session_get_for_manager(user=request.user, uuid=uuid)
    if class_session is None:
        raise Http404
    culture_class = class_session.culture_class
    enrolments = list(selectors.enrolment_list_for_class(culture_class=culture_class))
    if request.method == "POST":
        wanted = set(request.POST.getlist("present"))
        present = [e for e in enrolments if str(e.uuid) in wanted]
        try:
            n = services.session_attendance_set(session=class_session, actor=request.user,
                                                present=present)
        except DomainError as exc:
            flash_domain_error(request, exc)
        else:
            messages.success(request, _("Attendance saved: %(n)s present.") % {"n": n})
            return redirect("activities:class_admin", uuid=culture_class.uuid)
    present_ids = set(class_session.attendances.values_list("enrolment_id", flat=True))
    return render(request, "activities/session.html", {
        "session": class_session, "culture_class": culture_class,
        "rows": [(e, e.pk in present_ids) for e in enrolments],
    })



@roles_required(*MANAGERS)
def session_cancel(request, uuid):
    """Calling off one session cannot be undone: a page of its own says who will be told and
    asks for the reason, then the staff member confirms."""
    from linli.activities.models import EnrolmentStatus

    class_session = selectors.session_get_for_manager(user=request.user, uuid=uuid)
    if class_session is None:
        raise Http404
    culture_class = class_session.culture_class
    form = SessionCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_cancel(session=class_session, actor=request.user,
                                    note=form.cleaned_data["note"])
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Session cancelled. Everyone enrolled has been told."))
            return redirect("activities:class_admin", uuid=culture_class.uuid)
    return render(request, "activities/session_cancel.html", {
        "session": class_session, "culture_class": culture_class, "form": form,
        "can_cancel": policies.can_cancel_session(request.user, class_session)
        and not class_session.cancelled and class_session.ends_at > timezone.now(),
        "enrolled": culture_class.enrolments.filter(status=EnrolmentStatus.ENROLLED).count(),
    })


# --- door plate: sign up from the household's home -------------------------------------


@signed_in
def door_signup(request, token, uuid):
    """From the door-plate home: choose who in the household goes (yourself or a family
    member), confirm, and the sign-up is made; then back here (post/redirect/get) with the
    result, so a reload never repeats or loses it."""
    household = selectors.door_household_for_member(user=request.user, token=token)
    if household is None:
        raise Http404
    activity = selectors.door_upcoming(community=household.community).filter(uuid=uuid).first()
    if activity is None:
        activity = selectors.activity_get_for_user(user=request.user, uuid=uuid)
        if activity is None or activity.community_id != household.community_id:
            raise Http404
    members = [r for r in policies.signable_residents(request.user)
               if r.household_id == household.pk]
    error = ""
    if request.method == "POST":
        wanted = _uuid(request.POST.get("resident", ""))
        resident = next((m for m in members if m.uuid == wanted), None)
        if resident is None:
            error = _("Please choose who will take part.")
        else:
            try:
                made = services.signup_create(activity=activity, actor=request.user,
                                              resident=resident)
            except DomainError as exc:
                error = exc.message
            else:
                if made.status == SignupStatus.CONFIRMED:
                    messages.success(request, _("Signed up: %(name)s has a place.")
                                     % {"name": made.name})
                else:
                    messages.info(request, _("The activity is full; %(name)s is on the waiting "
                                             "list and moves up automatically if a place comes "
                                             "free.") % {"name": made.name})
                return redirect("activities:door_signup", token=token, uuid=activity.uuid)
    signed = {s.resident_id: s for s in activity.signups.filter(
        status__in=ACTIVE_SIGNUP, resident__household=household)}
    me = selectors.resident_for_user(request.user)
    return render(request, "activities/door_signup.html", {
        "household": household, "activity": activity, "error": error,
        "rows": [(m, signed.get(m.pk), me is not None and m.pk == me.pk) for m in members],
        "open": activity.signup_open,
        "chosen": request.POST.get("resident", ""),
    }, status=400 if error else 200)
