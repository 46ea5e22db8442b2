"""The programme index page below the home page; trainers write programmes in it."""

from django.db import migrations

from lms.people.migrations._pages import create_home_child, grant_page_permissions


def setup(apps, schema_editor):
    index = create_home_child(
        apps,
        app_label="programmes",
        model="ProgrammeIndexPage",
        title="Bootcamps",
        slug="bootcamps",
    )
    if index is not None:
        grant_page_permissions(
            apps,
            page_id=index.pk,
            permissions={
                "Trainers": ["add_page", "change_page", "publish_page"],
                "Admins": ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
            },
        )


def undo(apps, schema_editor):
    apps.get_model("programmes", "ProgrammeIndexPage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0001_initial"),
        ("home", "0002_create_homepage"),
        ("courses", "0007_create_workshop_index"),
        ("people", "0003_user_language"),
    ]

    operations = [migrations.RunPython(setup, undo)]
