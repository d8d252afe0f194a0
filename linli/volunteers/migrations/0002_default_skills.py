"""The default skills were seeded here. They are reference data now: the table lives in
linli/volunteers/reference.py and `linli.common.reference` loads it after every migrate (and
after a test flush, which removed rows a migration had seeded). Kept empty so the migration
graph stays as databases recorded it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
