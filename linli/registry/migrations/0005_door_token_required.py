from django.db import migrations, models

import linli.registry.models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_door_token_fill"),
    ]

    operations = [
        migrations.AlterField(
            model_name="household",
            name="door_token",
            field=models.CharField(default=linli.registry.models.new_door_token, editable=False,
                                   max_length=32, unique=True, verbose_name="door-plate token"),
        ),
    ]
