"""The pages that join the apps: the resident home, the staff workbench, the audit log, the
bench's empty page and the health check. Their templates stay under `common/`."""

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
from linli.common.audit import audit_describe
from linli.common.models import AuditAction, AuditResult
from linli.portal import selectors


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
