"""The one reader and checker of tables (lms.core.tabular) that every import uses."""

import pytest
from django import forms
from django.utils import translation

from lms.core.tabular import RowError, TableError, TableSpec, check_rows
from tests import factories

SPEC = TableSpec(columns=("name", "email", "team"), required=("name",))


def values(table) -> list[tuple[int, dict[str, str]]]:
    return [(row.number, row.values) for row in table.rows]


def problem(data) -> TableError:
    with pytest.raises(TableError) as caught:
        SPEC.read(data)
    return caught.value


@pytest.mark.parametrize(
    "text",
    [
        "name,email\nAnna,anna@example.com\n",
        "name;email\nAnna;anna@example.com\n",
        "name\temail\nAnna\tanna@example.com\n",
        "\ufeffName ; EMAIL\r\n Anna ; anna@example.com \r\n",
        '"name";"email"\n"Anna";"anna@example.com"\n',
    ],
)
def test_comma_semicolon_and_tab_files_read_the_same(text):
    for data in (text, text.encode(), text.encode("utf-8-sig")):
        table = SPEC.read(data)
        assert values(table) == [(2, {"name": "Anna", "email": "anna@example.com", "team": ""})]


def test_a_comma_inside_a_semicolon_file_stays_in_its_cell():
    table = SPEC.read("name;team\nBerg, Anna;Sales, North\n")
    assert values(table)[0][1] == {"name": "Berg, Anna", "email": "", "team": "Sales, North"}


def test_utf16_with_byte_order_mark_is_read():
    # Excel's "Unicode text" export: UTF-16 with BOM, separated by tabs.
    table = SPEC.read("name\tteam\nJürgen\tVertrieb\n".encode("utf-16"))
    assert values(table) == [(2, {"name": "Jürgen", "email": "", "team": "Vertrieb"})]


def test_windows_1252_is_refused_with_a_hint_in_the_users_language():
    data = "name\nJürgen\n".encode("cp1252")
    assert "not UTF-8 (byte 7)" in str(problem(data))
    assert "CSV UTF-8 (comma delimited)" in str(problem(data))
    with translation.override("de"):
        assert str(problem(data)).startswith("Die Datei ist nicht UTF-8-kodiert (Byte 7)")


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers():
    table = SPEC.read("name\nAnna\n\n , \nBen\n")
    assert [number for number, _values in values(table)] == [2, 5]


def test_header_problems_are_one_error_in_row_1():
    error = problem("Name,phone,name\n")
    assert error.errors == [
        RowError(
            (1,),
            "",
            "unknown column(s) phone; the column(s) name appear twice. "
            "The header row must be: name,email,team",
        )
    ]
    assert "row 1: the column(s) name are missing" in str(problem("email\nx\n"))
    assert "the file is empty" in str(problem(b""))


def test_too_many_rows_are_refused():
    spec = TableSpec(columns=("name",), max_rows=3)
    assert len(spec.read("name\na\nb\nc\n").rows) == 3
    with pytest.raises(TableError, match="more than 3 rows; split it"):
        spec.read("name\na\nb\nc\nd\n")


def test_an_xlsx_workbook_reads_like_the_csv():
    data = factories.workbook(
        [["Name", "Email", "Team"], ["Anna", "anna@example.com", 7], [], ["Ben", None, 2.5]]
    )
    table = SPEC.read(data)
    assert values(table) == [
        (2, {"name": "Anna", "email": "anna@example.com", "team": "7"}),
        (4, {"name": "Ben", "email": "", "team": "2.5"}),
    ]
    # "Import now" posts the workbook back in base64; it reads the same.
    assert table.file_format == "xlsx"
    assert values(SPEC.read(table.source())) == values(table)


def test_xlsx_dates_and_booleans_read_as_text():
    from datetime import date, datetime

    table = SPEC.read(
        factories.workbook(
            [["name", "email", "team"], [date(2025, 3, 1), True, datetime(2025, 3, 1, 9, 30)]]
        )
    )
    assert values(table)[0][1] == {
        "name": "2025-03-01",
        "email": "true",
        "team": "2025-03-01T09:30:00",
    }


def test_xlsx_formulas_are_read_as_their_stored_value_never_evaluated():
    data = factories.workbook([["name", "team"], ["Anna", "=6*7"]], cached={"=6*7": "42"})
    assert values(SPEC.read(data))[0][1]["team"] == "42"


def test_xlsx_formula_without_a_stored_value_is_refused_by_row_and_column():
    error = problem(factories.workbook([["name", "team"], ["Anna", '=A1&"x"'], ["Ben", "=1+1"]]))
    assert [(e.rows, e.column) for e in error.errors] == [((2,), "team"), ((3,), "team")]
    assert "row 2, team: the cell holds a formula without a stored result" in str(error)


def test_damaged_and_old_excel_files_are_refused_clearly():
    assert "The Excel file cannot be read" in str(problem(b"PK\x03\x04" + b"\x00" * 100))
    workbook = factories.workbook([["name"], ["Anna"]])
    assert "The Excel file cannot be read" in str(problem(workbook[: len(workbook) // 2]))
    old = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    assert "old Excel file (.xls)" in str(problem(old))


def test_a_nul_character_names_its_line():
    assert "Line 3 of the file contains a NUL character" in str(problem(b"name\nA\nB\x00\n"))


class PersonForm(forms.Form):
    name = forms.CharField(max_length=5)
    email = forms.EmailField(required=False)
    team = forms.CharField(required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("team") == "nobody":
            raise forms.ValidationError("no such team")
        return cleaned


def test_rows_are_checked_by_a_form_with_row_and_column_in_each_error():
    table = SPEC.read("name,email,team\nAnna,anna@example.com,\nAnnabel,nope,\n,,nobody\nB,,,x\n")
    errors: list[RowError] = []
    rows = check_rows(table, PersonForm, errors)
    assert [(row.number, row.valid) for row in rows] == [(2, True), (3, False), (4, False)]
    assert rows[0].cleaned["email"] == "anna@example.com"
    assert rows[1].values["email"] == "nope", "a row with errors keeps its values"
    assert [(e.rows, e.column) for e in errors] == [
        ((3,), "name"),
        ((3,), "email"),
        ((4,), "name"),
        ((4,), ""),
        ((5,), ""),
    ]
    assert str(errors[1]) == "row 3, email: Enter a valid email address."
    assert str(errors[4]) == "row 5: has 4 cells but the header has 3 columns"


def test_form_errors_come_in_the_users_language():
    table = SPEC.read("name,email\nAnnabel,nope\n")
    errors: list[RowError] = []
    with translation.override("de"):
        check_rows(table, PersonForm, errors)
        text = str(TableError(errors=errors))
    assert text.splitlines() == [
        "Die CSV-Datei enthält 2 Fehler; es wurde nichts importiert.",
        "Zeile 2, name: Bitte sicherstellen, dass der Wert aus höchstens 5 Zeichen besteht. "
        "(Er besteht aus 7 Zeichen.)",
        "Zeile 2, email: Bitte gültige E-Mail-Adresse eingeben.",
    ]


def test_a_cell_beyond_the_csv_field_limit_is_a_row_error_not_a_crash():
    error = problem("name\n" + "x" * 200_000 + "\n")
    assert "row 2: the CSV is malformed (field larger than field limit" in str(error)
    assert "row 1: the CSV is malformed" in str(problem("[" * 200_000))
