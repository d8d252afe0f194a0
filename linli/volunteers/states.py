"""The volunteer's registration status as a table: which action moves a volunteer from which
status to which, and who may take it (the services enforce `who` with `policies`).

A registration's first event ("" → pending) is written when the volunteer row is created;
registering again after a rejection or a withdrawal is the `register` action below.

Party-member reports and party projects change status by their own guarded updates and keep
no event rows, so they are not machines here.
"""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linli.common.exceptions import Conflict
from linli.common.transitions import StateMachine, Transition
from linli.volunteers.models import Volunteer, VolunteerEvent, VolunteerStatus

S = VolunteerStatus
STAFF_DECIDES = _("staff of the volunteer's community, never on their own registration")


def _refuse(volunteer: Volunteer, action: str) -> Conflict:
    # Still in a status the action starts from: the guarded update lost to a concurrent
    # change of the same row, and reloading shows what changed.
    if VOLUNTEER_MACHINE.can(volunteer, action):
        message = gettext("Someone else changed this volunteer just now. Reload and try "
                          "again.")
    else:
        message = gettext("This cannot be done while the volunteer is “%(status)s”.") % {
            "status": volunteer.get_status_display()}
    return Conflict(message, code="illegal_transition")


VOLUNTEER_MACHINE = StateMachine(
    name="volunteer", model=Volunteer, event_model=VolunteerEvent, subject="volunteer",
    states=VolunteerStatus, refuse=_refuse,
    transitions=[
        Transition("register", {S.REJECTED, S.WITHDRAWN}, S.PENDING,
                   who=_("the resident registering again")),
        Transition("approve", {S.PENDING}, S.ACTIVE,
                   who=STAFF_DECIDES),
        Transition("reject", {S.PENDING}, S.REJECTED,
                   who=STAFF_DECIDES),
        Transition("suspend", {S.ACTIVE}, S.SUSPENDED,
                   who=STAFF_DECIDES),
        Transition("reinstate", {S.SUSPENDED}, S.ACTIVE,
                   who=STAFF_DECIDES),
        Transition("withdraw", {S.PENDING, S.ACTIVE, S.SUSPENDED}, S.WITHDRAWN,
                   who=_("the volunteer themself, with no accepted or in-service order open")),
    ])
