"""Write door-plate PDFs (one per building) of a community to a folder, e.g. for the print
shop:  linli registry_plates --community 001 --base-url https://linli.example.gov.cn --out plates/
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from linli.registry.models import Building
from linli.registry.plates import building_plates_pdf


class Command(BaseCommand):
    help = "Write printable door-plate PDFs, one per building, for a community."

    def add_arguments(self, parser):
        parser.add_argument("--community", required=True, help="community code, e.g. 001")
        parser.add_argument("--street", default="", help="street code if several streets")
        parser.add_argument("--base-url", required=True,
                            help="public address the QR codes point to, e.g. https://…")
        parser.add_argument("--out", default="plates", help="output folder")

    def handle(self, *args, community, street, base_url, out, **options):
        buildings = Building.objects.filter(estate__community__code=community)
        if street:
            buildings = buildings.filter(estate__community__street__code=street)
        buildings = buildings.select_related("estate__community").order_by("estate__name",
                                                                             "name")
        if not buildings.exists():
            raise CommandError("No buildings in that community.")
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        for building in buildings:
            path = folder / f"{building.estate.name}-{building.name}.pdf"
            path.write_bytes(building_plates_pdf(building=building,
                                                 base_url=base_url.rstrip("/")))
            self.stdout.write(str(path))
