import csv
import io
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses import services as course_services
from lms.assignments import selectors, services
from lms.assignments.models import Assignment
from lms.people import roles
from tests import factories

pytestmark = pytest.mark.django_db


def login(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def in_days(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def team(manager, sales):
    lead = factories.user(
        username="lead", department=sales, manager=manager, groups=(roles.MANAGERS,)
    )
    direct = factories.user(username="direct", department=sales, manager=manager, first_name="Dana")
    indirect = factories.user(username="indirect", department=sales, manager=lead)
    outsider = factories.user(username="outsider", department=sales)
    return {"lead": lead, "direct": direct, "indirect": indirect, "outsider": outsider}


def post_assign(client, item, people=(), **extra):
    kind = "course" if item.specific_class.__name__ == "CoursePage" else "workshop"
    data = {
        "item": f"{kind}:{item.pk}",
        "assignees": [person.pk for person in people],
        "due_date": extra.pop("due_date", in_days(14)).isoformat(),
        "note": extra.pop("note", ""),
        **extra,
    }
    return client.post(reverse("assignments:assign"), data)


class TestAssigning:
    def test_manager_assigns_a_course_to_chosen_reports(self, manager, team, course):
        response = post_assign(
            login(manager), course, [team["direct"], team["indirect"]], note="Bitte bis Monatsende"
        )
        assert response.status_code == 302
        assignments = Assignment.objects.filter(course=course)
        assert set(assignments.values_list("assignee__username", flat=True)) == {
            "direct",
            "indirect",
        }
        assert assignments.first().note == "Bitte bis Monatsende"
        assert assignments.first().assigned_by == manager

    def test_assigning_twice_updates_the_due_date(self, manager, team, course):
        client = login(manager)
        post_assign(client, course, [team["direct"]], due_date=in_days(10))
        post_assign(client, course, [team["direct"]], due_date=in_days(20))
        assignment = Assignment.objects.get()
        assert assignment.due_date == in_days(20)

    def test_whole_team_at_every_depth(self, manager, team, course):
        post_assign(login(manager), course, whole_team="on")
        assert set(Assignment.objects.values_list("assignee__username", flat=True)) == {
            "lead",
            "direct",
            "indirect",
        }

    def test_assigning_outside_the_team_is_403(self, manager, team, course):
        response = post_assign(login(manager), course, [team["direct"], team["outsider"]])
        assert response.status_code == 403
        assert not Assignment.objects.exists()

    def test_a_manager_cannot_assign_to_their_own_manager(self, manager, team, course):
        response = post_assign(login(team["lead"]), course, [manager])
        assert response.status_code == 403

    def test_bad_input_is_a_form_error(self, manager, team, course):
        client = login(manager)
        response = post_assign(client, course, [team["direct"]], due_date=in_days(-1))
        assert "The due date is in the past." in response.content.decode()
        response = client.post(
            reverse("assignments:assign"),
            {
                "item": "course:999999",
                "assignees": [team["direct"].pk],
                "due_date": in_days(3).isoformat(),
            },
        )
        assert "Choose a published course or workshop." in response.content.decode()
        response = post_assign(client, course, [])
        assert "Choose at least one person" in response.content.decode()
        assert not Assignment.objects.exists()

    def test_admins_assign_to_a_department(self, team, course, sales):
        admin = factories.user(username="boss", groups=(roles.ADMINS,))
        response = post_assign(login(admin), course, department=sales.pk)
        assert response.status_code == 302
        assert Assignment.objects.count() == sales.members.count()

    def test_department_field_is_for_admins_only(self, manager, team, course, sales):
        post_assign(login(manager), course, [team["direct"]], department=sales.pk)
        assert list(Assignment.objects.values_list("assignee__username", flat=True)) == ["direct"]

    def test_employees_cannot_open_the_team_pages(self, employee_client):
        assert employee_client.get(reverse("assignments:team")).status_code == 403
        assert employee_client.get(reverse("assignments:assign")).status_code == 403

    def test_service_refuses_unpublished_items(self, manager, team):
        draft = factories.course(live=False)
        with pytest.raises(services.AssignmentError):
            services.assign(
                assigned_by=manager, assignees=[team["direct"]], item=draft, due_date=in_days(3)
            )


class TestStates:
    def test_state_derivation(self, manager, team):
        course = factories.course(modules=2)
        first, second = factories.modules_of(course)
        direct = team["direct"]
        services.assign(assigned_by=manager, assignees=[direct], item=course, due_date=in_days(5))
        assert selectors.assignments_for(user=direct)[0].state == selectors.NOT_STARTED
        course_services.complete_module(user=direct, module=first)
        assert selectors.assignments_for(user=direct)[0].state == selectors.IN_PROGRESS
        course_services.complete_module(user=direct, module=second)
        assert selectors.assignments_for(user=direct)[0].state == selectors.COMPLETED

    def test_overdue_with_a_frozen_clock(self, manager, team, course, monkeypatch):
        services.assign(
            assigned_by=manager, assignees=[team["direct"]], item=course, due_date=in_days(3)
        )
        assignment = selectors.with_state(Assignment.objects.all()).get()
        assert selectors.state_of(assignment, today=in_days(3)) == selectors.NOT_STARTED
        assert selectors.state_of(assignment, today=in_days(4)) == selectors.OVERDUE
        frozen = in_days(10)
        monkeypatch.setattr(timezone, "localdate", lambda: frozen)
        assert selectors.assignments_for(user=team["direct"])[0].state == selectors.OVERDUE

    def test_dashboard_lists_assignments_first_by_due_date(self, manager, team):
        later = factories.course(title="Storytelling")
        sooner = factories.workshop(title="LinkedIn for Leaders")
        services.assign(
            assigned_by=manager, assignees=[team["direct"]], item=later, due_date=in_days(20)
        )
        services.assign(
            assigned_by=manager, assignees=[team["direct"]], item=sooner, due_date=in_days(5)
        )
        page = login(team["direct"]).get("/").content.decode()
        section = page.split('id="assignments-heading"')[1].split("</section>")[0]
        assert section.index("LinkedIn for Leaders") < section.index("Storytelling")
        assert page.index('id="assignments-heading"') < page.index('id="in-progress-heading"')


class TestTeamView:
    @pytest.fixture
    def assigned(self, manager, team, course):
        workshop = factories.workshop(title="LinkedIn for Leaders")
        services.assign(
            assigned_by=manager,
            assignees=[team["direct"], team["indirect"]],
            item=course,
            due_date=in_days(1),
        )
        services.assign(
            assigned_by=manager, assignees=[team["direct"]], item=workshop, due_date=in_days(9)
        )
        Assignment.objects.filter(assignee=team["indirect"]).update(due_date=in_days(-2))
        return {"course": course, "workshop": workshop}

    def test_shows_only_the_team_with_states_and_totals(self, manager, team, assigned):
        page = login(manager).get(reverse("assignments:team")).content.decode()
        assert "Dana" in page and "indirect" in page and "outsider" not in page
        assert "overdue" in page
        view = selectors.team_view(members=services.assignable_people(manager=manager))
        assert view.totals == {"not_started": 2, "in_progress": 0, "completed": 0, "overdue": 1}

    def test_states_come_from_each_members_own_enrolment_in_that_course(self, manager, team):
        course = factories.course(modules=1)
        other = factories.course(modules=1)
        direct, indirect = team["direct"], team["indirect"]
        services.assign(
            assigned_by=manager, assignees=[direct, indirect], item=course, due_date=in_days(5)
        )
        course_services.complete_module(user=direct, module=factories.modules_of(course)[0])
        course_services.complete_module(user=indirect, module=factories.modules_of(other)[0])

        view = selectors.team_view(members=services.assignable_people(manager=manager))

        keys = [item.key for item in view.items]
        states = {
            row.member.pk: dict(zip(keys, [cell and cell.state for cell in row.cells], strict=True))
            for row in view.rows
        }
        assert states[direct.pk][f"course:{course.pk}"] == selectors.COMPLETED
        assert states[indirect.pk][f"course:{course.pk}"] == selectors.NOT_STARTED
        # The other course nobody assigned: completed on their own, in its own column.
        assert states[indirect.pk][f"course:{other.pk}"] == selectors.COMPLETED
        assert states[direct.pk][f"course:{other.pk}"] is None

    def test_filters(self, manager, team, assigned):
        client = login(manager)
        page = client.get(reverse("assignments:team"), {"overdue": "on"}).content.decode()
        assert "indirect" in page and "Dana" not in page
        page = client.get(
            reverse("assignments:team"), {"item": f"workshop:{assigned['workshop'].pk}"}
        ).content.decode()
        assert "Dana" in page and "indirect" not in page

    def test_guidelines_filter(self, manager, team, assigned):
        document = factories.guideline()
        from lms.guidelines import selectors as guideline_selectors
        from lms.guidelines import services as guideline_services

        version = guideline_selectors.current_version(document=document)
        guideline_services.sign(user=team["direct"], document=document, version_id=version.pk)
        page = login(manager).get(reverse("assignments:team"), {"unsigned": "on"}).content.decode()
        assert "indirect" in page and "Dana" not in page

    def test_csv_export(self, manager, team, assigned):
        response = login(manager).get(reverse("assignments:team_csv"))
        rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
        overdue = [row for row in rows if row["State"] == "Overdue"]
        assert [row["Username"] for row in overdue] == ["indirect"]
        assert {row["Kind"] for row in rows if row["Username"] == "direct"} == {
            "Course",
            "Workshop",
        }
        assert "outsider" not in {row["Username"] for row in rows}

    def test_admin_sees_everyone(self, team, assigned):
        admin = factories.user(username="boss", groups=(roles.ADMINS,))
        page = login(admin).get(reverse("assignments:team")).content.decode()
        assert "outsider" in page

    @pytest.mark.parametrize("size", [5, 200])
    def test_query_count_is_fixed(self, manager, sales, django_assert_num_queries, size):
        course = factories.course(modules=1)
        workshop = factories.workshop()
        factories.guideline()
        people = factories.users_in_bulk(size, prefix="member", department=sales, manager=manager)
        services.assign(assigned_by=manager, assignees=people, item=course, due_date=in_days(3))
        services.assign(
            assigned_by=manager, assignees=people[: size // 2], item=workshop, due_date=in_days(3)
        )
        # Someone completed a course nobody assigned: a cell of its own column, read with the
        # team's other self-directed learning in two queries (enrolments, bookings).
        unassigned = factories.course(modules=1)
        course_services.complete_module(user=people[0], module=factories.modules_of(unassigned)[0])
        client = login(manager)
        # 14, one for the notification bell in the header, two for unassigned learning.
        # Outstanding guidelines: one query on the members' sign-offs (the documents are
        # the cached list every page's banner reads).
        with django_assert_num_queries(17):
            response = client.get(reverse("assignments:team"))
        assert response.status_code == 200
        # Every open cell has its remind button, and the buttons cost no query.
        assert response.content.decode().count('form="remind-form"') == size + size // 2
