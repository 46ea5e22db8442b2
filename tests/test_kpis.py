"""KPI records from CRM and HR systems: the importer, the command, the admin pages and the API."""

import io
import json
import re
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from wagtail.models import APIToken

from lms.kpis.importers import (
    KpiImportError,
    import_kpi_records,
    parse_kpi_csv,
    parse_kpi_json,
)
from lms.kpis.models import INTEGRATIONS_GROUP, KpiRecord
from lms.people import roles
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "external_id,department,month,metric,value,employee"
IMPORT_URL = "/admin/kpis/import/"
TOKEN_URL = "/admin/kpis/tokens/new/"


def csv_bytes(*rows: str, header: str = HEADER, bom: bool = False) -> bytes:
    data = "\n".join([header, *rows, ""]).encode()
    return b"\xef\xbb\xbf" + data if bom else data


def import_csv(*rows: str, dry_run: bool = False, source: str = "test.csv"):
    return import_kpi_records(
        records=parse_kpi_csv(io.BytesIO(csv_bytes(*rows))), source=source, dry_run=dry_run
    )


def import_json(records, *, dry_run: bool = False, source: str = "test.json"):
    return import_kpi_records(
        records=parse_kpi_json(json.dumps(records)), source=source, dry_run=dry_run
    )


def snapshot() -> list[tuple]:
    return list(
        KpiRecord.objects.order_by("external_id").values_list(
            "external_id", "department_id", "month", "metric", "value", "employee_id", "source"
        )
    )


def errors_of(call) -> list[str]:
    """Run an import that must fail; check it stored nothing and return its errors as text."""
    before = snapshot()
    with pytest.raises(KpiImportError) as caught:
        call()
    assert snapshot() == before, "a failed import must store nothing"
    return [str(error) for error in caught.value.errors]


def record(**fields) -> dict:
    values = {
        "external_id": "crm-1",
        "department": "sales",
        "month": "2025-03",
        "metric": "leads",
        "value": 5,
    }
    values.update(fields)
    return values


@pytest.fixture
def hr(db):
    return factories.department(name="Human Resources", slug="hr")


@pytest.fixture
def admin_client(db) -> Client:
    admin = factories.user(username="boss", groups=(roles.ADMINS,))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    return client


# --- importing CSV and JSON ---------------------------------------------------------------------


def test_imports_a_csv_with_bom_and_attributes_a_lead(sales, hr, employee):
    data = csv_bytes(
        "crm-1,sales,2025-03,awareness,1200,",
        "crm-2,Sales,2025-03,leads,4,emma",  # department by name
        "hr-1,Human Resources,2025-03-01,applications,7,",  # the first day of the month is fine
        "crm-3,SALES,2025-04,leads,0,",  # names and slugs ignore case
        bom=True,
    )

    records = parse_kpi_csv(io.BytesIO(data))
    summary = import_kpi_records(records=records, source="crm export")

    assert [entry["position"] for entry in records] == ["row 2", "row 3", "row 4", "row 5"]
    assert (summary.created, summary.unchanged) == (4, 0)
    assert snapshot() == [
        ("crm-1", sales.pk, date(2025, 3, 1), "awareness", 1200, None, "crm export"),
        ("crm-2", sales.pk, date(2025, 3, 1), "leads", 4, employee.pk, "crm export"),
        ("crm-3", sales.pk, date(2025, 4, 1), "leads", 0, None, "crm export"),
        ("hr-1", hr.pk, date(2025, 3, 1), "applications", 7, None, "crm export"),
    ]
    assert list(employee.kpi_records.values_list("external_id", flat=True)) == ["crm-2"]
    assert [str(total) for total in summary.departments] == [
        "Human Resources: 1 created, 0 unchanged (awareness 0, leads 0, applications 7)",
        "Sales: 3 created, 0 unchanged (awareness 1200, leads 4, applications 0)",
    ]
    assert summary.lines()[-1] == "4 created, 0 unchanged"


def test_imports_a_semicolon_csv_without_the_employee_column(sales):
    data = "external_id;department;month;metric;value\nx-1;sales;2025-01;leads;3\n"

    summary = import_kpi_records(records=parse_kpi_csv(io.StringIO(data)), source="hr")

    assert summary.created == 1
    assert KpiRecord.objects.get().value == 3


def test_imports_json_as_a_list_and_as_an_object_with_records(sales, employee):
    summary = import_json([record(employee="emma"), record(external_id="crm-2", value="8")])
    assert (summary.created, summary.unchanged) == (2, 0)

    wrapped = {"records": [record(external_id="crm-3", metric="awareness", month="2025-02-01")]}
    records = parse_kpi_json(json.dumps(wrapped).encode())
    assert records[0]["position"] == "record 1"
    summary = import_kpi_records(records=records, source="api")

    assert summary.created == 1
    assert snapshot() == [
        ("crm-1", sales.pk, date(2025, 3, 1), "leads", 5, employee.pk, "test.json"),
        ("crm-2", sales.pk, date(2025, 3, 1), "leads", 8, None, "test.json"),
        ("crm-3", sales.pk, date(2025, 2, 1), "awareness", 5, None, "api"),
    ]


def test_importing_again_creates_nothing(sales, employee):
    rows = ("crm-1,sales,2025-03,leads,4,emma", "crm-2,sales,2025-03,awareness,900,")
    import_csv(*rows)
    before = snapshot()

    summary = import_csv(*rows, source="another run")

    assert snapshot() == before, "unchanged records keep their source"
    assert (summary.created, summary.unchanged) == (0, 2)
    assert summary.lines()[-1] == "0 created, 2 unchanged"

    # The same figures in JSON are the same records, too; only the new one is added.
    summary = import_json(
        [
            record(external_id="crm-1", value=4, employee="emma"),
            record(external_id="crm-9", value=1),
        ]
    )
    assert (summary.created, summary.unchanged) == (1, 1)
    assert KpiRecord.objects.count() == 3


def test_dry_run_stores_nothing(sales):
    summary = import_csv("crm-1,sales,2025-03,leads,4,", dry_run=True)

    assert summary.dry_run and summary.created == 1
    assert summary.lines()[0] == (
        "Sales: 1 would be created, 0 unchanged (awareness 0, leads 4, applications 0)"
    )
    assert summary.lines()[-2:] == [
        "1 would be created, 0 unchanged",
        "Dry run: nothing was stored.",
    ]
    assert not KpiRecord.objects.exists()


# --- bad input: every problem by position and field, nothing stored -------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "crm-1,marketing,2025-03,leads,4,",
            "row 3, department: there is no department with the slug or name “marketing”; "
            "create it first under Departments",
        ),
        (
            "crm-1,sales,2025-03,leads,-4,",
            "row 3, value: -4 is negative; a KPI value is at least 0",
        ),
        ("crm-1,sales,2025-03,leads,4.5,", "row 3, value: “4.5” is not a whole number"),
        ("crm-1,sales,2025-03,leads,many,", "row 3, value: “many” is not a whole number"),
        ("crm-1,sales,2025-03,leads,,", "row 3, value: missing; give a whole number of at least 0"),
        (
            "crm-1,sales,2025-03,leads,99999999999,",
            "row 3, value: 99999999999 is too large; the most is 2147483647",
        ),
        (
            "crm-1,sales,03/2025,leads,4,",
            "row 3, month: “03/2025” is not a month; write it as YYYY-MM, e.g. 2025-03",
        ),
        (
            "crm-1,sales,2025-13,leads,4,",
            "row 3, month: “2025-13” is not a month; write it as YYYY-MM, e.g. 2025-03",
        ),
        (
            "crm-1,sales,2025-03-15,leads,4,",
            "row 3, month: “2025-03-15” is not the first day of a month; a KPI covers a whole "
            "month, so write it as YYYY-MM, e.g. 2025-03",
        ),
        (
            "crm-1,sales,2025-03,clicks,4,",
            "row 3, metric: “clicks” is not a metric; use one of awareness, leads, applications",
        ),
        (
            "crm-1,sales,2025-03,leads,4,nobody",
            "row 3, employee: there is no user with the username “nobody”",
        ),
        (
            "crm-1,sales,2025-03,awareness,4,emma",
            "row 3, employee: only leads can be attributed to an employee; leave it empty for "
            "awareness",
        ),
        (",sales,2025-03,leads,4,", "row 3, external_id: missing; every record needs its own id"),
        (
            f"{'x' * 101},sales,2025-03,leads,4,",
            "row 3, external_id: longer than 100 characters",
        ),
    ],
)
def test_a_bad_csv_row_is_reported_and_nothing_is_stored(sales, employee, row, expected):
    errors = errors_of(lambda: import_csv("ok-1,sales,2025-03,leads,1,", row))
    assert errors == [expected]


def test_every_problem_is_reported_together_by_row(sales, employee):
    def run():
        import_csv(
            "crm-1,sales,2025-03,leads,4,emma",
            "crm-2,nowhere,2025-3,leads,-1,",
            "",  # blank rows are skipped but keep the numbering
            "crm-1,sales,2025-04,leads,4,",
            "crm-3,sales,2025-03,visits,2,ghost",
        )

    before = snapshot()
    with pytest.raises(KpiImportError) as caught:
        run()
    assert snapshot() == before
    message = str(caught.value)
    assert message.splitlines() == [
        "The KPI data has 6 errors; nothing was imported.",
        "row 3, department: there is no department with the slug or name “nowhere”; "
        "create it first under Departments",
        "row 3, month: “2025-3” is not a month; write it as YYYY-MM, e.g. 2025-03",
        "row 3, value: -1 is negative; a KPI value is at least 0",
        "row 5, external_id: “crm-1” appears more than once (first at row 2)",
        "row 6, metric: “visits” is not a metric; use one of awareness, leads, applications",
        "row 6, employee: there is no user with the username “ghost”",
    ]
    first = caught.value.errors[0]
    assert (first.position, first.field) == ("row 3", "department")


def test_json_values_must_be_whole_numbers_not_floats_or_booleans(sales):
    errors = errors_of(
        lambda: import_json(
            [
                record(external_id="a", value=True),
                record(external_id="b", value=2.0),
                record(external_id="c", value=-3),
                record(external_id="d", value=None),
                record(external_id="e", month=202503),
                record(external_id="f", extra="x"),
                record(external_id=None),
            ]
        )
    )
    assert errors == [
        "record 1, value: “true” is not a whole number",
        "record 2, value: “2.0” is not a whole number",
        "record 3, value: -3 is negative; a KPI value is at least 0",
        "record 4, value: missing; give a whole number of at least 0",
        "record 5, month: “202503” is not a month; write it as YYYY-MM, e.g. 2025-03",
        "record 6, extra: unknown field; the fields are external_id, department, month, "
        "metric, value, employee",
        "record 7, external_id: missing; every record needs its own id",
    ]


def test_a_numeric_external_id_is_taken_as_text(sales):
    import_json([record(external_id=12345)])
    assert KpiRecord.objects.get().external_id == "12345"


def test_an_external_id_stored_with_other_values_is_an_error(sales, hr, employee):
    import_csv("crm-1,sales,2025-03,leads,4,emma")

    errors = errors_of(
        lambda: import_json(
            [record(external_id="crm-2"), record(external_id="crm-1", department="hr", value=6)]
        )
    )

    assert errors == [
        "record 2, external_id: “crm-1” was imported before with other values (department "
        "stored Sales, sent Human Resources; value stored 4, sent 6; employee stored emma, "
        "sent —). An external id always stands for the same figure: correct the stored record "
        "under Rollout › KPI records, or send a new figure under a new id"
    ]
    assert KpiRecord.objects.get().value == 4


def test_a_duplicate_external_id_in_one_file_is_an_error_even_with_equal_values(sales):
    errors = errors_of(lambda: import_json([record(), record()]))
    assert errors == ["record 2, external_id: “crm-1” appears more than once (first at record 1)"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "row 1: the file is empty; it needs the header row " + HEADER),
        (
            b"external_id,department,month,metric\n",
            "row 1: the column(s) value are missing. The header row must be: " + HEADER,
        ),
        (
            b"external_id,department,month,metric,value,note\n",
            "row 1: unknown column(s) note. The header row must be: " + HEADER,
        ),
        (
            csv_bytes("crm-1,sales,2025-03,leads,4,,surplus"),
            "row 2: has 7 cells but the header has 6 columns",
        ),
    ],
)
def test_a_malformed_csv_is_refused(sales, data, expected):
    with pytest.raises(KpiImportError) as caught:
        parse_kpi_csv(io.BytesIO(data))
    assert [str(error) for error in caught.value.errors] == [expected]


def test_a_csv_that_is_not_utf8_is_refused():
    with pytest.raises(KpiImportError, match="not UTF-8"):
        parse_kpi_csv(io.BytesIO((HEADER + "\nj\u00fcrgen,,,,,\n").encode("latin-1")))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("[{", "This is not valid JSON"),
        ('"records"', "The JSON must be a list of records"),
        ('{"rows": []}', "The JSON must be a list of records"),
        ('[1, {"external_id": "a"}]', "record 1: is not an object"),
    ],
)
def test_malformed_json_is_refused(data, expected):
    with pytest.raises(KpiImportError, match=re.escape(expected)):
        parse_kpi_json(data)


def test_an_empty_import_is_an_error(sales):
    with pytest.raises(KpiImportError, match="there are no records to import"):
        import_kpi_records(records=parse_kpi_json("[]"), source="x")
    with pytest.raises(KpiImportError, match="there are no records to import"):
        import_kpi_records(records=parse_kpi_csv(io.StringIO(HEADER + "\n")), source="x")


# --- the command --------------------------------------------------------------------------------


def test_command_imports_csv_and_json_and_is_idempotent(sales, employee, tmp_path):
    csv_file = tmp_path / "march.csv"
    csv_file.write_bytes(csv_bytes("crm-1,sales,2025-03,leads,4,emma"))
    json_file = tmp_path / "april.json"
    json_file.write_text(json.dumps({"records": [record(external_id="crm-2", month="2025-04")]}))

    out = io.StringIO()
    call_command("import_kpis", str(csv_file), stdout=out)
    assert "Checking 1 record(s)" in out.getvalue()
    assert "1 created, 0 unchanged" in out.getvalue()
    assert KpiRecord.objects.get(external_id="crm-1").source == "march.csv"

    out = io.StringIO()
    call_command("import_kpis", str(json_file), "--source", "HR system", stdout=out)
    assert KpiRecord.objects.get(external_id="crm-2").source == "HR system"

    out = io.StringIO()
    call_command("import_kpis", str(csv_file), stdout=out)
    assert "0 created, 1 unchanged" in out.getvalue()
    assert KpiRecord.objects.count() == 2


def test_command_dry_run_and_explicit_format(sales, tmp_path):
    data_file = tmp_path / "export.txt"
    data_file.write_text(json.dumps([record()]))

    with pytest.raises(CommandError, match="--format"):
        call_command("import_kpis", str(data_file))

    out = io.StringIO()
    call_command("import_kpis", str(data_file), "--format", "json", "--dry-run", stdout=out)
    assert "1 would be created, 0 unchanged" in out.getvalue()
    assert "Dry run finished." in out.getvalue()
    assert not KpiRecord.objects.exists()


def test_command_reports_every_error_and_fails(sales, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_bytes("crm-1,sales,2025-03,leads,4,", "crm-2,sales,2025-03,leads,-1,", ",x,,,,")
    )

    with pytest.raises(CommandError) as caught:
        call_command("import_kpis", str(bad), stdout=io.StringIO())

    message = str(caught.value)
    assert caught.value.returncode == 1
    assert "The KPI data has 6 errors; nothing was imported." in message
    assert "row 3, value: -1 is negative" in message
    for field in ("external_id", "month", "metric", "value"):
        assert f"row 4, {field}: missing" in message
    assert "row 4, department: there is no department" in message
    assert not KpiRecord.objects.exists()


# --- the admin pages ----------------------------------------------------------------------------


def upload(client: Client, data: bytes, *, name: str = "kpis.csv", dry_run: bool = True):
    payload = {"file": io.BytesIO(data)}
    payload["file"].name = name
    if dry_run:
        payload["dry_run"] = "on"
    return client.post(IMPORT_URL, payload)


def import_now(client: Client, apply_form):
    """Post the dry run's "Import now" form, as the page does."""
    return client.post(
        IMPORT_URL,
        {
            "content": apply_form["content"].value(),
            "file_format": apply_form["file_format"].value(),
            "source": apply_form["source"].value(),
        },
    )


def test_admin_import_page_offers_an_upload_with_dry_run_ticked(admin_client):
    assert reverse("rollout_kpi_import") == IMPORT_URL
    response = admin_client.get(IMPORT_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Import KPIs" in page
    assert 'type="file"' in page
    assert re.search(r'<input[^>]*name="dry_run"[^>]*checked', page)
    assert IMPORT_URL in admin_client.get("/admin/").content.decode(), "the menu item"


@pytest.mark.usefixtures("response_context")
def test_admin_dry_run_then_import_now(admin_client, sales, employee):
    data = csv_bytes("crm-1,sales,2025-03,leads,4,emma", "crm-2,sales,2025-03,awareness,900,")

    response = upload(admin_client, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "2 would be created, 0 unchanged" in page
    assert "Import now" in page
    assert not KpiRecord.objects.exists()
    apply_form = response.context["apply_form"]
    assert "crm-1,sales" in apply_form["content"].value()

    response = import_now(admin_client, apply_form)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Import finished" in page
    assert "2 created, 0 unchanged" in page
    assert "Import now" not in page
    assert snapshot() == [
        ("crm-1", sales.pk, date(2025, 3, 1), "leads", 4, employee.pk, "kpis.csv"),
        ("crm-2", sales.pk, date(2025, 3, 1), "awareness", 900, None, "kpis.csv"),
    ]

    # The same file again: nothing new, so nothing to import.
    response = upload(admin_client, data)
    assert "0 would be created, 2 unchanged" in response.content.decode()
    assert "apply_form" not in response.context


def test_admin_imports_json_without_dry_run(admin_client, sales):
    data = json.dumps({"records": [record()]}).encode()
    response = upload(admin_client, data, name="kpis.json", dry_run=False)
    assert response.status_code == 200
    assert "1 created, 0 unchanged" in response.content.decode()
    assert KpiRecord.objects.get().source == "kpis.json"


@pytest.mark.usefixtures("response_context")
def test_admin_sees_every_error_and_nothing_is_stored(admin_client, sales):
    response = upload(
        admin_client, csv_bytes("crm-1,sales,2025-03,leads,-4,", "crm-2,nowhere,2025-03,leads,1,")
    )
    page = response.content.decode()
    assert "The KPI data has 2 errors; nothing was imported." in page
    assert [(error.position, error.field) for error in response.context["import_errors"]] == [
        ("row 2", "value"),
        ("row 3", "department"),
    ]
    assert "Import now" not in page
    assert 'type="file"' in page, "the upload form is offered again"
    assert not KpiRecord.objects.exists()


def test_user_without_the_permission_cannot_use_the_admin_pages(trainer_client, sales):
    assert not factories.user(username="t2", groups=(roles.TRAINERS,)).has_perm(
        "kpis.add_kpirecord"
    )
    assert trainer_client.get(IMPORT_URL)["Location"] == "/admin/"
    response = trainer_client.post(IMPORT_URL, {"content": csv_bytes("c,sales,2025-03,leads,1,")})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert trainer_client.get(TOKEN_URL)["Location"] == "/admin/"
    response = trainer_client.post(TOKEN_URL, {"name": "CRM"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert not KpiRecord.objects.exists()
    assert not APIToken.objects.exists()
    assert IMPORT_URL not in trainer_client.get("/admin/").content.decode()


def test_employee_is_sent_to_the_admin_login(employee_client, sales):
    response = upload(employee_client, csv_bytes("c,sales,2025-03,leads,1,"), dry_run=False)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not KpiRecord.objects.exists()


@pytest.mark.usefixtures("response_context")
def test_issuing_a_token_shows_it_once_and_stores_only_its_hash(admin_client, sales):
    assert reverse("rollout_kpi_token_new") == TOKEN_URL
    assert admin_client.get(TOKEN_URL).status_code == 200
    service = factories.user(username="crm-bot", groups=(INTEGRATIONS_GROUP,))

    response = admin_client.post(TOKEN_URL, {"name": "CRM", "user": service.pk})

    assert response.status_code == 200
    raw = response.context["raw_token"]
    page = response.content.decode()
    assert raw in page
    assert f"Authorization: Bearer {raw}" in page, "the curl example"
    assert "http://testserver/api/kpis/" in page
    assert "no-store" in response["Cache-Control"]
    token = APIToken.objects.get()
    assert token.name == "CRM" and token.revoked_at is None and token.user == service
    assert token.key_hash == APIToken.hash_token(raw) != raw
    assert raw not in (token.name, token.key_hash, token.prefix)

    page = admin_client.get(TOKEN_URL).content.decode()
    assert raw not in page, "the raw token is shown only once"
    assert token.prefix in page

    # The token works for the API.
    response = Client().post(
        reverse("api_kpis"),
        json.dumps([record()]),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 200


def test_a_token_name_is_used_once(admin_client):
    token, _raw = factories.kpi_token(name="CRM")
    response = admin_client.post(TOKEN_URL, {"name": "crm", "user": token.user.pk})
    assert "There is already a token with this name." in response.content.decode()
    assert APIToken.objects.count() == 1


def test_admin_can_deactivate_a_token(admin_client):
    token, _raw = factories.kpi_token(name="CRM")
    response = admin_client.post(reverse("rollout_kpi_token_deactivate", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


# --- the API ------------------------------------------------------------------------------------


@pytest.fixture
def api() -> Client:
    # A machine client without a session or CSRF token.
    return Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def token():
    return factories.kpi_token(name="CRM (Salesforce)")


def post(client: Client, body, *, raw: str | None = None, **extra):
    if raw is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(reverse("api_kpis"), data, content_type="application/json", **extra)


def test_api_url():
    assert reverse("api_kpis") == "/api/kpis/"


def test_api_without_a_token_is_401(api, sales):
    response = post(api, [record()])
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in response.json()["error"]

    response = post(api, [record()], HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert response.status_code == 401
    assert not KpiRecord.objects.exists()


def test_api_with_an_unknown_token_is_403(api, sales, token):
    response = post(api, [record()], raw="not-a-token")
    assert response.status_code == 403
    assert response.json() == {"error": "This token is unknown or has been deactivated."}
    assert not KpiRecord.objects.exists()


def test_api_with_a_revoked_token_is_403(api, sales, token):
    issued, raw = token
    issued.revoke()
    response = post(api, [record()], raw=raw)
    assert response.status_code == 403
    assert not KpiRecord.objects.exists()
    issued.refresh_from_db()
    assert issued.last_used_at is None


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_api_only_accepts_post(api, token, method):
    _issued, raw = token
    response = getattr(api, method)(reverse("api_kpis"), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_api_refuses_invalid_json(api, sales, token):
    _issued, raw = token
    response = post(api, '[{"external_id": ', raw=raw)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"].startswith("This is not valid JSON")


def test_api_reports_validation_errors_and_stores_nothing(api, sales, token):
    _issued, raw = token
    response = post(
        api,
        {"records": [record(), record(external_id="crm-2", value=-1, month="2025-3")]},
        raw=raw,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "The KPI data has 2 errors; nothing was imported."
    assert body["errors"] == [
        {
            "position": "record 2",
            "field": "month",
            "message": "“2025-3” is not a month; write it as YYYY-MM, e.g. 2025-03",
        },
        {
            "position": "record 2",
            "field": "value",
            "message": "-1 is negative; a KPI value is at least 0",
        },
    ]
    assert not KpiRecord.objects.exists()


def test_api_stores_records_idempotently_and_notes_the_use(api, sales, employee, token):
    issued, raw = token
    records = [record(employee="emma"), record(external_id="crm-2", metric="applications")]

    response = post(api, records, raw=raw)

    assert response.status_code == 200
    assert response.json() == {"created": 2, "unchanged": 0}
    assert KpiRecord.objects.get(external_id="crm-1").employee == employee
    assert set(KpiRecord.objects.values_list("source", flat=True)) == {"CRM (Salesforce)"}
    issued.refresh_from_db()
    assert issued.last_used_at is not None

    response = post(api, {"records": records}, raw=raw)
    assert response.json() == {"created": 0, "unchanged": 2}
    assert KpiRecord.objects.count() == 2


def test_api_refuses_a_body_over_one_megabyte(api, sales, token):
    _issued, raw = token
    response = post(api, "[" + " " * (1024 * 1024) + "]", raw=raw)
    assert response.status_code == 413
    assert not KpiRecord.objects.exists()


# --- Excel workbooks (lms.core.tabular) -------------------------------------------------------


def kpi_workbook(*rows: list) -> bytes:
    return factories.workbook([HEADER.split(","), *rows])


def test_command_imports_an_xlsx_workbook(sales, employee, tmp_path):
    book = tmp_path / "march.xlsx"
    book.write_bytes(
        kpi_workbook(["crm-1", "Sales", "2025-03", "leads", 4, "emma"], ["crm-2", "sales"])
    )

    with pytest.raises(CommandError) as caught:
        call_command("import_kpis", str(book), stdout=io.StringIO())
    assert "row 3, month: missing" in str(caught.value)
    assert not KpiRecord.objects.exists()

    book.write_bytes(kpi_workbook(["crm-1", "Sales", date(2025, 3, 1), "leads", 4, "emma"]))
    out = io.StringIO()
    call_command("import_kpis", str(book), stdout=out)
    assert "1 created, 0 unchanged" in out.getvalue()
    assert snapshot() == [
        ("crm-1", sales.pk, date(2025, 3, 1), "leads", 4, employee.pk, "march.xlsx")
    ]


@pytest.mark.usefixtures("response_context")
def test_admin_dry_run_then_import_now_of_an_xlsx_workbook(admin_client, sales):
    data = kpi_workbook(["crm-1", "sales", "2025-03", "awareness", 900, None])

    response = upload(admin_client, data, name="kpis.xlsx")

    page = response.content.decode()
    assert "1 would be created, 0 unchanged" in page
    assert 'id="import-departments"' in page and "<td>900</td>" in page
    assert not KpiRecord.objects.exists()
    apply_form = response.context["apply_form"]
    assert apply_form["file_format"].value() == "xlsx"

    response = import_now(admin_client, apply_form)

    assert "1 created, 0 unchanged" in response.content.decode()
    assert snapshot() == [
        ("crm-1", sales.pk, date(2025, 3, 1), "awareness", 900, None, "kpis.xlsx")
    ]


@pytest.mark.usefixtures("response_context")
def test_admin_json_dry_run_then_import_now(admin_client, sales):
    data = json.dumps([record()]).encode()

    response = upload(admin_client, data, name="kpis.json")

    assert "1 would be created, 0 unchanged" in response.content.decode()
    apply_form = response.context["apply_form"]
    assert apply_form["file_format"].value() == "json"
    response = import_now(admin_client, apply_form)
    assert "1 created, 0 unchanged" in response.content.decode()
    assert KpiRecord.objects.get().source == "kpis.json"


def test_errors_are_worded_in_the_users_language(sales):
    from django.utils import translation

    with translation.override("de"):
        with pytest.raises(KpiImportError) as caught:
            import_csv("crm-1,sales,2025-03,leads,-4,")
        headline, line = str(caught.value).splitlines()
        assert "KPI" in headline and "error" not in headline
        assert line.startswith("Zeile 2, value: -4 ") and "negative" not in line
