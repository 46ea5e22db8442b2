"""Admins see the company sign-in links and remove one (Settings › Company sign-ins)."""

from django.db import migrations

from lms.people.migrations._permissions import grant, revoke

CODENAMES = ["view_externalidentity", "delete_externalidentity"]


def forwards(apps, schema_editor):
    grant(apps, app_label="sso", codenames=CODENAMES, groups=["Admins"])


def backwards(apps, schema_editor):
    revoke(apps, app_label="sso", codenames=CODENAMES, groups=["Admins"])


class Migration(migrations.Migration):
    dependencies = [
        ("sso", "0001_initial"),
        ("people", "0006_user_employee_id"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
