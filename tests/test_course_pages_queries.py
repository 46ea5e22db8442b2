"""The course and module pages read the learner's whole course in one query
(courses.selectors._learner_outline): modules, completions, the modules' quizzes with the
learner's attempts, the enrolment and the course. These tests pin the query counts, with
the learner cache off (the default install) and on, against a plain page of the site's
layout (a success story) read by the same learner, and pin what the pages show."""

import pytest
from django.test import Client

from courses import services as course_services
from lms.quizzes.models import Sitting
from lms.stories.models import SuccessStoryIndexPage, SuccessStoryPage
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(sales):
    page = SuccessStoryPage(title="An order", slug="an-order", teaser="How", department=sales)
    SuccessStoryIndexPage.objects.get().add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def quiz_course(employee, sales):
    """Three modules, the second with a quiz the learner failed once and is taking again;
    the first completed."""
    course = factories.course(title="Social Selling Basics", departments=(sales,))
    first, second, _third = factories.modules_of(course)
    quiz = factories.quiz(questions=[factories.question()], pass_mark=80, max_attempts=3)
    second.quiz = quiz
    second.save_revision().publish()
    course_services.complete_module(user=employee, module=first)
    Sitting.objects.create(
        user=employee, quiz=quiz, question_order=[], complete=True, score=1, possible=2
    )
    Sitting.objects.create(user=employee, quiz=quiz, question_order=[], attempt=2)
    return course


def _count(client, url, django_assert_num_queries, expected):
    client.get(url)  # routing and site root paths are remembered
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# Session, user, site, home page, the page, its view restrictions, the bell's count, and
# the story's own parent (breadcrumbs) and department.
FLOOR_QUERIES = 9


def test_the_floor_is_what_the_course_pages_are_measured_against(
    employee_client, story, django_assert_num_queries
):
    _count(employee_client, story.url, django_assert_num_queries, FLOOR_QUERIES)


def test_course_page_reads_the_learners_course_in_one_query(
    employee_client, quiz_course, django_assert_num_queries
):
    # Session, user, site, home page, course, view restrictions, the learner's course
    # (one query), the bell's count, the course's target departments.
    page = _count(employee_client, quiz_course.url, django_assert_num_queries, 9)
    assert page.count("33 % complete") == 1
    assert "quiz in progress" in page
    assert "for Sales" in page
    assert 'href="/kurse/"' in page  # the catalog
    second = factories.modules_of(quiz_course)[1]
    assert f'href="{second.url}">Continue</a>' in page


def test_module_page_reads_the_learners_course_in_one_query(
    employee_client, quiz_course, django_assert_num_queries
):
    second = factories.modules_of(quiz_course)[1]
    # Session, user, site, home page, module (with its quiz), view restrictions, the
    # learner's course with the course itself (one query), the bell's count.
    page = _count(employee_client, second.url, django_assert_num_queries, 8)
    assert "Module 2 of 3" in page
    assert "Continue the quiz" in page
    assert "Your best result so far: 50 % (pass mark 80 %)." in page
    assert "1 attempt left" in page
    assert 'href="/kurse/"' in page
    assert f'href="{quiz_course.url}">Social Selling Basics</a>' in page


def test_with_the_learner_cache_the_pages_read_nothing_of_the_course(
    settings, employee_client, quiz_course, django_assert_num_queries
):
    settings.LMS_LEARNER_CACHE = True
    second = factories.modules_of(quiz_course)[1]
    # The course page: only the target departments beyond what every page reads.
    page = _count(employee_client, quiz_course.url, django_assert_num_queries, 8)
    assert "33 % complete" in page and "quiz in progress" in page
    page = _count(employee_client, second.url, django_assert_num_queries, 7)
    assert "Module 2 of 3" in page and "Continue the quiz" in page


def test_queries_do_not_grow_with_modules_or_quizzes(
    employee, employee_client, django_assert_num_queries
):
    course = factories.course(title="Long course", modules=12)
    modules = factories.modules_of(course)
    for module in modules[::4]:
        module.quiz = factories.quiz(questions=[factories.question()])
        module.save_revision().publish()
    for module in modules[1::2]:
        course_services.complete_module(user=employee, module=module)
    # As for three modules and one quiz.
    page = _count(employee_client, course.url, django_assert_num_queries, 9)
    assert "50 % complete" in page
    assert page.count("quiz-badge--new") == 3  # the three quiz modules are open
    page = _count(employee_client, modules[-1].url, django_assert_num_queries, 8)
    assert "Module 12 of 12" in page


def test_a_course_without_live_modules_still_shows_the_enrolment(employee, employee_client):
    course = factories.course(modules=1)
    course_services.enrol(user=employee, course=course)
    factories.modules_of(course)[0].unpublish()
    page = employee_client.get(course.url).content.decode()
    assert "This course has no modules yet." in page
    assert "0 % complete" in page
    assert "Start course" not in page


def test_a_learner_who_has_not_started_sees_the_guidelines_to_accept_first(
    employee, employee_client, course
):
    document = factories.guideline(title="Social media guidelines")
    course.required_guidelines.add(document)
    course.save_revision().publish()

    page = employee_client.get(course.url).content.decode()
    assert "Before you start" in page and "Social media guidelines" in page
    response = employee_client.get(factories.modules_of(course)[0].url)
    assert response.status_code == 302 and response["Location"] == course.url


def test_german_course_and_module_pages(employee, quiz_course):
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    employee.language = "de"
    employee.save()
    client.force_login(employee)
    page = client.get(quiz_course.url).content.decode()
    assert "Weiter" in page and "Module" in page
    page = client.get(factories.modules_of(quiz_course)[1].url).content.decode()
    assert "Modul 2 von 3" in page


def test_course_outline_shows_each_quiz_state(employee, employee_client, course):
    modules = factories.modules_of(course)
    quizzes = [factories.quiz(questions=[factories.question()]) for _ in modules]
    for module, quiz in zip(modules, quizzes, strict=True):
        module.quiz = quiz
        module.save_revision().publish()
    passed, marking, failed = quizzes
    Sitting.objects.create(
        user=employee, quiz=passed, question_order=[], complete=True, passed=True
    )
    Sitting.objects.create(
        user=employee, quiz=marking, question_order=[], complete=True, needs_marking=True
    )
    Sitting.objects.create(
        user=employee, quiz=failed, question_order=[], complete=True, passed=False
    )
    page = employee_client.get(course.url).content.decode()
    assert '<span class="quiz-badge quiz-badge--passed">quiz passed</span>' in page
    assert '<span class="quiz-badge quiz-badge--marking">quiz awaiting marking</span>' in page
    assert '<span class="quiz-badge quiz-badge--failed">quiz not passed yet</span>' in page

    failed.archived = True
    failed.save()
    page = employee_client.get(course.url).content.decode()
    assert '<span class="quiz-badge quiz-badge--unavailable">quiz not available</span>' in page


def test_the_module_list_escapes_titles_and_teasers(employee_client, course):
    module = factories.modules_of(course)[0]
    module.title = "<b>Bold</b> & more"
    module.intro = "<script>x</script>"
    module.save_revision().publish()
    page = employee_client.get(course.url).content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; more" in page
    assert "<p>&lt;script&gt;x&lt;/script&gt;</p>" in page
