"""The award and the success stories leave the rollout app for their own apps.

The tables stay (db_table); only the migration state moves. The ContentType rows are
renamed (rollout → award / stories), not replaced, so every page, revision, permission,
log entry, reference-index row and the settings row keep pointing at the same row.
"""

from django.db import IntegrityError, migrations, transaction

# (model, new app label): the ContentTypes that change their app label.
MOVED = [
    ("awardsettings", "award"),
    ("awardperiod", "award"),
    ("successstoryindexpage", "stories"),
    ("successstorypage", "stories"),
]


def _relabel(apps, schema_editor, *, backwards: bool) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    db = schema_editor.connection.alias
    for model, new_label in MOVED:
        old, new = ("rollout", new_label) if not backwards else (new_label, "rollout")
        content_type = ContentType.objects.using(db).filter(app_label=old, model=model).first()
        if content_type is None:
            continue  # a database that never had it: post_migrate creates it under the new label
        stale = ContentType.objects.using(db).filter(app_label=new, model=model).first()
        if stale is not None:
            # Created under the new label by a post_migrate that ran before this migration
            # (e.g. `migrate award` alone). Nothing but its default permissions can point
            # at it yet unless a page does; the old row, with the data, wins.
            if Page.objects.using(db).filter(content_type=stale).exists():
                continue  # left for `manage.py remove_stale_contenttypes` to report
            stale.delete()
        content_type.app_label = new
        try:
            with transaction.atomic(using=db):
                content_type.save(update_fields=["app_label"])
        except IntegrityError:
            content_type.app_label = old
    ContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    _relabel(apps, schema_editor, backwards=False)


def backwards(apps, schema_editor):
    _relabel(apps, schema_editor, backwards=True)


class Migration(migrations.Migration):
    dependencies = [
        ("rollout", "0004_wagtail_imageblock"),
        ("award", "0001_initial"),
        ("stories", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="awardperiod", name="announced_by"),
                migrations.RemoveField(model_name="awardperiod", name="winner"),
                migrations.DeleteModel(name="AwardSettings"),
                migrations.RemoveField(model_name="successstoryindexpage", name="page_ptr"),
                migrations.RemoveField(model_name="successstorypage", name="department"),
                migrations.RemoveField(model_name="successstorypage", name="page_ptr"),
                migrations.DeleteModel(name="AwardPeriod"),
                migrations.DeleteModel(name="SuccessStoryIndexPage"),
                migrations.DeleteModel(name="SuccessStoryPage"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
