from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from linli.common.backup import BackupError, restore


class Command(BaseCommand):
    help = "Replace the whole database with the backup at PATH. Asks first unless --yes."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--database", default="default")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, path: Path, database: str, yes: bool, **options):
        if not yes:
            answer = input(
                f"This replaces ALL data in the '{database}' database with {path}. "
                "Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled; nothing was changed.")
        try:
            restore(path, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Database restored from {path}."))
