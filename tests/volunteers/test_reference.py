"""The default skills are reference data: every database has them after `migrate`, a test
flush does not lose them, loading them again changes nothing, and a skill a community added
itself is never touched."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.common.reference import reference_data_load
from linli.volunteers import reference
from linli.volunteers.models import Skill

DEFAULTS = [(code, name, order) for order, (code, name) in enumerate(reference.DEFAULT_SKILLS)]


def _defaults_in_database():
    return list(Skill.objects.filter(code__in=[c for c, _n, _o in DEFAULTS])
                .order_by("order").values_list("code", "name", "order"))


@pytest.mark.django_db
def test_every_default_skill_is_in_a_migrated_database():
    assert _defaults_in_database() == DEFAULTS


@pytest.mark.django_db
def test_loading_twice_changes_nothing_and_writes_nothing():
    reference_data_load()
    before = list(Skill.objects.order_by("id").values_list("id", "code", "name", "order"))
    with CaptureQueriesContext(connection) as queries:
        loaded = reference_data_load()
    assert "volunteers" in loaded
    assert list(Skill.objects.order_by("id").values_list("id", "code", "name", "order")) == before
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []


@pytest.mark.django_db
def test_a_communitys_own_skill_is_kept_and_a_changed_default_is_restored():
    own = Skill.objects.create(code="sewing", name="缝补衣物", order=3)
    Skill.objects.filter(code="haircut").update(name="剪头", order=40)
    Skill.objects.filter(code="policy").delete()
    reference.load()
    own.refresh_from_db()
    assert (own.code, own.name, own.order) == ("sewing", "缝补衣物", 3)
    assert _defaults_in_database() == DEFAULTS


@pytest.mark.django_db(transaction=True)
def test_the_flush_that_ends_a_transactional_test_leaves_the_default_skills():
    """TransactionTestCase empties every table with `flush` after each test; Django then
    emits post_migrate, and the reference data is loaded again."""
    Skill.objects.create(code="sewing", name="缝补衣物")
    call_command("flush", interactive=False, verbosity=0)
    assert _defaults_in_database() == DEFAULTS
    assert not Skill.objects.filter(code="sewing").exists()


@pytest.mark.django_db(transaction=True)
def test_migrate_then_demo_on_an_empty_database_ends_with_the_default_skills():
    """The set-up (run.sh, README): `linli migrate && linli demo`. Migrate loads the
    reference data even when it has no migration left to apply; the demo's volunteers then
    have skills to list."""
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    assert not Skill.objects.exists()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("demo", verbosity=0)
    assert _defaults_in_database() == DEFAULTS
    assert Skill.objects.filter(volunteers__isnull=False).exists()
