"""Writing the audit log. Callers pass what happened, never the personal value itself."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from linli.common.models import AuditAction, AuditEvent, AuditResult


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: AuditAction | str,
    result: AuditResult | str = AuditResult.OK,
    actor: Any = None,
    request: HttpRequest | None = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    field: str = "",
    reason: str = "",
    actor_label: str = "",
    street_id: int | None = None,
) -> AuditEvent:
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "uuid", None) or obj.pk)
    if actor is not None:
        street_id = street_id or getattr(actor, "home_street_id", None)
        actor_label = actor_label or actor.mobile
    return AuditEvent.objects.create(
        action=action,
        result=result,
        actor=actor,
        actor_label=actor_label[:64],
        object_type=object_type[:64],
        object_id=object_id[:64],
        field=field[:64],
        reason=reason[:255],
        path=(request.path[:255] if request is not None else ""),
        ip=client_ip(request),
        street_id=street_id,
    )
