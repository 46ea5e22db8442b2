"""The approval workflow and its task get German names, like the pages the migrations create
("Richtlinien", "Kurse"): the admin shows them inside its own sentences ("In … einreichen").
Names an admin has changed are left alone."""

from django.db import migrations

RENAMES = {
    "Workflow": [("Guideline approval", "Richtlinienfreigabe")],
    "Task": [("Guideline approvers approve", "Freigabe durch die Richtlinienverantwortlichen")],
}


def rename(apps, schema_editor, *, backwards=False):
    for model, pairs in RENAMES.items():
        manager = apps.get_model("wagtailcore", model).objects
        for old, new in pairs:
            if backwards:
                old, new = new, old
            manager.filter(name=old).update(name=new)


def undo(apps, schema_editor):
    rename(apps, schema_editor, backwards=True)


class Migration(migrations.Migration):
    dependencies = [
        ("guidelines", "0006_wagtail_imageblock"),
    ]

    operations = [migrations.RunPython(rename, undo)]
