"""Messages to the people an order concerns, sent after commit so a rolled-back transition
sends nothing, and never able to undo a finished one."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import Role
from linli.notifications.services import notify
from linli.orders.models import (
    Order,
)

logger = logging.getLogger("linli.orders.services")


def _notify(user, title: str, body: str, url: str = "") -> None:
    """Send after commit, so a rolled-back transition sends nothing."""
    if user is None:
        return

    def send():
        try:
            notify(user=user, title=title, body=body, url=url)
        except Exception:  # a failed message must never undo or break a finished transition
            logger.exception("notification failed for order")

    transaction.on_commit(send)


def _order_url(order: Order) -> str:
    from django.urls import reverse

    return reverse("orders:detail", kwargs={"uuid": order.uuid})


def _staff_of(community_id: int) -> list:
    from linli.accounts.models import RoleAssignment

    return [a.user for a in RoleAssignment.objects.filter(
        role=Role.COMMUNITY_STAFF, community_id=community_id, user__is_active=True
    ).select_related("user")]


def _requesters(order: Order) -> list:
    users = []
    if order.requested_by_id:
        users.append(order.requested_by)
    if order.beneficiary.user_id and order.beneficiary.user_id != order.requested_by_id:
        users.append(order.beneficiary.user)
    return users


def _offer_notifications(order: Order) -> None:
    from linli.volunteers.models import TeamMembership

    if order.volunteer_id:
        _notify(order.volunteer.user, _("A service order for you"),
                f"{order.project.name} · {timezone.localtime(order.slot_start):%m-%d %H:%M}",
                _order_url(order))
    elif order.team_id:
        for m in TeamMembership.objects.filter(team_id=order.team_id).select_related(
                "volunteer__user"):
            _notify(m.volunteer.user, _("A service order for your team"),
                    f"{order.project.name} · "
                    f"{timezone.localtime(order.slot_start):%m-%d %H:%M}", _order_url(order))
