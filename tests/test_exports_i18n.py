"""Exports that open in German and English Excel (issue #15, item 10).

CSV in the reader's language (German: ``;``, German column names and labels, dates as
``31.12.2026``; English: ``,`` and ISO dates), UTF-8 with a byte order mark, local time;
beside each CSV an .xlsx with the same columns, typed cells and neutralised text.
"""

import csv
import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from lms.assignments import services as assignment_services
from lms.assignments.models import Assignment
from lms.core import exports
from lms.core.exports import XLSX_CONTENT_TYPE
from lms.guidelines import selectors as guideline_selectors
from lms.guidelines import services as guideline_services
from lms.guidelines.models import SignOff
from lms.people import roles
from tests import factories

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# 22:30 UTC on 1 July is 00:30 on 2 July in Berlin (summer time): the date changes too.
LATE_EVENING = datetime.datetime(2026, 7, 1, 22, 30, tzinfo=datetime.UTC)


def signed_at(user) -> datetime.datetime:
    """When the user signed: the database's clock (a sign-off cannot be back-dated)."""
    return SignOff.objects.get(user=user).signed_at


def login(user, language: str) -> Client:
    """A client of someone whose account speaks ``language`` (the browser asks the other)."""
    user.language = language
    user.save(update_fields=["language"])
    client = Client(HTTP_ACCEPT_LANGUAGE="en" if language == "de" else "de")
    client.force_login(user)
    return client


def read_csv(response) -> tuple[bytes, list[list[str]]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = b"".join(response.streaming_content)
    return raw, raw.decode("utf-8-sig").splitlines()


def parse(lines: list[str], delimiter: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO("\n".join(lines)), delimiter=delimiter))


def read_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "no-store" in response["Cache-Control"]
    # Streamed from a temporary file, not held in memory.
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]


@pytest.fixture
def team(manager, sales):
    course = factories.course(title="=Social Selling")
    late = factories.user(username="late", first_name="Lea", last_name="Spät", department=sales)
    on_time = factories.user(username="ontime", first_name="Olaf", department=sales)
    for person in (late, on_time):
        person.manager = manager
        person.save(update_fields=["manager"])
    assignment_services.assign(
        assigned_by=manager,
        assignees=[late, on_time],
        item=course,
        due_date=timezone.localdate() + datetime.timedelta(days=10),
    )
    Assignment.objects.filter(assignee=late).update(due_date=datetime.date(2026, 3, 9))
    return {"late": late, "on_time": on_time, "course": course}


class TestTeamExport:
    def test_german_csv(self, manager, team):
        raw, lines = read_csv(login(manager, "de").get(reverse("assignments:team_csv")))
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
        assert lines[0] == (
            "Benutzername;Name;Abteilung;Kurs oder Workshop;Art;Fällig am;Status;Richtlinien offen"
        )
        rows = {row["Benutzername"]: row for row in parse(lines, ";")}
        assert rows["late"]["Name"] == "Lea Spät"
        assert rows["late"]["Status"] == "Überfällig"
        assert rows["late"]["Fällig am"] == "09.03.2026"
        assert rows["late"]["Art"] == "Kurs"
        assert rows["late"]["Kurs oder Workshop"] == "'=Social Selling"
        assert rows["late"]["Richtlinien offen"] == "Nein"
        assert rows["ontime"]["Status"] == "Nicht begonnen"

    def test_english_csv(self, manager, team):
        raw, lines = read_csv(login(manager, "en").get(reverse("assignments:team_csv")))
        assert raw.startswith(b"\xef\xbb\xbf")
        assert lines[0] == (
            "Username,Name,Department,Course or workshop,Kind,Due date,State,Guidelines outstanding"
        )
        rows = {row["Username"]: row for row in parse(lines, ",")}
        assert rows["late"]["State"] == "Overdue"
        assert rows["late"]["Due date"] == "2026-03-09"
        assert rows["late"]["Kind"] == "Course"
        assert rows["ontime"]["State"] == "Not started"

    def test_xlsx_has_the_same_columns_typed(self, manager, team):
        client = login(manager, "de")
        response = client.get(reverse("assignments:team_xlsx"), {"overdue": "on"})
        assert response["Content-Disposition"] == 'attachment; filename="team-assignments.xlsx"'
        sheet = read_xlsx(response)
        rows = list(sheet.iter_rows(values_only=True))
        _raw, lines = read_csv(client.get(reverse("assignments:team_csv"), {"overdue": "on"}))
        assert list(rows[0]) == lines[0].split(";")
        # The same filter: only the overdue assignment.
        assert len(rows) == len(lines) == 2
        assert rows[1][:5] == ("late", "Lea Spät", "Sales", "'=Social Selling", "Kurs")
        due = sheet.cell(row=2, column=6)
        assert due.is_date and due.value.date() == datetime.date(2026, 3, 9)
        assert due.number_format == "DD.MM.YYYY"
        assert rows[1][6:] == ("Überfällig", "Nein")
        assert sheet.cell(row=2, column=4).data_type == "s"

    def test_permissions_unchanged(self, employee, team):
        client = login(employee, "de")
        assert client.get(reverse("assignments:team_csv")).status_code == 403
        assert client.get(reverse("assignments:team_xlsx")).status_code == 403
        assert Client().get(reverse("assignments:team_xlsx")).status_code == 302

    @pytest.mark.parametrize("name", ["assignments:team_csv", "assignments:team_xlsx"])
    def test_query_count(self, manager, team, django_assert_num_queries, name):
        client = login(manager, "de")
        for index in range(5):
            person = factories.user(department=team["late"].department, manager=manager)
            if index % 2:
                assignment_services.assign(
                    assigned_by=manager,
                    assignees=[person],
                    item=team["course"],
                    due_date=timezone.localdate(),
                )
        with django_assert_num_queries(11):  # 9, and two for learning nobody assigned
            response = client.get(reverse(name))
            content = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
        assert content


@pytest.fixture
def document(sales):
    return factories.guideline()


@pytest.fixture
def signed(document, sales):
    """Three people of Sales: one signed, one on paper, one never."""
    version = guideline_selectors.current_version(document=document)
    signer = factories.user(username="sam", first_name="Sam", last_name="Süß", department=sales)
    paper = factories.user(username="paul", first_name="@Paul", department=sales)
    factories.user(username="nina", first_name="Nina", department=sales)
    guideline_services.sign(user=signer, document=document, version_id=version.pk)
    recorder = factories.user(username="hr", groups=(roles.ADMINS,))
    guideline_services.sign(
        user=paper, document=document, version_id=version.pk, recorded_by=recorder, note="Paper"
    )
    return {"signer": signer, "paper": paper}


@pytest.fixture
def admin_user(db):
    return factories.user(username="alex", groups=(roles.ADMINS,))


class TestSignOffExport:
    def test_german_csv(self, admin_user, document, signed):
        url = reverse("guidelines:export", args=[document.pk])
        raw, lines = read_csv(login(admin_user, "de").get(url, {"department": "sales"}))
        assert raw.startswith(b"\xef\xbb\xbf")
        assert lines[0] == (
            "Benutzername;Name;E-Mail;Abteilung;Status;Bestätigte Version;Aktuelle Version;"
            "Bestätigt am;Stellvertretend erfasst"
        )
        rows = {row["Benutzername"]: row for row in parse(lines, ";")}
        sam = rows["sam"]
        assert sam["Name"] == "Sam Süß"
        assert sam["Status"] == "Aktuelle Version bestätigt"
        assert sam["Bestätigte Version"] == sam["Aktuelle Version"] == "1"
        moment = signed_at(signed["signer"])
        assert sam["Bestätigt am"] == moment.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")
        assert sam["Bestätigt am"] != moment.astimezone(datetime.UTC).strftime("%d.%m.%Y %H:%M")
        assert sam["Stellvertretend erfasst"] == "Nein"
        assert rows["paul"]["Name"] == "'@Paul"
        assert rows["paul"]["Stellvertretend erfasst"] == "Ja"
        assert rows["nina"]["Status"] == "Nie bestätigt"
        assert rows["nina"]["Bestätigte Version"] == rows["nina"]["Bestätigt am"] == ""

    def test_english_csv(self, admin_user, document, signed):
        url = reverse("guidelines:export", args=[document.pk])
        _raw, lines = read_csv(login(admin_user, "en").get(url))
        assert lines[0].split(",")[:5] == ["Username", "Name", "Email", "Department", "State"]
        rows = {row["Username"]: row for row in parse(lines, ",")}
        assert rows["sam"]["State"] == "Signed current version"
        moment = signed_at(signed["signer"]).astimezone(BERLIN)
        assert rows["sam"]["Signed at"] == moment.strftime("%Y-%m-%d %H:%M")
        assert rows["sam"]["Recorded on behalf"] == "No"
        assert rows["nina"]["State"] == "Never signed"

    def test_xlsx(self, admin_user, document, signed):
        url = reverse("guidelines:export_xlsx", args=[document.pk])
        response = login(admin_user, "en").get(url, {"department": "sales"})
        assert response["Content-Disposition"] == (
            f'attachment; filename="signoffs-{document.slug}-sales.xlsx"'
        )
        sheet = read_xlsx(response)
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0] == (
            "Username",
            "Name",
            "Email",
            "Department",
            "State",
            "Signed version",
            "Current version",
            "Signed at",
            "Recorded on behalf",
        )
        by_user = {row[0]: row for row in rows[1:]}
        assert set(by_user) == {"sam", "paul", "nina"}
        sam = by_user["sam"]
        assert sam[4] == "Signed current version"
        assert sam[5] == 1 and sam[6] == 1  # numbers, not text
        local = signed_at(signed["signer"]).astimezone(BERLIN).replace(tzinfo=None)
        # Local wall-clock time, to the millisecond a workbook keeps.
        assert isinstance(sam[7], datetime.datetime)
        assert abs(sam[7] - local) < datetime.timedelta(milliseconds=1)
        assert sam[8] == "No"
        assert by_user["paul"][1] == "'@Paul" and by_user["paul"][8] == "Yes"
        assert by_user["nina"][5] is None and by_user["nina"][7] is None
        row = next(index for index, values in enumerate(rows, 1) if values[0] == "sam")
        assert sheet.cell(row=row, column=8).number_format == "YYYY-MM-DD HH:MM"
        assert sheet.cell(row=row, column=6).data_type == "n"

    def test_unknown_department_and_permissions(self, admin_user, employee, manager, document):
        url = reverse("guidelines:export_xlsx", args=[document.pk])
        assert login(admin_user, "de").get(url, {"department": "nowhere"}).status_code == 404
        assert login(employee, "de").get(url).status_code == 403
        assert login(manager, "de").get(url).status_code == 403
        missing = reverse("guidelines:export_xlsx", args=[document.pk + 1000])
        assert login(admin_user, "de").get(missing).status_code == 404

    @pytest.mark.parametrize("name", ["guidelines:export", "guidelines:export_xlsx"])
    @pytest.mark.parametrize("headcount", [3, 30])
    def test_query_count(
        self, admin_user, document, sales, django_assert_num_queries, name, headcount
    ):
        version = guideline_selectors.current_version(document=document)
        for index in range(headcount):
            person = factories.user(department=sales)
            if index % 2:
                guideline_services.sign(user=person, document=document, version_id=version.pk)
        client = login(admin_user, "de")
        url = reverse(name, args=[document.pk])
        with django_assert_num_queries(8):
            response = client.get(url, {"department": "sales"})
            content = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
        assert content


class TestReportPeople:
    def test_a_department_lists_its_people_with_their_state(
        self, admin_user, document, signed, sales
    ):
        factories.user(username="elsewhere", department=factories.department(name="Legal"))
        client = login(admin_user, "de")
        report = reverse("guidelines:report")
        page = client.get(report, {"document": document.pk}).content.decode()
        assert f"?document={document.pk}&amp;department=sales#people" in page
        assert "sam" not in page  # counts only, until a department is chosen

        page = client.get(report, {"document": document.pk, "department": "sales"})
        html = page.content.decode()
        assert page.status_code == 200
        assert "Personen in Sales" in html
        shown = timezone.localtime(signed_at(signed["signer"])).strftime("%d.%m.%Y %H:%M")
        assert "Sam Süß" in html and shown in html
        assert "Aktuelle Version bestätigt" in html and "nie bestätigt" in html
        assert reverse("guidelines:audit", args=[signed["signer"].pk]) in html
        assert "elsewhere" not in html

    def test_unknown_department_is_404_and_bad_page_is_not_500(self, admin_user, document):
        client = login(admin_user, "en")
        report = reverse("guidelines:report")
        assert client.get(report, {"department": "nowhere"}).status_code == 404
        response = client.get(report, {"document": document.pk, "department": "", "page": "x"})
        assert response.status_code == 200

    def test_paginated(self, admin_user, document, sales):
        for index in range(55):
            factories.user(
                username=f"p{index:02}", last_name=f"Person {index:02}", department=sales
            )
        client = login(admin_user, "en")
        report = reverse("guidelines:report")
        first = client.get(report, {"document": document.pk, "department": "sales"})
        html = first.content.decode()
        assert "Page 1 of 2" in html and "Person 49" in html and "Person 50" not in html
        second = client.get(report, {"document": document.pk, "department": "sales", "page": 2})
        html = second.content.decode()
        assert "Page 2 of 2" in html and "Person 54" in html and "Person 00" not in html

    @pytest.mark.parametrize("headcount", [3, 60])
    def test_query_count(self, admin_user, document, sales, django_assert_num_queries, headcount):
        version = guideline_selectors.current_version(document=document)
        for index in range(headcount):
            person = factories.user(department=sales)
            if index % 2:
                guideline_services.sign(user=person, document=document, version_id=version.pk)
        client = login(admin_user, "de")
        # 23, and one for the notification bell in the header.
        with django_assert_num_queries(24):
            response = client.get(
                reverse("guidelines:report"), {"document": document.pk, "department": "sales"}
            )
        assert response.status_code == 200


class TestLocalTime:
    """The shared renderer, fed a fixed moment: the date of a late-evening UTC time moves."""

    SPEC = exports.ExportSpec(
        columns=(
            exports.Column("When", exports.DATETIME),
            exports.Column("Day", exports.DATE),
            exports.Column("Amount", exports.NUMBER),
        )
    )
    ROW = (LATE_EVENING, datetime.date(2026, 12, 31), Decimal("-1.50"))

    @pytest.mark.parametrize(
        ("language", "expected"),
        [
            ("de", ["When;Day;Amount", "02.07.2026 00:30;31.12.2026;-1,50"]),
            ("en", ["When,Day,Amount", "2026-07-02 00:30,2026-12-31,-1.50"]),
        ],
    )
    def test_csv(self, language, expected):
        with translation.override(language):
            response = exports.export_response(spec=self.SPEC, rows=[self.ROW], filename="x")
            _raw, lines = read_csv(response)
        assert lines == expected

    def test_xlsx(self):
        with translation.override("de"):
            response = exports.export_response(
                spec=self.SPEC, rows=[self.ROW], filename="x", file_format=exports.XLSX
            )
        sheet = read_xlsx(response)
        when, day, amount = next(sheet.iter_rows(min_row=2))
        assert when.value == datetime.datetime(2026, 7, 2, 0, 30)
        assert when.number_format == "DD.MM.YYYY HH:MM"
        assert day.value == datetime.datetime(2026, 12, 31) and day.is_date
        assert amount.value == -1.5 and amount.data_type == "n"
