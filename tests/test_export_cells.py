"""The CSV cells the database computes (lms.core.export_sql, exports.DatabaseRows) are the
cells the Python converters write: the same bytes for hostile names, every state, on
behalf or not, local times across daylight saving, in German and English, on SQLite and
PostgreSQL."""

import datetime
import zoneinfo

import pytest
from django.db.models import DateTimeField, Value
from django.test import Client
from django.urls import reverse
from django.utils import translation

from lms.core import export_sql, exports
from lms.guidelines import selectors, services
from lms.people import roles
from lms.people.models import User
from tests import factories

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = [
    ("=HYPERLINK(1)", "Becker"),
    ("+49 170", "Meyer"),
    ("-3", ""),
    ("@SUM(A1)", "Nord"),
    ("\tTab", "Start"),
    ("\rReturn", "Start"),
    ("'=already", "quoted"),
    ("''+twice", "quoted"),
    ("'plain", "apostrophe"),
    ("Anna; Maria", 'the "Boss"'),
    ("Zeilen\numbruch", "Test"),
    ("Jürgen", "Öztürk"),
    ("", "Nachname"),
    ("1st", "Digit"),
    ("", ""),
    ("ß", "€uro"),
]


@pytest.fixture
def document(db):
    return factories.guideline()


@pytest.fixture
def company(document):
    sales = factories.department(name="Sales")
    formula = factories.department(name="=Formula dept")
    trainer = factories.user(username="trainer", groups=(roles.TRAINERS,))
    people = []
    for number, (first, last) in enumerate(HOSTILE_NAMES):
        department = (sales, formula, None)[number % 3]
        people.append(
            factories.user(
                username=f"p{number:02}",
                first_name=first,
                last_name=last,
                department=department,
            )
        )
    people.append(factories.user(username="-dash", email="=mail@example.com", department=sales))
    version = selectors.current_version(document=document)
    for person in people[::2]:
        services.sign(user=person, document=document, version_id=version.pk)
    services.sign(
        user=people[1],
        document=document,
        version_id=version.pk,
        recorded_by=trainer,
        note="Signed on paper",
    )
    factories.publish_guideline_change(document, text="v2", material=True, summary="v2")
    newer = selectors.current_version(document=document)
    for person in people[:4]:  # some sign the new version too: one row each, the newest
        services.sign(user=person, document=document, version_id=newer.pk)
    return people


def _python_path(document, language: str) -> bytes:
    """The same export through the Python converters (rows as a plain list)."""
    with translation.override(language):
        rows = list(selectors.signoff_export_rows(document=document))
        response = exports.export_response(
            spec=selectors.SIGNOFF_EXPORT, rows=rows, filename="python"
        )
        return b"".join(response.streaming_content)


@pytest.mark.parametrize("chunk", [1000, 2])  # 2: chunks with and without quoted cells
@pytest.mark.parametrize("language", ["de", "en"])
def test_the_database_writes_the_same_cells_as_python(
    document, company, language, chunk, monkeypatch
):
    monkeypatch.setattr(exports, "ROWS_PER_CHUNK", chunk)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(factories.user(username="admin", groups=(roles.ADMINS,), language=language))
    response = client.get(reverse("guidelines:export", args=[document.pk]))
    body = b"".join(response.streaming_content)
    assert body == _python_path(document, language)
    text = body.decode("utf-8-sig")
    # What that means, spelled out for a few cells:
    assert "'=HYPERLINK(1) Becker" in text
    assert "''=already quoted" in text  # one apostrophe more, reversible
    assert "'plain apostrophe" in text and "''plain" not in text
    assert "'=Formula dept" in text
    assert "'=mail@example.com" in text and "'-dash" in text
    assert '"Anna; Maria the ""Boss"""' in text
    assert len(text.splitlines()) > len(HOSTILE_NAMES)


def test_one_department_too(document, company):
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(factories.user(username="admin", groups=(roles.ADMINS,), language="de"))
    sales = company[0].department
    url = reverse("guidelines:export", args=[document.pk]) + f"?department={sales.slug}"
    body = b"".join(client.get(url).streaming_content)
    with translation.override("de"):
        rows = list(selectors.signoff_export_rows(document=document, department=sales))
        python = b"".join(
            exports.export_response(
                spec=selectors.SIGNOFF_EXPORT, rows=rows, filename="x"
            ).streaming_content
        )
    assert body == python
    assert body.decode("utf-8-sig").count("\r\n") == 1 + sum(
        1 for person in company if person.department_id == sales.pk
    )


BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
MOMENTS = [
    datetime.datetime(2026, 1, 15, 23, 30, tzinfo=datetime.UTC),  # next day in Berlin
    datetime.datetime(2026, 3, 29, 0, 59, 59, tzinfo=datetime.UTC),  # before the switch
    datetime.datetime(2026, 3, 29, 1, 0, tzinfo=datetime.UTC),  # summer time from here
    datetime.datetime(2026, 7, 1, 12, 0, 30, 999999, tzinfo=datetime.UTC),
    datetime.datetime(2026, 10, 25, 0, 30, tzinfo=datetime.UTC),  # 02:30 the first time
    datetime.datetime(2026, 10, 25, 1, 30, tzinfo=datetime.UTC),  # 02:30 the second time
    datetime.datetime(2026, 12, 31, 23, 59, tzinfo=datetime.UTC),
]


@pytest.mark.parametrize("strftime", ["%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y"])
@pytest.mark.parametrize("moment", MOMENTS, ids=lambda moment: moment.isoformat())
def test_local_time_in_the_database_is_pythons(db, moment, strftime):
    factories.user(username="row")
    value = (
        User.objects.annotate(
            cell=export_sql.LocalTime(
                Value(moment, output_field=DateTimeField()),
                tzname="Europe/Berlin",
                strftime=strftime,
            )
        )
        .values_list("cell", flat=True)
        .get()
    )
    assert value == moment.astimezone(BERLIN).strftime(strftime)


@pytest.mark.parametrize(
    "text",
    [first for first, _ in HOSTILE_NAMES] + ["A", "@", "'", "''", "'a", "\u00e9", "ÄÖÜ", "~x"],
)
def test_safe_text_in_the_database_is_pythons(db, text):
    factories.user(username="row", first_name=text)
    value = (
        User.objects.annotate(cell=export_sql.safe_text("first_name"))
        .values_list("cell", flat=True)
        .get()
    )
    assert value == exports.safe_cell(text)


def test_every_kind_of_cell_as_python_writes_it(db):
    """The cells of columns that are not annotations with constant outcomes (labels and
    yes/no compared in SQL, dates, decimals, times) equal the Python converters' too."""
    from decimal import Decimal

    from django.db.models import DateField, DecimalField, F

    spec = exports.ExportSpec(
        columns=(
            exports.Column("Code", exports.LABEL, labels={"row": "Zeile"}),
            exports.Column("Active", exports.YES_NO),
            exports.Column("Day", exports.DATE),
            exports.Column("Amount", exports.NUMBER),
            exports.Column("At", exports.DATETIME),
            exports.Column("Joined", exports.DATE),
            exports.Column("Name"),
        )
    )
    factories.user(username="row", first_name="+1")
    factories.user(username="other", first_name="Ada")
    User.objects.filter(username="other").update(is_active=False)
    queryset = User.objects.annotate(
        day=Value(datetime.date(2026, 12, 31), output_field=DateField()),
        amount=Value(Decimal("3.50"), output_field=DecimalField(max_digits=5, decimal_places=2)),
        at=Value(MOMENTS[4], output_field=DateTimeField()),
        active=F("is_active"),
    ).order_by("username")
    rows = exports.DatabaseRows(
        queryset=queryset,
        fields=("username", "active", "day", "amount", "at", "date_joined", "first_name"),
    )
    for language in ("de", "en"):
        with translation.override(language):
            database = b"".join(
                exports.export_response(spec=spec, rows=rows, filename="x").streaming_content
            )
            python = b"".join(
                exports.export_response(spec=spec, rows=list(rows), filename="x").streaming_content
            )
        assert database == python
        assert ("Zeile" in database.decode()) and ("'+1" in database.decode())
