from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts import selectors, services
from linli.accounts.context_processors import ELDER_COOKIE, elder_mode_on
from linli.accounts.forms import MobileLoginForm
from linli.accounts.lockout import NETWORK, Lockout, lockout_of
from linli.accounts.models import Role
from linli.accounts.permissions import public, roles_required, signed_in
from linli.common.audit import audit_record
from linli.common.masking import mask_mobile
from linli.common.models import AuditAction

login = public(
    auth_views.LoginView.as_view(
        template_name="accounts/login.html",
        authentication_form=MobileLoginForm,
        redirect_authenticated_user=True,
    )
)


@public
@require_POST
def logout(request):
    return auth_views.LogoutView.as_view()(request)


def lockout_message(lock: Lockout | None) -> tuple[str, str]:
    """(error code, message) naming what is locked: the account, or this network."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if lock is not None and lock.reason == NETWORK:
        return "network_locked", _(
            "Too many failed logins from this network. Please try again in %(minutes)d minutes."
        ) % {"minutes": minutes}
    return "account_locked", _(
        "Too many wrong passwords for this account. It is locked for %(minutes)d minutes."
    ) % {"minutes": minutes}


def lockout(request, original_response=None, credentials=None) -> HttpResponse:
    """Answer to a login refused by the lockout (axes' AXES_LOCKOUT_CALLABLE): the login page
    again with the reason, so someone else on the same phone can still sign in to their own
    account; on the API the error body. Both HTTP 429 with Retry-After."""
    lock = lockout_of(request)
    code, message = lockout_message(lock)
    if request.path.startswith("/api/"):
        from linli.common.api import error_body

        response = JsonResponse(error_body(code, message), status=429)
    else:
        response = render(request, "accounts/login.html", {
            "form": MobileLoginForm(request), "lockout_message": message,
            "next": request.POST.get("next", ""),
        }, status=429)
    if lock is not None:
        response["Retry-After"] = str(lock.retry_after)
    return response


@signed_in
def me(request):
    user = request.user
    return render(request, "accounts/me.html", {
        "assignments": user.role_assignments,
        "masked_mobile": mask_mobile(user.mobile),
    })


@public
@require_POST
def elder_mode(request):
    """Switch large-type elder mode on or off; remembered on the account (or this phone)."""
    enabled = request.POST.get("enabled", "1" if not elder_mode_on(request) else "0") == "1"
    if request.user.is_authenticated:
        services.user_set_elder_mode(user=request.user, enabled=enabled)
    target = request.POST.get("next") or request.headers.get("Referer") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    response = redirect(target)
    response.set_cookie(ELDER_COOKIE, "1" if enabled else "0", max_age=60 * 60 * 24 * 365 * 5,
                        samesite="Lax", httponly=True, secure=request.is_secure())
    return response


@roles_required(Role.COMMUNITY_STAFF, Role.STREET_ADMIN)
def people(request):
    query = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    if role not in Role.values:
        role = ""
    qs = selectors.user_list_for_user(user=request.user, query=query, role=role)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    rows = [(u, mask_mobile(u.mobile)) for u in page.object_list]
    return render(request, "accounts/people.html", {
        "page": page, "rows": rows, "query": query, "role": role, "roles": Role.choices,
    })


@roles_required(Role.COMMUNITY_STAFF, Role.STREET_ADMIN)
def person(request, uuid):
    person = selectors.user_get_for_user(user=request.user, uuid=uuid)
    if person is None:
        raise Http404
    revealed = None
    if request.method == "POST":
        reason = request.POST.get("reason", "").strip()
        if not reason:
            messages.error(request, _("Please give the reason for viewing the full number."))
        else:
            audit_record(action=AuditAction.REVEAL, request=request, obj=person,
                         field="mobile", reason=reason)
            revealed = person.mobile
    return render(request, "accounts/person.html", {
        "person": person, "masked_mobile": mask_mobile(person.mobile), "revealed": revealed,
        "assignments": person.role_assignments,
    })
