from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from linli.common.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write a full backup of the database to PATH (SQLite file or pg_dump custom format)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--database", default="default")

    def handle(self, *args, path: Path, database: str, **options):
        try:
            written = backup(path, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = written.stat().st_size
        self.stdout.write(self.style.SUCCESS(f"Backup written to {written} ({size} bytes)."))
