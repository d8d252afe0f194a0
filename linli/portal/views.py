from __future__ import annotations

from datetime import datetime, time

from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from linli.accounts import selectors as account_selectors
from linli.accounts.models import STAFF_ROLES, Role
from linli.accounts.permissions import public, roles_required, signed_in
from linli.common import selectors
from linli.common.audit import audit_describe
from linli.common.models import AuditAction, AuditResult


@public
def home(request):
    return render(request, "common/home.html")


@roles_required(*STAFF_ROLES)
def workbench(request):
    user = request.user
    communities = account_selectors.communities_for(user).select_related("street")
    grids = account_selectors.grids_for(user)
    tiles = [
        (_("Communities in scope"), communities.count()),
        (_("Grids in scope"), grids.count()),
    ]
    if user.has_role(Role.COMMUNITY_STAFF, Role.STREET_ADMIN):
        tiles.append((_("Accounts"), account_selectors.user_list_for_user(user=user).count()))
    return render(request, "common/workbench.html", {
        "communities": communities[:20],
        "tiles": tiles,
        "assignments": [a for a in user.role_assignments if a.role in STAFF_ROLES],
    })


@signed_in
def bench_empty(request):
    """An empty page in the resident layout (or the workbench layout with `?layout=workbench`):
    base template, session, user, roles and navigation, no data. Routed only when
    LINLI_BENCH=1, as the baseline of bench/pages.py."""
    workbench_layout = request.GET.get("layout") == "workbench" and request.user.is_staff_member
    template = "common/bench_empty_workbench.html" if workbench_layout else "common/bench_empty.html"
    return render(request, template)


def _day_bound(value: str, end: bool):
    day = parse_date(value or "")
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


@roles_required(Role.AUDITOR, Role.STREET_ADMIN)
def audit_log(request):
    filters = {
        "action": request.GET.get("action", ""),
        "result": request.GET.get("result", ""),
        "actor": request.GET.get("actor", "").strip(),
        "since": _day_bound(request.GET.get("since", ""), end=False),
        "until": _day_bound(request.GET.get("until", ""), end=True),
    }
    qs = selectors.audit_event_list_for_user(user=request.user, **filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "common/audit_log.html", {
        "page": page,
        "events": audit_describe(page.object_list),
        "actions": AuditAction.choices,
        "results": AuditResult.choices,
        "params": request.GET,
    })


@public
@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means unhealthy, whatever its type
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def error_404(request, exception=None):
    # Whatever reaches the project's 404 under /api/ (a path the API's own catch-all cannot
    # match, e.g. with a control character in it) still answers the API's JSON error body.
    if _is_api(request):
        from linli.common.api import error_body

        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return render(request, "404.html", status=404)


def error_500(request):
    # No context processors: the database or session may be what failed.
    from django.http import HttpResponseServerError

    if _is_api(request):
        from linli.common.api import error_body

        return JsonResponse(error_body("server_error", _("Something went wrong on our side.")),
                            status=500)
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render())
