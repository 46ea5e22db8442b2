"""Count the board's evidence once for an existing database (lms/rollout/summary.py).

From then on every write keeps the tallies right. The counting uses the app's code (the
raw tables as they are after the migrations this one depends on)."""

from django.db import migrations


def fill(apps, schema_editor):
    from lms.rollout import summary

    summary.rebuild()


def empty(apps, schema_editor):
    apps.get_model("rollout", "EvidenceTally").objects.all().delete()
    apps.get_model("rollout", "PersonEvidence").objects.all().delete()
    apps.get_model("rollout", "EvidenceSetting").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rollout", "0008_evidence_summary"),
        ("courses", "0015_coursepage_duration_from_modules"),
        ("workshops", "0002_wagtail_imageblock"),
        ("assignments", "0003_workshop_moved_to_workshops_app"),
        ("guidelines", "0007_german_workflow_names"),
        ("people", "0004_admin_language_follows_account"),
    ]

    operations = [migrations.RunPython(fill, empty, elidable=True)]
