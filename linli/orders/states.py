"""The order loop as a table: every action, the states it starts from, where it leads, and who
may take it.

The services (`linli.orders.services`) change an order's status only through
`ORDER_MACHINE.move`, after enforcing `who` with the matching predicate of
`linli.orders.policies`; `policies.available` and the pages' buttons read the sources from
here. Two rows change no status: `confirm_early` and `photo` record something about the order
in the state it is in (target `UNCHANGED`), and `escalate` flags an order left waiting.
`submit` has no source: it creates the order and its first event.
"""

from __future__ import annotations

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from linli.common.exceptions import Conflict
from linli.common.transitions import UNCHANGED, StateMachine, Transition
from linli.orders.models import CANCELLABLE_STATES, CONFIRMED_STATES, Order, OrderEvent
from linli.orders.models import OrderStatus as S

STAFF = "community staff of the order's community (or the street administrator)"
HOUSEHOLD = ("the household's members and confirmed proxies, its grid worker, or community "
             "staff")
ASSIGNED = "the volunteer assigned to the order"
SYSTEM = "the system (periodic task)"


def refusal(order, action: str) -> Conflict:
    """The message for a move the order's status does not allow (or that another request
    made first), naming the status and the action."""
    transition = ORDER_MACHINE.by_action.get(action)
    return Conflict(
        gettext("This order is “%(status)s”; it cannot be %(action)s now.") % {
            "status": order.get_status_display(),
            "action": transition.label if transition is not None else action},
        code="illegal_transition")


# `label` completes "it cannot be … now" in the refusal message.
ORDER_MACHINE = StateMachine(
    name="order", model=Order, event_model=OrderEvent, subject="order", states=S,
    refuse=refusal,
    transitions=[
        Transition("submit", (), S.SUBMITTED, who=HOUSEHOLD + " (点单, 代点单, phone orders)"),
        Transition("refuse", {S.SUBMITTED}, S.REFUSED, who=STAFF, label=_("refused")),
        Transition("dispatch", {S.SUBMITTED}, S.DISPATCHED, who=STAFF,
                   label=_("dispatched")),
        Transition("reassign", {S.DISPATCHED, S.ACCEPTED}, S.DISPATCHED, who=STAFF,
                   label=_("reassigned")),
        Transition("accept", {S.DISPATCHED}, S.ACCEPTED,
                   who="the volunteer it is offered to, or the first member of the team it is "
                       "offered to", label=_("accepted")),
        Transition("decline", {S.DISPATCHED}, S.SUBMITTED,
                   who="the volunteer it is offered to by name", label=_("declined")),
        Transition("time_out", {S.DISPATCHED}, S.SUBMITTED,
                   who=SYSTEM + ", once the time to accept has passed", label=_("timed out")),
        Transition("escalate", {S.SUBMITTED}, S.SUBMITTED,
                   who=SYSTEM + ", once, for an order left waiting for dispatch",
                   label=_("escalated")),
        Transition("confirm_early", {S.ACCEPTED, S.IN_SERVICE}, UNCHANGED,
                   who=STAFF + "; the status does not change",
                   label=_("confirmed for an early visit")),
        Transition("check_in", {S.ACCEPTED}, S.IN_SERVICE,
                   who=ASSIGNED + ", within the check-in window", label=_("checked in")),
        Transition("complete", {S.IN_SERVICE}, S.COMPLETED, who=ASSIGNED,
                   label=_("completed")),
        Transition("photo", {S.IN_SERVICE, S.COMPLETED}, UNCHANGED,
                   who=ASSIGNED + "; the status does not change", label=_("given a photo")),
        Transition("rate", {S.COMPLETED}, S.RATED, who=HOUSEHOLD, label=_("rated")),
        Transition("auto_confirm", {S.COMPLETED}, S.AUTO_CONFIRMED,
                   who=SYSTEM + ", when nobody rated within the set days",
                   label=_("confirmed")),
        Transition("dispute", {S.COMPLETED}, S.DISPUTED, who=HOUSEHOLD, label=_("disputed")),
        Transition("resolve", {S.DISPUTED}, (S.RESOLVED, S.CANCELLED),
                   who=STAFF + " (pay: resolved; void: cancelled)", label=_("resolved")),
        Transition("settle", CONFIRMED_STATES, S.SETTLED,
                   who=STAFF + ", or the system right after confirmation",
                   label=_("settled")),
        Transition("cancel", CANCELLABLE_STATES, S.CANCELLED,
                   who=HOUSEHOLD + ", or whoever placed the order",
                   label=pgettext_lazy("order action", "cancelled")),
    ])
