"""Guideline index page, the approval workflow, the approvers group, permissions, and a
database trigger that keeps sign-offs unchanged even outside the ORM."""

import uuid

from django.db import migrations

from lms.people.migrations._permissions import grant

APPROVERS = "Guideline approvers"
PAGE_PERMISSIONS = {
    # Editors cannot publish guidelines: changes go live through the approval workflow.
    # Approvers hold "publish" because Wagtail publishes as the approving user; the
    # before_publish_page hook still refuses publishing from the editor, for everyone.
    "Trainers": ["add_page", "change_page"],
    "Admins": ["add_page", "change_page", "lock_page", "unlock_page"],
    APPROVERS: ["add_page", "change_page", "publish_page"],
}
STEPLEN = 4
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def to_step(number: int) -> str:
    digits = ""
    while number:
        number, remainder = divmod(number, len(ALPHABET))
        digits = ALPHABET[remainder] + digits
    return digits.rjust(STEPLEN, "0")


def setup(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    GuidelineIndexPage = apps.get_model("guidelines", "GuidelineIndexPage")

    approvers, _ = Group.objects.get_or_create(name=APPROVERS)
    access_admin = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    ).first()
    if access_admin:
        approvers.permissions.add(access_admin)
    grant(
        apps,
        app_label="guidelines",
        codenames=["view_signoff", "view_signoff_reports", "record_signoff_on_behalf"],
        groups=["Admins"],
    )

    home = Page.objects.filter(path="00010001").first()
    if home is None:
        return
    index = GuidelineIndexPage.objects.first()
    if index is None:
        siblings = Page.objects.filter(path__startswith=home.path, depth=home.depth + 1)
        last = siblings.order_by("-path").values_list("path", flat=True).first()
        step = int(last[-STEPLEN:], 36) + 1 if last else 1
        content_type, _ = ContentType.objects.get_or_create(
            app_label="guidelines", model="guidelineindexpage"
        )
        index = GuidelineIndexPage.objects.create(
            title="Richtlinien",
            draft_title="Richtlinien",
            slug="richtlinien",
            content_type=content_type,
            path=home.path + to_step(step),
            depth=home.depth + 1,
            numchild=0,
            url_path=f"{home.url_path}richtlinien/",
            locale_id=home.locale_id,
            translation_key=uuid.uuid4(),
            live=True,
        )
        home.numchild = siblings.count()
        home.save(update_fields=["numchild"])

    page_type = ContentType.objects.get(app_label="wagtailcore", model="page")
    for group_name, codenames in PAGE_PERMISSIONS.items():
        group = Group.objects.get(name=group_name)
        for codename in codenames:
            GroupPagePermission.objects.get_or_create(
                group=group,
                page_id=index.pk,
                permission=Permission.objects.get(content_type=page_type, codename=codename),
            )

    workflow, _ = Workflow.objects.get_or_create(
        name="Guideline approval", defaults={"active": True}
    )
    if not WorkflowTask.objects.filter(workflow=workflow).exists():
        task_type, _ = ContentType.objects.get_or_create(
            app_label="wagtailcore", model="groupapprovaltask"
        )
        task = GroupApprovalTask.objects.create(
            name="Guideline approvers approve", active=True, content_type=task_type
        )
        task.groups.add(approvers)
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.get_or_create(page_id=index.pk, defaults={"workflow": workflow})


def undo(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(name="Guideline approval").delete()
    apps.get_model("guidelines", "GuidelineIndexPage").objects.all().delete()
    apps.get_model("auth", "Group").objects.filter(name=APPROVERS).delete()


TRIGGERS = {
    "sqlite": (
        [
            """
            CREATE TRIGGER guidelines_signoff_immutable
            BEFORE UPDATE ON guidelines_signoff
            BEGIN
                SELECT RAISE(ABORT, 'sign-offs are a permanent record and cannot be changed');
            END;
            """
        ],
        ["DROP TRIGGER IF EXISTS guidelines_signoff_immutable;"],
    ),
    "postgresql": (
        [
            """
            CREATE OR REPLACE FUNCTION guidelines_signoff_immutable() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'sign-offs are a permanent record and cannot be changed';
            END;
            $$ LANGUAGE plpgsql;
            """,
            """
            CREATE TRIGGER guidelines_signoff_immutable
            BEFORE UPDATE ON guidelines_signoff
            FOR EACH ROW EXECUTE FUNCTION guidelines_signoff_immutable();
            """,
        ],
        [
            "DROP TRIGGER IF EXISTS guidelines_signoff_immutable ON guidelines_signoff;",
            "DROP FUNCTION IF EXISTS guidelines_signoff_immutable();",
        ],
    ),
}


def create_trigger(apps, schema_editor):
    for statement in TRIGGERS.get(schema_editor.connection.vendor, ([], []))[0]:
        schema_editor.execute(statement)


def drop_trigger(apps, schema_editor):
    for statement in TRIGGERS.get(schema_editor.connection.vendor, ([], []))[1]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("guidelines", "0001_initial"),
        ("people", "0002_role_groups"),
        ("courses", "0003_create_catalog"),
        ("home", "0002_create_homepage"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.RunPython(setup, undo),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
