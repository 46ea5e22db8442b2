"""KPI records and integration tokens move here from the rollout app.

Only Django's idea of the models moves (state): the tables stay as they are, under their
old names (``db_table``), with every row, index and constraint. The rollout app's
migration 0004 drops the models from its own state; 0002 here moves their content types,
and with them the permissions that groups and users hold.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("people", "0004_admin_language_follows_account"),
        ("rollout", "0006_criterion_track"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name="IntegrationToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="name")),
                ("token_hash", models.CharField(editable=False, max_length=64, unique=True)),
                ("prefix", models.CharField(editable=False, max_length=8)),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("last_used_at", models.DateTimeField(blank=True, editable=False, null=True)),
            ],
            options={
                "verbose_name": "integration token",
                "db_table": "rollout_integrationtoken",
            },
        ),
        migrations.CreateModel(
            name="KpiRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "external_id",
                    models.CharField(max_length=100, unique=True, verbose_name="external id"),
                ),
                (
                    "month",
                    models.DateField(help_text="The first day of the month.", verbose_name="month"),
                ),
                (
                    "metric",
                    models.CharField(
                        choices=[
                            ("awareness", "Awareness (reach)"),
                            ("leads", "Leads"),
                            ("applications", "Applications"),
                        ],
                        max_length=20,
                        verbose_name="metric",
                    ),
                ),
                ("value", models.PositiveIntegerField(verbose_name="value")),
                (
                    "source",
                    models.CharField(blank=True, max_length=100, verbose_name="source"),
                ),
                (
                    "imported_at",
                    models.DateTimeField(auto_now_add=True, verbose_name="imported at"),
                ),
                (
                    "department",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="kpis",
                        to="people.department",
                        verbose_name="department",
                    ),
                ),
                (
                    "employee",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="kpi_records",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="attributed to",
                    ),
                ),
            ],
            options={
                "verbose_name": "KPI record",
                "verbose_name_plural": "KPI records",
                "db_table": "rollout_kpirecord",
                "ordering": ["-month", "department__name", "metric"],
                "permissions": [("submit_kpis", "Can send KPI records through the API")],
                "indexes": [
                    models.Index(fields=["department", "month"], name="kpi_department_month")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("month__day", 1)), name="kpi_month_is_first_day"
                    )
                ],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations),
    ]
