"""The inbox over JSON: list, unread count, mark read."""


from datetime import datetime
from uuid import UUID

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from linli.common.api import ERRORS, Pagination
from linli.common.exceptions import NotFound
from linli.notifications import selectors, services

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    uuid: UUID
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


class InboxFilters(Schema):
    unread: bool = Field(False, description="Only unread messages")


class UnreadCountOut(Schema):
    unread: int


@router.get("/notifications", response={200: list[NotificationOut], **ERRORS})
@paginate(Pagination)
def notification_list(request, filters: Query[InboxFilters]):
    return selectors.notification_list_for_user(user=request.auth, unread_only=filters.unread)


@router.get("/notifications/unread-count", response={200: UnreadCountOut, **ERRORS})
def notification_unread_count(request):
    return {"unread": selectors.unread_count(user=request.auth)}


@router.post("/notifications/{uuid}/read", response={200: NotificationOut, **ERRORS})
def notification_read(request, uuid: UUID):
    try:
        return services.notification_mark_read(user=request.auth, uuid=uuid)
    except NotFound as exc:
        raise Http404 from exc


@router.post("/notifications/read-all", response={200: UnreadCountOut, **ERRORS})
def notification_read_all(request):
    services.notification_mark_all_read(user=request.auth)
    return {"unread": 0}
