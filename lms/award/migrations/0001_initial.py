"""The models move here from the rollout app; their tables and rows stay."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('rollout', '0004_wagtail_imageblock'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # State only: the tables keep their names (db_table) and rows.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AwardSettings',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('points_per_module', models.PositiveIntegerField(default=1, verbose_name='points per completed module')),
                        ('points_per_quiz', models.PositiveIntegerField(default=3, verbose_name='points per passed quiz')),
                        ('points_per_workshop', models.PositiveIntegerField(default=5, verbose_name='points per attended workshop')),
                        ('points_per_lead', models.PositiveIntegerField(default=10, verbose_name='points per attributed lead')),
                    ],
                    options={
                        'verbose_name': 'Social Selling Award points',
                        'db_table': 'rollout_awardsettings',
                    },
                ),
                migrations.CreateModel(
                    name='AwardPeriod',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('starts_on', models.DateField(verbose_name='first day')),
                        ('ends_on', models.DateField(verbose_name='last day')),
                        ('announced_at', models.DateTimeField(blank=True, null=True, verbose_name='announced at')),
                        ('announced_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('winner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='awards_won', to=settings.AUTH_USER_MODEL, verbose_name='winner')),
                    ],
                    options={
                        'verbose_name': 'award period',
                        'db_table': 'rollout_awardperiod',
                        'ordering': ['-starts_on'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('ends_on__gte', models.F('starts_on'))), name='award_period_not_reversed')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
