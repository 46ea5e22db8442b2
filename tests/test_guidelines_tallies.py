"""The sign-off report's summary (lms.guidelines.tallies) stays equal to a count from
scratch after every kind of write, and the report built from it says what a person-by-
person recount says."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from lms.core import changes
from lms.guidelines import selectors, services, tallies
from lms.guidelines.models import DepartmentHeadcount, SignOff, SignOffTally
from lms.people import roles
from lms.people.models import Department, User
from tests import factories

pytestmark = pytest.mark.django_db


def recount_report(document) -> dict[str, tuple[int, int, int]]:
    """Department name -> (current, older, never), person by person."""
    current = selectors.current_version(document=document).number
    scope = set(document.departments.values_list("pk", flat=True))
    report: dict[str, list[int]] = {}
    for person in User.objects.filter(is_active=True).select_related("department"):
        if not document.applies_to_all and person.department_id not in scope:
            continue
        numbers = [
            signoff.version.number
            for signoff in SignOff.objects.filter(user=person, document=document)
        ]
        counts = report.setdefault(person.department.name if person.department else "—", [0, 0, 0])
        if not numbers:
            counts[2] += 1
        elif max(numbers) >= current:
            counts[0] += 1
        else:
            counts[1] += 1
    return {name: tuple(counts) for name, counts in report.items()}


def shown_report(document) -> dict[str, tuple[int, int, int]]:
    return {
        row.department: (row.current, row.older, row.never)
        for row in selectors.department_report(document=document)
    }


def assert_right(*documents):
    assert tallies.check() == []
    for document in documents:
        assert shown_report(document) == recount_report(document)


def sign(user, document):
    version = selectors.current_version(document=document)
    return services.sign(user=user, document=document, version_id=version.pk)


@pytest.fixture
def company(db):
    sales, support = factories.department(name="Sales"), factories.department(name="Support")
    people = {
        "anna": factories.user(username="anna", department=sales),
        "ben": factories.user(username="ben", department=sales),
        "cem": factories.user(username="cem", department=support),
        "dora": factories.user(username="dora"),
    }
    everyone = factories.guideline(title="Guidelines")
    support_only = factories.guideline(title="Crisis plan", departments=[support])
    return sales, support, people, everyone, support_only


class TestSummaryAfterEachWrite:
    def test_people_created_are_counted_as_never_signed(self, company):
        _sales, _support, _people, everyone, support_only = company
        assert shown_report(everyone) == {"Sales": (0, 0, 2), "Support": (0, 0, 1), "—": (0, 0, 1)}
        assert shown_report(support_only) == {"Support": (0, 0, 1)}
        assert_right(everyone, support_only)

    def test_signing_then_a_new_version_then_signing_again(self, company):
        _sales, _support, people, everyone, support_only = company
        sign(people["anna"], everyone)
        sign(people["cem"], everyone)
        sign(people["cem"], support_only)
        assert shown_report(everyone)["Sales"] == (1, 0, 1)
        assert_right(everyone, support_only)
        everyone = factories.publish_guideline_change(
            everyone, text="Rule 7", material=True, summary="Rule 7 added"
        )
        assert shown_report(everyone)["Sales"] == (0, 1, 1)
        assert_right(everyone, support_only)
        sign(people["anna"], everyone)
        sign(people["anna"], everyone)  # signing twice records once
        assert shown_report(everyone)["Sales"] == (1, 0, 1)
        assert_right(everyone, support_only)

    def test_moving_deactivating_reactivating_and_deleting_people(self, company):
        _sales, support, people, everyone, support_only = company
        sign(people["anna"], everyone)
        anna = people["anna"]
        anna.department = support
        anna.save()
        assert shown_report(everyone)["Support"] == (1, 0, 1)
        assert_right(everyone, support_only)
        anna.department = None
        anna.save(update_fields=["department"])
        assert_right(everyone, support_only)
        anna.is_active = False
        anna.save()
        assert "—" in shown_report(everyone) and shown_report(everyone)["—"] == (0, 0, 1)
        assert_right(everyone, support_only)
        anna.is_active = True
        anna.save()
        assert_right(everyone, support_only)
        anna.last_name = "Renamed"
        anna.save(update_fields=["last_name"])
        people["ben"].delete()
        assert "Sales" not in shown_report(everyone)  # nobody left there
        assert_right(everyone, support_only)

    def test_erasing_signoffs_and_deleting_the_person(self, company):
        _sales, _support, people, everyone, support_only = company
        cem = people["cem"]
        sign(cem, everyone)
        sign(cem, support_only)
        assert services.erase_signoffs(user=cem, reason="GDPR request") == 2
        assert shown_report(support_only) == {"Support": (0, 0, 1)}
        assert_right(everyone, support_only)
        cem.delete()
        assert shown_report(support_only) == {}
        assert_right(everyone, support_only)

    def test_deleting_a_department_moves_its_people_to_none(self, company):
        sales, _support, people, everyone, support_only = company
        sign(people["anna"], everyone)
        sales.delete()
        assert shown_report(everyone)["—"] == (1, 0, 2)
        assert_right(everyone, support_only)

    def test_a_write_without_signals_is_recounted_after_the_commit(
        self, company, django_capture_on_commit_callbacks
    ):
        sales, support, people, everyone, support_only = company
        sign(people["anna"], everyone)
        with django_capture_on_commit_callbacks(execute=True):
            User.objects.filter(department=sales).update(department=support)
            changes.rows_changed(User)
        assert shown_report(everyone)["Support"] == (1, 0, 2)
        assert_right(everyone, support_only)

    def test_wagtail_bulk_deactivation(self, company):
        _sales, _support, people, everyone, support_only = company
        admin = factories.user(username="root", is_superuser=True, is_staff=True)
        client = Client()
        client.force_login(admin)
        ids = [people["anna"].pk, people["ben"].pk]
        url = reverse("wagtail_bulk_action", args=("people", "user", "set_active_state"))
        query = "&".join(f"id={pk}" for pk in ids)
        response = client.post(f"{url}?{query}", {"mark_as_active": "False"})
        assert response.status_code == 302
        assert not User.objects.filter(pk__in=ids, is_active=True).exists()
        assert "Sales" not in shown_report(everyone)
        assert_right(everyone, support_only)


class TestCheckAndRepair:
    def test_the_command_finds_and_repairs_a_wrong_summary(self, company):
        _sales, _support, people, everyone, _support_only = company
        sign(people["anna"], everyone)
        SignOffTally.objects.filter(document=everyone).update(people=7)
        DepartmentHeadcount.objects.filter(department_key=0).delete()
        out = StringIO()
        with pytest.raises(CommandError):
            call_command("signoff_tallies", stdout=out)
        assert "2 differences" in out.getvalue()
        call_command("signoff_tallies", "--repair", stdout=out)
        assert "Repaired: 2 differences fixed." in out.getvalue()
        assert_right(everyone)
        out = StringIO()
        call_command("signoff_tallies", stdout=out)
        assert "no differences" in out.getvalue()

    def test_rebuild_equals_the_incremental_summary(self, company):
        _sales, _support, people, everyone, support_only = company
        sign(people["anna"], everyone)
        sign(people["cem"], support_only)
        before = tallies.stored()
        tallies.rebuild()
        assert tallies.stored() == before


class TestReportQueries:
    def test_the_report_reads_the_summary_in_two_queries(self, company, django_assert_num_queries):
        _sales, _support, _people, everyone, _support_only = company
        for number in range(30):
            factories.user(department=Department.objects.get(name="Sales"), username=f"p{number}")
        with django_assert_num_queries(2):
            rows = selectors.department_report(document=everyone)
        assert [row.department for row in rows] == ["Sales", "Support", "—"]

    @pytest.mark.usefixtures("response_context")
    def test_the_report_page_shows_the_summary(self, company):
        _sales, _support, people, everyone, _support_only = company
        sign(people["anna"], everyone)
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(factories.user(username="boss", groups=(roles.ADMINS,)))
        response = client.get(reverse("guidelines:report"), {"document": everyone.pk})
        assert response.status_code == 200
        rows = {
            row.department: (row.current, row.older, row.never) for row in response.context["rows"]
        }
        assert rows == {"Sales": (1, 0, 1), "Support": (0, 0, 1), "—": (0, 0, 2)}
