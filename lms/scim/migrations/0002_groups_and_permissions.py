"""The group "SCIM provisioning" (the SCIM service user's, with the permission to
provision) and the Admins' permissions on SCIM tokens (Settings › SCIM tokens)."""

from django.db import migrations

from lms.people.migrations._permissions import grant, revoke


def forward(apps, schema_editor):
    grant(apps, app_label="scim", codenames=["provision"], groups=["SCIM provisioning"])
    grant(
        apps,
        app_label="scim",
        codenames=["add_scimtoken", "change_scimtoken", "view_scimtoken"],
        groups=["Admins"],
    )


def backward(apps, schema_editor):
    revoke(apps, app_label="scim", codenames=["provision"], groups=["SCIM provisioning"])
    revoke(
        apps,
        app_label="scim",
        codenames=["add_scimtoken", "change_scimtoken", "view_scimtoken"],
        groups=["Admins"],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("scim", "0001_initial"),
        ("people", "0006_user_employee_id"),
    ]

    operations = [migrations.RunPython(forward, backward)]
