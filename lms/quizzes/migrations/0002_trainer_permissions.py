"""Trainers and Admins author quizzes and mark essays."""

from django.db import migrations

CODENAMES = [
    "add_quiz",
    "change_quiz",
    "delete_quiz",
    "add_question",
    "change_question",
    "delete_question",
    "add_category",
    "change_category",
    "delete_category",
    "mark_quizzes",
]


def grant(apps, schema_editor):
    from lms.people.migrations import _permissions

    _permissions.grant(
        apps, app_label="quizzes", codenames=CODENAMES, groups=["Trainers", "Admins"]
    )


def revoke(apps, schema_editor):
    from lms.people.migrations import _permissions

    _permissions.revoke(
        apps, app_label="quizzes", codenames=CODENAMES, groups=["Trainers", "Admins"]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0001_initial"),
        ("people", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
