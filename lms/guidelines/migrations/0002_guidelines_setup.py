"""Guideline index page, the approval workflow, the approvers group, permissions, and a
database trigger that keeps sign-offs unchanged even outside the ORM."""

from django.db import migrations

from lms.people.migrations._pages import create_home_child, grant_page_permissions
from lms.people.migrations._permissions import grant

APPROVERS = "Guideline approvers"
PAGE_PERMISSIONS = {
    # Editors cannot publish guidelines: changes go live through the approval workflow.
    # Nobody publishes a guideline directly, whatever these say (GuidelinePermissionTester,
    # migration 0003): the workflow's final approval does. "publish" still lets approvers
    # unpublish a document and set its privacy.
    "Trainers": ["add_page", "change_page"],
    "Admins": ["add_page", "change_page", "lock_page", "unlock_page"],
    APPROVERS: ["add_page", "change_page", "publish_page"],
}


def setup(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")

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

    index = create_home_child(
        apps,
        app_label="guidelines",
        model="GuidelineIndexPage",
        title="Richtlinien",
        slug="richtlinien",
    )
    if index is None:
        return
    grant_page_permissions(apps, page_id=index.pk, permissions=PAGE_PERMISSIONS)

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
