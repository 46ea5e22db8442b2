import pytest
from django.db import IntegrityError
from django.urls import reverse

from courses.models import Enrollment, ModuleCompletion
from courses.selectors import course_progress
from courses.services import complete_module, enrol
from tests import factories

pytestmark = pytest.mark.django_db


def complete_url(module):
    return reverse("courses:complete_module", args=[module.pk])


def enrol_url(course):
    return reverse("courses:enrol", args=[course.pk])


class TestAnonymousVisitor:
    def test_can_browse_catalog_and_course_overview(self, client, course):
        catalog = factories.catalog()
        response = client.get(catalog.url)
        assert response.status_code == 200
        assert "Social Selling Basics" in response.content.decode()

        response = client.get(course.url)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Module 1" in page
        assert "Log in to start this course" in page

    def test_module_requires_login(self, client, course):
        module = factories.modules_of(course)[0]
        response = client.get(module.url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_cannot_enrol(self, client, course):
        response = client.post(enrol_url(course))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert not Enrollment.objects.exists()

    def test_cannot_complete(self, client, course):
        module = factories.modules_of(course)[0]
        response = client.post(complete_url(module))
        assert response.status_code == 302
        assert not ModuleCompletion.objects.exists()


class TestEnrolment:
    def test_start_course_enrols_and_opens_first_module(self, employee_client, employee, course):
        response = employee_client.post(enrol_url(course))
        first = factories.modules_of(course)[0]
        assert response.status_code == 302
        assert response["Location"] == first.url
        assert Enrollment.objects.filter(user=employee, course=course).count() == 1

    def test_enrolling_twice_keeps_one_enrolment(self, employee_client, employee, course):
        employee_client.post(enrol_url(course))
        employee_client.post(enrol_url(course))
        assert Enrollment.objects.filter(user=employee, course=course).count() == 1

    def test_get_is_not_allowed(self, employee_client, course):
        assert employee_client.get(enrol_url(course)).status_code == 405

    def test_unknown_course_is_404(self, employee_client):
        assert employee_client.post(reverse("courses:enrol", args=[99999])).status_code == 404

    def test_unpublished_course_is_404(self, employee_client):
        draft = factories.course(live=False)
        assert employee_client.post(enrol_url(draft)).status_code == 404
        assert employee_client.get(draft.url or "/kurse/missing/").status_code == 404

    def test_post_without_csrf_token_is_refused(self, employee, course):
        from django.test import Client

        strict = Client(enforce_csrf_checks=True)
        strict.force_login(employee)
        response = strict.post(enrol_url(course))
        assert response.status_code == 403
        assert not Enrollment.objects.exists()


class TestModuleCompletion:
    def test_module_page_shows_navigation_and_button(self, employee_client, course):
        first, second, third = factories.modules_of(course)
        page = employee_client.get(second.url).content.decode()
        assert "Mark as complete" in page
        assert f'href="{first.url}" rel="prev"' in page
        assert f'href="{third.url}" rel="next"' in page
        assert "Module 2 of 3" in page

    def test_completing_without_enrolment_enrols_first(self, employee_client, employee, course):
        module = factories.modules_of(course)[0]
        response = employee_client.post(complete_url(module))
        assert response.status_code == 302
        assert Enrollment.objects.filter(user=employee, course=course).exists()
        assert ModuleCompletion.objects.filter(user=employee, module=module).exists()

    def test_completion_moves_on_to_the_next_module(self, employee_client, course):
        first, second, _ = factories.modules_of(course)
        response = employee_client.post(complete_url(first))
        assert response["Location"] == second.url

    def test_double_click_records_one_completion(self, employee_client, employee, course):
        module = factories.modules_of(course)[0]
        first = employee_client.post(complete_url(module))
        second = employee_client.post(complete_url(module))
        assert first.status_code == second.status_code == 302
        assert ModuleCompletion.objects.filter(user=employee, module=module).count() == 1

    def test_get_on_complete_is_405(self, employee_client, course):
        module = factories.modules_of(course)[0]
        assert employee_client.get(complete_url(module)).status_code == 405
        assert not ModuleCompletion.objects.exists()

    def test_unknown_module_is_404(self, employee_client):
        response = employee_client.post(reverse("courses:complete_module", args=[424242]))
        assert response.status_code == 404

    def test_unknown_module_url_shows_site_404(self, employee_client, course):
        response = employee_client.get(course.url + "does-not-exist/")
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()

    def test_all_required_modules_complete_the_course(self, employee_client, employee, course):
        modules = factories.modules_of(course)
        for module in modules[:-1]:
            employee_client.post(complete_url(module))
        assert Enrollment.objects.get(user=employee).completed_at is None
        response = employee_client.post(complete_url(modules[-1]))
        assert response["Location"] == course.url
        enrollment = Enrollment.objects.get(user=employee)
        assert enrollment.completed_at is not None
        page = employee_client.get(course.url).content.decode()
        assert "You completed this course on" in page

    def test_optional_modules_are_not_needed(self, employee):
        course = factories.course(modules=3, optional=(1,))
        first, _optional, third = factories.modules_of(course)
        complete_module(user=employee, module=first)
        result = complete_module(user=employee, module=third)
        assert result.course_completed_now
        progress = course_progress(course=course, user=employee)
        assert progress.percent == 100
        assert not progress.modules[1].is_done

    def test_completion_time_is_kept_on_later_completions(self, employee):
        course = factories.course(modules=2, optional=(1,))
        required, optional = factories.modules_of(course)
        complete_module(user=employee, module=required)
        completed_at = Enrollment.objects.get(user=employee).completed_at
        result = complete_module(user=employee, module=optional)
        assert not result.course_completed_now
        assert Enrollment.objects.get(user=employee).completed_at == completed_at


class TestProgress:
    def test_percentages(self, employee):
        course = factories.course(modules=4)
        modules = factories.modules_of(course)
        enrol(user=employee, course=course)
        assert course_progress(course=course, user=employee).percent == 0
        complete_module(user=employee, module=modules[0])
        assert course_progress(course=course, user=employee).percent == 25
        complete_module(user=employee, module=modules[2])
        progress = course_progress(course=course, user=employee)
        assert progress.percent == 50
        assert progress.next_module == modules[1]

    def test_only_optional_modules_count_all(self, employee):
        course = factories.course(modules=2, optional=(0, 1))
        first, _ = factories.modules_of(course)
        complete_module(user=employee, module=first)
        assert course_progress(course=course, user=employee).percent == 50

    def test_unpublished_modules_do_not_count(self, employee):
        course = factories.course(modules=3)
        first, second, third = factories.modules_of(course)
        third.unpublish()
        complete_module(user=employee, module=first)
        result = complete_module(user=employee, module=second)
        assert result.course_completed_now

    def test_course_page_lists_states(self, employee_client, employee, course):
        first = factories.modules_of(course)[0]
        complete_module(user=employee, module=first)
        page = employee_client.get(course.url).content.decode()
        assert "33 % complete" in page
        assert page.count("is-done") == 1


class TestConstraints:
    def test_one_enrolment_per_user_and_course(self, employee, course):
        Enrollment.objects.create(user=employee, course=course)
        with pytest.raises(IntegrityError):
            Enrollment.objects.create(user=employee, course=course)

    def test_one_completion_per_user_and_module(self, employee, course):
        module = factories.modules_of(course)[0]
        ModuleCompletion.objects.create(user=employee, module=module)
        with pytest.raises(IntegrityError):
            ModuleCompletion.objects.create(user=employee, module=module)

    def test_nobody_is_their_own_manager(self, employee):
        employee.manager = employee
        with pytest.raises(IntegrityError):
            employee.save()
