"""Write docs/STATE_MACHINES.md from the machines the apps declare in their `states.py`."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from linli.common.transitions import machines_markdown


class Command(BaseCommand):
    help = "Write docs/STATE_MACHINES.md (each state machine's table and diagram)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="Only report whether the file is up to date (exit 1 if not).")

    def handle(self, *args, check=False, **options):
        target = Path(settings.BASE_DIR).parent / "docs" / "STATE_MACHINES.md"
        text = machines_markdown()
        if check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                self.stderr.write(f"{target} is out of date: run `linli state_docs`.")
                raise SystemExit(1)
            self.stdout.write(f"{target} is up to date.")
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {target}.")
