"""The assignment's workshop is a workshops.WorkshopPage now; same table, same column."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assignments", "0002_initial"),
        ("workshops", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="assignment",
                    name="workshop",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="assignments",
                        to="workshops.workshoppage",
                        verbose_name="workshop",
                    ),
                ),
            ],
        ),
    ]
