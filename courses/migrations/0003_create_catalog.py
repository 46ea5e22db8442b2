"""Create the course catalog below the home page and let Trainers and Admins edit it.

Trainers may add, edit and publish anything in the course tree; Admins may also
delete and lock pages there.
"""

import uuid

from django.db import migrations

CATALOG_PATH = "000100010001"
PAGE_PERMISSIONS = {
    "Trainers": ["add_page", "change_page", "publish_page"],
    "Admins": [
        "add_page",
        "change_page",
        "publish_page",
        "bulk_delete_page",
        "lock_page",
        "unlock_page",
    ],
}


def create_catalog(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    CourseIndexPage = apps.get_model("courses", "CourseIndexPage")

    home = Page.objects.filter(path="00010001").first()
    if home is None or Page.objects.filter(path__startswith=home.path, depth=3).exists():
        return
    content_type, _ = ContentType.objects.get_or_create(
        model="courseindexpage", app_label="courses"
    )
    catalog = CourseIndexPage.objects.create(
        title="Kurse",
        draft_title="Kurse",
        slug="kurse",
        content_type=content_type,
        path=CATALOG_PATH,
        depth=3,
        numchild=0,
        url_path=f"{home.url_path}kurse/",
        locale_id=home.locale_id,
        translation_key=uuid.uuid4(),
        live=True,
    )
    home.numchild += 1
    home.save(update_fields=["numchild"])

    page_content_type = ContentType.objects.get(app_label="wagtailcore", model="page")
    for group_name, codenames in PAGE_PERMISSIONS.items():
        group = Group.objects.get(name=group_name)
        for codename in codenames:
            permission = Permission.objects.get(content_type=page_content_type, codename=codename)
            GroupPagePermission.objects.get_or_create(
                group=group, page_id=catalog.pk, permission=permission
            )


def remove_catalog(apps, schema_editor):
    apps.get_model("courses", "CourseIndexPage").objects.filter(path=CATALOG_PATH).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0002_initial"),
        ("home", "0002_create_homepage"),
        ("people", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(create_catalog, remove_catalog)]
