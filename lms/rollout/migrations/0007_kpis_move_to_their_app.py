"""KPI records and integration tokens now belong to the kpis app (lms/kpis/migrations/0001).

State only: the tables rollout_kpirecord and rollout_integrationtoken stay, with their rows.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("rollout", "0006_criterion_track"),
        ("kpis", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="KpiRecord"),
                migrations.DeleteModel(name="IntegrationToken"),
            ]
        ),
    ]
