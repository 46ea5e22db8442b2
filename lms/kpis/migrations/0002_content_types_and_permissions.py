"""Moves the content types of the moved models, and grants the API's permission.

The content types of rollout.kpirecord and rollout.integrationtoken become kpis.*, so the
permissions that groups and users hold (Admins: add/change/delete KPI records) move with
them, and so do admin log entries. Then the group "KPI integrations" gets the permission
to send KPI records through the API (its members are the service users whose API tokens
the KPI API accepts), and Admins get Wagtail's permissions on API tokens
(Settings › API tokens).
"""

from django.db import migrations

from lms.people.migrations._permissions import grant

MODELS = ("kpirecord", "integrationtoken")


def _move_content_types(apps, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for model in MODELS:
        old = ContentType.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=target, model=model).first()
        if new is None:
            old.app_label = target
            old.save(update_fields=["app_label"])
            continue
        # Both exist (a migration in between created the new one): hand every holder of an
        # old permission the new one of the same codename, then drop the old ones.
        for permission in Permission.objects.filter(content_type=old):
            replacement, _created = Permission.objects.get_or_create(
                content_type=new,
                codename=permission.codename,
                defaults={"name": permission.name},
            )
            for group in permission.group_set.all():
                group.permissions.add(replacement)
            for user in permission.user_set.all():
                user.user_permissions.add(replacement)
        old.delete()


def forward(apps, schema_editor):
    _move_content_types(apps, "rollout", "kpis")
    grant(apps, app_label="kpis", codenames=["submit_kpis"], groups=["KPI integrations"])
    grant(
        apps,
        app_label="wagtailcore",
        codenames=["add_apitoken", "change_apitoken", "delete_apitoken", "view_apitoken"],
        groups=["Admins"],
    )


def backward(apps, schema_editor):
    _move_content_types(apps, "kpis", "rollout")


class Migration(migrations.Migration):
    dependencies = [
        ("kpis", "0001_initial"),
        ("rollout", "0007_kpis_move_to_their_app"),
        ("people", "0004_admin_language_follows_account"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forward, backward)]
