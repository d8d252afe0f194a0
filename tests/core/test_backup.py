"""`linli backup` / `linli restore` round-trip on the database in use (SQLite or PostgreSQL)."""

import pytest
from django.core.management import CommandError, call_command

from linli.registry.models import Community

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_and_restore_round_trip(tmp_path, world):
    path = tmp_path / "linli.backup"
    call_command("backup", str(path))
    assert path.stat().st_size > 0

    # After the backup: one community renamed, one added.
    Community.objects.filter(pk=world.community.pk).update(name="改过的名字")
    from tests.factories import CommunityFactory

    extra = CommunityFactory(street=world.street)

    call_command("restore", str(path), yes=True)

    assert Community.objects.get(pk=world.community.pk).name == "紫轩社区"
    assert not Community.objects.filter(pk=extra.pk).exists()
    assert type(world.users["resident"]).objects.filter(pk=world.users["resident"].pk).exists()


def test_restore_refuses_a_missing_file(tmp_path, db):
    with pytest.raises(CommandError):
        call_command("restore", str(tmp_path / "missing.backup"), yes=True)
