"""The API operations of the portal: the audit log of the caller's street."""

from datetime import datetime, time

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from linli.accounts.models import Role
from linli.common.api import ERRORS, IsoDate, Pagination, require_roles
from linli.common.models import AuditAction, AuditResult
from linli.portal import selectors

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    at: datetime
    actor: str
    action: AuditAction
    result: AuditResult
    object_type: str
    object_id: str
    field: str
    reason: str
    ip: str | None

    @staticmethod
    def resolve_actor(obj) -> str:
        return obj.actor_label


class AuditFilter(Schema):
    action: AuditAction | None = None
    result: AuditResult | None = None
    actor: str = Field("", max_length=11)
    since: IsoDate | None = None
    until: IsoDate | None = None


@router.get("/audit/events", response={200: list[AuditEventOut], **ERRORS})
@paginate(Pagination)
def audit_event_list(request, filters: Query[AuditFilter]):
    """The audit log of the caller's street (auditors and street administrators)."""
    require_roles(request, Role.AUDITOR, Role.STREET_ADMIN)
    tz = timezone.get_current_timezone()
    return selectors.audit_event_list_for_user(
        user=request.auth,
        action=filters.action or "",
        result=filters.result or "",
        actor=filters.actor,
        since=datetime.combine(filters.since, time.min, tz) if filters.since else None,
        until=datetime.combine(filters.until, time.max, tz) if filters.until else None,
    )
