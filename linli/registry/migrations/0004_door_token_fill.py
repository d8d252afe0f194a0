import secrets

from django.db import migrations



def fill_door_tokens(apps, schema_editor):
    """Existing households get a distinct random token each before the column turns unique."""
    Household = apps.get_model("registry", "Household")
    for household in Household.objects.filter(door_token__isnull=True).only("pk"):
        Household.objects.filter(pk=household.pk).update(door_token=secrets.token_urlsafe(16))


class Migration(migrations.Migration):
    # Data first, schema after, in separate migrations: PostgreSQL refuses to alter a table
    # with pending trigger events in the same transaction.
    dependencies = [
        ("registry", "0003_places_people_plates"),
    ]

    operations = [
        migrations.RunPython(fill_door_tokens, migrations.RunPython.noop),
    ]
