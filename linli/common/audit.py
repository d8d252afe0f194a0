"""Writing the audit log. Callers pass what happened, never the personal value itself."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from ipware.ip import get_client_ip

from linli.common.models import AuditAction, AuditEvent, AuditResult


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: the one helper used by the audit log, the login lockout (axes),
    the API throttles and the door-plate check.

    Behind `PROXY_COUNT` reverse proxies each proxy appends the address it received the
    request from to `X-Forwarded-For`, so the client is the PROXY_COUNT-th entry from the
    right; anything further left was written by the client and is ignored. With no proxy
    configured the header is ignored altogether (anyone could forge it) and the socket
    address is used. ipware parses the header (IPv6, ports, malformed entries)."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = getattr(settings, "PROXY_COUNT", 0) or 0
    if proxies > 0:
        # ipware counts the proxies *inside* the header (entries after the client), one fewer
        # than the proxies in front of us: the nearest one's address is REMOTE_ADDR.
        ip, _routable = get_client_ip(
            request,
            proxy_order="left-most",
            proxy_count=proxies - 1,
            request_header_order=("HTTP_X_FORWARDED_FOR",),
            strict=False,
        )
        if ip:
            return ip
    return remote


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


# --- Reading the log: internal codes stay in the rows, people see names -----------------

#: Field codes written by the services that are not model fields (or read better this way).
FIELD_LABELS = {
    "id_number": _("ID number"),
    "mobile": _("Mobile number"),
    "full": _("full ID numbers and mobiles"),
    "masked": _("masked ID numbers and mobiles"),
    "own_data": _("own data"),
    "statement": _("account statement"),
}

#: Reasons the code itself writes (anything else was typed by a person and is shown as is).
REASON_LABELS = {
    "grant": _("role granted"),
    "revoke": _("role revoked"),
    "role": _("lacks the required role"),
    "household plate": _("not allowed to print this door plate"),
    "ledger statement": _("statement export"),
    "own data download": _("download of own data"),
    "priority": _("priority elder (no reason needed)"),
}


#: Codes an app writes in the field column (accounts: its role codes, for "role granted"),
#: with their names. The app that owns the codes adds them from its AppConfig.ready, because
#: common imports no app.
CODE_LABELS: dict[str, Any] = {}


def audit_labels_register(labels: dict[str, Any]) -> None:
    CODE_LABELS.update(labels)


def _model(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def audit_object_label(object_type: str, field: str = "") -> str:
    """"居民 · 身份证号" for ("registry.resident", "id_number"): the record's type by its
    translated model name, and the field by its name; a role code by the role's name."""
    model = _model(object_type) if object_type else None
    parts = []
    if object_type:
        parts.append(str(capfirst(model._meta.verbose_name)) if model else object_type)
    if field:
        if field in FIELD_LABELS:
            parts.append(str(FIELD_LABELS[field]))
        elif field in CODE_LABELS:
            parts.append(str(CODE_LABELS[field]))
        else:
            try:
                parts.append(str(capfirst(model._meta.get_field(field).verbose_name)))
            except (AttributeError, FieldDoesNotExist):
                parts.append(field)
    return " · ".join(parts)


def audit_reason_label(reason: str) -> str:
    label = REASON_LABELS.get(reason)
    return str(label) if label is not None else reason


def audit_describe(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """The events with `object_label` and `reason_label` set, for the audit log page."""
    described = []
    for event in events:
        event.object_label = audit_object_label(event.object_type, event.field)
        event.reason_label = audit_reason_label(event.reason)
        described.append(event)
    return described
