"""The workshop index page; trainers run workshops and their sessions."""

from django.db import migrations

from lms.people.migrations._pages import create_home_child, grant_page_permissions
from lms.people.migrations._permissions import grant

SESSION_PERMISSIONS = ["add_workshopsession", "change_workshopsession", "delete_workshopsession"]


def setup(apps, schema_editor):
    grant(apps, app_label="courses", codenames=SESSION_PERMISSIONS, groups=["Trainers", "Admins"])
    index = create_home_child(
        apps, app_label="courses", model="WorkshopIndexPage", title="Workshops", slug="workshops"
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
    apps.get_model("courses", "WorkshopIndexPage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0006_workshopindexpage_workshoppage_workshopsession_and_more"),
        ("guidelines", "0002_guidelines_setup"),
        ("people", "0003_user_language"),
    ]

    operations = [migrations.RunPython(setup, undo)]
