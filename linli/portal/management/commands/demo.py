from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from linli.accounts.demo import DEMO_PASSWORD
from linli.common.reference import reference_data_load

#: Each capability adds its loader; each receives what the earlier ones returned.
LOADERS = [
    "linli.registry.demo.load",
    "linli.accounts.demo.load",
    "linli.ledger.demo.load",
    "linli.volunteers.demo.load",
    "linli.orders.demo.load",
    "linli.activities.demo.load",
    "linli.points.demo.load",
    "linli.store.demo.load",
]


class Command(BaseCommand):
    help = "Load the demo street (3 communities, grids, staff of every role). Idempotent."

    def handle(self, *args, **options):
        context: dict = {}
        with transaction.atomic():
            for dotted in LOADERS:
                result = import_string(dotted)(stdout=self.stdout, **context) or {}
                context.update(result)
            # migrate loaded the reference rows before the demo's communities existed; the
            # rows kept per community (points' award rules) are ensured for them now.
            reference_data_load()
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Demo logins:"))
        for mobile, name, role in context.get("logins", []):
            self.stdout.write(f"  {mobile}  {DEMO_PASSWORD}  {name}  {role}")
