"""Access rules for page views. Every URL's view carries one (the access-matrix test checks).

- `@public` — anyone, signed in or not.
- `@signed_in` — any signed-in account.
- `@roles_required(Role.X, ...)` — signed in and holding one of the roles; otherwise 403,
  and the denial is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from linli.common.audit import audit_record
from linli.common.models import AuditAction, AuditResult


@dataclass(frozen=True)
class Access:
    public: bool = False
    roles: frozenset[str] | None = None  # None with public=False means any signed-in user


def _mark(view, access: Access):
    view.linli_access = access
    return view


def public(view):
    return _mark(view, Access(public=True))


def deny(request, reason: str = "") -> PermissionDenied:
    audit_record(
        action=AuditAction.PERMISSION_DENIED, result=AuditResult.DENIED, request=request,
        reason=reason,
    )
    return PermissionDenied(reason)


def signed_in(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return _mark(wrapper, Access())


def roles_required(*roles: str):
    allowed = frozenset(roles)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.has_role(*allowed):
                raise deny(request, "role")
            return view(request, *args, **kwargs)

        return _mark(wrapper, Access(roles=allowed))

    return decorator
