"""State machines declared as tables, and the one guarded transition every app uses.

An app declares its machine once, in `<app>/states.py`:

    ORDER_MACHINE = StateMachine(
        name="order", model=Order, event_model=OrderEvent, subject="order",
        states=OrderStatus,
        transitions=[
            Transition("accept", {OrderStatus.DISPATCHED}, OrderStatus.ACCEPTED,
                       who=_("the dispatched volunteer")),
            ...
        ])

and its services change state only through `ORDER_MACHINE.move(order, "accept", actor=…)`.
Who may act is still decided by the service (a policy predicate and `require`) before it
calls `move`; `who` is the table's plain statement of that rule, read by the tests and by the
generated diagrams in docs/STATE_MACHINES.md (`linli state_docs`).

Why `move` is correct on both databases without a lock: it is one conditional UPDATE whose
WHERE holds the primary key and the status the caller decided on (`obj.status` in memory).
Exactly one of several concurrent callers changes the row; the others update nothing and get
`Conflict(code="illegal_transition")`. Because the UPDATE matched that exact status, the
event row's `from_status` is the status the row really left, never a value read earlier.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from linli.common.exceptions import Conflict, DomainError

_MACHINES: dict[str, StateMachine] = {}

#: The target of an action that records something about a record without changing its
#: status (an early-visit confirmation, a photo): the row keeps the status it is in.
UNCHANGED = "(unchanged)"


@dataclass(frozen=True)
class Transition:
    """One row of a machine's table: `action` moves a record from any of `sources` to
    `target` (or, for an action with several outcomes, to one of `targets`, the service
    choosing with `move(…, to=…)`); `who` says who may take it (enforced by the service's
    policy)."""

    action: str
    sources: frozenset[str]
    targets: tuple[str, ...]
    who: str | Promise = ""
    label: str | Promise = ""

    def __init__(self, action: str, sources: Iterable[str], target: str | Iterable[str], *,
                 who: str | Promise = "", label: str | Promise = ""):
        targets = (target,) if isinstance(target, str) else tuple(target)
        object.__setattr__(self, "action", action)
        object.__setattr__(self, "sources", frozenset(str(s) for s in sources))
        object.__setattr__(self, "targets", tuple(str(t) for t in targets))
        object.__setattr__(self, "who", who)
        object.__setattr__(self, "label", label or action)

    @property
    def target(self) -> str:
        """The first (for most actions the only) outcome."""
        return self.targets[0]

    @property
    def keeps_status(self) -> bool:
        return self.targets == (UNCHANGED,)


@dataclass
class StateMachine:
    """A model's states and the transitions between them, with the guarded `move`."""

    name: str
    model: type[models.Model]
    event_model: type[models.Model]
    subject: str
    states: type[models.TextChoices]
    transitions: list[Transition]
    status_field: str = "status"
    #: builds the refusal for (record with its current status, action); the default names
    #: the current status and the action.
    refuse: Callable[[models.Model, str], DomainError] | None = None
    by_action: dict[str, Transition] = field(init=False, repr=False)

    def __post_init__(self):
        self.by_action = {}
        for t in self.transitions:
            if t.action in self.by_action:
                raise ValueError(f"{self.name}: action {t.action!r} is declared twice")
            unknown = (set(t.sources) | set(t.targets) - {UNCHANGED}) - set(self.states.values)
            if unknown:
                raise ValueError(f"{self.name}.{t.action}: unknown states {sorted(unknown)}")
            self.by_action[t.action] = t
        _MACHINES[self.name] = self

    # --- reading the table ----------------------------------------------------------------

    def actions_from(self, status: str) -> list[str]:
        """The actions the table allows from `status` (before any policy)."""
        return [t.action for t in self.transitions if status in t.sources]

    def can(self, obj: models.Model, action: str) -> bool:
        return getattr(obj, self.status_field) in self.by_action[action].sources

    def status_label(self, status: str) -> str:
        labels = dict(self.states.choices)
        return str(labels.get(status, status))

    # --- the one way state changes --------------------------------------------------------

    def move(self, obj: models.Model, action: str, *, actor=None, note: str = "",
             extra_filter: Q | None = None, to: str | None = None, **fields) -> models.Model:
        """Take `action` on `obj`: one guarded UPDATE from the status `obj` holds in memory,
        with `fields` written alongside, then one event row. `to` overrides the table's target
        with another of the action's declared `targets`.

        Raises `Conflict(code="illegal_transition")` when the table does not allow the action
        from `obj`'s status, or when another request changed the row first (or
        `extra_filter` no longer holds); nothing is written then. Returns `obj` with the
        written columns read back."""
        transition = self.by_action[action]
        current = getattr(obj, self.status_field)
        if transition.keeps_status:
            if to is not None and str(to) != current:
                raise ValueError(f"{self.name}.{action} keeps the status; it cannot go to {to}")
            target = current
        else:
            target = str(to) if to is not None else transition.target
            if target not in transition.targets:
                raise ValueError(
                    f"{self.name}.{action} goes to {transition.targets}, not {target}")
        if current not in transition.sources:
            raise self._refusal(obj, action)
        now = timezone.now()
        rows = self.model._default_manager.filter(pk=obj.pk, **{self.status_field: current})
        if extra_filter is not None:
            rows = rows.filter(extra_filter)
        updates = {self.status_field: target, **fields}
        if any(f.name == "updated_at" for f in self.model._meta.concrete_fields):
            updates.setdefault("updated_at", now)
        if rows.update(**updates) != 1:
            obj.refresh_from_db(fields=[self.status_field])
            raise self._refusal(obj, action)
        self.event_model._default_manager.create(**{
            self.subject: obj, "at": now, "actor": actor, "action": action,
            "from_status": current, "to_status": target, "note": (note or "")[:500]})
        # Only the columns this UPDATE wrote: a full refresh would also drop the relations
        # the caller already loaded (and read them again on the next access).
        obj.refresh_from_db(fields=list(updates))
        return obj

    def _refusal(self, obj: models.Model, action: str) -> DomainError:
        if self.refuse is not None:
            return self.refuse(obj, action)
        transition = self.by_action[action]
        return Conflict(
            _("This record is “%(current)s”; “%(action)s” is not possible now.") % {
                "current": self.status_label(getattr(obj, self.status_field)),
                "action": str(transition.label)},
            code="illegal_transition")

    # --- documentation --------------------------------------------------------------------

    def as_markdown(self) -> str:
        """The table and a Mermaid diagram, for docs/STATE_MACHINES.md."""
        lines = [f"## {self.name}", "",
                 f"`{self.model._meta.label}.{self.status_field}`, events in "
                 f"`{self.event_model._meta.label}`.", "",
                 "| action | from | to | who may act |", "|---|---|---|---|"]
        for t in self.transitions:
            sources = ", ".join(f"`{s}`" for s in sorted(t.sources)) or "(new record)"
            targets = ("(unchanged)" if t.keeps_status
                       else ", ".join(f"`{x}`" for x in t.targets))
            lines.append(f"| `{t.action}` | {sources} | {targets} | {t.who} |")
        lines += ["", "```mermaid", "stateDiagram-v2"]
        for t in self.transitions:
            if not t.sources:
                lines += [f"    [*] --> {x}: {t.action}" for x in t.targets]
            for s in sorted(t.sources):
                for x in ((s,) if t.keeps_status else t.targets):
                    lines.append(f"    {s} --> {x}: {t.action}")
        lines += ["```", ""]
        return "\n".join(lines)


def machines() -> list[StateMachine]:
    """Every declared machine, after each installed app's `states` module is imported."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("states")
    return sorted(_MACHINES.values(), key=lambda m: m.name)


def machines_markdown() -> str:
    from django.utils import translation

    with translation.override("en"):
        parts = ["# State machines", "",
                 "Generated by `linli state_docs` from each app's `states.py`; "
                 "a test fails when this file is out of date.", ""]
        parts += [m.as_markdown() for m in machines()]
    return "\n".join(parts).rstrip() + "\n"
