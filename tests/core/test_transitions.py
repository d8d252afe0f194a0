"""The shared state-machine primitive: the tables every app declares, and the docs made
from them."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from linli.common.models import TransitionEvent
from linli.common.transitions import machines, machines_markdown


def test_every_machine_records_events_on_the_shared_event_base():
    for machine in machines():
        assert issubclass(machine.event_model, TransitionEvent), machine.name
        subject = machine.event_model._meta.get_field(machine.subject)
        assert subject.related_model is machine.model, machine.name


def test_every_declared_state_is_reachable_or_initial():
    """A state nothing leads to and nothing leaves is a typo in the table."""
    for machine in machines():
        touched = set()
        for t in machine.transitions:
            touched |= set(t.sources) | set(t.targets)
        assert touched, machine.name
        assert touched <= set(machine.states.values), machine.name


def test_state_docs_are_current():
    """docs/STATE_MACHINES.md is generated; a table changed without regenerating it fails."""
    from pathlib import Path

    from django.conf import settings

    doc = Path(settings.BASE_DIR).parent / "docs" / "STATE_MACHINES.md"
    assert doc.read_text(encoding="utf-8") == machines_markdown(), (
        "docs/STATE_MACHINES.md is out of date: run `linli state_docs`.")


def test_state_docs_check_command_passes_on_the_committed_file():
    call_command("state_docs", "--check")


def test_a_table_naming_an_unknown_state_is_refused():
    from django.db import models

    from linli.common.transitions import StateMachine, Transition

    class Colour(models.TextChoices):
        RED = "red", "red"

    with pytest.raises(ValueError, match="unknown states"):
        StateMachine(name="broken-test", model=TransitionEvent, event_model=TransitionEvent,
                     subject="x", states=Colour,
                     transitions=[Transition("paint", ["red"], "blue")])
