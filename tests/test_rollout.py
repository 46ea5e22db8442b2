from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses import services as course_services
from courses.models import Track
from lms.assignments.models import Assignment
from lms.award.models import AwardPeriod
from lms.guidelines import selectors as guideline_selectors
from lms.guidelines import services as guideline_services
from lms.kpis.models import KpiRecord
from lms.people import roles
from lms.rollout import registry, selectors, services
from lms.rollout.models import (
    ChecklistTick,
    Criterion,
    DepartmentRollout,
    Stage,
    StageChange,
)
from lms.workshops import services as workshop_services
from lms.workshops.models import WorkshopSession
from tests import factories

pytestmark = pytest.mark.django_db


def login(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def evidence(metric, department, track=None):
    """The board's value of the metric (for the criterion's track) for the department."""
    return selectors.evidence_values()[(metric, track.pk if track else None)].get(department.pk, 0)


def use_track(metric, track):
    """An admin chooses the track of the seeded criteria with this metric."""
    Criterion.objects.filter(metric=metric).update(track=track)


@pytest.fixture
def admin_user(db):
    return factories.user(username="boss", groups=(roles.ADMINS,))


@pytest.fixture
def linkedin_track(db):
    track = Track.objects.create(name="LinkedIn for Leaders", slug="linkedin-leaders")
    use_track("managers_linkedin", track)
    return track


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
        booking = workshop_services.book_session(
            user=managers[1], session=factories.session(workshop=workshop)
        )
        booking.attended = True  # a save: an update would announce nothing to the board
        booking.save(update_fields=["attended"])
        assert evidence("managers_linkedin", sales, linkedin_track) == 50

    def test_people_with_reports_count_as_managers(self, sales, linkedin_track):
        lead = factories.user(department=sales, groups=(roles.EMPLOYEES,))
        factories.user(department=sales, manager=lead)
        assert selectors.evidence_values()[("managers_linkedin", linkedin_track.pk)] == {
            sales.pk: 0
        }

    def test_assigned_courses_completed(self, sales):
        course = factories.course(modules=1)
        done, open_, _unassigned = (factories.user(department=sales) for _ in range(3))
        for person in (done, open_):
            Assignment.objects.create(assignee=person, course=course, due_date=timezone.localdate())
        course_services.complete_module(user=done, module=factories.modules_of(course)[0])
        assert evidence("assigned_courses", sales) == 50

    def test_guidelines_signed(self, sales):
        document = factories.guideline()
        people = [factories.user(department=sales) for _ in range(4)]
        version = guideline_selectors.current_version(document=document)
        for person in people[:3]:
            guideline_services.sign(user=person, document=document, version_id=version.pk)
        assert evidence("guidelines_signed", sales) == 75
        factories.publish_guideline_change(document, text="v2", material=True, summary="x")
        assert evidence("guidelines_signed", sales) == 0

    def test_bootcamp_enrolment(self, sales):
        course = factories.course(modules=1)
        people = [factories.user(department=sales) for _ in range(5)]
        course_services.enrol(user=people[0], course=course)
        course_services.enrol(user=people[1], course=course)
        assert evidence("bootcamp_enrolment", sales) == 40

    def test_urgency_workshop_held_with_attendance(self, sales):
        track = Track.objects.create(name="Social Selling", slug="social-selling")
        use_track("urgency_workshop", track)
        workshop = factories.workshop(title="Urgency", open_to_all=True)
        workshop.track = track
        workshop.save_revision().publish()
        session = factories.session(workshop=workshop)
        booking = workshop_services.book_session(
            user=factories.user(department=sales), session=session
        )
        assert evidence("urgency_workshop", sales, track) == 0
        WorkshopSession.objects.filter(pk=session.pk).update(
            starts_at=timezone.now() - timedelta(hours=3)
        )
        session.refresh_from_db()
        workshop_services.mark_attendance(
            marker=factories.user(), session=session, attended_ids={booking.pk}
        )
        assert evidence("urgency_workshop", sales, track) == 1

    def test_kpi_months(self, sales):
        for month, external_id in (
            (date(2026, 9, 1), "a"),
            (date(2026, 10, 1), "b"),
            (date(2026, 10, 1), "c"),
        ):
            KpiRecord.objects.create(
                external_id=external_id, department=sales, month=month, metric="leads", value=3
            )
        assert evidence("kpi_months", sales) == 2

    def test_award_given(self, sales):
        winner = factories.user(department=sales)
        AwardPeriod.objects.create(
            name="Q3", starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30), winner=winner
        )
        assert evidence("award_given", sales) == 1


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
        assert employee_client.get(reverse("award:leaderboard")).status_code == 403

    def test_leadership_and_admins_see_it(self, admin_user, sales):
        leader = factories.user(groups=(roles.LEADERSHIP,))
        for user in (admin_user, leader):
            page = login(user).get(reverse("rollout:board")).content.decode()
            assert "Sales" in page and "<svg" in page

    def test_cells_show_status_and_figures(self, admin_user, sales):
        use_track("urgency_workshop", Track.objects.create(name="Social Selling", slug="ss"))
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
        assert evidence("bootcamp_enrolment", sales) == 0
        course_services.complete_module(user=person, module=factories.modules_of(course)[0])
        assert evidence("bootcamp_enrolment", sales) == 100


def test_a_login_does_not_invalidate_the_board(sales):
    from lms.rollout.cache import data_version

    person = factories.user(department=sales)
    before = data_version()
    person.save(update_fields=["last_login"])
    assert data_version() == before
    person.department = factories.department()
    person.save()
    assert data_version() > before


class TestMetricRegistry:
    def attend_urgency_workshop(self, department, track):
        workshop = factories.workshop(title="Urgency", open_to_all=True)
        workshop.track = track
        workshop.save_revision().publish()
        session = factories.session(workshop=workshop)
        booking = workshop_services.book_session(
            user=factories.user(department=department), session=session
        )
        WorkshopSession.objects.filter(pk=session.pk).update(
            starts_at=timezone.now() - timedelta(hours=3)
        )
        session.refresh_from_db()
        workshop_services.mark_attendance(
            marker=factories.user(), session=session, attended_ids={booking.pk}
        )

    def urgency_result(self, department):
        row = selectors.department_detail(department=department)
        return next(
            result
            for cell in row.cells
            for result in cell.results
            if result.criterion.metric == "urgency_workshop"
        )

    def test_the_metric_choices_come_from_the_registry(self):
        field = Criterion._meta.get_field("metric")
        assert [value for value, _label in field.choices] == list(registry.REGISTRY)
        assert {"managers_linkedin", "urgency_workshop"} == {
            key for key, entry in registry.REGISTRY.items() if entry.needs_track
        }

    def test_renaming_a_track_keeps_its_evidence(self, sales, admin_user, linkedin_track):
        track = Track.objects.create(name="Social Selling", slug="social-selling")
        use_track("urgency_workshop", track)
        self.attend_urgency_workshop(sales, track)
        assert self.urgency_result(sales).value == 1
        track.name, track.slug = "Verkaufen im Netz", "verkaufen-im-netz"
        track.save()
        result = self.urgency_result(sales)
        assert (result.value, result.met, result.missing_track) == (1, True, False)
        page = login(admin_user).get(reverse("rollout:board")).content.decode()
        assert "No track chosen" not in page

    def test_a_criterion_without_its_track_says_so(self, sales, admin_user):
        track = Track.objects.create(name="Social Selling", slug="social-selling")
        self.attend_urgency_workshop(sales, track)  # evidence exists, but no track is chosen
        result = self.urgency_result(sales)
        assert (result.value, result.met, result.missing_track) == (None, False, True)
        client = login(admin_user)
        assert "No track chosen" in client.get(reverse("rollout:board")).content.decode()
        page = client.get(reverse("rollout:department", args=[sales.slug])).content.decode()
        assert "No track chosen" in page
        admin_user.language = "de"
        admin_user.save()
        german = Client(HTTP_ACCEPT_LANGUAGE="de")
        german.force_login(admin_user)
        assert "Kein Lernpfad gewählt" in german.get(reverse("rollout:board")).content.decode()

    def test_the_label_names_the_chosen_track(self, linkedin_track):
        criterion = Criterion.objects.get(metric="managers_linkedin")
        assert criterion.label == "Share of managers who completed LinkedIn for Leaders (%)"

    @pytest.mark.usefixtures("response_context")
    def test_the_admin_form_refuses_evidence_without_its_track(self, admin_user):
        criterion = Criterion.objects.get(metric="urgency_workshop")
        url = reverse("wagtailsnippets_rollout_criterion:edit", args=[criterion.pk])
        data = {
            "stage": criterion.stage_id,
            "kind": "evidence",
            "sort_order": criterion.sort_order,
            "metric": "urgency_workshop",
            "track": "",
            "target": 1,
            "label_de": "",
            "label_en": "",
        }
        admin_user.language = "de"
        admin_user.save()
        german = Client(HTTP_ACCEPT_LANGUAGE="de")
        german.force_login(admin_user)
        response = german.post(url, data)
        assert response.status_code == 200  # the form again, with the error
        assert "Lernpfad" in str(response.context["form"].errors["track"])
        track = Track.objects.create(name="Social Selling", slug="social-selling")
        response = german.post(url, {**data, "track": track.pk})
        assert response.status_code == 302
        criterion.refresh_from_db()
        assert criterion.track == track

    def test_a_new_metric_is_one_function(self, sales, monkeypatch):
        monkeypatch.setattr(registry, "REGISTRY", dict(registry.REGISTRY))

        @registry.metric("departments_exist", label="Departments exist")
        def departments_exist(context, track=None):
            return {department_id: 1 for department_id in context.headcount}

        factories.user(department=sales)
        Criterion.objects.create(
            stage=Stage.objects.get(number=1), kind="evidence", metric="departments_exist", target=1
        )
        assert ("departments_exist", "Departments exist") in Criterion._meta.get_field(
            "metric"
        ).choices
        assert evidence("departments_exist", sales) == 1
