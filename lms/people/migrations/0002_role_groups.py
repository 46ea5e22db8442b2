"""Create the four role groups and give them their model permissions.

Permissions are normally created after all migrations ran; a fresh database has
none yet, so they are created here first for the apps this migration refers to.
"""

from django.db import migrations

from lms.people.migrations._permissions import ensure_permissions_exist

GROUP_PERMISSIONS = {
    "Employees": [],
    "Managers": [],
    "Trainers": [
        ("wagtailadmin", "admin", "access_admin"),
        ("courses", "track", "add_track"),
        ("courses", "track", "change_track"),
        ("courses", "track", "delete_track"),
    ],
    "Admins": [
        ("wagtailadmin", "admin", "access_admin"),
        ("courses", "track", "add_track"),
        ("courses", "track", "change_track"),
        ("courses", "track", "delete_track"),
        ("people", "department", "add_department"),
        ("people", "department", "change_department"),
        ("people", "department", "delete_department"),
        ("people", "user", "add_user"),
        ("people", "user", "change_user"),
    ],
}
# Trainers write course material, so they may upload and choose images and documents.
COLLECTION_PERMISSIONS = {
    "Trainers": [
        ("wagtailimages", "image", "add_image"),
        ("wagtailimages", "image", "change_image"),
        ("wagtailimages", "image", "choose_image"),
        ("wagtaildocs", "document", "add_document"),
        ("wagtaildocs", "document", "change_document"),
        ("wagtaildocs", "document", "choose_document"),
    ],
}
COLLECTION_PERMISSIONS["Admins"] = COLLECTION_PERMISSIONS["Trainers"] + [
    ("wagtailimages", "image", "delete_image"),
    ("wagtaildocs", "document", "delete_document"),
]


def get_permission(apps, app_label, model, codename):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename=codename,
        defaults={"name": codename.replace("_", " ").capitalize()},
    )
    return permission


def create_groups(apps, schema_editor):
    ensure_permissions_exist(apps)
    Group = apps.get_model("auth", "Group")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    root_collection = Collection.objects.filter(depth=1).first()

    for name, permissions in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*(get_permission(apps, *spec) for spec in permissions))
        if root_collection is None:
            continue
        for spec in COLLECTION_PERMISSIONS.get(name, []):
            GroupCollectionPermission.objects.get_or_create(
                group=group,
                collection=root_collection,
                permission=get_permission(apps, *spec),
            )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
        ("courses", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
