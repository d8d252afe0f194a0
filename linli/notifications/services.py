"""`notify` — the one way any app tells a person something.

The inbox row is written inside the caller's transaction (so it disappears with a rollback);
outside channels (SMS, WeChat) are called only after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from linli.common.exceptions import NotFound
from linli.notifications import channels as channel_registry
from linli.notifications.models import Delivery, DeliveryStatus, Notification

logger = logging.getLogger("linli.notifications")

#: The in-app inbox; always written.
INBOX = "inbox"


def _deliver(notification_id: int, names: list[str]) -> None:
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None:
        return
    for name in names:
        channel = channel_registry.get_channel(name)
        if channel is None:
            continue
        try:
            detail = channel.send(notification=notification)
            Delivery.objects.create(notification=notification, channel=name,
                                    status=DeliveryStatus.SENT, detail=str(detail or "")[:255])
        except Exception as exc:  # one failing gateway must not stop the others
            logger.warning("notify channel %s failed: %s", name, exc)
            Delivery.objects.create(notification=notification, channel=name,
                                    status=DeliveryStatus.FAILED, detail=str(exc)[:255])


def notify(
    *,
    user,
    title: str,
    body: str = "",
    url: str = "",
    channels: Iterable[str] = (INBOX,),
) -> Notification:
    """Put a message in `user`'s inbox and, after commit, push it through the named outside
    channels (`"sms"`, `"wechat"`; names not configured in NOTIFY_CHANNELS are skipped)."""
    names = [c for c in dict.fromkeys(channels) if c != INBOX]
    notification = Notification.objects.create(
        user=user, title=str(title)[:120], body=str(body), url=str(url)[:255],
        channels=[INBOX, *names],
    )
    if names:
        transaction.on_commit(lambda: _deliver(notification.pk, names))
    return notification


def notify_many(*, users: Iterable, title: str, body: str = "", url: str = "",
                channels: Iterable[str] = (INBOX,)) -> list[Notification]:
    channels = tuple(channels)
    return [notify(user=u, title=title, body=body, url=url, channels=channels) for u in users]


@transaction.atomic
def notification_mark_read(*, user, uuid) -> Notification:
    notification = Notification.objects.filter(user=user, uuid=uuid).first()
    if notification is None:
        raise NotFound("Not found.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


@transaction.atomic
def notification_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
