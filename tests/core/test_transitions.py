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
        # the event's labels (from_label, to_label) come from the machine's own states
        assert machine.event_model.states is machine.states, machine.name


def test_every_transition_names_states_of_its_model():
    """A table naming a state its model does not have is a typo; the model's status field
    accepts exactly the machine's states."""
    for machine in machines():
        touched = set()
        for t in machine.transitions:
            touched |= set(t.sources) | (set() if t.keeps_status else set(t.targets))
        assert touched, machine.name
        assert touched <= set(machine.states.values), machine.name
        field = machine.model._meta.get_field(machine.status_field)
        assert {value for value, _label in field.choices} == set(machine.states.values)


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


@pytest.mark.django_db
def test_an_action_that_keeps_the_status_records_it_and_keeps_loaded_relations(
        world, django_assert_num_queries):
    from linli.orders.states import ORDER_MACHINE
    from tests.factories import orders_order

    order = orders_order(world, "a", state="in_service")
    project = order.project  # loaded before the move
    moved = ORDER_MACHINE.move(order, "photo", actor=world.users["volunteer"], note="photo")
    assert moved.status == "in_service"
    event = moved.events.get(action="photo")
    assert (event.from_status, event.to_status) == ("in_service", "in_service")
    with django_assert_num_queries(0):
        assert moved.project is project


@pytest.mark.django_db
def test_a_move_decided_on_a_stale_read_writes_nothing(world):
    from linli.common.exceptions import Conflict
    from linli.orders.models import Order
    from linli.orders.states import ORDER_MACHINE
    from tests.factories import orders_order

    order = orders_order(world, "a", state="in_service")
    stale = Order.objects.get(pk=order.pk)
    ORDER_MACHINE.move(order, "complete", actor=world.users["volunteer"], actual_minutes=60)
    before = stale.events.count()
    with pytest.raises(Conflict) as refused:
        ORDER_MACHINE.move(stale, "complete", actor=world.users["volunteer"], actual_minutes=5)
    assert refused.value.code == "illegal_transition"
    assert stale.events.count() == before
    assert Order.objects.get(pk=order.pk).actual_minutes == 60
