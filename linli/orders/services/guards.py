"""What every order service does first: read the order fresh, check that its status allows
the move (an illegal move is a Conflict, not a permission problem), and the policy
predicates older callers import from here (they live in `linli.orders.policies`)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from linli.common.exceptions import NotFound, require
from linli.orders import policies
from linli.orders.models import (
    Order,
)
from linli.orders.states import refusal

MANAGER_ROLES = policies.MANAGER_ROLES


manages = policies.manages


grid_worker_of = policies.grid_worker_of


household_member = policies.household_member


volunteer_of = policies.volunteer_of


def _require_volunteer(actor) -> None:
    require(policies.is_volunteer(actor), _("Only an active volunteer may do this."))


def _expect(order: Order, action: str) -> None:
    """The order's state must allow `action` (else Conflict: an illegal move, not a
    permission problem)."""
    if not policies.available(order, action):
        raise _refuse_move(order, action)


def _current(order: Order) -> Order:
    fresh = Order.objects.select_related(
        "project__community", "household__grid", "beneficiary", "volunteer__resident__household",
        "volunteer__user", "requested_by", "team").filter(pk=order.pk).first()
    if fresh is None:
        raise NotFound(_("Not found."))
    return fresh


#: The refusal of a move the order's status does not allow (the machine's `refuse`).
_refuse_move = refusal
