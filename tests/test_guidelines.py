import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import Enrollment
from lms.guidelines import selectors, services
from lms.guidelines.models import GuidelinePage, GuidelineVersion, SignOff
from lms.people import roles
from tests import factories

pytestmark = pytest.mark.django_db


def sign_url(document):
    return reverse("guidelines:sign", args=[document.pk])


def current(document):
    return selectors.current_version(document=document)


def sign_via_http(client, document, version=None):
    version = version or current(document)
    return client.post(sign_url(document), {"version": version.pk, "accept": "on"}, follow=True)


def login(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def admin_user(db):
    return factories.user(username="alex", groups=(roles.ADMINS,))


@pytest.fixture
def document(db):
    return factories.guideline()


class TestVersions:
    def test_first_publish_creates_version_one(self, document):
        version = current(document)
        assert version.number == 1
        assert version.content_hash == document.content_hash()
        assert version.snapshot["title"] == document.title

    def test_material_change_starts_a_new_version(self, document):
        changed = factories.publish_guideline_change(
            document, text="New rule on AI tools.", material=True, summary="Rule 7 added"
        )
        version = current(changed)
        assert version.number == 2
        assert version.change_summary == "Rule 7 added"
        assert "New rule on AI tools." in str(version.snapshot)
        assert GuidelineVersion.objects.filter(document=document).count() == 2

    def test_minor_edit_keeps_the_version(self, document):
        factories.publish_guideline_change(document, text="Be kind!", material=False)
        assert current(document).number == 1
        assert GuidelineVersion.objects.filter(document=document).count() == 1

    def test_material_flag_is_reset_after_publishing(self, document):
        changed = factories.publish_guideline_change(document, text="x", material=True, summary="y")
        assert not changed.material_change and changed.change_summary == ""
        factories.publish_guideline_change(changed, text="typo fixed", material=False)
        assert current(document).number == 2

    def test_editor_form_requires_a_summary_for_material_changes(self, document):
        form_class = GuidelinePage.get_edit_handler().get_form_class()
        data = {
            "title": document.title,
            "slug": document.slug,
            "material_change": True,
            "body-count": "0",
            "kind": "guidelines",
        }
        form = form_class(data=data, instance=document, for_user=factories.user())
        form.is_valid()
        assert "change_summary" in form.errors

    def test_editor_form_starts_unticked_after_a_publish(self, document):
        form_class = GuidelinePage.get_edit_handler().get_form_class()
        document.material_change = True
        form = form_class(instance=document, for_user=factories.user())
        assert form.initial["material_change"] is False


class TestSigning:
    def test_employee_signs_the_current_version(self, employee_client, employee, document):
        response = sign_via_http(employee_client, document)
        assert "you accepted" in response.content.decode()
        signoff = SignOff.objects.get(user=employee)
        assert signoff.version == current(document)
        assert signoff.content_hash == document.content_hash()
        assert signoff.revision_id == document.live_revision_id
        assert not signoff.on_behalf

    def test_signing_twice_records_once(self, employee_client, employee, document):
        sign_via_http(employee_client, document)
        sign_via_http(employee_client, document)
        assert SignOff.objects.filter(user=employee).count() == 1

    def test_the_checkbox_is_required(self, employee_client, document):
        response = employee_client.post(
            sign_url(document), {"version": current(document).pk}, follow=True
        )
        assert "Tick the box" in response.content.decode()
        assert not SignOff.objects.exists()

    def test_an_outdated_version_is_refused(self, employee_client, document):
        old = current(document)
        factories.publish_guideline_change(document, text="v2", material=True, summary="changed")
        response = sign_via_http(employee_client, document, version=old)
        assert "A newer version of this document has been published" in response.content.decode()
        assert not SignOff.objects.exists()

    def test_out_of_scope_document_is_refused(self, employee_client, db):
        hr = factories.department(name="HR", slug="hr")
        hr_only = factories.guideline(title="HR rules", departments=(hr,))
        response = sign_via_http(employee_client, hr_only)
        assert "does not apply to your department" in response.content.decode()
        assert not SignOff.objects.exists()

    def test_draft_document_is_404(self, employee_client, document):
        version = current(document)
        document.unpublish()
        response = employee_client.post(sign_url(document), {"version": version.pk, "accept": "on"})
        assert response.status_code == 404
        assert not SignOff.objects.exists()

    def test_get_is_405_and_anonymous_is_sent_to_login(self, client, employee_client, document):
        assert employee_client.get(sign_url(document)).status_code == 405
        response = client.post(
            sign_url(document), {"version": current(document).pk, "accept": "on"}
        )
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert not SignOff.objects.exists()

    def test_a_forged_post_only_ever_signs_for_the_logged_in_user(
        self, employee_client, employee, document
    ):
        other = factories.user()
        employee_client.post(
            sign_url(document), {"version": current(document).pk, "accept": "on", "user": other.pk}
        )
        assert list(SignOff.objects.values_list("user_id", flat=True)) == [employee.pk]

    def test_comprehension_quiz_must_be_passed_first(self, employee_client, employee):
        quiz = factories.quiz(questions=[{"kind": "tf", "correct": True}], pass_mark=100)
        document = factories.guideline(quiz=quiz)
        page = employee_client.get(document.url).content.decode()
        assert "Take the quiz" in page and "I have read this document and accept it." not in page
        response = sign_via_http(employee_client, document)
        assert "Pass the comprehension quiz" in response.content.decode()
        assert not SignOff.objects.exists()

        from lms.quizzes.services import start_sitting, submit_answer

        sitting = start_sitting(user=employee, quiz=quiz)
        submit_answer(
            user=employee,
            sitting_id=sitting.pk,
            question_id=sitting.question_order[0],
            true_false=True,
        )
        sign_via_http(employee_client, document)
        assert SignOff.objects.filter(user=employee).exists()

    def test_re_sign_after_a_material_change_shows_what_changed(
        self, employee_client, employee, document
    ):
        sign_via_http(employee_client, document)
        factories.publish_guideline_change(
            document, text="v2", material=True, summary="Rule 7 on AI added"
        )
        page = employee_client.get(document.url).content.decode()
        assert "Rule 7 on AI added" in page
        assert "What changed since version 1" in page
        dashboard = employee_client.get("/").content.decode()
        assert "Version 2 changed what you accepted before." in dashboard
        assert "document to accept" not in dashboard, "the dashboard lists them instead"
        assert "document to accept" in employee_client.get(factories.catalog().url).content.decode()
        sign_via_http(employee_client, document)
        assert list(
            SignOff.objects.filter(user=employee)
            .values_list("version__number", flat=True)
            .order_by("version__number")
        ) == [1, 2]
        assert (
            "document to accept"
            not in employee_client.get(factories.catalog().url).content.decode()
        )

    def test_outstanding_documents_on_the_dashboard(self, employee_client, document):
        page = employee_client.get("/").content.decode()
        assert 'id="guidelines-heading"' in page and document.title in page


class TestImmutability:
    def test_model_refuses_changes_and_deletion(self, employee, document):
        signoff, _ = services.sign(
            user=employee, document=document, version_id=current(document).pk
        )
        signoff.note = "tampered"
        with pytest.raises(ValidationError):
            signoff.save()
        with pytest.raises(ValidationError):
            signoff.delete()
        with pytest.raises(ValidationError):
            SignOff.objects.filter(pk=signoff.pk).update(note="x")
        with pytest.raises(ValidationError):
            SignOff.objects.all().delete()
        assert SignOff.objects.get(pk=signoff.pk).note == ""

    def test_database_refuses_updates_too(self, employee, document):
        signoff, _ = services.sign(
            user=employee, document=document, version_id=current(document).pk
        )
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE guidelines_signoff SET note = 'x' WHERE id = %s", [signoff.pk])
        assert SignOff.objects.get(pk=signoff.pk).note == ""

    def test_admin_lists_read_only(self, admin_user, employee, document):
        signoff, _ = services.sign(
            user=employee, document=document, version_id=current(document).pk
        )
        client = login(admin_user)
        listing = client.get("/admin/signoffs/")
        assert listing.status_code == 200
        assert "Add sign-off" not in listing.content.decode()
        assert client.get(f"/admin/signoffs/inspect/{signoff.pk}/").status_code == 200
        for url in (f"/admin/signoffs/edit/{signoff.pk}/", f"/admin/signoffs/delete/{signoff.pk}/"):
            assert client.post(url, {"note": "x"}).status_code in (302, 403)
        assert client.post("/admin/signoffs/new/", {"note": "x"}).status_code in (302, 403)
        assert SignOff.objects.get().note == ""
        assert SignOff.objects.count() == 1

    def test_employees_cannot_see_the_admin_list(self, employee_client):
        assert employee_client.get("/admin/signoffs/").status_code == 302


class TestOnBehalf:
    def test_admin_records_a_paper_sign_off_with_a_note(self, admin_user, employee, document):
        client = login(admin_user)
        response = client.post(
            reverse("guidelines:record"),
            {"employee": employee.pk, "document": document.pk, "note": "Paper form of 3 May"},
        )
        assert response.status_code == 302
        signoff = SignOff.objects.get(user=employee)
        assert signoff.on_behalf and signoff.recorded_by == admin_user
        audit = client.get(reverse("guidelines:audit", args=[employee.pk])).content.decode()
        assert "Paper form of 3 May" in audit

    def test_note_is_mandatory(self, admin_user, employee, document):
        client = login(admin_user)
        response = client.post(
            reverse("guidelines:record"),
            {"employee": employee.pk, "document": document.pk, "note": "  "},
        )
        assert response.status_code == 200
        assert not SignOff.objects.exists()
        with pytest.raises(services.SignOffRefused):
            services.sign(
                user=employee,
                document=document,
                version_id=current(document).pk,
                recorded_by=admin_user,
            )

    def test_only_admins_may(self, manager, employee, document):
        response = login(manager).post(
            reverse("guidelines:record"),
            {"employee": employee.pk, "document": document.pk, "note": "x"},
        )
        assert response.status_code == 403
        assert not SignOff.objects.exists()


class TestCourseGating:
    @pytest.fixture
    def gated_course(self, document):
        course = factories.course(title="Social Selling")
        course.required_guidelines.add(document)
        course.save_revision().publish()
        return course

    def test_course_page_explains_what_is_missing(self, employee_client, gated_course, document):
        page = employee_client.get(gated_course.url).content.decode()
        assert "Before you start" in page and document.url in page
        assert "Start course" not in page

    def test_enrolment_is_refused_until_signed(
        self, employee_client, employee, gated_course, document
    ):
        response = employee_client.post(
            reverse("courses:enrol", args=[gated_course.pk]), follow=True
        )
        assert "Accept the listed guidelines" in response.content.decode()
        assert not Enrollment.objects.exists()
        module = factories.modules_of(gated_course)[0]
        assert employee_client.get(module.url).status_code == 302
        employee_client.post(reverse("courses:complete_module", args=[module.pk]))
        assert not Enrollment.objects.exists()

        sign_via_http(employee_client, document)
        employee_client.post(reverse("courses:enrol", args=[gated_course.pk]))
        assert Enrollment.objects.filter(user=employee, course=gated_course).exists()


class TestApprovalWorkflow:
    def test_direct_publish_in_the_editor_is_refused(self, document):
        superuser = factories.user(username="root", is_superuser=True, groups=())
        client = login(superuser)
        edit_url = f"/admin/pages/{document.pk}/edit/"
        response = client.get(edit_url)
        assert response.status_code == 200
        from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

        data = nested_form_data(
            {
                "title": document.title,
                "slug": document.slug,
                "kind": "guidelines",
                "summary": "s",
                "body": streamfield([("paragraph", rich_text("<p>Sneaky change</p>"))]),
                "applies_to_all": "on",
                "material_change": "on",
                "change_summary": "sneaky",
                "action-publish": "action-publish",
            }
        )
        response = client.post(edit_url, data, follow=True)
        assert "published by approval" in response.content.decode()
        assert current(document).number == 1
        assert "Sneaky change" not in str(GuidelinePage.objects.get(pk=document.pk).body.raw_data)

    def test_trainers_cannot_publish_guidelines(self, trainer, document):
        from wagtail.models import Page

        perms = Page.objects.get(pk=document.pk).permissions_for_user(trainer)
        assert perms.can_edit() and not perms.can_publish()

    def test_approved_change_creates_a_version_and_asks_again(
        self, employee, manager, trainer, document
    ):
        employee.manager = manager
        employee.save()
        services.sign(user=employee, document=document, version_id=current(document).pk)
        approver = factories.user(username="approver", groups=(roles.GUIDELINE_APPROVERS,))

        page = GuidelinePage.objects.get(pk=document.pk)
        page.body = '[{"type": "paragraph", "value": "<p>Rule 7: AI tools</p>"}]'
        page.material_change = True
        page.change_summary = "Rule 7 on AI tools"
        page.save_revision(user=trainer)
        workflow = page.get_workflow()
        assert workflow is not None and workflow.name == "Richtlinienfreigabe"
        workflow.start(page, trainer)
        assert current(document).number == 1, "nothing goes live before approval"

        task_state = GuidelinePage.objects.get(pk=document.pk).current_workflow_task_state
        approve_url = reverse(
            "wagtailadmin_pages:workflow_action", args=[document.pk, "approve", task_state.pk]
        )
        login(trainer).post(approve_url, {"comment": ""})
        assert current(document).number == 1, "a trainer cannot approve their own change"
        client = login(approver)
        response = client.post(
            reverse(
                "wagtailadmin_pages:workflow_action", args=[document.pk, "approve", task_state.pk]
            ),
            {"comment": ""},
        )
        assert response.status_code in (200, 302), response.content.decode()[:3000]
        assert current(document).number == 2
        assert current(document).change_summary == "Rule 7 on AI tools"
        states = {
            state.document.pk: state.state for state in selectors.document_states(user=employee)
        }
        assert states[document.pk] == selectors.SIGNED_OLDER
        team = login(manager).get(reverse("guidelines:team")).content.decode()
        assert "signed an older version" in team


class TestReports:
    @pytest.fixture
    def company(self, document, sales):
        marketing = factories.department(name="Marketing", slug="marketing")
        signed = [factories.user(department=sales) for _ in range(3)]
        never = [factories.user(department=marketing) for _ in range(2)]
        for user in signed[:2]:
            services.sign(user=user, document=document, version_id=current(document).pk)
        services.sign(user=signed[2], document=document, version_id=current(document).pk)
        factories.publish_guideline_change(document, text="v2", material=True, summary="v2")
        services.sign(user=signed[0], document=document, version_id=current(document).pk)
        return {"signed": signed, "never": never}

    def test_department_report_counts(self, company, document):
        rows = {row.department: row for row in selectors.department_report(document=document)}
        assert (rows["Sales"].current, rows["Sales"].older, rows["Sales"].never) == (1, 2, 0)
        assert (rows["Marketing"].current, rows["Marketing"].older, rows["Marketing"].never) == (
            0,
            0,
            2,
        )

    def test_report_page_and_csv(self, company, admin_user, document):
        client = login(admin_user)
        page = client.get(reverse("guidelines:report"), {"document": document.pk}).content.decode()
        assert "Sales" in page and "Marketing" in page
        response = client.get(reverse("guidelines:export", args=[document.pk]))
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
        by_user = {row["Username"]: row for row in rows}
        assert len(by_user) == len(rows)  # one row per person, also for who signed twice
        first, second, _ = company["signed"]
        assert by_user[first.username]["State"] == "Signed current version"
        assert by_user[first.username]["Signed version"] == "2"
        newest = SignOff.objects.filter(user=first, document=document).latest("signed_at")
        # Local time (Europe/Berlin) to the minute, as the people reading it live there.
        signed_at = by_user[first.username]["Signed at"]
        assert signed_at == timezone.localtime(newest.signed_at).strftime("%Y-%m-%d %H:%M")
        assert by_user[company["never"][0].username]["Signed at"] == ""
        assert by_user[second.username]["State"] == "Signed an older version"
        assert by_user[company["never"][0].username]["State"] == "Never signed"
        assert by_user[company["never"][0].username]["Department"] == "Marketing"

    def test_csv_of_one_department(self, company, admin_user, document, sales):
        factories.user(username="nodepartment", department=None)
        client = login(admin_user)
        url = reverse("guidelines:export", args=[document.pk])
        page = client.get(reverse("guidelines:report"), {"document": document.pk}).content.decode()
        assert f"{url}?department=sales" in page

        everyone = list(csv.reader(io.StringIO(client.get(url).getvalue().decode("utf-8-sig"))))
        departments = [row[3] for row in everyone[1:]]
        named = [department for department in departments if department]
        # By department name, people without a department last, on every database.
        assert departments == sorted(named) + [""] * (len(departments) - len(named))
        assert ["nodepartment", ""] in [[row[0], row[3]] for row in everyone]

        response = client.get(url, {"department": "sales"})
        assert response["Content-Disposition"].endswith(f'-{document.slug}-sales.csv"')
        rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
        assert sorted(row["Username"] for row in rows) == sorted(
            user.username for user in company["signed"]
        )
        assert {row["Department"] for row in rows} == {"Sales"}

    def test_csv_of_an_empty_or_unknown_department(self, admin_user, document):
        factories.department(name="Legal", slug="legal")
        client = login(admin_user)
        url = reverse("guidelines:export", args=[document.pk])
        empty = client.get(url, {"department": "legal"}).getvalue().decode("utf-8-sig")
        assert empty.splitlines() == [",".join(selectors.SIGNOFF_EXPORT.header())]
        assert client.get(url, {"department": "nowhere"}).status_code == 404

    def test_reports_are_for_admins(self, employee_client, manager, document):
        assert employee_client.get(reverse("guidelines:report")).status_code == 403
        assert (
            employee_client.get(reverse("guidelines:export", args=[document.pk])).status_code == 403
        )
        assert login(manager).get(reverse("guidelines:report")).status_code == 403

    def test_manager_sees_only_their_team(self, manager, sales, document):
        report = factories.user(username="direct", department=sales, manager=manager)
        indirect = factories.user(username="indirect", department=sales, manager=report)
        stranger = factories.user(username="stranger", department=sales)
        page = login(manager).get(reverse("guidelines:team")).content.decode()
        assert "direct" in page and "indirect" in page and "stranger" not in page
        client = login(manager)
        assert client.get(reverse("guidelines:audit", args=[indirect.pk])).status_code == 200
        assert client.get(reverse("guidelines:audit", args=[stranger.pk])).status_code == 403

    def test_employees_without_reports_get_403_on_team_view(self, employee_client):
        assert employee_client.get(reverse("guidelines:team")).status_code == 403

    @pytest.mark.parametrize("headcount", [5, 50])
    def test_report_query_count_does_not_grow(
        self, admin_user, document, sales, django_assert_max_num_queries, headcount
    ):
        for index in range(headcount):
            user = factories.user(department=sales)
            if index % 2:
                services.sign(user=user, document=document, version_id=current(document).pk)
        client = login(admin_user)
        url = reverse("guidelines:report")
        # 19, and one for the notification bell in the header.
        with django_assert_max_num_queries(20):
            assert client.get(url, {"document": document.pk}).status_code == 200
        with django_assert_max_num_queries(8):
            assert client.get(reverse("guidelines:export", args=[document.pk])).status_code == 200
