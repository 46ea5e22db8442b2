from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses import services as course_services
from lms.award import selectors, services
from lms.award.cache import data_version
from lms.award.models import AwardPeriod, AwardSettings
from lms.kpis.models import KpiRecord
from lms.people import roles
from lms.workshops import services as workshop_services
from lms.workshops.models import WorkshopSession
from tests import factories

pytestmark = pytest.mark.django_db


def login(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def admin_user(db):
    return factories.user(username="boss", groups=(roles.ADMINS,))


def test_employees_cannot_see_the_award(employee_client):
    assert employee_client.get(reverse("award:leaderboard")).status_code == 403


def test_the_award_keeps_its_addresses():
    assert reverse("award:leaderboard") == "/rollout/award/"
    assert reverse("award:period", args=[7]) == "/rollout/award/7/"


def test_leadership_sees_the_leaderboard(sales):
    today = timezone.localdate()
    AwardPeriod.objects.create(name="Now", starts_on=today, ends_on=today)
    page = login(factories.user(groups=(roles.LEADERSHIP,))).get("/rollout/award/")
    assert page.status_code == 200
    assert "Social Selling Award" in page.content.decode() and "Now" in page.content.decode()


class TestAward:
    @pytest.fixture
    def period(self):
        today = timezone.localdate()
        return AwardPeriod.objects.create(
            name="This quarter",
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=30),
        )

    def test_points_from_learning_and_leads(self, period, sales):
        settings = AwardSettings.load()
        settings.points_per_module, settings.points_per_lead = 2, 10
        settings.save()
        seller = factories.user(username="seller", department=sales)
        learner = factories.user(username="learner", department=sales)
        course = factories.course(modules=3)
        for module in factories.modules_of(course):
            course_services.complete_module(user=learner, module=module)
        KpiRecord.objects.create(
            external_id="l1",
            department=sales,
            month=timezone.localdate().replace(day=1),
            metric="leads",
            value=2,
            employee=seller,
        )
        entries = selectors.leaderboard(period=period)
        assert [(entry.user.username, entry.points, entry.rank) for entry in entries] == [
            ("seller", 20, 1),
            ("learner", 6, 2),
        ]

    def test_points_from_quizzes_and_workshops_in_the_period_for_active_people(self, period):
        from lms.quizzes.models import Sitting
        from lms.workshops.models import Booking

        settings = AwardSettings.load()
        settings.points_per_quiz, settings.points_per_workshop = 3, 5
        settings.save()
        now = timezone.now()
        long_ago = now - timedelta(days=90)
        quizzer, attendee, gone = (factories.user(username=name) for name in ("q", "w", "x"))
        first, second = factories.quiz(), factories.quiz()
        for attempt, (quiz, passed, end) in enumerate(
            (
                (first, True, now),
                (first, True, now),  # the same quiz passed again counts once
                (second, False, now),  # failed
                (second, True, long_ago),  # before the period
            ),
            start=1,
        ):
            Sitting.objects.create(
                user=quizzer, quiz=quiz, attempt=attempt, passed=passed, complete=True, end=end
            )
        Sitting.objects.create(user=gone, quiz=first, passed=True, complete=True, end=now)
        gone.is_active = False
        gone.save()
        workshop = factories.workshop(open_to_all=True)
        recent = factories.session(workshop=workshop, starts_in_days=-2)
        old = factories.session(workshop=workshop, starts_in_days=-90)
        Booking.objects.create(session=recent, workshop=workshop, user=attendee, attended=True)
        Booking.objects.create(session=old, workshop=workshop, user=quizzer, attended=True)

        entries = selectors.leaderboard(period=period)

        assert [
            (entry.user.username, entry.points, entry.quizzes, entry.workshops, entry.rank)
            for entry in entries
        ] == [("w", 5, 0, 1, 1), ("q", 3, 1, 0, 2)]

    def test_ties_share_a_rank(self, period):
        course = factories.course(modules=1)
        people = [factories.user(username=name) for name in ("a", "b", "c")]
        for person in people[:2]:
            course_services.complete_module(user=person, module=factories.modules_of(course)[0])
        other = factories.course(modules=2)
        for module in factories.modules_of(other):
            course_services.complete_module(user=people[2], module=module)
        ranks = [
            (entry.user.username, entry.rank) for entry in selectors.leaderboard(period=period)
        ]
        assert ranks == [("c", 1), ("a", 2), ("b", 2)]

    def test_announce_winner_on_the_home_page(self, period, admin_user, employee):
        course = factories.course(modules=1)
        course_services.complete_module(user=employee, module=factories.modules_of(course)[0])
        anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
        assert "Winner of" not in anonymous.get("/").content.decode()  # now cached
        client = login(admin_user)
        response = client.post(reverse("award:period", args=[period.pk]), {"winner": employee.pk})
        assert response.status_code == 302
        period.refresh_from_db()
        assert period.winner == employee
        home = anonymous.get("/").content.decode()
        assert "Winner of This quarter" in home and str(employee) in home

    def test_home_page_leaders_show_new_points_at_once_without_counting_in_the_request(
        self, period, sales, django_assert_max_num_queries
    ):
        course = factories.course(modules=2)
        first, second = factories.modules_of(course)
        person = factories.user(username="keen", department=sales)
        course_services.complete_module(user=person, module=first)
        anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
        assert "1 point" in anonymous.get("/").content.decode()

        course_services.complete_module(user=person, module=second)
        # The points are kept per person by the completion: the page reads them.
        with django_assert_max_num_queries(20) as queries:
            assert "2 points" in anonymous.get("/").content.decode()
        counted = [q["sql"] for q in queries.captured_queries if "modulecompletion" in q["sql"]]
        assert counted == []

    def test_only_a_leader_can_win(self, period, admin_user, employee):
        course = factories.course(modules=1)
        course_services.complete_module(user=employee, module=factories.modules_of(course)[0])
        nobody = factories.user()
        with pytest.raises(services.AwardError):
            services.announce_winner(period=period, winner=nobody, by=admin_user)
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            services.announce_winner(period=period, winner=employee, by=employee)


def test_the_leaderboard_follows_new_points(sales):
    today = timezone.localdate()
    period = AwardPeriod.objects.create(
        name="Now", starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=1)
    )
    person = factories.user(department=sales)
    assert selectors.leaderboard(period=period) == []
    course = factories.course(modules=1)
    course_services.complete_module(user=person, module=factories.modules_of(course)[0])
    assert [entry.user for entry in selectors.leaderboard(period=period)] == [person]


def test_new_point_values_change_the_leaderboard(sales):
    today = timezone.localdate()
    period = AwardPeriod.objects.create(name="Now", starts_on=today, ends_on=today)
    person = factories.user(department=sales)
    course = factories.course(modules=1)
    course_services.complete_module(user=person, module=factories.modules_of(course)[0])
    assert [entry.points for entry in selectors.leaderboard(period=period)] == [1]
    before = data_version()
    settings = AwardSettings.load()
    settings.points_per_module = 4
    settings.save()
    assert data_version() > before
    assert [entry.points for entry in selectors.leaderboard(period=period)] == [4]


def test_attendance_marked_in_bulk_changes_the_leaderboard(sales):
    today = timezone.localdate()
    period = AwardPeriod.objects.create(
        name="Now", starts_on=today - timedelta(days=5), ends_on=today
    )
    workshop = factories.workshop(open_to_all=True)
    session = factories.session(workshop=workshop)
    person = factories.user(department=sales)
    booking = workshop_services.book_session(user=person, session=session)
    WorkshopSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(hours=3)
    )
    session.refresh_from_db()
    assert selectors.leaderboard(period=period) == []
    workshop_services.mark_attendance(
        marker=factories.user(), session=session, attended_ids={booking.pk}
    )
    assert [entry.user for entry in selectors.leaderboard(period=period)] == [person]
