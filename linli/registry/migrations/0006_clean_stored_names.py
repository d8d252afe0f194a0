"""Clean the names stored before input hygiene existed (issue 12): residents' names, goods
names and activity titles lose NUL and other control characters and bidi override marks, as
`linli.common.text.clean_text` does for new input. The rules are copied here (not imported)
so this migration keeps meaning what it meant when it ran.

Rows are read in primary-key chunks and only the changed ones are written, one row at a
time with a plain UPDATE (no save(), no history row, no signal). A value that would become
empty is left alone for a person to fix. Reversing does nothing: the dropped characters
carried no meaning."""

import re

from django.db import migrations

CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
TARGETS = (("registry", "Resident", "name"), ("store", "Goods", "name"),
           ("activities", "Activity", "title"))


def clean(value: str) -> str:
    return CONTROLS.sub("", re.sub(r"[\t\n\r]+", " ", value)).strip()


def clean_stored_names(apps, schema_editor):
    for app_label, model_name, field in TARGETS:
        model = apps.get_model(app_label, model_name)
        manager = model._base_manager
        for pk, value in manager.values_list("pk", field).order_by("pk").iterator(chunk_size=2000):
            if not value:
                continue
            cleaned = clean(value)
            if cleaned != value and cleaned:
                manager.filter(pk=pk).update(**{field: cleaned})


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_door_token_required"),
        ("store", "0001_initial"),
        ("activities", "0003_award_rows_for_activity_points"),
    ]

    operations = [migrations.RunPython(clean_stored_names, migrations.RunPython.noop)]
