"""An exchange (redemption) as a table: every action closes a reservation, so each starts
from `reserved` only, and a closed exchange never moves again (the refund of a cancelled or
expired exchange therefore happens exactly once). The services enforce `who` with
`policies`.

The first event ("" → reserved, action `reserve`) is written when the exchange row is
inserted, in the same transaction as the points transfer.
"""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linli.common.exceptions import Conflict
from linli.common.transitions import StateMachine, Transition
from linli.store.models import Redemption, RedemptionEvent, RedemptionStatus

S = RedemptionStatus


def _refuse(redemption: Redemption, action: str) -> Conflict:
    # `move` re-reads the status after a lost update, so this names the state that won.
    return Conflict(gettext("This exchange is already %(status)s.") % {
        "status": redemption.get_status_display()}, code="already_closed")


REDEMPTION_MACHINE = StateMachine(
    name="redemption", model=Redemption, event_model=RedemptionEvent, subject="redemption",
    states=RedemptionStatus, refuse=_refuse,
    transitions=[
        Transition("hand_over", {S.RESERVED}, S.HANDED_OVER,
                   who=_("a store clerk or staff of the goods' community, against the pickup "
                         "code, never to their own household")),
        Transition("cancel", {S.RESERVED}, S.CANCELLED,
                   who=_("the household, or a store clerk of the goods' community")),
        Transition("expire", {S.RESERVED}, S.EXPIRED,
                   who=_("the system's periodic task, once the pickup deadline has passed")),
    ])
