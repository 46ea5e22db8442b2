"""Workshops moved out of the courses app without moving a row (workshops 0001,
courses 0013): the same tables, triggers and content types serve the new app.

The forward migration of a database made by the previous main (seeded demo, SQLite and
PostgreSQL, every table's row count compared) was checked by hand with the script in
the branch's report; these tests hold what a test database can show.
"""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from wagtail.models import Page

from lms.people import roles
from lms.workshops.models import Booking, WorkshopIndexPage, WorkshopPage, WorkshopSession
from tests import factories

pytestmark = pytest.mark.django_db

migration = importlib.import_module("lms.workshops.migrations.0001_initial")
MOVED = (WorkshopIndexPage, WorkshopPage, WorkshopSession, Booking)


def test_the_models_keep_their_tables():
    assert [model._meta.db_table for model in MOVED] == [
        "courses_workshopindexpage",
        "courses_workshoppage",
        "courses_workshopsession",
        "courses_booking",
    ]
    through = WorkshopPage.open_to_departments.through._meta.db_table
    assert through == "courses_workshoppage_open_to_departments"


def test_content_types_and_permissions_are_the_workshops_app_s():
    for model in MOVED:
        assert ContentType.objects.get_for_model(model).app_label == "workshops"
    assert not ContentType.objects.filter(
        app_label="courses", model__in=migration.MOVED_MODELS
    ).exists()
    trainers = Group.objects.get(name=roles.TRAINERS)
    granted = set(
        trainers.permissions.filter(content_type__app_label="workshops").values_list(
            "codename", flat=True
        )
    )
    assert {"add_workshopsession", "change_workshopsession", "delete_workshopsession"} <= granted


def test_the_index_page_made_by_the_courses_migration_is_a_workshop_index():
    (index,) = Page.objects.type(WorkshopIndexPage).specific()
    assert isinstance(index, WorkshopIndexPage) and index.url_path.endswith("/workshops/")


def _triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
                "('courses_booking'::regclass, 'courses_workshopsession'::regclass)"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN ('courses_booking', 'courses_workshopsession')"
            )
        return {row[0] for row in cursor.fetchall()}


def test_the_seat_triggers_of_courses_0011_are_still_there():
    expected = {
        "sqlite": {
            "courses_booking_seat_insert",
            "courses_booking_seat_update",
            "courses_booking_cancelled_insert",
            "courses_booking_cancelled_update",
            "courses_session_seats",
        },
        "postgresql": {"courses_booking_seat_rules", "courses_session_seats"},
    }[connection.vendor]
    assert _triggers() == expected


def test_renaming_keeps_the_content_type_row_and_the_pages_on_it():
    workshop = factories.workshop()
    row = ContentType.objects.get_for_model(WorkshopPage).pk
    migration.backwards(apps, None)
    assert ContentType.objects.get(pk=row).app_label == "courses"

    migration.forwards(apps, None)

    assert ContentType.objects.get(pk=row).app_label == "workshops"
    assert ContentType.objects.get_for_model(WorkshopPage).pk == row
    assert Page.objects.get(pk=workshop.pk).specific_class is WorkshopPage
    assert isinstance(Page.objects.get(pk=workshop.pk).specific, WorkshopPage)


def test_a_missing_content_type_is_left_for_later():
    ContentType.objects.filter(app_label="workshops", model="booking").delete()
    ContentType.objects.clear_cache()

    migration.forwards(apps, None)

    assert not ContentType.objects.filter(model="booking", app_label__in=["courses", "workshops"])
    ContentType.objects.clear_cache()
    assert ContentType.objects.get_for_model(Booking).app_label == "workshops"


def test_a_duplicate_unused_content_type_gives_way_to_the_one_in_use():
    in_use = ContentType.objects.get_for_model(WorkshopSession)
    Permission.objects.filter(content_type=in_use, codename="add_workshopsession").get()
    in_use.app_label = "courses"
    in_use.save()
    duplicate = ContentType.objects.create(app_label="workshops", model="workshopsession")

    migration.forwards(apps, None)

    assert not ContentType.objects.filter(pk=duplicate.pk).exists()
    assert ContentType.objects.get(pk=in_use.pk).app_label == "workshops"
    assert ContentType.objects.get_for_model(WorkshopSession).pk == in_use.pk
    assert Permission.objects.filter(content_type=in_use, codename="add_workshopsession").exists()
