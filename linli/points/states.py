"""A points claim as a table: a pending claim is decided once, approved or rejected, by
someone other than the person who recorded it (four eyes); the services enforce `who` with
`policies`. A decided claim never moves again, so its points move exactly once.

The first event ("" → pending) is written when the claim is created: action `submit` for a
household's own report, `record` for a grid worker's inspection.
"""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linli.common.exceptions import Conflict
from linli.common.transitions import StateMachine, Transition
from linli.points.models import Claim, ClaimEvent, ClaimStatus

S = ClaimStatus
REVIEWER = _("a grid worker or staff reviewing the household's grid who did not record the "
             "claim; community staff or the street for a deduction")


def _refuse(claim: Claim, action: str) -> Conflict:
    return Conflict(gettext("This claim has already been decided."), code="already_decided")


CLAIM_MACHINE = StateMachine(
    name="claim", model=Claim, event_model=ClaimEvent, subject="claim",
    states=ClaimStatus, refuse=_refuse,
    transitions=[
        Transition("approve", {S.PENDING}, S.APPROVED, who=REVIEWER),
        Transition("reject", {S.PENDING}, S.REJECTED, who=REVIEWER),
    ])
