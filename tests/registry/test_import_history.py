"""The import writes residents, households and their history rows in batches of its own
(one executemany per table and chunk); what it stores must be what the model layer and
simple_history would have stored: every field of the history row, its type, user and change
reason. Checked by writing, for the same saved resident and household, a history row through
simple_history itself and comparing the two."""

import datetime

import pytest
from django.utils import timezone

from linli.registry.models import Household, Resident
from linli.registry.privacy import hash_id_number
from linli.registry.services import name_pinyin
from tests.registry.test_import_roster import confirm, messy_roster, people, save, start

pytestmark = pytest.mark.django_db

SKIP = {"history_id", "history_date"}


def _history_row(model, obj_id, history_type):
    rows = list(model.history.filter(id=obj_id, history_type=history_type)
                .order_by("history_id").values())
    return rows


def _same_as_simple_history(model, obj, history_type, user, reason):
    """The import's history row of `obj` equals the one simple_history writes for it now."""
    ours = _history_row(model, obj.pk, history_type)
    assert len(ours) == 1
    update = history_type == "~"
    model.history.bulk_history_create([obj], update=update, default_user=user,
                                      default_change_reason=reason)
    theirs = _history_row(model, obj.pk, history_type)[-1]
    ours = ours[0]
    assert {k: v for k, v in ours.items() if k not in SKIP} == {
        k: v for k, v in theirs.items() if k not in SKIP}
    return ours


def _import(world, rows=None):
    job = start(world, messy_roster(rows, grid=world.grid.number))
    job = confirm(world, job)
    before = timezone.now()
    job = save(world, job)
    assert job.status == "done", job.message
    return job, before, timezone.now()


def test_history_rows_of_a_new_resident_and_household_are_simple_historys(world, reg):
    staff = world.users["community_staff"]
    job, before, after = _import(world)
    assert job.create_count == 5  # two rows are bad (partial save)
    # Every new resident has exactly one "+" row.
    saved = Resident.objects.filter(household__community=world.community,
                                    id_number_hash__in=[hash_id_number(p[3]) for p in people()])
    assert saved.count() == 5
    for resident in saved:
        assert resident.history.filter(history_type="+").count() == 1
    chen = Resident.objects.get(id_number_hash=hash_id_number(people()[0][3]))
    row = _same_as_simple_history(Resident, chen, "+", staff, None)
    assert row["history_user_id"] == staff.pk and row["history_change_reason"] is None
    assert before <= row["history_date"] <= after
    # The saved row itself: ASCII ID, pinyin, defaults, household head, tags.
    assert chen.id_number_masked.isascii() and chen.uuid and chen.created_at
    assert (chen.name_pinyin, chen.name_initials) == name_pinyin(chen.name) == (
        "chenjianguo", "cjg")
    assert chen.health_note == "" and chen.guardian_id is None and not chen.moved_out
    assert chen.household.head == chen
    assert sorted(t.name for t in chen.tags.all()) == ["低保", "空巢老人"]  # as mapped
    # The household's history row is the household as created: its head is set afterwards
    # by a plain update, which (as before) writes no history row.
    household = Household.objects.get(pk=chen.household_id)
    household.head_id = None
    _same_as_simple_history(Household, household, "+", staff, None)


def test_history_rows_of_an_updated_resident_are_simple_historys(world, reg):
    staff = world.users["community_staff"]
    _import(world)
    rows = people(world.grid.number)
    rows[1][10] = "13700000001"  # 林秀英's mobile changes
    job, before, after = _import(world, rows)
    assert job.update_count == 5 and job.create_count == 0
    lin = Resident.objects.get(name="林秀英")
    assert lin.mobile == "13700000001" and lin.updated_at >= before - datetime.timedelta(
        seconds=1)
    row = _same_as_simple_history(Resident, lin, "~", staff, "")
    assert row["mobile"] == "13700000001" and row["history_change_reason"] == ""
    assert Resident.objects.filter(name="林秀英").count() == 1
