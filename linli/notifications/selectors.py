"""Reads of the inbox: a person sees only their own messages."""

from __future__ import annotations

from django.db.models import QuerySet

from linli.notifications.models import Notification


def notification_list_for_user(*, user, unread_only: bool = False) -> QuerySet:
    if not user.is_authenticated:
        return Notification.objects.none()
    qs = Notification.objects.filter(user=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def notification_get_for_user(*, user, uuid) -> Notification | None:
    return notification_list_for_user(user=user).filter(uuid=uuid).first()


def unread_count(*, user) -> int:
    return notification_list_for_user(user=user, unread_only=True).count()
