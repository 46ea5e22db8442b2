"""The Social Selling Award's own rules: who may win, how long a period runs, what counts."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses import services as course_services
from lms.award import selectors, services
from lms.award.models import AwardPeriod, AwardSettings
from lms.kpis.models import KpiRecord
from lms.people import roles
from tests import factories

pytestmark = pytest.mark.django_db


def login(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def admin_user(db):
    return factories.user(username="boss", groups=(roles.ADMINS,), is_superuser=True)


@pytest.fixture
def marketing(db):
    return factories.department(name="Marketing", slug="marketing")


def rules(**points):
    settings = AwardSettings.load()
    for name, value in points.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def lead(person, value, month=None):
    return KpiRecord.objects.create(
        external_id=f"lead-{person.username}-{value}-{KpiRecord.objects.count()}",
        department=person.department,
        month=month or timezone.localdate().replace(day=1),
        metric=KpiRecord.LEADS,
        value=value,
        employee=person,
    )


def finish_course(person, modules=1):
    course = factories.course(modules=modules)
    for module in factories.modules_of(course):
        course_services.complete_module(user=person, module=module)


def this_year():
    today = timezone.localdate()
    return AwardPeriod.objects.create(
        name=str(today.year), starts_on=date(today.year, 1, 1), ends_on=date(today.year, 12, 31)
    )


def ranking(period):
    return [(e.user.username, e.points, e.rank) for e in selectors.leaderboard(period=period)]


def test_only_the_eligible_departments_are_ranked(sales, marketing):
    period = this_year()
    seller = factories.user(username="seller", department=sales)
    storyteller = factories.user(username="storyteller", department=marketing)
    lead(seller, 1)
    finish_course(storyteller, modules=4)
    assert [row[0] for row in ranking(period)] == ["seller", "storyteller"]

    rules().eligible_departments.set([sales])  # the m2m change alone refreshes the cache

    assert ranking(period) == [("seller", 10, 1)]


def test_sources_count_with_their_points_and_zero_means_not_counted(sales):
    period = this_year()
    seller = factories.user(username="seller", department=sales)
    learner = factories.user(username="learner", department=sales)
    lead(seller, 2)
    finish_course(learner, modules=3)
    finish_course(seller, modules=1)
    rules(points_per_lead=7, points_per_module=2)
    assert ranking(period) == [("seller", 16, 1), ("learner", 6, 2)]

    rules(points_per_module=0)  # CRM data only

    assert ranking(period) == [("seller", 14, 1)]


def test_equal_points_share_a_rank_among_the_eligible(sales, marketing):
    period = this_year()
    rules(points_per_module=0).eligible_departments.set([sales])
    first, second, third = (
        factories.user(username=name, department=sales) for name in ("a", "b", "c")
    )
    outsider = factories.user(username="z", department=marketing)
    for person, value in ((first, 2), (second, 2), (third, 1), (outsider, 5)):
        lead(person, value)
    assert ranking(period) == [("a", 20, 1), ("b", 20, 1), ("c", 10, 3)]


def test_yearly_rules_rank_the_calendar_year_and_announcing_saves_it(sales, admin_user):
    rules(period_length=AwardSettings.PeriodLength.YEARLY)
    today = timezone.localdate()
    seller = factories.user(username="seller", department=sales)
    lead(seller, 1)
    lead(seller, 5, month=date(today.year - 1, 12, 1))  # last year: does not count

    period = selectors.current_period()

    assert period.pk is None
    assert (period.name, period.starts_on, period.ends_on) == (
        str(today.year),
        date(today.year, 1, 1),
        date(today.year, 12, 31),
    )
    assert ranking(period) == [("seller", 10, 1)]
    response = login(admin_user).post(reverse("award:leaderboard"), {"winner": seller.pk})
    assert response.status_code == 302
    saved = AwardPeriod.objects.get()
    assert (saved.starts_on, saved.winner) == (date(today.year, 1, 1), seller)


def test_quarterly_rules_give_the_calendar_quarter():
    rules(period_length=AwardSettings.PeriodLength.QUARTERLY)
    period = selectors.current_period(today=date(2026, 11, 15))
    assert (period.name, period.starts_on, period.ends_on) == (
        "Q4 2026",
        date(2026, 10, 1),
        date(2026, 12, 31),
    )


def test_explicit_rules_keep_the_entered_periods(sales):
    assert AwardSettings.load().period_length == AwardSettings.PeriodLength.EXPLICIT
    assert selectors.current_period() is None
    today = timezone.localdate()
    entered = AwardPeriod.objects.create(
        name="Spring push", starts_on=today - timedelta(days=3), ends_on=today + timedelta(days=3)
    )
    assert selectors.current_period() == entered


def test_the_award_page_shows_the_rules(sales, marketing, admin_user):
    rules(
        period_length=AwardSettings.PeriodLength.YEARLY,
        points_per_module=0,
        points_per_quiz=0,
        points_per_workshop=0,
        points_per_lead=10,
    ).eligible_departments.set([sales])
    page = login(admin_user).get(reverse("award:leaderboard")).content.decode()
    rules_html = page[page.index('id="award-rules-heading"') : page.index("</section>")]
    assert "Once a year (calendar year)" in rules_html
    assert "People in the department Sales" in rules_html and "Marketing" not in rules_html
    assert "Leads attributed in the CRM: 10 points each" in rules_html
    assert "Completed modules" not in rules_html and "Passed quizzes" not in rules_html


def test_the_rules_are_shown_in_german(sales, admin_user):
    rules(period_length=AwardSettings.PeriodLength.YEARLY)
    client = login(admin_user)
    admin_user.language = "de"
    admin_user.save()
    page = client.get(reverse("award:leaderboard"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Regeln" in page and "Kalenderjahr" in page


def settings_url():
    return f"/admin/settings/award/awardsettings/{AwardSettings.load().pk}/"


def settings_form(**overrides):
    data = {
        "period_length": "yearly",
        "points_per_lead": "10",
        "points_per_module": "0",
        "points_per_quiz": "0",
        "points_per_workshop": "0",
    }
    data.update(overrides)
    return data


def test_admins_set_the_rules_in_the_admin(sales, admin_user):
    response = login(admin_user).post(
        settings_url(), {**settings_form(), "eligible_departments": [sales.pk]}
    )
    assert response.status_code == 302
    saved = AwardSettings.load()
    assert saved.period_length == "yearly" and list(saved.eligible_departments.all()) == [sales]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"points_per_lead": "0"}, "At least one activity must give points"),
        ({"points_per_lead": "-3"}, "greater than or equal to 0"),
        ({"period_length": "monthly"}, "Select a valid choice"),
        ({"eligible_departments": ["999999"]}, "Select a valid choice"),
    ],
)
def test_bad_rules_are_refused_with_a_message(admin_user, overrides, message):
    before = AwardSettings.load().period_length
    response = login(admin_user).post(settings_url(), settings_form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert AwardSettings.load().period_length == before


def test_periods_must_follow_the_rules_and_not_overlap(admin_user):
    rules(period_length=AwardSettings.PeriodLength.YEARLY)
    client = login(admin_user)
    url = reverse("wagtailsnippets_award_awardperiod:add")
    bad = client.post(url, {"name": "H1", "starts_on": "2026-01-01", "ends_on": "2026-06-30"})
    assert bad.status_code == 200
    assert "this period must run from 2026-01-01 to 2026-12-31" in bad.content.decode()
    good = client.post(url, {"name": "2026", "starts_on": "2026-01-01", "ends_on": "2026-12-31"})
    assert good.status_code == 302
    rules(period_length=AwardSettings.PeriodLength.EXPLICIT)
    overlap = client.post(url, {"name": "X", "starts_on": "2026-12-01", "ends_on": "2027-01-31"})
    assert overlap.status_code == 200
    assert "overlaps “2026”" in overlap.content.decode()
    assert AwardPeriod.objects.count() == 1


def test_announcing_refuses_someone_outside_the_eligible_departments(sales, marketing, admin_user):
    period = this_year()
    rules().eligible_departments.set([sales])
    outsider = factories.user(username="z", department=marketing)
    lead(outsider, 3)
    seller = factories.user(username="s", department=sales)
    lead(seller, 1)
    with pytest.raises(services.AwardError):
        services.announce_winner(period=period, winner=outsider, by=admin_user)
