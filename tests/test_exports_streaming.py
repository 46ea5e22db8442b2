"""Company-wide exports stream: the rows are read from the database while the response
is sent, chunk by chunk, in a fixed number of queries, and stay spreadsheet-safe."""

import csv
import io

import pytest
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from lms.core import exports
from lms.guidelines import selectors, services
from lms.people import roles
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(db):
    return factories.guideline()


@pytest.fixture
def company(db, document):
    sales = factories.department(name="Sales")
    people = [
        factories.user(username=f"person{number:02}", department=sales, last_name=f"L{number:02}")
        for number in range(12)
    ]
    people.append(factories.user(username="mallory", first_name="=HYPERLINK(1)", department=sales))
    version = selectors.current_version(document=document)
    for person in people[::2]:
        services.sign(user=person, document=document, version_id=version.pk)
    return people


@pytest.fixture
def admin_client(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    # German: the CSV a German Excel opens (";" between cells).
    client.force_login(factories.user(username="alex", groups=(roles.ADMINS,), language="de"))
    return client


def rows_query(queries) -> list[str]:
    return [query["sql"] for query in queries if "guidelines_signoff" in query["sql"]]


class TestSignOffCsvStreams:
    def test_rows_are_read_while_the_response_is_sent(
        self, admin_client, document, company, monkeypatch
    ):
        monkeypatch.setattr(exports, "ROWS_PER_CHUNK", 4)
        url = reverse("guidelines:export", args=[document.pk])
        with CaptureQueriesContext(connection) as answered:
            response = admin_client.get(url)
        assert isinstance(response, StreamingHttpResponse)
        assert rows_query(answered.captured_queries) == []  # nothing read yet
        with CaptureQueriesContext(connection) as sent:
            chunks = list(response.streaming_content)
        # A query per department (Sales) and one for the people without one (the admin),
        # each read with a server-side cursor, in chunks of 4 rows.
        assert len(rows_query(sent.captured_queries)) == 2
        assert len(chunks) == 5  # 13 people of Sales in chunks of 4 rows, then the admin
        lines = list(
            csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline=""), delimiter=";")
        )
        assert len(lines) == 1 + 14
        mallory = next(line for line in lines if line[0] == "mallory")
        assert mallory[1] == "'=HYPERLINK(1)"  # neutralised, not a formula

    def test_the_rows_are_read_only_when_iterated(self, document, company):
        with CaptureQueriesContext(connection) as made:
            rows = selectors.signoff_export_rows(document=document)
        assert rows_query(made.captured_queries) == []  # not a list of every employee
        assert len(next(iter(rows))) == len(selectors.SIGNOFF_EXPORT.columns)

    def test_the_first_rows_go_out_before_the_last_department_is_read(
        self, admin_client, document, company
    ):
        factories.user(username="zoe", department=factories.department(name="Zoo"))
        chunks = iter(
            admin_client.get(reverse("guidelines:export", args=[document.pk])).streaming_content
        )
        with CaptureQueriesContext(connection) as first:
            assert b"mallory" in next(chunks)
        assert len(rows_query(first.captured_queries)) == 1  # Sales only
        with CaptureQueriesContext(connection) as rest:
            assert b"zoe" in b"".join(chunks)
        assert len(rows_query(rest.captured_queries)) == 2  # Zoo, then nobody's department

    @pytest.mark.parametrize("extra", [0, 10])
    def test_query_count_does_not_grow(
        self, admin_client, document, company, extra, django_assert_num_queries
    ):
        sales = company[0].department
        for number in range(extra):
            factories.user(username=f"extra{number}", department=sales if number % 2 else None)
        url = reverse("guidelines:export", args=[document.pk])
        # Session, user, its permissions (2), the document; its versions, the departments
        # in scope; then the rows: a query for Sales and one for the people without one.
        with django_assert_num_queries(9):
            b"".join(admin_client.get(url).streaming_content)


class TestXlsxStreams:
    def test_the_workbook_is_sent_from_a_temporary_file(self, admin_client, document, company):
        response = admin_client.get(reverse("guidelines:export_xlsx", args=[document.pk]))
        assert isinstance(response, FileResponse)
        assert int(response["Content-Length"]) > 0
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
        names = [row[1].value for row in sheet.iter_rows(min_row=2)]
        assert len(names) == 14
        assert "'=HYPERLINK(1)" in names
