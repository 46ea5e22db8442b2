"""Count the award points per person of the saved periods and of today's calendar
period once (lms/award/points.py); from then on every write keeps them right."""

from django.db import migrations


def fill(apps, schema_editor):
    from lms.award import points

    points.rebuild()


def empty(apps, schema_editor):
    apps.get_model("award", "PeriodPoints").objects.all().delete()
    apps.get_model("award", "CountedPeriod").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("award", "0003_period_points"),
        ("courses", "0015_coursepage_duration_from_modules"),
        ("quizzes", "0007_quiz_review_mode"),
        ("workshops", "0002_wagtail_imageblock"),
        ("kpis", "0002_content_types_and_permissions"),
        ("people", "0004_admin_language_follows_account"),
    ]

    operations = [migrations.RunPython(fill, empty, elidable=True)]
