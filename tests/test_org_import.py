"""Importing people, departments and reporting lines from an organisation CSV."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from lms.people import roles, services
from lms.people.importers import OrgImportError, import_org_csv, split_name
from lms.people.models import User
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "username,name,email,department,manager"
URL = "/admin/people/import/"


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows, ""]).encode()


def run(*rows: str, dry_run: bool = False):
    return import_org_csv(file=io.BytesIO(csv_bytes(*rows)), dry_run=dry_run)


def snapshot() -> list[tuple]:
    return [
        (
            user.username,
            user.first_name,
            user.last_name,
            user.email,
            user.department_id,
            user.manager_id,
            user.is_active,
            user.password,
            tuple(sorted(user.groups.values_list("name", flat=True))),
        )
        for user in User.objects.order_by("username")
    ]


def import_error(*rows: str) -> OrgImportError:
    before = snapshot()
    with pytest.raises(OrgImportError) as caught:
        run(*rows)
    assert snapshot() == before, "a failed import must store nothing"
    return caught.value


@pytest.fixture
def hr(db):
    return factories.department(name="HR", slug="hr")


@pytest.fixture
def admin_client(db) -> Client:
    admin = factories.user(username="boss", groups=(roles.ADMINS,))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    return client


# --- creating and updating ----------------------------------------------------------------------


def test_creates_people_with_departments_and_managers(sales, hr):
    summary = run(
        "anna,Anna Berg,anna@example.com,Sales,mark",  # mark comes in a later row
        "mark,Mark Stein,mark@example.com,sales,",  # department by slug
        "carl,Carl,,HR,anna",
    )

    anna, mark, carl = (User.objects.get(username=name) for name in ("anna", "mark", "carl"))
    assert (anna.first_name, anna.last_name, anna.email) == ("Anna", "Berg", "anna@example.com")
    assert anna.department == sales and anna.manager == mark
    assert mark.department == sales and mark.manager is None
    assert (carl.first_name, carl.last_name, carl.email) == ("Carl", "", "")
    assert carl.department == hr and carl.manager == anna
    for user in (anna, mark, carl):
        assert user.is_active
        assert not user.has_usable_password()
        assert list(user.groups.values_list("name", flat=True)) == [roles.EMPLOYEES]
    assert (summary.created, summary.updated, summary.unchanged) == (3, 0, 0)
    assert [str(change) for change in summary.rows] == [
        "row 2: create anna (Sales, reports to mark)",
        "row 3: create mark (Sales, no manager)",
        "row 4: create carl (HR, reports to anna)",
    ]
    assert summary.lines()[-1] == "3 created, 0 updated, 0 unchanged"


def test_updates_existing_people_and_leaves_others_alone(sales, hr, manager, employee):
    ben = factories.user(
        username="ben", first_name="Ben", last_name="Kurz", email="ben@example.com", department=hr
    )
    employee.manager = manager
    employee.save()
    ben_password = ben.password
    others = [row for row in snapshot() if row[0] not in {"ben", "mark"}]

    summary = run(
        "ben,Ben Kurz,ben@example.com,Sales,mark",
        "mark,Mark Stein,mark@example.com,Sales,",
    )

    ben.refresh_from_db()
    assert ben.department == sales and ben.manager == manager
    assert ben.password == ben_password, "existing users keep their password"
    manager.refresh_from_db()
    assert (manager.first_name, manager.last_name, manager.email) == (
        "Mark",
        "Stein",
        "mark@example.com",
    )
    assert [str(change) for change in summary.rows] == [
        "row 2: update ben: department HR → Sales; manager — → mark",
        "row 3: update mark: name — → Mark Stein; email — → mark@example.com",
    ]
    assert (summary.created, summary.updated, summary.unchanged) == (0, 2, 0)
    # emma is not in the file: her name, department and manager stay as they were.
    assert [row for row in snapshot() if row[0] not in {"ben", "mark"}] == others
    assert User.objects.get(username="emma").manager == manager


def test_an_empty_manager_removes_the_manager(sales, manager, employee):
    employee.manager = manager
    employee.save()
    summary = run("emma,Emma,,Sales,")
    employee.refresh_from_db()
    assert employee.manager is None
    assert str(summary.rows[0]) == "row 2: update emma: manager mark → —"


def test_second_run_of_the_same_file_changes_nothing(sales, hr, manager):
    rows = (
        "anna,Anna Berg,anna@example.com,Sales,mark",
        "mark,Mark Stein,mark@example.com,Sales,",
        "carl,Carl Maria von Weber,,HR,anna",
    )
    run(*rows)
    before = snapshot()

    summary = run(*rows)

    assert snapshot() == before
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 3)
    assert [str(change) for change in summary.rows] == [
        "row 2: unchanged anna",
        "row 3: unchanged mark",
        "row 4: unchanged carl",
    ]


def test_dry_run_reports_the_same_changes_and_stores_nothing(sales, hr, manager):
    rows = (
        "anna,Anna Berg,anna@example.com,Sales,mark",
        "mark,Mark Stein,,HR,",
    )
    before = snapshot()

    preview = run(*rows, dry_run=True)

    assert snapshot() == before
    assert preview.dry_run
    assert (preview.created, preview.updated, preview.unchanged) == (1, 1, 0)
    assert preview.lines()[-2:] == [
        "1 would be created, 1 would be updated, 0 unchanged",
        "Dry run: nothing was stored.",
    ]
    applied = run(*rows)
    assert [str(change) for change in applied.rows] == [str(change) for change in preview.rows]
    assert User.objects.filter(username="anna").exists()


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("Anna Berg", "Anna", "Berg"),
        ("Anna Maria Berg", "Anna Maria", "Berg"),
        ("  Anna   Maria  Berg ", "Anna Maria", "Berg"),
        ("Cher", "Cher", ""),
        ("", "", ""),
    ],
)
def test_name_is_split_at_the_last_space(name, first, last):
    assert split_name(name) == (first, last)


def test_imported_names_are_split_at_the_last_space(sales):
    run("jo,Jo Ann van der Berg,,Sales,", "prince,Prince,,Sales,")
    jo = User.objects.get(username="jo")
    assert (jo.first_name, jo.last_name) == ("Jo Ann van der", "Berg")
    prince = User.objects.get(username="prince")
    assert (prince.first_name, prince.last_name) == ("Prince", "")


def test_byte_order_mark_and_semicolons(sales):
    data = (
        "\ufeffUsername;Name;Email;Department;Manager\r\n"
        "jürgen;Jürgen Möller;juergen@example.com;Sales;\r\n"
        "zoe;Zoë Šimić;zoe@example.com;sales;jürgen\r\n"
    ).encode()

    summary = import_org_csv(file=io.BytesIO(data))

    assert summary.created == 2
    zoe = User.objects.get(username="zoe")
    assert (zoe.first_name, zoe.last_name) == ("Zoë", "Šimić")
    assert zoe.manager.username == "jürgen" and zoe.department == sales


def test_columns_may_come_in_any_order(sales):
    import_org_csv(
        file=io.StringIO("manager,department,email,name,username\n,Sales,,Ida Lund,ida\n")
    )
    assert User.objects.get(username="ida").last_name == "Lund"


# --- errors: all reported at once, nothing stored ------------------------------------------------


def test_manager_loop_within_the_file(sales):
    error = import_error(
        "anna,Anna,,Sales,ben",
        "ben,Ben,,Sales,carl",
        "carl,Carl,,Sales,anna",
        "dora,Dora,,Sales,anna",  # reports into the loop but is not part of it
    )
    assert len(error.errors) == 1
    assert error.errors[0].rows == (2, 3, 4)
    assert error.errors[0].column == "manager"
    assert "rows 2, 3, 4, manager: the reporting lines form a loop: " in str(error)
    assert "anna → ben → carl → anna" in str(error)
    assert not User.objects.filter(username__in=["anna", "ben", "carl", "dora"]).exists()


def test_two_people_managing_each_other(sales):
    error = import_error("anna,Anna,,Sales,ben", "ben,Ben,,Sales,anna")
    assert [e.rows for e in error.errors] == [(2, 3)]


def test_manager_loop_closed_through_an_existing_user(sales, manager):
    # In the database: lena reports to mark. The file makes mark report to a new user, who
    # reports to lena: mark → nora → lena → mark.
    factories.user(username="lena", department=sales, manager=manager)

    error = import_error(
        "mark,Mark Stein,,Sales,nora",
        "nora,Nora Lind,,Sales,lena",
    )

    assert [e.rows for e in error.errors] == [(2, 3)]
    assert "the reporting lines form a loop: mark → nora → lena (existing user) → mark" in str(
        error
    )
    assert User.objects.get(username="mark").manager is None
    assert not User.objects.filter(username="nora").exists()


def test_loop_through_the_database_alone_counts_too(sales, manager):
    factories.user(username="lena", department=sales, manager=manager)
    error = import_error("mark,Mark,,Sales,lena")
    loop = "mark → lena (existing user) → mark"
    assert f"row 2, manager: the reporting lines form a loop: {loop}" in str(error)


def test_unknown_department(sales):
    error = import_error("anna,Anna,,Legal,")
    assert str(error).splitlines() == [
        "The CSV has 1 error; nothing was imported.",
        "row 2, department: there is no department with the name or slug “Legal”; "
        "create it first under Departments",
    ]


def test_duplicate_username(sales):
    error = import_error("anna,Anna,,Sales,", "ben,Ben,,Sales,", "anna,Anna B,,Sales,")
    assert [(e.rows, e.column) for e in error.errors] == [((2, 4), "username")]
    assert "rows 2, 4, username: “anna” appears more than once" in str(error)


def test_unknown_manager(sales):
    factories.user(username="Mark")
    error = import_error("anna,Anna,,Sales,zed", "ben,Ben,,Sales,mark")
    assert [(e.rows, e.column) for e in error.errors] == [((2,), "manager"), ((3,), "manager")]
    unknown = "“zed” is neither a username in this file nor an existing user"
    assert f"row 2, manager: {unknown}" in str(error)
    assert "(did you mean “Mark”?)" in str(error)


def test_every_error_is_reported_with_its_row_and_column(sales, manager):
    error = import_error(
        "anna,Anna,anna@example.com,Sales,",  # fine
        ",No Username,,Sales,",
        "ben,Ben,not-an-email,Sales,",
        "carl,Carl,,Marketing,",
        "dora,Dora,,Sales,dora",
        "emil,Emil,,Sales,nobody",
        "anna,Anna again,,Sales,",
        "MARK,Mark,,Sales,",
        "bad name!,Bad,,Sales,",
    )
    assert [(e.rows, e.column) for e in error.errors] == [
        ((2, 8), "username"),
        ((3,), "username"),
        ((4,), "email"),
        ((5,), "department"),
        ((6,), "manager"),
        ((7,), "manager"),
        ((9,), "username"),
        ((10,), "username"),
    ]
    lines = str(error).splitlines()
    assert lines[0] == "The CSV has 8 errors; nothing was imported."
    assert "row 3, username: missing" in lines
    assert "row 4, email: “not-an-email” is not a valid email address" in lines
    assert "row 6, manager: a person cannot be their own manager" in lines
    assert any(line.startswith("row 9, username: “MARK” differs only in case") for line in lines)


def test_header_problems_are_reported_for_row_1(sales):
    with pytest.raises(OrgImportError, match=r"row 1: the column\(s\) manager are missing"):
        import_org_csv(file=io.StringIO("username,name,email,department\nanna,Anna,,Sales\n"))
    with pytest.raises(OrgImportError, match=r"row 1: unknown column\(s\) phone"):
        import_org_csv(file=io.StringIO(HEADER + ",phone\n"))
    with pytest.raises(OrgImportError, match="the file is empty"):
        import_org_csv(file=io.StringIO(""))


def test_not_utf8_is_refused(sales):
    data = "username,name,email,department,manager\nj,Jürgen,,Sales,\n".encode("latin-1")
    with pytest.raises(OrgImportError, match=r"not UTF-8 \(byte \d+\)"):
        import_org_csv(file=io.BytesIO(data))


# --- the management command ---------------------------------------------------------------------


@pytest.fixture
def org_file(tmp_path: Path) -> Path:
    path = tmp_path / "org.csv"
    path.write_bytes(
        csv_bytes("anna,Anna Berg,anna@example.com,Sales,mark", "mark,Mark Stein,,Sales,")
    )
    return path


def call(*args) -> str:
    out = io.StringIO()
    call_command("import_org", *map(str, args), stdout=out)
    return out.getvalue()


def test_command_dry_run_then_import_then_again(sales, org_file):
    output = call(org_file, "--dry-run")
    assert "row 2: create anna (Sales, reports to mark)" in output
    assert "2 would be created, 0 would be updated, 0 unchanged" in output
    assert "Dry run: nothing was stored." in output
    assert not User.objects.filter(username__in=["anna", "mark"]).exists()

    output = call(org_file)
    assert "row 3: create mark (Sales, no manager)" in output
    assert "2 created, 0 updated, 0 unchanged" in output
    assert User.objects.get(username="anna").manager.username == "mark"

    output = call(org_file)
    assert "0 created, 0 updated, 2 unchanged" in output


def test_command_reports_errors_by_row(sales, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes("anna,Anna,,Sales,ben", "ben,Ben,,Nowhere,anna"))
    with pytest.raises(CommandError) as caught:
        call(path)
    message = str(caught.value)
    assert "The CSV has 2 errors; nothing was imported." in message
    assert "row 3, department:" in message
    assert "rows 2, 3, manager: the reporting lines form a loop" in message
    assert not User.objects.filter(username__in=["anna", "ben"]).exists()


def test_command_missing_file_and_not_utf8(tmp_path, sales):
    with pytest.raises(CommandError, match="No such file"):
        call(tmp_path / "missing.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(csv_bytes("jürgen,Jürgen,,Sales,").decode().encode("latin-1"))
    with pytest.raises(CommandError, match="is not UTF-8"):
        call(latin)


# --- the admin page -----------------------------------------------------------------------------


def upload(client: Client, data: bytes, *, dry_run: bool = True):
    payload = {"file": io.BytesIO(data)}
    payload["file"].name = "org.csv"
    if dry_run:
        payload["dry_run"] = "on"
    return client.post(URL, payload)


def test_admin_page_offers_an_upload_with_dry_run_ticked(admin_client):
    response = admin_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Import people" in page
    assert 'type="file"' in page
    assert re.search(r'<input[^>]*name="dry_run"[^>]*checked', page)


def test_admin_menu_lists_the_import_under_settings(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert URL in page


@pytest.mark.usefixtures("response_context")
def test_admin_dry_run_then_import_now(admin_client, sales):
    data = csv_bytes("anna,Anna Berg,,Sales,mark", "mark,Mark Stein,,Sales,")

    response = upload(admin_client, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "create anna (Sales, reports to mark)" in page
    assert "Import now" in page
    assert not User.objects.filter(username__in=["anna", "mark"]).exists()
    content = response.context["apply_form"]["content"].value()
    assert "anna,Anna Berg" in content

    response = admin_client.post(URL, {"content": content})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Import finished" in page
    assert "2 created, 0 updated, 0 unchanged" in page
    assert "Import now" not in page
    assert User.objects.get(username="anna").manager == User.objects.get(username="mark")


def test_admin_import_without_dry_run_applies_at_once(admin_client, sales):
    response = upload(admin_client, csv_bytes("anna,Anna Berg,,Sales,"), dry_run=False)
    assert response.status_code == 200
    assert "1 created, 0 updated, 0 unchanged" in response.content.decode()
    assert User.objects.filter(username="anna").exists()


def test_admin_sees_the_errors_by_row(admin_client, sales):
    before = snapshot()
    response = upload(admin_client, csv_bytes("anna,Anna,,Sales,ben", "ben,Ben,,Sales,anna"))
    page = response.content.decode()
    assert "The CSV has 1 error; nothing was imported." in page
    assert "the reporting lines form a loop" in page
    assert "Import now" not in page
    assert 'type="file"' in page, "the upload form is offered again"
    assert snapshot() == before


def test_admin_page_refuses_a_file_that_is_not_utf8(admin_client, sales):
    response = upload(admin_client, "username\nj\u00fcrgen\n".encode("latin-1"))
    assert "is not UTF-8" in response.content.decode()


def test_admin_page_refuses_too_much_content(admin_client, sales):
    response = admin_client.post(URL, {"content": HEADER + "\n" + "x" * (2 * 1024 * 1024)})
    assert "larger than 2 MB" in response.content.decode()
    assert not User.objects.filter(username__startswith="x").exists()


def test_trainer_without_user_permission_is_refused(trainer_client, sales):
    assert trainer_client.get(URL)["Location"] == "/admin/"
    before = snapshot()
    response = trainer_client.post(URL, {"content": csv_bytes("anna,Anna,,Sales,").decode()})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert snapshot() == before
    assert URL not in trainer_client.get("/admin/").content.decode()


def test_employee_is_sent_to_the_admin_login(employee_client, sales):
    response = upload(employee_client, csv_bytes("anna,Anna,,Sales,"), dry_run=False)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not User.objects.filter(username="anna").exists()


# --- other file shapes and the user's language ---------------------------------------------------


def test_an_excel_workbook_imports_like_the_csv(sales, tmp_path):
    path = tmp_path / "org.xlsx"
    path.write_bytes(
        factories.workbook(
            [
                ["Username", "Name", "Email", "Department", "Manager"],
                ["anna", "Anna Berg", "anna@example.com", "Sales", "mark"],
                ["mark", "Mark Stein", None, "sales", None],
            ]
        )
    )
    output = call(path)
    assert "row 2: create anna (Sales, reports to mark)" in output
    assert User.objects.get(username="anna").manager.username == "mark"
    assert "0 created, 0 updated, 2 unchanged" in call(path)


@pytest.mark.usefixtures("response_context")
def test_admin_dry_run_of_a_workbook_then_import_now(admin_client, sales):
    data = factories.workbook(
        [list(HEADER.split(",")), ["anna", "Anna Berg", None, "Sales", None], [], ["ida", "Ida"]]
    )
    payload = {"file": io.BytesIO(data), "dry_run": "on"}
    payload["file"].name = "org.xlsx"
    response = admin_client.post(URL, payload)
    page = response.content.decode()
    assert "create anna (Sales, no manager)" in page
    assert "create ida (no department, no manager)" in page
    assert not User.objects.filter(username="anna").exists()
    # The workbook itself comes back (base64) and is read and checked again.
    apply_form = response.context["apply_form"]
    posted = {name: apply_form[name].value() for name in ("content", "file_format")}
    assert posted["file_format"] == "xlsx"
    response = admin_client.post(URL, posted)
    assert "2 created, 0 updated, 0 unchanged" in response.content.decode()
    assert [change.row for change in response.context["summary"].rows] == [2, 4]


def test_admin_takes_semicolon_and_tab_files(admin_client, sales):
    for delimiter, name in ((";", "anna"), ("\t", "ben")):
        rows = [HEADER.replace(",", delimiter), delimiter.join([name, "A B", "", "Sales", ""])]
        response = upload(admin_client, "\n".join(rows).encode("utf-8-sig"), dry_run=False)
        assert "1 created, 0 updated, 0 unchanged" in response.content.decode()
    assert User.objects.filter(username__in=["anna", "ben"]).count() == 2


@pytest.mark.usefixtures("response_context")
def test_admin_shows_errors_by_row_and_column_in_german(admin_client, sales):
    services.set_language(user=User.objects.get(username="boss"), language="de")
    response = upload(admin_client, csv_bytes("anna,Anna,not-an-email,Legal,"))
    page = response.content.decode()
    assert "Die CSV-Datei enthält 2 Fehler; es wurde nichts importiert." in page
    errors = response.context["import_errors"]
    assert [(e.rows, e.column) for e in errors] == [((2,), "email"), ((2,), "department")]
    assert errors[0].message == "„not-an-email“ ist keine gültige E-Mail-Adresse"
    assert "<td>2</td>" in page and "<td>department</td>" in page
    assert 'type="file"' in page


@pytest.mark.usefixtures("response_context")
def test_admin_refuses_a_formula_without_a_stored_value(admin_client, sales):
    data = factories.workbook([list(HEADER.split(",")), ["anna", '="Anna "&"Berg"']])
    payload = {"file": io.BytesIO(data), "dry_run": "on"}
    payload["file"].name = "org.xlsx"
    response = admin_client.post(URL, payload)
    errors = response.context["import_errors"]
    assert [(e.rows, e.column) for e in errors] == [((2,), "name")]
    assert "formula without a stored result" in response.content.decode()
