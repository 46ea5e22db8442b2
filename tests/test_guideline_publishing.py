"""Guideline documents go live only through the approval workflow, by every path Wagtail
offers: the editor, bulk actions, copies, scheduled publishing, the admin API and code.
The workflow's final approval still publishes, and seed data has one documented path."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.actions.publish_page_revision import PublishPageRevisionAction
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from lms.guidelines import selectors, services
from lms.guidelines.models import (
    GuidelineApproval,
    GuidelineIndexPage,
    GuidelinePage,
    GuidelinePublishRefused,
)
from lms.people import roles
from tests import factories

pytestmark = pytest.mark.django_db

REFUSED = "Guideline documents are published by approval"
DRAFT_TEXT = "Rule 7: anything goes"


def login(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def document(db):
    """A published document with an unapproved draft change waiting in its revisions."""
    page = factories.guideline()
    page = GuidelinePage.objects.get(pk=page.pk)
    page.body = json.dumps([{"type": "paragraph", "value": f"<p>{DRAFT_TEXT}</p>"}])
    page.material_change = True
    page.change_summary = "Rule 7"
    page.save_revision()
    return GuidelinePage.objects.get(pk=page.pk)


@pytest.fixture
def superuser(db):
    return factories.user(username="root", is_superuser=True, groups=())


@pytest.fixture
def admin(db):
    return factories.user(username="alex", groups=(roles.ADMINS,))


@pytest.fixture
def approver(db):
    return factories.user(username="paula", groups=(roles.GUIDELINE_APPROVERS,))


def assert_unchanged(document):
    page = GuidelinePage.objects.get(pk=document.pk)
    assert page.live and page.live_revision_id == document.live_revision_id
    assert DRAFT_TEXT not in json.dumps(page.body.get_prep_value())
    assert selectors.current_version(document=page).number == 1


def bulk_publish_url(document):
    return (
        reverse("wagtail_bulk_action", args=["wagtailcore", "page", "publish"])
        + f"?id={document.pk}"
    )


@pytest.mark.parametrize("who", ["superuser", "admin", "approver"])
def test_bulk_publish_leaves_guidelines_out_and_says_why(request, who, document):
    client = login(request.getfixturevalue(who))

    confirm = client.get(bulk_publish_url(document))
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert REFUSED in page and "Yes, publish" not in page

    response = client.post(bulk_publish_url(document), {"include_descendants": "on"})
    assert response.status_code in (200, 302)
    assert_unchanged(document)


def test_bulk_publish_of_the_index_with_its_subpages_skips_guidelines(superuser, document):
    index = GuidelineIndexPage.objects.get()
    draft = GuidelinePage(title="Never approved", slug="never-approved", live=False)
    index.add_child(instance=draft)
    draft.save_revision()
    url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "publish"])

    login(superuser).post(f"{url}?id={index.pk}", {"include_descendants": "on"})

    assert not GuidelinePage.objects.get(pk=draft.pk).live
    assert_unchanged(document)


@pytest.mark.parametrize("who", ["superuser", "approver"])
def test_the_editor_offers_no_publish_button_and_refuses_a_forged_one(request, who, document):
    client = login(request.getfixturevalue(who))
    edit_url = reverse("wagtailadmin_pages:edit", args=[document.pk])
    page = client.get(edit_url).content.decode()
    assert 'name="action-publish"' not in page
    assert "Submit to Richtlinienfreigabe" in page

    data = nested_form_data(
        {
            "title": document.title,
            "slug": document.slug,
            "kind": "guidelines",
            "summary": "s",
            "body": streamfield([("paragraph", rich_text(f"<p>{DRAFT_TEXT}</p>"))]),
            "applies_to_all": "on",
            "material_change": "on",
            "change_summary": "sneaky",
            "action-publish": "action-publish",
        }
    )
    response = client.post(edit_url, data, follow=True)
    assert REFUSED in response.content.decode()
    assert_unchanged(document)


def test_a_new_document_cannot_be_published_on_creation(superuser):
    index = GuidelineIndexPage.objects.get()
    url = reverse("wagtailadmin_pages:add", args=["guidelines", "guidelinepage", index.pk])
    client = login(superuser)
    assert 'name="action-publish"' not in client.get(url).content.decode()
    data = nested_form_data(
        {
            "title": "New policy",
            "slug": "new-policy",
            "kind": "other",
            "summary": "s",
            "body": streamfield([("paragraph", rich_text("<p>Text</p>"))]),
            "applies_to_all": "on",
            "action-publish": "action-publish",
        }
    )
    response = client.post(url, data, follow=True)
    assert REFUSED in response.content.decode()
    created = GuidelinePage.objects.get(slug="new-policy")
    assert not created.live and not created.versions.exists()


def test_a_copy_is_never_published(superuser, document):
    client = login(superuser)
    url = reverse("wagtailadmin_pages:copy", args=[document.pk])
    index = GuidelineIndexPage.objects.get()
    response = client.post(
        url,
        {
            "new_title": "Copy",
            "new_slug": "copy",
            "new_parent_page": index.pk,
            "publish_copies": "on",
        },
    )
    assert "You do not have permission to publish pages" in response.content.decode()
    copy = GuidelinePage.objects.filter(slug="copy").first()
    assert copy is None or not copy.live
    with pytest.raises(GuidelinePublishRefused):
        document.copy(to=index, update_attrs={"slug": "copy-in-code", "title": "Copy"})


def test_the_admin_api_refuses(superuser, document):
    response = login(superuser).post(f"/admin/api/main/pages/{document.pk}/action/publish/")
    assert response.status_code == 403
    assert_unchanged(document)


def test_publishing_in_code_is_refused(superuser, document):
    revision = document.get_latest_revision()
    for attempt in (
        lambda: revision.publish(),
        lambda: revision.publish(user=superuser, skip_permission_checks=True),
        # What the editor and the admin API run: straight to Wagtail's publish action.
        lambda: PublishPageRevisionAction(revision).execute(skip_permission_checks=True),
    ):
        with pytest.raises(GuidelinePublishRefused, match=REFUSED):
            attempt()
    assert_unchanged(document)
    with pytest.raises(GuidelinePublishRefused):
        GuidelineIndexPage.objects.get().add_child(
            instance=GuidelinePage(title="Live at once", slug="live-at-once")
        )


def test_the_database_refuses_an_unapproved_revision(document):
    revision = document.get_latest_revision()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wagtailcore_page SET live_revision_id = %s WHERE id = %s",
            [revision.pk, document.pk],
        )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wagtailcore_revision SET approved_go_live_at = %s WHERE id = %s",
            [timezone.now(), revision.pk],
        )
    assert_unchanged(document)


def test_scheduled_publishing_needs_the_approval_too(document, monkeypatch):
    page = document.get_latest_revision_as_object()  # the draft change
    page.go_live_at = timezone.now() + timedelta(hours=1)
    revision = page.save_revision()
    with pytest.raises(GuidelinePublishRefused):
        revision.publish()
    revision.refresh_from_db()
    assert revision.approved_go_live_at is None, "nothing is left scheduled"

    call_command("publish_scheduled")
    assert_unchanged(document)

    # Approved with a publishing date: publish_scheduled publishes it when it is due.
    factories.approve_through_workflow(page)
    assert_unchanged(document)
    revision.refresh_from_db()
    assert revision.approved_go_live_at is not None
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    call_command("publish_scheduled")
    page = GuidelinePage.objects.get(pk=document.pk)
    assert page.live_revision_id == revision.pk
    assert DRAFT_TEXT in json.dumps(page.body.get_prep_value())
    assert selectors.current_version(document=page).number == 2


def test_the_workflow_still_publishes_and_records_who_approved(approver, trainer, document):
    page = GuidelinePage.objects.get(pk=document.pk)
    page.get_workflow().start(page, trainer)
    task_state = GuidelinePage.objects.get(pk=document.pk).current_workflow_task_state
    url = reverse(
        "wagtailadmin_pages:workflow_action", args=[document.pk, "approve", task_state.pk]
    )

    response = login(approver).post(url, {"comment": "Checked with legal"})

    assert response.status_code in (200, 302)
    page = GuidelinePage.objects.get(pk=document.pk)
    assert DRAFT_TEXT in json.dumps(page.body.get_prep_value())
    assert selectors.current_version(document=page).number == 2
    approval = GuidelineApproval.objects.get(revision_id=page.live_revision_id)
    assert approval.via == GuidelineApproval.Via.WORKFLOW and approval.approved_by == approver


def test_the_system_path_only_installs_a_first_text(document):
    assert GuidelineApproval.objects.get(document=document).via == GuidelineApproval.Via.SYSTEM
    with pytest.raises(GuidelinePublishRefused, match="published before"):
        services.publish_initial_text(document=document, note="again")
    assert_unchanged(document)


def test_the_refusal_speaks_the_account_language(document):
    german = factories.user(username="ruth", is_superuser=True, groups=(), language="de")
    page = login(german).get(bulk_publish_url(document)).content.decode()
    assert "Richtliniendokumente werden über den Freigabe-Workflow veröffentlicht" in page
