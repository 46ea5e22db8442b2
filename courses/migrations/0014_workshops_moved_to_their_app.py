"""The workshop models now live in the workshops app (see workshops 0001): removed from
the courses app's state only. Their tables, rows, triggers (0011) and content types
stay; the database is not touched."""

from django.db import migrations

MOVED_MODELS = ("workshopindexpage", "workshoppage", "workshopsession", "booking")


def forget_stale_content_types(apps, schema_editor):
    """Content types of the moved models still under courses are stale: workshops 0001
    renamed the ones in use. One can only have been created again by a data migration
    that ran in between; nothing points at it but its own permissions."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    stale = ContentType.objects.filter(app_label="courses", model__in=MOVED_MODELS)
    for content_type in stale:
        if not Page.objects.filter(content_type=content_type).exists():
            content_type.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0013_wagtail_imageblock"),
        ("workshops", "0001_initial"),
        # The assignment's foreign key points at workshops.WorkshopPage first.
        ("assignments", "0003_workshop_moved_to_workshops_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="Booking"),
                migrations.DeleteModel(name="WorkshopSession"),
                migrations.DeleteModel(name="WorkshopPage"),
                migrations.DeleteModel(name="WorkshopIndexPage"),
            ],
        ),
        migrations.RunPython(forget_stale_content_types, migrations.RunPython.noop),
    ]
