"""Trainers and admins create bootcamp runs and add their participants (the admin's
Bootcamp runs viewset reads these model permissions)."""

from django.db import migrations

from lms.people.migrations._permissions import grant, revoke

CODENAMES = [
    "add_bootcamprun",
    "change_bootcamprun",
    "delete_bootcamprun",
    "view_bootcamprun",
]
GROUPS = ["Trainers", "Admins"]


def setup(apps, schema_editor):
    grant(apps, app_label="programmes", codenames=CODENAMES, groups=GROUPS)


def undo(apps, schema_editor):
    revoke(apps, app_label="programmes", codenames=CODENAMES, groups=GROUPS)


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0003_bootcamp_runs"),
        ("people", "0008_guests_group_and_permissions"),
    ]

    operations = [migrations.RunPython(setup, undo)]
