import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from wagtail.models import Page

from lms.award.models import AwardSettings
from lms.rollout import selectors
from lms.stories.models import SuccessStoryIndexPage, SuccessStoryPage

pytestmark = pytest.mark.django_db

relabel = importlib.import_module("lms.rollout.migrations.0005_award_and_stories_leave_rollout")


class SchemaEditor:
    connection = connection


def test_success_story_on_the_home_page(sales):
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert "A comment became an order" not in anonymous.get("/").content.decode()
    story = SuccessStoryPage(
        title="A comment became an order", slug="order", teaser="How it happened", department=sales
    )
    SuccessStoryIndexPage.objects.get().add_child(instance=story)
    story.save_revision().publish()
    assert "A comment became an order" in anonymous.get("/").content.decode()
    assert selectors.evidence_values()[("success_stories", None)] == {sales.pk: 1}

    story.unpublish()
    assert "A comment became an order" not in anonymous.get("/").content.decode()


def test_the_story_pages_render(sales):
    story = SuccessStoryPage(
        title="Leads doubled", slug="leads", teaser="In a month", department=sales
    )
    index = SuccessStoryIndexPage.objects.get()
    index.add_child(instance=story)
    story.save_revision().publish()
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert "Leads doubled" in anonymous.get(index.url).content.decode()
    page = anonymous.get(story.url).content.decode()
    assert "In a month" in page and "Sales" in page


def test_content_types_are_renamed_not_replaced(sales):
    """A database from before the move: the rows say "rollout"; the migration relabels the
    same rows, so pages, revisions and permissions keep pointing at them."""
    story = SuccessStoryPage(title="Old story", slug="old", teaser="From before")
    SuccessStoryIndexPage.objects.get().add_child(instance=story)
    revision = story.save_revision()
    revision.publish()
    moved = {
        model: ContentType.objects.get(app_label=label, model=model)
        for model, label in relabel.MOVED
    }
    ContentType.objects.filter(pk__in=[ct.pk for ct in moved.values()]).update(app_label="rollout")
    ContentType.objects.clear_cache()
    count = ContentType.objects.count()

    relabel.forwards(apps, SchemaEditor())

    assert ContentType.objects.count() == count  # no new rows
    for model, label in relabel.MOVED:
        assert ContentType.objects.get(pk=moved[model].pk).app_label == label
    assert Page.objects.get(pk=story.pk).specific_class is SuccessStoryPage
    assert type(Page.objects.get(pk=story.pk).specific) is SuccessStoryPage
    revision.refresh_from_db()
    assert revision.content_type_id == moved["successstorypage"].pk
    assert Permission.objects.filter(
        content_type=moved["awardsettings"], codename="change_awardsettings"
    ).exists()
    AwardSettings.load()  # the settings row is found under its new app


def test_content_type_rename_without_rows_creates_none(sales):
    """A database where the rows do not exist yet (e.g. the rollout never had them):
    nothing is created, post_migrate creates them under the new label."""
    ContentType.objects.filter(app_label="award", model="awardperiod").update(model="gone")
    ContentType.objects.clear_cache()
    count = ContentType.objects.count()
    relabel.forwards(apps, SchemaEditor())
    relabel.backwards(apps, SchemaEditor())
    relabel.forwards(apps, SchemaEditor())
    assert ContentType.objects.count() == count
    assert not ContentType.objects.filter(model="awardperiod").exists()
    assert ContentType.objects.filter(app_label="stories", model="successstorypage").exists()
