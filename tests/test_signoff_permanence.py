"""Sign-offs and the guideline versions they point to are permanent in the database.

Each forbidden statement is tried the way someone with database or shell access would
(raw SQL, `_raw_delete`, `_base_manager`), on SQLite and on PostgreSQL; the legitimate
ways rows change or go (FK SET NULL on a version, a lawful erasure, `flush`) still work.
"""

import io
import json
import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from wagtail.models import Revision

from lms.core.permanence import PERMIT_TABLE, erasure_permit
from lms.guidelines import selectors, services
from lms.guidelines.models import GuidelinePage, GuidelineVersion, SignOff
from lms.people import roles
from tests import factories

pytestmark = pytest.mark.django_db

only_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="TRUNCATE and transaction ids: PostgreSQL"
)


@pytest.fixture
def document(db):
    return factories.guideline()


@pytest.fixture
def signoff(employee, document):
    version = selectors.current_version(document=document)
    signoff, _ = services.sign(user=employee, document=document, version_id=version.pk)
    return signoff


PERMANENT = "permanent record"
BACK_DATED = "signed_at must be the database's time"


def refused(sql: str, params=(), *, match: str = PERMANENT):
    """The database refuses the statement, for the reason given."""
    with (
        pytest.raises(IntegrityError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def truncate_refused(sql: str):
    """As refused(); the test's own inserts leave deferred FK checks pending, which
    PostgreSQL would name as the reason first, so they are checked before."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    try:
        refused(sql)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def permits_left() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {PERMIT_TABLE}")
        return cursor.fetchone()[0]


def snapshot_row(signoff):
    return SignOff.objects.filter(pk=signoff.pk).values().get()


def db_time(value):
    """A datetime as a raw SQL parameter for the current database."""
    return connection.ops.adapt_datetimefield_value(value)


class TestSignOffs:
    def test_update_is_refused(self, signoff):
        before = snapshot_row(signoff)
        refused("UPDATE guidelines_signoff SET note = 'x' WHERE id = %s", [signoff.pk])
        refused(
            "UPDATE guidelines_signoff SET signed_at = %s WHERE id = %s",
            [db_time(signoff.signed_at - timedelta(days=1)), signoff.pk],
        )
        with pytest.raises(IntegrityError, match=PERMANENT), transaction.atomic():
            SignOff._base_manager.filter(pk=signoff.pk).update(note="x")
        assert snapshot_row(signoff) == before

    def test_delete_is_refused(self, signoff):
        refused("DELETE FROM guidelines_signoff WHERE id = %s", [signoff.pk])
        refused("DELETE FROM guidelines_signoff")
        assert SignOff.objects.filter(pk=signoff.pk).exists()

    def test_raw_delete_is_refused(self, signoff):
        with pytest.raises(IntegrityError, match=PERMANENT), transaction.atomic():
            SignOff._base_manager.filter(pk=signoff.pk)._raw_delete(using="default")
        assert SignOff.objects.filter(pk=signoff.pk).exists()

    def test_base_manager_delete_is_refused(self, signoff):
        with pytest.raises(IntegrityError, match=PERMANENT), transaction.atomic():
            SignOff._base_manager.filter(pk=signoff.pk).delete()
        with pytest.raises(IntegrityError, match=PERMANENT), transaction.atomic():
            SignOff._base_manager.all().delete()
        assert SignOff.objects.filter(pk=signoff.pk).exists()

    @only_postgresql
    def test_truncate_is_refused(self, signoff):
        truncate_refused("TRUNCATE guidelines_signoff")
        truncate_refused("TRUNCATE guidelines_signoff, guidelines_guidelineversion")
        assert SignOff.objects.filter(pk=signoff.pk).exists()

    def test_signed_at_is_the_databases_time(self, employee, document):
        before = timezone.now()
        signoff = services.sign(
            user=employee,
            document=document,
            version_id=selectors.current_version(document=document).pk,
        )[0]
        # The instance holds what the database stored, not a time computed in Python.
        assert signoff.signed_at == SignOff.objects.get(pk=signoff.pk).signed_at
        assert before - timedelta(seconds=5) <= signoff.signed_at <= timezone.now()

    def test_back_dated_insert_is_refused(self, signoff):
        row = snapshot_row(signoff)
        columns = "user_id, document_id, version_id, revision_id, content_hash, note, signed_at"
        values = [row["user_id"], row["document_id"], row["version_id"], row["revision_id"]]
        values += [row["content_hash"], "", db_time(row["signed_at"] - timedelta(days=30))]
        insert = f"INSERT INTO guidelines_signoff ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        other = factories.user()
        # Even the holder of an erasure permit cannot delete and re-insert it back-dated.
        with (
            erasure_permit(reason="test: delete and re-insert"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM guidelines_signoff WHERE id = %s", [signoff.pk])
            with pytest.raises(IntegrityError, match=BACK_DATED), transaction.atomic():
                cursor.execute(insert, values)
            transaction.set_rollback(True)
        with (
            pytest.raises(IntegrityError, match=BACK_DATED),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(insert, [other.pk, *values[1:]])
        with pytest.raises(IntegrityError, match=BACK_DATED), transaction.atomic():
            SignOff.objects.create(
                user=other,
                document_id=row["document_id"],
                version_id=row["version_id"],
                content_hash=row["content_hash"],
                signed_at=timezone.now() - timedelta(days=30),
            )
        with pytest.raises(IntegrityError, match=BACK_DATED), transaction.atomic():
            SignOff.objects.create(
                user=other,
                document_id=row["document_id"],
                version_id=row["version_id"],
                content_hash=row["content_hash"],
                signed_at=timezone.now() + timedelta(days=30),
            )
        assert list(SignOff.objects.values_list("pk", "signed_at")) == [
            (signoff.pk, row["signed_at"])
        ]


class TestVersions:
    @pytest.fixture
    def version(self, signoff):
        return signoff.version

    @pytest.mark.parametrize(
        "assignment",
        [
            "snapshot = '{}'",
            "content_hash = 'forged'",
            "change_summary = 'nothing changed'",
            "number = number + 1",
            "document_id = NULL",
        ],
    )
    def test_content_update_is_refused(self, version, assignment):
        before = GuidelineVersion.objects.filter(pk=version.pk).values().get()
        refused(f"UPDATE guidelines_guidelineversion SET {assignment} WHERE id = %s", [version.pk])
        refused(
            "UPDATE guidelines_guidelineversion SET published_at = %s WHERE id = %s",
            [db_time(version.published_at - timedelta(days=400)), version.pk],
        )
        assert GuidelineVersion.objects.filter(pk=version.pk).values().get() == before

    def test_writing_unchanged_content_again_is_allowed(self, version):
        # Django's save() writes every column; only a change is refused.
        version.save()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE guidelines_guidelineversion SET published_at = published_at,"
                " snapshot = snapshot WHERE id = %s",
                [version.pk],
            )
        assert GuidelineVersion.objects.get(pk=version.pk).snapshot == version.snapshot

    def test_orm_update_is_refused(self, version):
        for change in (
            {"snapshot": {"title": "Forged"}},
            {"content_hash": "0" * 64},
            {"change_summary": "Nothing to see"},
            {"published_at": timezone.now() - timedelta(days=400)},
        ):
            with pytest.raises(IntegrityError, match=PERMANENT), transaction.atomic():
                GuidelineVersion.objects.filter(pk=version.pk).update(**change)
        version.snapshot = {"title": "Forged", "body": []}
        with pytest.raises(IntegrityError, match=PERMANENT), transaction.atomic():
            version.save()
        version.refresh_from_db()
        assert version.snapshot["title"] == "Social media guidelines"

    def test_delete_is_refused_even_without_signoffs(self, document):
        version = selectors.current_version(document=document)
        assert not version.signoffs.exists()
        refused("DELETE FROM guidelines_guidelineversion WHERE id = %s", [version.pk])
        with pytest.raises(IntegrityError, match=PERMANENT), transaction.atomic():
            GuidelineVersion._base_manager.filter(pk=version.pk)._raw_delete(using="default")
        with pytest.raises(IntegrityError, match=PERMANENT), transaction.atomic():
            GuidelineVersion.objects.filter(pk=version.pk).delete()
        assert GuidelineVersion.objects.filter(pk=version.pk).exists()

    @only_postgresql
    def test_truncate_is_refused(self, version):
        truncate_refused("TRUNCATE guidelines_guidelineversion CASCADE")
        assert GuidelineVersion.objects.filter(pk=version.pk).exists()

    def test_deleting_its_revision_clears_the_link_only(self, version):
        before = GuidelineVersion.objects.filter(pk=version.pk).values().get()
        Revision.objects.filter(pk=version.revision_id).delete()
        after = GuidelineVersion.objects.filter(pk=version.pk).values().get()
        assert after == {**before, "revision_id": None}

    def test_deleting_the_publisher_clears_the_link_only(self):
        approver = factories.user(username="approver", groups=(roles.GUIDELINE_APPROVERS,))
        page = factories.guideline(title="Crisis plan")
        page = GuidelinePage.objects.get(pk=page.pk)
        page.body = json.dumps([{"type": "paragraph", "value": "<p>Call the hotline.</p>"}])
        page.material_change, page.change_summary = True, "Hotline added"
        page.save_revision(user=approver)
        factories.approve_through_workflow(page, editor=approver, approver=approver)
        version = selectors.current_version(document=page)
        assert version.published_by == approver
        approver.delete()
        version.refresh_from_db()
        assert version.published_by is None and version.change_summary == "Hotline added"

    def test_links_may_be_cleared_but_not_pointed_elsewhere(self, version, document):
        other = document.save_revision()
        with pytest.raises(IntegrityError, match=PERMANENT), transaction.atomic():
            GuidelineVersion.objects.filter(pk=version.pk).update(revision=other)
        GuidelineVersion.objects.filter(pk=version.pk).update(revision=None)
        assert GuidelineVersion.objects.get(pk=version.pk).revision is None


class TestErasure:
    def test_erasing_a_person_deletes_only_their_signoffs(self, employee, signoff, caplog):
        colleague = factories.user(department=employee.department)
        services.sign(user=colleague, document=signoff.document, version_id=signoff.version_id)
        with caplog.at_level(logging.WARNING, logger="lms.core.permanence"):
            erased = services.erase_signoffs(user=employee, reason="GDPR request 42")
        assert erased == 1
        assert list(SignOff.objects.values_list("user", flat=True)) == [colleague.pk]
        assert f"sign-offs of user {employee.pk}: GDPR request 42" in caplog.text
        assert permits_left() == 0
        # The permit ended with the erasure.
        refused("DELETE FROM guidelines_signoff")

    def test_a_permit_ends_with_its_block_and_needs_a_reason(self, signoff):
        with pytest.raises(RuntimeError), erasure_permit(reason="test: fails half-way"):
            SignOff._base_manager.filter(pk=signoff.pk).delete()
            raise RuntimeError("half-way")
        assert SignOff.objects.filter(pk=signoff.pk).exists()  # rolled back
        assert permits_left() == 0
        with pytest.raises(ValueError), erasure_permit(reason="  "):
            pass
        refused(f"INSERT INTO {PERMIT_TABLE} (reason) VALUES ('')", match="(?i)check constraint")

    @only_postgresql
    def test_a_permit_of_another_transaction_does_not_count(self, signoff):
        # A permit row left committed (not through erasure_permit) opens nothing later.
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {PERMIT_TABLE} (reason, transaction_id) VALUES ('x', '1')")
        refused("DELETE FROM guidelines_signoff")
        assert SignOff.objects.filter(pk=signoff.pk).exists()


# serialized_rollback restores what the migrations created (groups, pages), which the
# flush after a transactional test would otherwise remove for the tests that follow.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestFlush:
    def test_flush_empties_signoffs_and_versions(self, employee, monkeypatch):
        document = factories.guideline()
        version = selectors.current_version(document=document)
        services.sign(user=employee, document=document, version_id=version.pk)

        monkeypatch.setattr("builtins.input", lambda prompt: "no")
        out = io.StringIO()
        call_command("flush", stdout=out)
        assert "Flush cancelled." in out.getvalue()
        assert SignOff.objects.count() == 1

        # With the options the test suite's own flush uses: post_migrate or sequences
        # restarted inside a test would break the serialized rollback of later tests.
        call_command("flush", interactive=False, inhibit_post_migrate=True, reset_sequences=False)
        assert not SignOff.objects.exists() and not GuidelineVersion.objects.exists()
        assert permits_left() == 0
