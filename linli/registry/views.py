"""Registry pages: search, field collection, households and residents, places, import and
export, door plates and residents' own data. Every object comes through a scoped selector;
anything outside the viewer's scope is a 404."""

from __future__ import annotations

import json
from functools import wraps
from uuid import UUID

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from linli.accounts.models import Role
from linli.accounts.permissions import deny, public, roles_required, signed_in
from linli.common.audit import audit_record, client_ip
from linli.common.exceptions import DomainError
from linli.common.models import AuditAction
from linli.common.pages import form_add_domain_error, post_action
from linli.common.pagination import CappedPaginator
from linli.registry import exports, plates, policies, selectors, services
from linli.registry.forms import (
    BuildingForm,
    DoorRegisterForm,
    DoorVerifyForm,
    EstateForm,
    HouseholdForm,
    ResidentForm,
    RevealForm,
    resident_initial,
)
from linli.registry.models import (
    BindingStatus,
    Estate,
    Household,
    HouseholdBinding,
    Resident,
)
from linli.registry.selectors import MANAGER_ROLES, REGISTRY_ROLES

DOOR_SESSION_KEY = "registry_door_households"
RESIDENT_COUNT_CAP = 1000
RESIDENT_PAGE = 25
VERIFY_LIMIT = 5  # name + mobile attempts per door plate and client within 15 minutes


def post_or_back(target):
    """Like require_POST, but a GET (a reload after the redirect, the back button, a bookmarked
    or shared link) lands on the page the action belongs to instead of a blank 405.
    `target(request, **kwargs)` returns that page's URL."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in ("GET", "HEAD"):
                return redirect(target(request, **kwargs))
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _to_household(request, uuid):
    return reverse("registry:household_detail", kwargs={"uuid": uuid})


def _to_resident(request, uuid):
    return reverse("registry:resident_detail", kwargs={"uuid": uuid})


def _to_door(request, token):
    return reverse("registry:door", kwargs={"token": token})


def _search_params(request) -> dict:
    return {
        "q": request.GET.get("q", "").strip()[:64],
        "tag": request.GET.get("tag", "").strip()[:16],
        "address": request.GET.get("address", "").strip()[:64],
    }


def _uuid(value) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _page_number(request) -> int:
    try:
        return min(max(int(request.GET.get("page", 1)), 1), 10_000)
    except (TypeError, ValueError):
        return 1


def _grid_param(request):
    value = _uuid(request.GET.get("grid", ""))
    if value is None:
        return None
    return selectors.grid_get_for_user(user=request.user, uuid=value)


# --- Staff: search and field collection -------------------------------------------------

@roles_required(*REGISTRY_ROLES)
def index(request):
    """Resident search across the viewer's scope."""
    params = _search_params(request)
    grid = _grid_param(request)
    # The rows show the household's address only: no grid or community joined per row.
    qs = selectors.resident_list_for_user(user=request.user, grid=grid, **params).select_related(
        None).select_related("household")
    # Exact counts only where cheap. The whole list is counted up to RESIDENT_COUNT_CAP (an
    # index walk); a search is not counted: its page is read with one row more, which says
    # whether a next page exists. Past either, the page says "more than N".
    number = _page_number(request)
    cap = None
    if not any(params.values()) and grid is None:
        cap = max(RESIDENT_COUNT_CAP, number * RESIDENT_PAGE)
    page = CappedPaginator(qs, RESIDENT_PAGE, cap=cap).get_page(number)
    user = request.user
    context = {
        "page": page, "params": params, "grid": grid,
        "grids": selectors.grid_list_for_user(user=user),
        "tags": selectors.tag_list_for_user(user=user),
        "is_manager": user.has_role(*MANAGER_ROLES),
        "pending_bindings": selectors.binding_list_for_user(user=user).count(),
        "pending_deletions": selectors.deletion_request_list_for_user(user=user)
        if user.has_role(*MANAGER_ROLES) else [],
        "query_string": request.GET.urlencode(),
    }
    template = "registry/_resident_rows.html" if request.htmx else "registry/index.html"
    return render(request, template, context)


@roles_required(*REGISTRY_ROLES)
def collect(request):
    """The grid worker's phone page: what changed since the last visit, and the households."""
    user = request.user
    q = request.GET.get("q", "").strip()[:64]
    grid = _grid_param(request)
    households = selectors.household_list_for_user(user=user, q=q, grid=grid)
    page = Paginator(households, 30).get_page(request.GET.get("page"))
    if request.htmx:
        return render(request, "registry/_household_rows.html", {"page": page})
    since = services.grid_visit_touch(user=user)
    return render(request, "registry/collect.html", {
        "page": page, "q": q, "grid": grid, "since": since,
        "changes": selectors.changes_since(user=user, since=since),
        "grids": selectors.grid_list_for_user(user=user),
    })


def _household_or_404(request, uuid) -> Household:
    household = selectors.household_get_for_user(user=request.user, uuid=uuid)
    if household is None:
        raise Http404
    return household


def _resident_or_404(request, uuid) -> Resident:
    resident = selectors.resident_get_for_user(user=request.user, uuid=uuid)
    if resident is None:
        raise Http404
    return resident


def _household_form(request, data=None, initial=None):
    user = request.user
    return HouseholdForm(data, initial=initial, grids=selectors.grid_list_for_user(user=user),
                         buildings=selectors.building_list_for_user(user=user))


@roles_required(*REGISTRY_ROLES)
def household_new(request):
    form = _household_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            household = services.household_create(
                grid=d["grid"], number=d["number"], address=d["address"], actor=request.user,
                building=d["building"], unit_name=d["unit"], room=d["room"],
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Household saved. Now add its members."))
            return redirect("registry:household_detail", uuid=household.uuid)
    return render(request, "registry/household_form.html", {"form": form})


@roles_required(*REGISTRY_ROLES)
def household_edit(request, uuid):
    household = _household_or_404(request, uuid)
    initial = {"grid": household.grid.uuid, "number": household.number,
               "address": household.address,
               "building": household.building.uuid if household.building_id else None,
               "unit": household.unit.name if household.unit_id else "", "room": household.room}
    form = _household_form(request, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.household_update(
                household=household, actor=request.user, grid=d["grid"], number=d["number"],
                address=d["address"], building=d["building"], unit_name=d["unit"],
                room=d["room"],
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Household saved."))
            return redirect("registry:household_detail", uuid=household.uuid)
    return render(request, "registry/household_form.html", {"form": form,
                                                            "household": household})


@roles_required(*REGISTRY_ROLES)
def household_detail(request, uuid):
    household = _household_or_404(request, uuid)
    residents = household.residents.prefetch_related("tags").order_by("anonymised_at", "id")
    history = household.history.select_related("history_user").order_by("-history_date")[:10]
    return render(request, "registry/household_detail.html", {
        "household": household, "residents": residents, "history": history,
        "workers": selectors.grid_workers(household.grid),
        "is_manager": policies.can_rotate_door_token(request.user, household),
        "door_url": request.build_absolute_uri(
            reverse("registry:door", kwargs={"token": household.door_token})),
    })


@roles_required(*MANAGER_ROLES)
@post_or_back(_to_household)
def door_rotate(request, uuid):
    household = _household_or_404(request, uuid)
    return post_action(
        request, lambda: services.household_rotate_door_token(household=household,
                                                              actor=request.user),
        success=_("The old door plate no longer works. Print the new one."),
        next=_to_household(request, household.uuid))


def _resident_form(request, household, data=None, instance=None, initial=None):
    return ResidentForm(data, household=household, instance=instance, initial=initial,
                        tags=selectors.tag_list_for_user(user=request.user).filter(
                            street_id=household.community.street_id))


@roles_required(*REGISTRY_ROLES)
def resident_new(request, uuid):
    household = _household_or_404(request, uuid)
    form = _resident_form(request, household, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.resident_create(household=household, actor=request.user,
                                                **form.service_fields())
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            for warning in resident.warnings:
                messages.warning(request, warning)
            messages.success(request, _("Resident saved."))
            return redirect("registry:household_detail", uuid=household.uuid)
    return render(request, "registry/resident_form.html", {"form": form,
                                                           "household": household})


@roles_required(*REGISTRY_ROLES)
def resident_edit(request, uuid):
    resident = _resident_or_404(request, uuid)
    if resident.anonymised_at:
        raise Http404
    household = resident.household
    form = _resident_form(request, household, request.POST or None, instance=resident,
                          initial=resident_initial(resident))
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.resident_update(resident=resident, actor=request.user,
                                                **form.service_fields())
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            for warning in resident.warnings:
                messages.warning(request, warning)
            messages.success(request, _("Resident saved."))
            return redirect("registry:resident_detail", uuid=resident.uuid)
    return render(request, "registry/resident_form.html", {
        "form": form, "household": household, "resident": resident})


@roles_required(*REGISTRY_ROLES)
@require_POST
def resident_check(request):
    """Validation while typing (htmx): the same rules as saving, nothing written."""
    household_uuid = _uuid(request.POST.get("household", ""))
    household = household_uuid and selectors.household_get_for_user(user=request.user,
                                                                     uuid=household_uuid)
    if not household:
        raise Http404
    instance = None
    if request.POST.get("resident"):
        resident_uuid = _uuid(request.POST["resident"])
        instance = resident_uuid and selectors.resident_get_for_user(user=request.user,
                                                                     uuid=resident_uuid)
        if not instance:
            raise Http404
    form = _resident_form(request, household, request.POST, instance=instance)
    problem, warnings, derived = None, [], None
    if form.is_valid():
        try:
            clean, warnings = services.resident_clean(
                data=form.service_fields(), household=household, instance=instance)
        except DomainError as exc:
            label = form.fields[exc.field].label if exc.field in form.fields else ""
            problem = (label, exc.message)
        else:
            if form.cleaned_data.get("id_number"):
                derived = clean
    else:
        name, errors = next(iter(form.errors.items()))
        label = form.fields[name].label if name in form.fields else ""
        problem = (label, errors[0])
    return render(request, "registry/_check.html", {
        "problem": problem, "warnings": warnings, "derived": derived})


@roles_required(*REGISTRY_ROLES)
def resident_detail(request, uuid):
    resident = _resident_or_404(request, uuid)
    revealed = None
    form = RevealForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                value = services.resident_reveal(
                    resident=resident, actor=request.user, field=form.cleaned_data["field"],
                    reason=form.cleaned_data["reason"], request=request)
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                revealed = (form.cleaned_data["field"], value)
    history = resident.history.select_related("history_user").order_by("-history_date")[:10]
    return render(request, "registry/resident_detail.html", {
        "resident": resident, "form": form, "revealed": revealed, "history": history,
        "is_manager": policies.can_anonymise(request.user, resident),
        "pending_deletion": resident.deletion_requests.filter(status="pending").first(),
    })


@roles_required(*MANAGER_ROLES)
@post_or_back(_to_resident)
def resident_anonymise(request, uuid):
    resident = _resident_or_404(request, uuid)
    return post_action(
        request, lambda: services.resident_anonymise(resident=resident, actor=request.user,
                                                     request=request),
        success=_("Personal data removed; the record keeps a pseudonym."),
        next=_to_resident(request, resident.uuid))


# --- Places -----------------------------------------------------------------------------

@roles_required(*REGISTRY_ROLES)
def places(request):
    user = request.user
    communities = selectors.community_list_for_manager(user=user)
    estates = Estate.objects.filter(community__in=communities)
    grids = selectors.grid_list_for_user(user=user)
    estate_form = EstateForm(prefix="estate", communities=communities)
    building_form = BuildingForm(prefix="building", estates=estates, grids=grids)
    if request.method == "POST":
        if not user.has_role(*MANAGER_ROLES):
            raise Http404
        which = request.POST.get("form")
        try:
            if which == "estate":
                estate_form = EstateForm(request.POST, prefix="estate", communities=communities)
                if estate_form.is_valid():
                    services.estate_create(**estate_form.cleaned_data,
                                           actor=user)
                    messages.success(request, _("Estate saved."))
                    return redirect("registry:places")
            elif which == "building":
                building_form = BuildingForm(request.POST, prefix="building", estates=estates,
                                             grids=grids)
                if building_form.is_valid():
                    services.building_create(**building_form.cleaned_data,
                                             actor=user)
                    messages.success(request, _("Building saved."))
                    return redirect("registry:places")
        except DomainError as exc:
            form_add_domain_error(estate_form if which == "estate" else building_form, exc)
    buildings = selectors.building_list_for_user(user=user)
    return render(request, "registry/places.html", {
        "grids": [(g, selectors.grid_workers(g)) for g in grids],
        "buildings": buildings, "estate_form": estate_form, "building_form": building_form,
        "is_manager": user.has_role(*MANAGER_ROLES),
    })


@roles_required(*MANAGER_ROLES)
def building_plates(request, uuid):
    building = selectors.building_get_for_user(user=request.user, uuid=uuid)
    if building is None:
        raise Http404
    base = request.build_absolute_uri("/").rstrip("/")
    pdf = plates.building_plates_pdf(building=building, base_url=base)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="plates-{building.uuid}.pdf"'
    return response


def _plate_pdf_response(request, household: Household) -> HttpResponse:
    base = request.build_absolute_uri("/").rstrip("/")
    pdf = plates.household_plate_pdf(household=household, base_url=base)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="plate-{household.uuid}.pdf"'
    response["Cache-Control"] = "no-store"  # the QR opens the household's page
    return response


@signed_in
def household_plate(request, uuid):
    """One household's printable plate: for its members, its grid worker and its community's
    staff. Anybody else with a registry or resident role gets a 404, as if it did not exist."""
    household = Household.objects.select_related("community", "grid", "building", "unit").filter(
        uuid=uuid).first()
    user = request.user
    if household is None or not policies.can_print_plate(user, household):
        if household is None or user.has_role(*REGISTRY_ROLES, Role.RESIDENT) or \
                selectors.household_ids_of_member(user):
            raise Http404
        raise deny(request, "household plate")
    return _plate_pdf_response(request, household)


@signed_in
def my_plate(request):
    """"My door plate": the household's QR code to show or print, for each household the
    account belongs to (as a member or a confirmed relative)."""
    households = selectors.household_list_of_member(user=request.user).select_related(
        "building", "unit").order_by("id")
    base = request.build_absolute_uri("/").rstrip("/")
    items = []
    for household in households:
        url = plates.door_url(household, base)
        items.append({"household": household, "address": plates.plate_address(household),
                      "url": url, "qr": plates.plate_qr_svg(url)})
    return render(request, "registry/my_plate.html", {"items": items})


# --- Import and export ------------------------------------------------------------------

@roles_required(*MANAGER_ROLES)
def export(request):
    """The current search as .xlsx: masked by default; in full only with a logged reason."""
    source = request.POST if request.method == "POST" else request.GET
    params = {"q": source.get("q", "").strip()[:64], "tag": source.get("tag", "").strip()[:16],
              "address": source.get("address", "").strip()[:64]}
    reveal = request.method == "POST" and source.get("reveal") == "1"
    reason = source.get("reason", "").strip()[:200]
    if reveal and not reason:
        messages.error(request, _("Give the reason for exporting full ID numbers and mobiles."))
        return redirect(reverse("registry:index") + "?" + request.GET.urlencode())
    qs = selectors.resident_list_for_user(user=request.user, **params)
    data, count = exports.residents_xlsx(qs, reveal=reveal)
    audit_record(action=AuditAction.EXPORT, request=request, object_type="registry.resident",
                 field="full" if reveal else "masked",
                 reason=(reason or _("masked export"))[:200] + f" ({count})")
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="residents-{stamp}.xlsx"'
    return response


# --- Bindings ---------------------------------------------------------------------------

@roles_required(*REGISTRY_ROLES, Role.RESIDENT)
def bindings(request):
    # Residents decide a relative's request on their own pages, not in the staff workbench.
    layout = "workbench_base.html" if request.user.is_staff_member else "base.html"
    return render(request, "registry/bindings.html", {
        "layout": layout, "bindings": selectors.binding_list_for_user(user=request.user)[:100]})


@roles_required(*REGISTRY_ROLES, Role.RESIDENT)
@post_or_back(lambda request, uuid: reverse("registry:bindings"))
def binding_decide(request, uuid):
    binding = selectors.binding_get_for_user(user=request.user, uuid=uuid)
    if binding is None:
        raise Http404
    return post_action(
        request, lambda: services.binding_decide(binding=binding, actor=request.user,
                                                 confirm=request.POST.get("confirm") == "1",
                                                 note=request.POST.get("note", "")),
        success=_("Decision saved."), next=reverse("registry:bindings"))


# --- Residents' own data ----------------------------------------------------------------

def _my_payload(resident: Resident) -> dict:
    """Everything held about the person, for them to read and download (their own ID number
    and mobile in full: it is their data)."""
    from linli.registry.privacy import decrypt_id_number

    h = resident.household
    return {
        "name": resident.name, "gender": resident.get_gender_display(),
        "birth_date": resident.birth_date.isoformat() if resident.birth_date else None,
        "id_number": decrypt_id_number(resident.id_number_encrypted),
        "mobile": resident.mobile, "ethnicity": resident.ethnicity,
        "political_status": resident.get_political_status_display(),
        "residence_type": resident.get_residence_type_display(),
        "relation": resident.get_relation_display(),
        "tags": [t.name for t in resident.tags.all()],
        "health_note": resident.health_note,
        "sensitive_basis": resident.get_sensitive_basis_display(),
        "household": {"number": h.number, "address": h.address,
                      "community": h.community.name, "grid": h.grid.name},
        "record_created": resident.created_at.isoformat(),
        "record_updated": resident.updated_at.isoformat(),
    }


@signed_in
def my_data(request):
    resident = selectors.resident_of_user(user=request.user)
    return render(request, "registry/my_data.html", {
        "resident": resident,
        "pending": resident.deletion_requests.filter(status="pending").first()
        if resident else None,
    })


@signed_in
def my_data_download(request):
    resident = selectors.resident_of_user(user=request.user)
    if resident is None:
        messages.error(request, _("No resident record is linked to your account yet."))
        return redirect("registry:my_data")
    body = json.dumps(_my_payload(resident), ensure_ascii=False, indent=2)
    audit_record(action=AuditAction.EXPORT, request=request, obj=resident, field="own_data",
                 reason="own data download",
                 street_id=resident.household.community.street_id)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@signed_in
@post_or_back(lambda request: reverse("registry:my_data"))
def deletion_request(request):
    resident = selectors.resident_of_user(user=request.user)
    if resident is None:
        messages.error(request, _("No resident record is linked to your account yet."))
    else:
        services.deletion_request_create(resident=resident, actor=request.user,
                                         reason=request.POST.get("reason", ""))
        messages.success(request, _("Your request was sent to the community office. They "
                                    "will remove your personal data and tell you."))
    return redirect("registry:my_data")


# --- Door plates ------------------------------------------------------------------------

#: Household home buttons: (url name, label, icon). A button links only when its page exists.
HOME_ACTIONS = [
    ("orders:new", gettext_lazy("Order a service"), "home"),
    ("points:household", gettext_lazy("My points"), "shield"),
    ("activities:list", gettext_lazy("Activities"), "users"),
    ("governance:report_new", gettext_lazy("Report a problem"), "grid"),
]


def _home_actions() -> list[dict]:
    actions = []
    for name, label, icon in HOME_ACTIONS:
        try:
            url = reverse(name)
        except NoReverseMatch:
            url = None
        actions.append({"label": label, "icon": icon, "url": url})
    return actions


def _door_household(token: str) -> Household:
    household = selectors.household_by_token(token)
    if household is None:
        raise Http404
    return household


def _is_member(request, household: Household) -> bool:
    if household.pk in selectors.household_ids_of_member(request.user):
        return True
    return household.pk in request.session.get(DOOR_SESSION_KEY, [])


def _door_context(request, household: Household, **extra) -> dict:
    member = _is_member(request, household)
    context = {
        "household": household, "community": household.community, "member": member,
        "workers": selectors.grid_workers(household.grid),
        "verify_form": DoorVerifyForm(), "token": household.door_token,
    }
    if member:
        context["actions"] = _home_actions()
        context["residents"] = household.residents.filter(
            anonymised_at__isnull=True, moved_out=False, deceased=False).order_by("id")
    context.update(extra)
    return context


@public
def door(request, token):
    """Scanning a door plate. Members see the household home; anyone else only the address,
    the community's contact and how to register."""
    household = _door_household(token)
    return render(request, "registry/door.html", _door_context(request, household))


@public
@post_or_back(_to_door)
def door_verify(request, token):
    household = _door_household(token)
    key = f"registry:door-verify:{household.pk}:{client_ip(request)}"
    attempts = cache.get(key, 0)
    form = DoorVerifyForm(request.POST)
    if attempts >= VERIFY_LIMIT:
        form.is_valid()
        form.add_error(None, _("Too many attempts. Please try again in 15 minutes or ask your "
                               "grid worker."))
    elif form.is_valid():
        resident = services.door_member_verify(household=household, **form.cleaned_data)
        if resident is not None:
            verified = set(request.session.get(DOOR_SESSION_KEY, []))
            verified.add(household.pk)
            request.session[DOOR_SESSION_KEY] = sorted(verified)
            cache.delete(key)
            return redirect("registry:door", token=household.door_token)
        cache.set(key, attempts + 1, 15 * 60)
        form.add_error(None, _("The name and mobile number do not match this household's "
                               "record."))
    return render(request, "registry/door.html",
                  _door_context(request, household, verify_form=form), status=200)


@public
def door_register(request, token):
    """Register from the door plate. A sent request redirects to this page with `?sent=1`
    (post/redirect/get): reloading or going back shows the result, never a second request."""
    household = _door_household(token)
    signed = request.user.is_authenticated
    if request.method != "POST" and request.GET.get("sent") and signed:
        done = HouseholdBinding.objects.filter(household=household, user=request.user).order_by(
            "-created_at", "-id").first()
        if done is not None:
            return render(request, "registry/door_register.html", {
                "household": household, "done": done, "signed": signed,
                "confirmed": done.status == BindingStatus.CONFIRMED})
    form = DoorRegisterForm(request.POST or None, signed_in=signed)
    done = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if signed:
                done = services.binding_request(
                    household=household, user=request.user, kind=d["kind"],
                    relation=d["relation"], member_name=d["member_name"])
            else:
                done = services.door_register(
                    household=household, name=d["name"], mobile=d["mobile"],
                    password=d["password"], relation=d["relation"], kind=d["kind"],
                    member_name=d["member_name"])
                auth_login(request, done.user,
                           backend="django.contrib.auth.backends.ModelBackend")
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            return redirect(reverse("registry:door_register",
                                    kwargs={"token": household.door_token}) + "?sent=1")
    return render(request, "registry/door_register.html", {
        "household": household, "form": form, "signed": signed})
