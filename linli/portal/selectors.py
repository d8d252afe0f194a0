from __future__ import annotations

from django.db.models import QuerySet

from linli.accounts.models import Role, User
from linli.common.models import AuditEvent


def audit_event_list_for_user(
    *, user: User, action: str = "", result: str = "", actor: str = "", since=None, until=None
) -> QuerySet:
    """Auditors and street administrators read the log of their own street."""
    street_ids = {
        a.street_id for a in user.role_assignments if a.role in (Role.AUDITOR, Role.STREET_ADMIN)
    }
    qs = AuditEvent.objects.filter(street_id__in=street_ids).select_related("actor")
    if action:
        qs = qs.filter(action=action)
    if result:
        qs = qs.filter(result=result)
    if actor:
        qs = qs.filter(actor_label__endswith=actor)
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lte=until)
    return qs
