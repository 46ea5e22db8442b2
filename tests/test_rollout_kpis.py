"""The rollout board says what its figures are, and draws the KPIs over time per department."""

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from lms.kpis.models import KpiRecord
from lms.people import roles
from lms.rollout import selectors
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(factories.user(username="boss", groups=(roles.ADMINS,)))
    return client


def record(department, month, metric, value):
    return KpiRecord.objects.create(
        external_id=f"{department.slug}-{metric}-{month:%Y-%m}-{value}",
        department=department,
        month=month,
        metric=metric,
        value=value,
    )


def board_cells(html: str) -> list[str]:
    table = html[html.index('<table class="rollout-board"') : html.index("</table>")]
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
        for cell in re.findall(r'<td class="cell[^"]*">(.*?)</td>', table, flags=re.S)
    ]


def test_board_cells_name_the_metric_and_the_target(admin_client, sales):
    cells = board_cells(admin_client.get(reverse("rollout:board")).content.decode())
    assert len(cells) == 8  # one department, eight stages
    stage_5 = cells[4]
    assert "Share of people enrolled in a bootcamp course (%)" in stage_5
    assert "0 % / 60 %" in stage_5 and "reached 0, target 60" in stage_5
    stage_6 = cells[5]
    assert "Months of KPI data imported" in stage_6 and "0 / 3" in stage_6
    assert "Social selling set up as a channel in the CRM" in stage_6 and "open" in stage_6
    assert "☐ open" in stage_6  # the box is decoration; the word says it


def test_board_cells_are_german_for_german_readers(sales):
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(factories.user(groups=(roles.ADMINS,), language="de"))
    cells = board_cells(client.get(reverse("rollout:board")).content.decode())
    assert "erreicht 0, Ziel 60" in cells[4] and "offen" in cells[5]


def test_kpis_are_drawn_per_department_with_months_in_order(admin_client, sales):
    marketing = factories.department(name="Marketing", slug="marketing")
    today = date(2026, 12, 2)
    record(sales, date(2026, 11, 1), KpiRecord.LEADS, 7)
    record(sales, date(2026, 9, 1), KpiRecord.LEADS, 3)
    record(sales, date(2026, 9, 1), KpiRecord.LEADS, 2)  # two records of a month add up
    record(marketing, date(2026, 10, 1), KpiRecord.LEADS, 4)
    record(marketing, date(2025, 11, 1), KpiRecord.LEADS, 99)  # thirteen months ago

    trends = {trend.metric: trend for trend in selectors.kpi_trends(today=today)}

    leads = trends["leads"]
    assert leads.months[0] == date(2026, 1, 1) and leads.months[-1] == date(2026, 12, 1)
    assert leads.months == sorted(leads.months) and len(leads.months) == 12
    assert [name for name, _values in leads.departments] == ["Marketing", "Sales"]
    sales_values = dict(zip(leads.months, dict(leads.departments)["Sales"], strict=True))
    assert sales_values[date(2026, 9, 1)] == 5 and sales_values[date(2026, 11, 1)] == 7
    assert sales_values[date(2026, 10, 1)] is None  # a gap, not a zero
    assert trends["awareness"].departments == []


@pytest.mark.usefixtures("response_context")
def test_the_board_shows_a_chart_and_a_table_per_kpi(admin_client, sales):
    from django.utils import timezone

    month = timezone.localdate().replace(day=1)
    record(sales, month, KpiRecord.LEADS, 12)
    response = admin_client.get(reverse("rollout:board"))
    html = response.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert 'aria-labelledby="kpi-leads-title"' in html
    assert "Leads per department and month" in html
    table = html[html.index('<table class="kpi-table">') :]
    table = table[: table.index("</table>")]
    assert '<th scope="col">Sales</th>' in table and "<td>12</td>" in table
    assert table.count("<tr>") == 13  # header and twelve months
    # Awareness and applications have no figures: said in words, no empty chart.
    assert html.count('class="kpi-chart"') == 1
    assert "No figures for “Awareness (reach)” in the last twelve months" in html
    assert "No figures for “Applications” in the last twelve months" in html


def test_the_kpi_chart_leaves_a_gap_for_a_month_without_figures(admin_client, sales):
    from lms.rollout import charts

    svg = charts.kpi_svg(
        title="Leads",
        months=[date(2026, month, 1) for month in (1, 2, 3, 4)],
        series=[("Sales", [1, None, 3, 4])],
        chart_id="t",
    )
    assert svg.count("<circle") == 3 and svg.count("<polyline") == 1


def test_kpi_trends_follow_new_records(sales):
    from django.utils import timezone

    month = timezone.localdate().replace(day=1)
    assert selectors.kpi_trends()[1].departments == []
    record(sales, month, KpiRecord.LEADS, 4)
    assert selectors.kpi_trends()[1].departments[0][1][-1] == 4
