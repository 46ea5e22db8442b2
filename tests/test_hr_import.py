"""The org import of HR systems' exports: Personio, SAP SuccessFactors, BambooHR.

The sample files in tests/fixtures/hr/ follow each system's documented layout; all four name
the same company: Jürgen Weiß (Büro) reports to Greta Öztürk, who is listed after him; Anna
Berg reports to Jürgen; Lars Kühn has left (inactive).
"""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from lms.notifications.kinds import Kind
from lms.notifications.models import EmailPreference
from lms.people import roles
from lms.people.hr_formats import HrImportError, read_org_file
from lms.people.hr_import import import_hr
from lms.people.models import Department, User
from tests import factories

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "hr"
URL = "/admin/people/import/"
SAMPLES = {
    "personio_de.csv": ("personio", "1001", "1003", "1004"),
    "personio_en.csv": ("personio", "1001", "1003", "1004"),
    "personio_employees.json": ("personio", "1001", "1003", "1004"),
    "successfactors_udf.csv": ("successfactors", "E1001", "E1003", "E1004"),
    "bamboohr_directory.csv": ("bamboohr", "101", "103", "104"),
    "bamboohr_report.json": ("bamboohr", "101", "103", "104"),
}


def sample(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def run(data: bytes, *, hr_format="auto", dry_run=False, deactivate_missing=False, acting=None):
    export = read_org_file(data, hr_format=hr_format)
    return import_hr(
        export=export,
        dry_run=dry_run,
        deactivate_missing=deactivate_missing,
        acting_user=acting,
    )


def snapshot() -> list[tuple]:
    return [
        (
            user.username,
            user.employee_id,
            user.first_name,
            user.last_name,
            user.email,
            user.department_id,
            user.manager_id,
            user.is_active,
        )
        for user in User.objects.order_by("username")
    ] + [("department", d.name, d.slug) for d in Department.objects.order_by("name")]


def person(employee_id: str) -> User:
    return User.objects.select_related("department", "manager").get(employee_id=employee_id)


@pytest.fixture
def leaver(db):
    """Lars is here from before (no employee ID yet), with a record of his own."""
    lars = factories.user(username="lars", email="Lars.Kuehn@example.com", first_name="Lars")
    EmailPreference.objects.create(user=lars, kind=Kind.values[0], email=False)
    return lars


# --- each format ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLES)
def test_each_sample_imports_people_departments_managers_and_the_leaver(name, leaver):
    hr_format, juergen_id, greta_id, lars_id = SAMPLES[name]
    summary = run(sample(name))
    assert summary.format_name == read_org_file(sample(name)).format_name
    assert read_org_file(sample(name)).hr_format == hr_format

    juergen, greta = person(juergen_id), person(greta_id)
    anna = User.objects.get(first_name="Anna")
    assert (juergen.first_name, juergen.last_name) == ("Jürgen", "Weiß")
    assert juergen.email == "juergen.weiss@example.com"
    assert juergen.department.name == "Büro"
    assert juergen.manager == greta, "a manager listed after their report"
    assert anna.manager == juergen
    assert greta.manager is None
    assert (greta.last_name, greta.department.name) == ("Öztürk", "Geschäftsführung")
    for user in (juergen, anna, greta):
        assert user.is_active and not user.has_usable_password()
        assert list(user.groups.values_list("name", flat=True)) == [roles.EMPLOYEES]
    assert sorted(Department.objects.values_list("name", flat=True)) == [
        "Büro",
        "Geschäftsführung",
        "Vertrieb",
    ]
    assert Department.objects.get(name="Büro").slug == "buero"

    leaver.refresh_from_db()
    assert not leaver.is_active, "inactive in the export: deactivated"
    assert leaver.employee_id == lars_id, "found by e-mail, now linked by the ID"
    assert EmailPreference.objects.filter(user=leaver).exists(), "the leaver's records stay"
    assert (summary.created, summary.updated, summary.deactivated) == (3, 1, 1)
    assert summary.new_departments == ["Büro", "Geschäftsführung", "Vertrieb"]

    assert run(sample(name)).changes == [], "the same file again changes nothing"


def test_usernames_come_from_the_email_or_the_udf():
    run(sample("personio_de.csv"))
    assert set(User.objects.values_list("username", flat=True)) == {
        "juergen.weiss",
        "anna.berg",
        "greta.oeztuerk",
    }, "Lars left before the LMS knew him: not created"


def test_successfactors_usernames_are_the_udfs():
    run(sample("successfactors_udf.csv"))
    assert person("E1001").username == "jweiss"
    assert person("E1003").username == "goeztuerk"


def test_personio_german_and_english_labels_are_the_same_export(leaver):
    run(sample("personio_de.csv"))
    before = snapshot()
    summary = run(sample("personio_en.csv"))
    assert summary.changes == []
    assert snapshot() == before
    summary = run(sample("personio_employees.json"))
    assert summary.changes == [], "the API's JSON says the same"


def test_personio_json_ignores_labels_and_finds_attributes_by_key():
    document = json.loads(sample("personio_employees.json"))
    for item in document["data"]:
        for attribute in item["attributes"].values():
            attribute["label"] = "Etikett"  # labels follow the account language
    run(json.dumps(document).encode())
    assert person("1001").manager == person("1003")
    assert person("1002").email == "anna.berg@example.com"


def test_a_name_collision_gets_a_number():
    factories.user(username="anna.berg", email="other@example.com")
    run(sample("bamboohr_directory.csv"))
    assert person("102").username == "anna.berg2"


def test_the_format_is_told_from_the_content():
    for name, (hr_format, *_ids) in SAMPLES.items():
        assert read_org_file(sample(name)).hr_format == hr_format, name


def test_a_wrongly_chosen_format_is_refused():
    with pytest.raises(HrImportError) as caught:
        read_org_file(sample("bamboohr_directory.csv"), hr_format="successfactors")
    assert "row 1" in str(caught.value) and "USERID" in str(caught.value)


# --- matching -------------------------------------------------------------------------------


def test_people_are_found_by_employee_id_first_then_email(sales):
    by_id = factories.user(username="jw", employee_id="1001", email="old@example.com")
    by_email = factories.user(username="anna", email="ANNA.BERG@example.com")
    summary = run(sample("personio_en.csv"))

    by_id.refresh_from_db()
    by_email.refresh_from_db()
    assert by_id.username == "jw", "an existing username is never changed"
    assert by_id.email == "juergen.weiss@example.com"
    assert by_email.employee_id == "1002"
    assert by_email.manager == by_id
    lines = summary.lines()
    assert any("update anna: employee ID — → 1002 (e-mail address)" in line for line in lines), (
        lines
    )


def test_an_email_shared_by_two_people_is_not_guessed():
    factories.user(username="a1", email="anna.berg@example.com")
    factories.user(username="a2", email="Anna.Berg@example.com")
    before = snapshot()
    with pytest.raises(HrImportError) as caught:
        run(sample("personio_en.csv"))
    assert "row 3, Email: 2 people here have the address anna.berg@example.com" in str(caught.value)
    assert snapshot() == before


def test_reactivates_a_person_who_is_active_again(leaver):
    run(sample("successfactors_udf.csv"))
    leaver.refresh_from_db()
    assert not leaver.is_active
    text = sample("successfactors_udf.csv").decode().replace("inactive,E1004", "active,E1004")
    summary = run(text.encode())
    leaver.refresh_from_db()
    assert leaver.is_active
    assert summary.reactivated == 1
    assert EmailPreference.objects.filter(user=leaver).exists()


def test_superusers_and_the_person_running_it_are_never_deactivated():
    boss = factories.user(username="boss", employee_id="1003", is_superuser=True)
    me = factories.user(username="me", employee_id="1004")
    summary = run(sample("personio_en.csv"), acting=me)
    boss.refresh_from_db()
    me.refresh_from_db()
    assert boss.is_active and me.is_active
    assert any("stays active (you are running the import)" in line for line in summary.lines())


# --- problems -------------------------------------------------------------------------------


def test_a_bad_row_names_its_row_and_column_and_nothing_is_stored():
    text = sample("personio_de.csv").decode().replace("Aktiv;Vertrieb", "Vielleicht;Vertrieb")
    before = snapshot()
    with pytest.raises(HrImportError) as caught:
        run(text.encode())
    message = str(caught.value)
    assert message.splitlines()[0] == "The file has 1 error; nothing was imported."
    assert "row 3, Status: unknown status “Vielleicht”" in message
    assert snapshot() == before, "all or nothing: the good rows are not stored either"


def test_successfactors_rows_are_numbered_from_row_3():
    text = sample("successfactors_udf.csv").decode().replace(",E1001,NO_HR", ",E9999,NO_HR")
    with pytest.raises(HrImportError) as caught:
        run(text.encode())
    assert "row 4, MANAGER: no one has the ID “E9999”" in str(caught.value)


def test_json_problems_name_the_record():
    document = json.loads(sample("personio_employees.json"))
    document["data"][1]["attributes"]["email"]["value"] = "not an address"
    with pytest.raises(HrImportError) as caught:
        run(json.dumps(document).encode())
    assert "record 2, attributes.email: “not an address” is not a valid email address" in str(
        caught.value
    )


def test_reporting_loops_are_refused():
    text = sample("bamboohr_directory.csv").decode().replace("CEO,,Active", "CEO,102,Active")
    with pytest.raises(HrImportError) as caught:
        run(text.encode())
    assert "the reporting lines form a loop: 10" in str(caught.value)
    assert not User.objects.exists()


def test_a_duplicate_id_and_a_missing_id():
    text = sample("bamboohr_directory.csv").decode()
    text = text.replace("102,E-1002", "101,E-1002").replace("104,E-1004", ",E-1004")
    with pytest.raises(HrImportError) as caught:
        run(text.encode())
    message = str(caught.value)
    assert "rows 2, 3, id: the ID “101” appears more than once" in message
    assert "row 5, id: missing" in message


# --- dry run and --deactivate-missing ---------------------------------------------------------


def test_dry_run_shows_the_changes_and_stores_nothing(leaver):
    before = snapshot()
    summary = run(sample("personio_de.csv"), dry_run=True)
    assert snapshot() == before
    lines = summary.lines()
    assert "row 2: create juergen.weiss (ID 1001; Büro, reports to greta.oeztuerk)" in lines
    assert "New departments: Büro, Geschäftsführung, Vertrieb" in lines
    assert lines[-1] == "Dry run: nothing was stored."
    assert "1 would be deactivated" in lines[-2]


def test_deactivate_missing_lists_first_then_deactivates():
    gone = factories.user(username="gone", employee_id="0999")
    local = factories.user(username="trainer")  # no employee ID: a local account
    root = factories.user(username="root", employee_id="0001", is_superuser=True)
    EmailPreference.objects.create(user=gone, kind=Kind.values[0], email=False)

    summary = run(sample("successfactors_udf.csv"), dry_run=True, deactivate_missing=True)
    lines = summary.lines()
    assert "deactivate gone (ID 0999): not in the export" in lines
    assert "not in the export, but stays active (superuser): root" in lines
    assert not any("trainer" in line for line in lines)
    gone.refresh_from_db()
    assert gone.is_active, "a dry run stores nothing"

    run(sample("successfactors_udf.csv"), deactivate_missing=True)
    for user in (gone, local, root):
        user.refresh_from_db()
    assert not gone.is_active
    assert local.is_active and root.is_active
    assert EmailPreference.objects.filter(user=gone).exists(), "never deleted: records stay"
    again = run(sample("successfactors_udf.csv"), deactivate_missing=True)
    assert again.changes == []


# --- the management command ---------------------------------------------------------------


def call(*args) -> str:
    out = io.StringIO()
    call_command("import_org", *map(str, args), stdout=out)
    return out.getvalue()


def test_command_dry_run_then_import_then_again(leaver):
    path = FIXTURES / "bamboohr_directory.csv"
    output = call(path, "--dry-run", "--format", "bamboohr")
    assert "BambooHR export, 4 people." in output
    assert "Checking 4 people …" in output
    assert "row 3: create anna.berg (ID 102; Vertrieb, reports to juergen.weiss)" in output
    assert "Dry run: nothing was stored." in output
    assert not User.objects.filter(employee_id="101").exists()

    output = call(path)
    assert "3 created, 1 updated, 0 unchanged; 1 deactivated" in output
    assert "People imported in" in output
    assert person("102").manager == person("101")

    assert "0 created, 0 updated, 4 unchanged; 0 deactivated" in call(path)


def test_command_deactivate_missing(tmp_path):
    gone = factories.user(username="gone", employee_id="0999")
    output = call(FIXTURES / "personio_employees.json", "--deactivate-missing", "--dry-run")
    assert "deactivate gone (ID 0999): not in the export" in output
    call(FIXTURES / "personio_employees.json", "--deactivate-missing")
    gone.refresh_from_db()
    assert not gone.is_active


def test_command_errors_name_row_and_column(tmp_path):
    path = tmp_path / "udf.csv"
    path.write_text(
        sample("successfactors_udf.csv").decode().replace("active,E1002", "maybe,E1002")
    )
    with pytest.raises(CommandError) as caught:
        call(path, "--format", "successfactors")
    assert "row 4, STATUS: unknown status “maybe”" in str(caught.value)
    assert not User.objects.exists()


def test_command_refuses_deactivate_missing_for_the_lms_csv(tmp_path, sales):
    path = tmp_path / "org.csv"
    path.write_text("username,name,email,department,manager\nanna,Anna,,Sales,\n")
    with pytest.raises(CommandError, match="needs an HR system's full export"):
        call(path, "--deactivate-missing")
    assert "1 created" in call(path, "--format", "lms")


# --- the admin page -----------------------------------------------------------------------------


@pytest.fixture
def admin_client(db) -> Client:
    admin = factories.user(username="boss", groups=(roles.ADMINS,), employee_id="A-1")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    return client


def upload(client: Client, name: str, **fields):
    payload = {"file": io.BytesIO(sample(name)), "dry_run": "on", **fields}
    payload["file"].name = name
    return client.post(URL, payload)


def test_admin_page_offers_the_formats(admin_client):
    page = admin_client.get(URL).content.decode()
    for value in ("auto", "lms", "personio", "successfactors", "bamboohr"):
        assert f'value="{value}"' in page
    assert 'name="deactivate_missing"' in page


@pytest.mark.usefixtures("response_context")
@pytest.mark.parametrize("name", ["personio_employees.json", "successfactors_udf.csv"])
def test_admin_dry_run_then_import_now(admin_client, name):
    gone = factories.user(username="gone", employee_id="0999")
    response = upload(admin_client, name, hr_format="auto", deactivate_missing="on")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Dry run: what the import would change" in page
    assert "deactivate gone (ID 0999): not in the export" in page
    assert "not in the export, but stays active (you are running the import): boss" in page
    assert "Import now" in page
    assert not User.objects.filter(first_name="Jürgen").exists()
    form = response.context["apply_form"]
    posted = {
        name: form[name].value()
        for name in ("content", "file_format", "source", "hr_format", "deactivate_missing")
    }
    assert posted["deactivate_missing"] is True

    response = admin_client.post(URL, posted)
    page = response.content.decode()
    assert "Import finished" in page
    assert "3 created, 0 updated, 1 unchanged; 1 deactivated, 0 reactivated" in page
    assert User.objects.get(first_name="Jürgen").manager.first_name == "Greta"
    gone.refresh_from_db()
    assert not gone.is_active
    assert User.objects.get(username="boss").is_active


def test_admin_shows_errors_by_row_and_column(admin_client):
    payload = {
        "file": io.BytesIO(
            sample("personio_de.csv").decode().replace(";1003\n1002", ";7777\n1002").encode()
        ),
        "dry_run": "on",
    }
    payload["file"].name = "personio.csv"
    page = admin_client.post(URL, payload).content.decode()
    assert "The file has 1 error; nothing was imported." in page
    assert "Vorgesetzte:r" in page and "no one has the ID “7777”" in page
    assert not User.objects.filter(first_name="Jürgen").exists()


def test_admin_refuses_deactivate_missing_for_the_lms_csv(admin_client, sales):
    payload = {
        "file": io.BytesIO(b"username,name,email,department,manager\nanna,Anna,,Sales,\n"),
        "dry_run": "on",
        "deactivate_missing": "on",
    }
    payload["file"].name = "org.csv"
    page = admin_client.post(URL, payload).content.decode()
    assert "needs an HR system" in page
    assert not User.objects.filter(username="anna").exists()


@pytest.mark.usefixtures("response_context")
def test_an_excel_export_through_the_admin_page(admin_client):
    """Personio's export as an Excel workbook (numbers as numbers), applied via "Import now"."""
    rows = [line.split(";") for line in sample("personio_de.csv").decode("utf-8-sig").split("\n")]
    rows = [[int(cell) if cell.isdigit() else cell for cell in row] for row in rows if row != [""]]
    payload = {"file": io.BytesIO(factories.workbook(rows)), "dry_run": "on"}
    payload["file"].name = "Personio Export.xlsx"
    response = admin_client.post(URL, {**payload, "hr_format": "personio"})
    form = response.context["apply_form"]
    assert form["file_format"].value() == "xlsx"
    assert form["hr_format"].value() == "personio"
    posted = {name: form[name].value() for name in ("content", "file_format", "hr_format")}
    page = admin_client.post(URL, posted).content.decode()
    assert "3 created" in page
    assert person("1001").manager == person("1003")
    assert person("1002").manager == person("1001"), "the supervisor named by full name"


def test_admin_refuses_hostile_choices_and_content(admin_client):
    response = upload(admin_client, "personio_en.csv", hr_format="nonsense")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    for content, expected in [
        ("{not json", "The file is not valid JSON"),
        ('{"data": [1, {"attributes": []}]}', "The file has 2 errors; nothing was imported."),
        ('{"data": [{"attributes": {"id": {"value": [1]}}}]}', "<td>attributes.id</td>"),
        ('{"something": []}', "Cannot tell which export this JSON is"),
    ]:
        response = admin_client.post(URL, {"content": content, "file_format": "json"})
        assert response.status_code == 200
        assert expected in response.content.decode(), content
    assert not User.objects.exclude(username="boss").exists()


def test_a_loop_through_someone_not_in_the_file_is_refused():
    greta = factories.user(username="greta", employee_id="E1003")
    factories.user(username="board", employee_id="E5000", manager=greta)
    text = sample("successfactors_udf.csv").decode().replace("NO_MANAGER", "E5000")
    with pytest.raises(HrImportError) as caught:
        run(text.encode())
    assert (
        "row 5, MANAGER: the reporting lines form a loop: E1003 → E5000 (existing user) → E1003"
        in str(caught.value)
    )


def test_a_personio_supervisor_may_be_named_by_email():
    text = (
        sample("personio_en.csv").decode().replace(",Jürgen Weiß\n", ",JUERGEN.WEISS@example.com\n")
    )
    run(text.encode())
    assert person("1002").manager == person("1001")


def test_a_supervisor_name_that_fits_two_people_is_not_guessed():
    text = sample("personio_en.csv").decode()
    text += "1005,Jürgen,Weiß,jw2@example.com,active,Büro,Twin,1003\n"
    with pytest.raises(HrImportError) as caught:
        run(text.encode())
    assert "row 3, Supervisor: “Jürgen Weiß” fits 2 people in this file" in str(caught.value)


def test_an_address_of_someone_with_another_id_is_not_a_new_person():
    """Excel drops leading zeros, HR systems renumber: a second account would split records."""
    factories.user(username="anna", employee_id="0102", email="anna.berg@example.com")
    with pytest.raises(HrImportError) as caught:
        run(sample("bamboohr_directory.csv"))
    assert (
        "row 3, id: the address anna.berg@example.com belongs to anna here, whose employee ID "
        "is 0102, not 102" in str(caught.value)
    )
    assert User.objects.count() == 1


def test_what_the_export_leaves_out_stays_as_it_is(sales, manager):
    """An export without a department or supervisor column, or a JSON attribute the API key
    may not read, changes nothing of it."""
    anna = factories.user(
        username="anna", employee_id="1002", department=sales, manager=manager, last_name="B."
    )
    run(b"ID,First name,Email\n1002,Anna,anna.berg@example.com\n", hr_format="personio")
    anna.refresh_from_db()
    assert (anna.first_name, anna.last_name, anna.email) == ("Anna", "B.", "anna.berg@example.com")
    assert anna.department == sales and anna.manager == manager

    document = json.loads(sample("personio_employees.json"))
    for item in document["data"]:
        del item["attributes"]["department"], item["attributes"]["supervisor"]
    run(json.dumps(document).encode())
    anna.refresh_from_db()
    assert (anna.last_name, anna.department, anna.manager) == ("Berg", sales, manager)


def test_one_page_of_the_personio_api_does_not_deactivate_the_other_pages():
    gone = factories.user(username="gone", employee_id="0999")
    document = json.loads(sample("personio_employees.json"))
    document["metadata"]["total_elements"] = 120
    data = json.dumps(document).encode()
    with pytest.raises(HrImportError, match="holds 4 of 120 employees"):
        run(data, deactivate_missing=True)
    assert run(data).created == 3, "without --deactivate-missing one page imports"
    gone.refresh_from_db()
    assert gone.is_active


def test_a_udf_without_its_label_row_is_refused():
    lines = sample("successfactors_udf.csv").decode().splitlines()
    with pytest.raises(HrImportError) as caught:
        run("\n".join([lines[0], *lines[2:]]).encode())
    assert "row 2, STATUS: row 2 holds a person" in str(caught.value)
