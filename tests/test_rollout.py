from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses import services as course_services
from courses.models import Booking, Track, WorkshopSession
from lms.assignments.models import Assignment
from lms.guidelines import selectors as guideline_selectors
from lms.guidelines import services as guideline_services
from lms.kpis.models import KpiRecord
from lms.people import roles
from lms.rollout import selectors, services
from lms.rollout.models import (
    AwardPeriod,
    AwardSettings,
    ChecklistTick,
    Criterion,
    DepartmentRollout,
    Stage,
    StageChange,
)
from tests import factories

pytestmark = pytest.mark.django_db


def login(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def evidence(metric, department):
    return selectors.evidence_values()[metric].get(department.pk, 0)


@pytest.fixture
def admin_user(db):
    return factories.user(username="boss", groups=(roles.ADMINS,))


@pytest.fixture
def linkedin_track(db):
    return Track.objects.create(name="LinkedIn for Leaders", slug="linkedin-leaders")


def test_eight_stages_in_two_languages():
    stages = list(Stage.objects.order_by("number"))
    assert [stage.number for stage in stages] == list(range(1, 9))
    assert (
        stages[6].name_en.startswith("The “Social Selling Award”") or "Award" in stages[6].name_en
    )
    assert all(stage.name_de and stage.name_en for stage in stages)
    assert Criterion.objects.filter(stage__number=5).count() >= 2


def test_new_departments_start_at_stage_one(sales):
    assert DepartmentRollout.objects.get(department=sales).stage == 1


class TestEvidence:
    def test_managers_completed_linkedin(self, sales, linkedin_track):
        course = factories.course(track_=linkedin_track, modules=1)
        managers = [factories.user(department=sales, groups=(roles.MANAGERS,)) for _ in range(4)]
        factories.user(department=sales)  # not a manager
        course_services.complete_module(user=managers[0], module=factories.modules_of(course)[0])
        workshop = factories.workshop(title="LinkedIn live", open_to_all=True)
        workshop.track = linkedin_track
        workshop.save_revision().publish()
        booking = course_services.book_session(
            user=managers[1], session=factories.session(workshop=workshop)
        )
        Booking.objects.filter(pk=booking.pk).update(attended=True)
        assert evidence(Criterion.MANAGERS_COMPLETED_LINKEDIN, sales) == 50

    def test_people_with_reports_count_as_managers(self, sales, linkedin_track):
        lead = factories.user(department=sales, groups=(roles.EMPLOYEES,))
        factories.user(department=sales, manager=lead)
        assert selectors.evidence_values()[Criterion.MANAGERS_COMPLETED_LINKEDIN] == {sales.pk: 0}

    def test_assigned_courses_completed(self, sales):
        course = factories.course(modules=1)
        done, open_, _unassigned = (factories.user(department=sales) for _ in range(3))
        for person in (done, open_):
            Assignment.objects.create(assignee=person, course=course, due_date=timezone.localdate())
        course_services.complete_module(user=done, module=factories.modules_of(course)[0])
        assert evidence(Criterion.ASSIGNED_COURSES_COMPLETED, sales) == 50

    def test_guidelines_signed(self, sales):
        document = factories.guideline()
        people = [factories.user(department=sales) for _ in range(4)]
        version = guideline_selectors.current_version(document=document)
        for person in people[:3]:
            guideline_services.sign(user=person, document=document, version_id=version.pk)
        assert evidence(Criterion.GUIDELINES_SIGNED, sales) == 75
        factories.publish_guideline_change(document, text="v2", material=True, summary="x")
        assert evidence(Criterion.GUIDELINES_SIGNED, sales) == 0

    def test_bootcamp_enrolment(self, sales):
        course = factories.course(modules=1)
        people = [factories.user(department=sales) for _ in range(5)]
        course_services.enrol(user=people[0], course=course)
        course_services.enrol(user=people[1], course=course)
        assert evidence(Criterion.ENROLLED_IN_BOOTCAMP, sales) == 40

    def test_urgency_workshop_held_with_attendance(self, sales):
        track = Track.objects.create(name="Social Selling", slug="social-selling")
        workshop = factories.workshop(title="Urgency", open_to_all=True)
        workshop.track = track
        workshop.save_revision().publish()
        session = factories.session(workshop=workshop)
        booking = course_services.book_session(
            user=factories.user(department=sales), session=session
        )
        assert evidence(Criterion.URGENCY_WORKSHOP_HELD, sales) == 0
        WorkshopSession.objects.filter(pk=session.pk).update(
            starts_at=timezone.now() - timedelta(hours=3)
        )
        session.refresh_from_db()
        course_services.mark_attendance(
            marker=factories.user(), session=session, attended_ids={booking.pk}
        )
        assert evidence(Criterion.URGENCY_WORKSHOP_HELD, sales) == 1

    def test_kpi_months(self, sales):
        for month, external_id in (
            (date(2026, 9, 1), "a"),
            (date(2026, 10, 1), "b"),
            (date(2026, 10, 1), "c"),
        ):
            KpiRecord.objects.create(
                external_id=external_id, department=sales, month=month, metric="leads", value=3
            )
        assert evidence(Criterion.KPI_MONTHS, sales) == 2

    def test_award_given(self, sales):
        winner = factories.user(department=sales)
        AwardPeriod.objects.create(
            name="Q3", starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30), winner=winner
        )
        assert evidence(Criterion.AWARD_GIVEN, sales) == 1


class TestAdvancing:
    def test_advance_needs_the_criteria(self, sales, admin_user):
        with pytest.raises(services.RolloutError, match="not met"):
            services.advance(department=sales, by=admin_user)
        assert DepartmentRollout.objects.get(department=sales).stage == 1

    def test_checklist_tick_then_advance_records_history(self, sales, admin_user):
        criterion = Criterion.objects.get(stage__number=1, kind="checklist")
        services.tick(
            department=sales, criterion=criterion, by=admin_user, note="Analysis in SharePoint"
        )
        change = services.advance(department=sales, by=admin_user, note="Analysis done")
        assert DepartmentRollout.objects.get(department=sales).stage == 2
        assert (change.from_stage, change.to_stage, change.override) == (1, 2, False)
        assert change.changed_by == admin_user

    def test_override_needs_a_reason_and_an_admin(self, sales, admin_user):
        with pytest.raises(services.RolloutError, match="reason"):
            services.advance(department=sales, by=admin_user, override=True)
        owner = factories.user(department=sales)
        DepartmentRollout.objects.filter(department=sales).update(owner=owner)
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            services.advance(department=sales, by=owner, override=True, note="please")
        change = services.advance(
            department=sales, by=admin_user, override=True, note="Analysis done offline"
        )
        assert change.override and change.note == "Analysis done offline"

    def test_owner_ticks_and_advances_via_http(self, sales):
        owner = factories.user(department=sales)
        DepartmentRollout.objects.filter(department=sales).update(owner=owner)
        client = login(owner)
        criterion = Criterion.objects.get(stage__number=1, kind="checklist")
        client.post(
            reverse("rollout:tick", args=[sales.slug, criterion.pk]), {"note": "Documented"}
        )
        assert ChecklistTick.objects.filter(department=sales).exists()
        response = client.post(reverse("rollout:advance", args=[sales.slug]), {"note": ""})
        assert response.status_code == 302
        assert DepartmentRollout.objects.get(department=sales).stage == 2
        page = client.get(reverse("rollout:department", args=[sales.slug])).content.decode()
        assert "1 → 2" in page

    def test_refused_advance_via_http_changes_nothing(self, sales, admin_user):
        response = login(admin_user).post(
            reverse("rollout:advance", args=[sales.slug]), {"note": ""}, follow=True
        )
        assert "not met yet" in response.content.decode()
        assert not StageChange.objects.exists()

    def test_evidence_cannot_be_ticked(self, sales, admin_user):
        criterion = Criterion.objects.filter(kind="evidence").first()
        with pytest.raises(services.RolloutError):
            services.tick(department=sales, criterion=criterion, by=admin_user, note="x")

    def test_strangers_cannot_steer(self, sales, employee_client):
        criterion = Criterion.objects.get(stage__number=1, kind="checklist")
        assert (
            employee_client.post(
                reverse("rollout:tick", args=[sales.slug, criterion.pk]), {"note": "x"}
            ).status_code
            == 403
        )
        assert (
            employee_client.post(reverse("rollout:advance", args=[sales.slug])).status_code == 403
        )
        assert not ChecklistTick.objects.exists()


class TestBoard:
    def test_employees_cannot_see_the_board(self, employee_client):
        assert employee_client.get(reverse("rollout:board")).status_code == 403
        assert employee_client.get(reverse("rollout:award")).status_code == 403

    def test_leadership_and_admins_see_it(self, admin_user, sales):
        leader = factories.user(groups=(roles.LEADERSHIP,))
        for user in (admin_user, leader):
            page = login(user).get(reverse("rollout:board")).content.decode()
            assert "Sales" in page and "<svg" in page

    def test_cells_show_status_and_figures(self, admin_user, sales):
        criterion = Criterion.objects.get(stage__number=1, kind="checklist")
        services.tick(department=sales, criterion=criterion, by=admin_user, note="done")
        services.advance(department=sales, by=admin_user)
        row = selectors.department_detail(department=sales)
        assert [cell.status for cell in row.cells[:3]] == ["met", "in_progress", "not_started"]
        assert row.cells[1].results[0].value == 0

    @pytest.mark.parametrize("departments", [4, 40])
    def test_query_count_is_bounded(self, admin_user, django_assert_max_num_queries, departments):
        for _index in range(departments):
            department = factories.department()
            factories.user(department=department)
        client = login(admin_user)
        with django_assert_max_num_queries(25):
            assert client.get(reverse("rollout:board")).status_code == 200


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
        from courses.models import Booking
        from lms.quizzes.models import Sitting

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
        response = client.post(
            reverse("rollout:award_period", args=[period.pk]), {"winner": employee.pk}
        )
        assert response.status_code == 302
        period.refresh_from_db()
        assert period.winner == employee
        home = anonymous.get("/").content.decode()
        assert "Winner of This quarter" in home and str(employee) in home

    def test_home_page_leaders_trail_new_points_by_at_most_a_minute(
        self, period, sales, monkeypatch
    ):
        from lms import caching
        from lms.rollout.cache import HOME_FRESH_FOR

        now = [1_000_000.0]
        monkeypatch.setattr(caching.time, "time", lambda: now[0])
        course = factories.course(modules=2)
        first, second = factories.modules_of(course)
        person = factories.user(username="keen", department=sales)
        course_services.complete_module(user=person, module=first)
        anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
        assert "1 point" in anonymous.get("/").content.decode()

        course_services.complete_module(user=person, module=second)
        # Every completion used to recompute the leaderboard for the next home page.
        assert "1 point" in anonymous.get("/").content.decode()

        now[0] += HOME_FRESH_FOR + 1
        assert "2 points" in anonymous.get("/").content.decode()

    def test_only_a_leader_can_win(self, period, admin_user, employee):
        course = factories.course(modules=1)
        course_services.complete_module(user=employee, module=factories.modules_of(course)[0])
        nobody = factories.user()
        with pytest.raises(services.RolloutError):
            services.announce_winner(period=period, winner=nobody, by=admin_user)
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            services.announce_winner(period=period, winner=employee, by=employee)


def test_success_story_on_the_home_page(sales):
    from lms.rollout.models import SuccessStoryIndexPage, SuccessStoryPage

    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert "A comment became an order" not in anonymous.get("/").content.decode()
    story = SuccessStoryPage(
        title="A comment became an order", slug="order", teaser="How it happened", department=sales
    )
    SuccessStoryIndexPage.objects.get().add_child(instance=story)
    story.save_revision().publish()
    assert "A comment became an order" in anonymous.get("/").content.decode()
    assert evidence(Criterion.SUCCESS_STORIES, sales) == 1

    story.unpublish()
    assert "A comment became an order" not in anonymous.get("/").content.decode()


def test_leadership_group_exists():
    assert Group.objects.filter(name=roles.LEADERSHIP).exists()


class TestCaching:
    def test_board_is_cached(self, sales, django_assert_max_num_queries):
        factories.user(department=sales)
        selectors.evidence_values()
        with django_assert_max_num_queries(0):
            selectors.evidence_values()

    def test_a_completion_changes_the_board(self, sales):
        course = factories.course(modules=1)
        person = factories.user(department=sales)
        assert evidence(Criterion.ENROLLED_IN_BOOTCAMP, sales) == 0
        course_services.complete_module(user=person, module=factories.modules_of(course)[0])
        assert evidence(Criterion.ENROLLED_IN_BOOTCAMP, sales) == 100

    def test_the_leaderboard_follows_new_points(self, sales):
        today = timezone.localdate()
        period = AwardPeriod.objects.create(
            name="Now", starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=1)
        )
        person = factories.user(department=sales)
        assert selectors.leaderboard(period=period) == []
        course = factories.course(modules=1)
        course_services.complete_module(user=person, module=factories.modules_of(course)[0])
        assert [entry.user for entry in selectors.leaderboard(period=period)] == [person]


def test_a_login_does_not_invalidate_the_board(sales):
    from lms.rollout.cache import data_version

    person = factories.user(department=sales)
    before = data_version()
    person.save(update_fields=["last_login"])
    assert data_version() == before
    person.department = factories.department()
    person.save()
    assert data_version() > before
