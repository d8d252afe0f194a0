"""The activity's life as a table: every state change goes through `ACTIVITY_MACHINE.move`.

Sign-ups and enrolments have states too, but they change in bulk (no-shows at closing) or
together with a seat counter (waiting-list promotion), each with its own guarded update and
no event row; they are not machines.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.activities.models import Activity, ActivityEvent, ActivityStatus
from linli.common.exceptions import Conflict
from linli.common.transitions import StateMachine, Transition

S = ActivityStatus
STAFF = gettext_lazy("the community's staff or a street administrator of its street")
STAFF_OR_SYSTEM = gettext_lazy(
    "the community's staff or a street administrator of its street, or the system")


def _refuse(activity: Activity, action: str) -> Conflict:
    transition = ACTIVITY_MACHINE.by_action[action]
    if activity.status in transition.sources:
        # Another request moved the activity between this one's read and its update, to a
        # state the action is allowed from: the person decided on what they no longer see.
        return Conflict(_("The activity changed meanwhile; please try again."),
                        code="illegal_transition")
    labels = dict(ActivityStatus.choices)
    target = transition.target
    return Conflict(
        _("This activity is “%(current)s”; it cannot become “%(to)s”.")
        % {"current": labels.get(activity.status, activity.status), "to": labels[target]},
        code="illegal_transition")


ACTIVITY_MACHINE = StateMachine(
    name="activity", model=Activity, event_model=ActivityEvent, subject="activity",
    states=ActivityStatus, refuse=_refuse,
    transitions=[
        Transition("publish", {S.DRAFT}, S.PUBLISHED, who=STAFF_OR_SYSTEM,
                   label="publish (open for sign-up)"),
        Transition("start", {S.PUBLISHED}, S.ONGOING, who=STAFF_OR_SYSTEM),
        Transition("cancel", {S.DRAFT, S.PUBLISHED, S.ONGOING}, S.CANCELLED, who=STAFF,
                   label="cancel (everyone signed up is told)"),
        Transition("end", {S.PUBLISHED, S.ONGOING}, S.ENDED, who=STAFF_OR_SYSTEM,
                   label="end (attendance closed, no-shows recorded, then crediting)"),
        Transition("summarise", {S.ENDED}, S.SUMMARISED, who=STAFF,
                   label="summarise (write-up and photos)"),
        # Activities held before Linli, entered from the paper register (the demo data).
        Transition("record_held", {S.DRAFT}, S.ENDED,
                   who=gettext_lazy("the system, from the paper sign-in register"),
                   label="record an activity held before Linli"),
    ])
