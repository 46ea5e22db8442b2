"""lms.core.compiled: a query compiled once gives the rows the ORM gives for the values
of each call, and is compiled again for another database alias or vendor; the award
leaderboard built on it ranks as before (and as a recount)."""

from datetime import date, timedelta

import pytest
from django.db import connection, connections
from django.db.models import DateField, IntegerField
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lms.award import selectors
from lms.award.models import AwardPeriod, CountedPeriod, PeriodPoints
from lms.core.compiled import CompiledQueries
from lms.people.models import User
from tests import factories

pytestmark = pytest.mark.django_db


def points_of(*, starts_on, ends_on, minimum):
    return (
        PeriodPoints.objects.filter(starts_on=starts_on, ends_on=ends_on, points__gte=minimum)
        .select_related("user", "user__department")
        .order_by("-points", "user__username")
    )


def as_rows(objects):
    return [
        (row.pk, row.points, row.user.username, row.user.department and row.user.department.name)
        for row in objects
    ]


@pytest.fixture
def scores(sales):
    first, second = date(2026, 1, 1), date(2026, 4, 1)
    people = [factories.user(department=sales if i % 2 else None) for i in range(5)]
    for index, person in enumerate(people):
        for starts_on in (first, second):
            PeriodPoints.objects.create(
                starts_on=starts_on,
                ends_on=starts_on + timedelta(days=89),
                user=person,
                points=index * 10 + (starts_on.month == 4),
            )
    return first, second


def test_model_rows_equal_the_orm_for_each_call(scores):
    queries = CompiledQueries("test")
    for starts_on in scores:
        for minimum in (0, 15, 100):
            values = {
                "starts_on": starts_on,
                "ends_on": starts_on + timedelta(days=89),
                "minimum": minimum,
            }
            rows = queries.run(
                "points",
                points_of,
                params={
                    "starts_on": (DateField(), values["starts_on"]),
                    "ends_on": (DateField(), values["ends_on"]),
                    "minimum": (IntegerField(), minimum),
                },
            )
            assert as_rows(rows) == as_rows(points_of(**values))
            with CaptureQueriesContext(connection) as queries_made:
                assert [row.user.department for row in rows] == [
                    row.user.department for row in points_of(**values)
                ]
            assert len(queries_made) == 1  # the ORM's; the compiled rows came with theirs
    assert len(queries._compiled) == 1


def test_values_list_rows_are_converted_as_by_the_orm(scores):
    queries = CompiledQueries("test")

    def build(*, user_id):
        return User.objects.filter(pk=user_id).values_list("pk", "is_active", "date_joined")

    person = User.objects.order_by("pk").first()
    rows = queries.run("user", build, params={"user_id": (IntegerField(), person.pk)})
    assert rows == list(build(user_id=person.pk))
    assert rows[0][2].tzinfo is not None  # SQLite's text made an aware datetime
    assert queries.run("user", build, params={"user_id": (IntegerField(), -1)}) == []


def test_compiled_once_per_key_alias_and_vendor(scores, monkeypatch):
    queries = CompiledQueries("test")
    built = []

    def build(**values):
        built.append(values)
        return points_of(**values)

    params = {
        "starts_on": (DateField(), scores[0]),
        "ends_on": (DateField(), scores[0] + timedelta(days=89)),
        "minimum": (IntegerField(), 0),
    }
    for _ in range(3):
        queries.run("points", build, params=params)
    assert len(built) == 1
    queries.run("other key", build, params=params)
    assert len(built) == 2
    # Another vendor behind the alias (or another alias): compiled again for it.
    vendor = connection.vendor
    monkeypatch.setattr(type(connections["default"]), "vendor", "elsewhere")
    queries.run("points", build, params=params)
    assert len(built) == 3
    assert {key[2] for key in queries._compiled} == {vendor, "elsewhere"}
    assert {key[1] for key in queries._compiled} == {"default"}


def test_a_parameter_the_query_does_not_use_is_refused(scores):
    queries = CompiledQueries("test")
    with pytest.raises(ValueError, match="minimum"):
        queries.run(
            "points",
            lambda **values: PeriodPoints.objects.all(),
            params={"minimum": (IntegerField(), 0)},
        )


def test_leaderboard_ranks_as_a_recount_in_every_shape(sales):
    today = timezone.localdate()
    period = AwardPeriod.objects.create(
        name="Now", starts_on=today - timedelta(days=10), ends_on=today + timedelta(days=10)
    )
    CountedPeriod.objects.get_or_create(starts_on=period.starts_on, ends_on=period.ends_on)
    other = factories.department(name="Other")
    points = [5, 5, 3, 0, 9, 1, 0]
    for index, value in enumerate(points):
        PeriodPoints.objects.create(
            starts_on=period.starts_on,
            ends_on=period.ends_on,
            user=factories.user(department=sales if index % 2 else other),
            points=value,
        )
    for limit in (1, 2, 3, 20):
        board = selectors.leaderboard(period=period, limit=limit, eligible=[])
        assert all(entry.points > 0 for entry in board)
        ranks = [(entry.rank, entry.points) for entry in board]
        expected = [(1, 9), (2, 5), (2, 5), (4, 3), (5, 1)]
        assert ranks == expected[:limit]
    only_sales = selectors.leaderboard(period=period, limit=20, eligible=[sales.pk])
    assert [entry.points for entry in only_sales] == [5, 1]
    both = selectors.leaderboard(period=period, limit=20, eligible=[sales.pk, other.pk])
    assert [entry.points for entry in both] == [9, 5, 5, 3, 1]
    with CaptureQueriesContext(connection) as queries_made:
        board = selectors.leaderboard(period=period, limit=3, eligible=[])
        assert [str(entry.user.department) for entry in board]
    # The edge score, then the rows at or above it with their people and departments.
    assert len(queries_made) == 2
    assert "points" in queries_made[0]["sql"] and "people_user" in queries_made[1]["sql"]


def test_course_departments_are_the_managers_and_a_previews_own(sales):
    from courses import selectors as course_selectors
    from courses.models import CoursePage

    research = factories.department(name="Research", slug="research")
    accounts = factories.department(name="Accounts", slug="accounts")
    course = factories.course(departments=(sales, research, accounts))
    bare = factories.course()
    for page in (course, bare):
        saved = CoursePage.objects.get(pk=page.pk)
        with CaptureQueriesContext(connection) as queries_made:
            departments = course_selectors.target_departments(course=saved)
        assert departments == list(saved.target_departments.all())
        assert len(queries_made) == 1
    saved = CoursePage.objects.get(pk=course.pk)
    assert [d.name for d in course_selectors.target_departments(course=saved)] == [
        "Accounts",
        "Research",
        "Sales",
    ]
    # A preview: the departments chosen in the editor, not saved yet.
    saved.target_departments.set([sales])
    assert course_selectors.target_departments(course=saved) == [sales]


def test_a_list_is_a_parameter_per_item_and_its_length_part_of_the_key(scores):
    queries = CompiledQueries("test")
    people = list(User.objects.order_by("pk").values_list("pk", flat=True))

    def build(*, ids, joined):
        return (
            User.objects.filter(pk__in=ids, date_joined__date__gte=joined)
            .order_by("pk")
            .values_list("pk", flat=False)
        )

    # Forty items before a date: each placeholder stays apart from the others.
    for chosen in (people[:2], people[1:3], people[:3], people * 10):
        params = {"ids": (IntegerField(), chosen), "joined": (DateField(), date(2000, 1, 1))}
        rows = queries.run("users", build, params=params)
        assert rows == list(build(ids=chosen, joined=date(2000, 1, 1)))
    assert sorted(key[3][0][1] for key in queries._compiled) == [2, 3, 10 * len(people)]
