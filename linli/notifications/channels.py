"""Outside channels for notifications (SMS, WeChat template messages).

A channel is a class with `send(*, notification) -> str`, returning a short detail for the
delivery log and raising on failure. `settings.NOTIFY_CHANNELS` maps channel names to dotted
paths. The default only logs, so nothing leaves a government intranet until a gateway is set.
"""

from __future__ import annotations

import logging
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("linli.notifications")


class Channel:
    name = "channel"

    def __init__(self, name: str):
        self.name = name

    def send(self, *, notification) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class LoggingChannel(Channel):
    """Writes what would have been sent to the log; the default for every channel."""

    def send(self, *, notification) -> str:
        from linli.common.masking import mask_mobile

        logger.info("notify %s to %s: %s", self.name, mask_mobile(notification.user.mobile),
                    notification.title)
        return "logged"


@cache
def _channel(name: str, path: str) -> Channel:
    return import_string(path)(name)


def configured() -> dict[str, str]:
    return dict(getattr(settings, "NOTIFY_CHANNELS", {}) or {})


def get_channel(name: str) -> Channel | None:
    path = configured().get(name)
    if not path:
        return None
    return _channel(name, path)
