"""Periodic work (linli.orders.tasks): offers nobody accepted go back to dispatch, orders left
waiting are flagged to staff once, and completed orders nobody rated are confirmed and
settled. Each order in its own transaction; losing a race to a person is fine."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.common.exceptions import Conflict
from linli.orders.models import (
    Order,
    OrderStatus,
)
from linli.orders.services.loop import order_time_out
from linli.orders.services.notifications import _notify, _order_url, _staff_of
from linli.orders.services.settings import auto_confirm_days, dispatch_escalate_minutes
from linli.orders.services.settlement import order_auto_confirm
from linli.orders.states import ORDER_MACHINE


def orders_escalate(*, now: datetime | None = None) -> dict:
    """Time out offers nobody accepted, flag orders left undispatched, auto-confirm orders
    nobody rated. Each order is handled in its own transaction; losing a race is fine."""
    now = now or timezone.now()
    done = {"timed_out": 0, "flagged": 0, "auto_confirmed": 0}
    for order in Order.objects.filter(status=OrderStatus.DISPATCHED, accept_by__lte=now):
        try:
            order_time_out(order=order, now=now)
            done["timed_out"] += 1
        except Conflict:
            pass
    stale = now - timedelta(minutes=dispatch_escalate_minutes())
    for order in Order.objects.filter(status=OrderStatus.SUBMITTED, escalations=0,
                                      created_at__lte=stale).select_related("project"):
        try:
            with transaction.atomic():
                ORDER_MACHINE.move(order, "escalate", extra_filter=Q(escalations=0),
                                   note=_("Waiting for dispatch too long"), escalations=1)
        except Conflict:  # dispatched or flagged meanwhile
            continue
        for user in _staff_of(order.community_id):
            _notify(user, _("Order waiting for dispatch"), order.project.name,
                    _order_url(order))
        done["flagged"] += 1
    cutoff = now - timedelta(days=auto_confirm_days())
    for order in Order.objects.filter(status=OrderStatus.COMPLETED, checked_out_at__lte=cutoff):
        try:
            order_auto_confirm(order=order, now=now)
            done["auto_confirmed"] += 1
        except Conflict:
            pass
    return done
