"""Sign-offs and the guideline versions they point to become permanent in the database.

0002 only refused UPDATE of a sign-off. From here the database refuses, outside the ORM
too (raw SQL, `_raw_delete`, `_base_manager`):

* sign-offs: UPDATE always; DELETE and (PostgreSQL) TRUNCATE without an erasure permit;
  an INSERT whose signed_at is not the database's clock (no back-dating). signed_at now
  defaults to the database's clock, and on PostgreSQL the trigger stores exactly that.
* guideline versions: UPDATE of the content (document, number, hash, snapshot, change
  summary, publication time); `revision` and `published_by` may only be set to NULL,
  as their FKs do when a revision or user is deleted. DELETE and TRUNCATE as above.

An erasure permit is a row of lms_erasure_permit written in the same transaction (see
lms/permanence.py); the table is not a Django model, so `flush` leaves it alone and the
permit stays readable while flush empties every other table.

On SQLite, altering signed_at rebuilds the sign-off table, which drops its triggers; the
0002 trigger is therefore dropped first and all triggers are created after the rebuild.
A later migration that rebuilds either table on SQLite must create the triggers again
(tests/test_signoff_permanence.py fails if they are missing).
"""

import django.db.models.functions.datetime
from django.db import migrations, models

SIGNOFF_MESSAGE = "sign-offs are a permanent record and cannot be changed"
DELETE_MESSAGE = "%s are a permanent record: deleting them needs an erasure permit"
BACKDATE_MESSAGE = "a sign-off is recorded when it is made: signed_at must be the database's time"
VERSION_MESSAGE = "a published guideline version is a permanent record and cannot be changed"
# Leeway between the app's and the database's clock, should a caller pass signed_at.
CLOCK_SECONDS = 5

# The columns of a version that say what was published; the others may only be cleared.
VERSION_CONTENT = [
    "id",
    "document_id",
    "number",
    "content_hash",
    "snapshot",
    "change_summary",
    "published_at",
]
VERSION_CLEARABLE = ["revision_id", "published_by_id"]

OLD_TRIGGER = {  # from 0002, recreated when this migration is reversed
    "sqlite": (
        [
            f"""
            CREATE TRIGGER guidelines_signoff_immutable
            BEFORE UPDATE ON guidelines_signoff
            BEGIN
                SELECT RAISE(ABORT, '{SIGNOFF_MESSAGE}');
            END;
            """
        ],
        ["DROP TRIGGER IF EXISTS guidelines_signoff_immutable;"],
    ),
    "postgresql": (
        [
            f"""
            CREATE OR REPLACE FUNCTION guidelines_signoff_immutable() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{SIGNOFF_MESSAGE}';
            END;
            $$ LANGUAGE plpgsql;
            """,
            """
            CREATE TRIGGER guidelines_signoff_immutable
            BEFORE UPDATE ON guidelines_signoff
            FOR EACH ROW EXECUTE FUNCTION guidelines_signoff_immutable();
            """,
        ],
        [
            "DROP TRIGGER IF EXISTS guidelines_signoff_immutable ON guidelines_signoff;",
            "DROP FUNCTION IF EXISTS guidelines_signoff_immutable();",
        ],
    ),
}


def _sqlite_version_changed() -> str:
    content = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in VERSION_CONTENT)
    cleared = " OR ".join(
        f"(NEW.{column} IS NOT OLD.{column} AND NEW.{column} IS NOT NULL)"
        for column in VERSION_CLEARABLE
    )
    return f"{content} OR {cleared}"


def _postgresql_version_changed() -> str:
    content = " OR ".join(
        f"NEW.{column} IS DISTINCT FROM OLD.{column}" for column in VERSION_CONTENT
    )
    cleared = " OR ".join(
        f"(NEW.{column} IS DISTINCT FROM OLD.{column} AND NEW.{column} IS NOT NULL)"
        for column in VERSION_CLEARABLE
    )
    return f"{content} OR {cleared}"


SQLITE_NO_PERMIT = "NOT EXISTS (SELECT 1 FROM lms_erasure_permit)"

TRIGGERS = {
    "sqlite": (
        [
            """
            CREATE TABLE lms_erasure_permit (
                id integer PRIMARY KEY AUTOINCREMENT,
                reason text NOT NULL CHECK (trim(reason) <> ''),
                granted_at text NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
            );
            """,
            f"""
            CREATE TRIGGER guidelines_signoff_no_update
            BEFORE UPDATE ON guidelines_signoff
            BEGIN
                SELECT RAISE(ABORT, '{SIGNOFF_MESSAGE}');
            END;
            """,
            f"""
            CREATE TRIGGER guidelines_signoff_no_delete
            BEFORE DELETE ON guidelines_signoff
            WHEN {SQLITE_NO_PERMIT}
            BEGIN
                SELECT RAISE(ABORT, '{DELETE_MESSAGE % "sign-offs"}');
            END;
            """,
            f"""
            CREATE TRIGGER guidelines_signoff_signed_now
            BEFORE INSERT ON guidelines_signoff
            WHEN julianday(NEW.signed_at) IS NULL
                OR abs(julianday(NEW.signed_at) - julianday('now')) * 86400 > {CLOCK_SECONDS}
            BEGIN
                SELECT RAISE(ABORT, '{BACKDATE_MESSAGE.replace("'", "''")}');
            END;
            """,
            f"""
            CREATE TRIGGER guidelines_guidelineversion_no_update
            BEFORE UPDATE ON guidelines_guidelineversion
            WHEN {_sqlite_version_changed()}
            BEGIN
                SELECT RAISE(ABORT, '{VERSION_MESSAGE}');
            END;
            """,
            f"""
            CREATE TRIGGER guidelines_guidelineversion_no_delete
            BEFORE DELETE ON guidelines_guidelineversion
            WHEN {SQLITE_NO_PERMIT}
            BEGIN
                SELECT RAISE(ABORT, '{DELETE_MESSAGE % "guideline versions"}');
            END;
            """,
        ],
        [
            "DROP TRIGGER IF EXISTS guidelines_guidelineversion_no_delete;",
            "DROP TRIGGER IF EXISTS guidelines_guidelineversion_no_update;",
            "DROP TRIGGER IF EXISTS guidelines_signoff_signed_now;",
            "DROP TRIGGER IF EXISTS guidelines_signoff_no_delete;",
            "DROP TRIGGER IF EXISTS guidelines_signoff_no_update;",
            "DROP TABLE IF EXISTS lms_erasure_permit;",
        ],
    ),
    "postgresql": (
        [
            """
            CREATE TABLE lms_erasure_permit (
                id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                reason text NOT NULL CHECK (btrim(reason) <> ''),
                granted_at timestamptz NOT NULL DEFAULT statement_timestamp(),
                transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id()
            );
            """,
            # Only a permit of the current (top-level) transaction counts.
            """
            CREATE FUNCTION lms_erasure_permitted() RETURNS boolean AS $$
                SELECT EXISTS (
                    SELECT 1 FROM lms_erasure_permit WHERE transaction_id = pg_current_xact_id()
                );
            $$ LANGUAGE sql;
            """,
            # Row level for DELETE, statement level for TRUNCATE (which fires no row triggers).
            """
            CREATE FUNCTION lms_refuse_erasure_without_permit() RETURNS trigger AS $$
            BEGIN
                IF NOT lms_erasure_permitted() THEN
                    RAISE EXCEPTION '% are a permanent record: % needs an erasure permit',
                        TG_ARGV[0], TG_OP
                        USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                IF TG_LEVEL = 'ROW' THEN
                    RETURN OLD;
                END IF;
                RETURN NULL;
            END;
            $$ LANGUAGE plpgsql;
            """,
            f"""
            CREATE FUNCTION guidelines_signoff_no_update() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{SIGNOFF_MESSAGE}'
                    USING ERRCODE = 'integrity_constraint_violation';
            END;
            $$ LANGUAGE plpgsql;
            """,
            f"""
            CREATE FUNCTION guidelines_signoff_signed_now() RETURNS trigger AS $$
            BEGIN
                IF NEW.signed_at IS NULL OR abs(
                    extract(epoch FROM NEW.signed_at - statement_timestamp())
                ) > {CLOCK_SECONDS} THEN
                    RAISE EXCEPTION '{BACKDATE_MESSAGE.replace("'", "''")}'
                        USING ERRCODE = 'check_violation';
                END IF;
                NEW.signed_at := statement_timestamp();
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql;
            """,
            f"""
            CREATE FUNCTION guidelines_guidelineversion_no_update() RETURNS trigger AS $$
            BEGIN
                IF {_postgresql_version_changed()} THEN
                    RAISE EXCEPTION '{VERSION_MESSAGE}'
                        USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql;
            """,
            """
            CREATE TRIGGER guidelines_signoff_no_update
            BEFORE UPDATE ON guidelines_signoff
            FOR EACH ROW EXECUTE FUNCTION guidelines_signoff_no_update();
            """,
            """
            CREATE TRIGGER guidelines_signoff_signed_now
            BEFORE INSERT ON guidelines_signoff
            FOR EACH ROW EXECUTE FUNCTION guidelines_signoff_signed_now();
            """,
            """
            CREATE TRIGGER guidelines_signoff_no_delete
            BEFORE DELETE ON guidelines_signoff
            FOR EACH ROW EXECUTE FUNCTION lms_refuse_erasure_without_permit('sign-offs');
            """,
            """
            CREATE TRIGGER guidelines_signoff_no_truncate
            BEFORE TRUNCATE ON guidelines_signoff
            FOR EACH STATEMENT EXECUTE FUNCTION lms_refuse_erasure_without_permit('sign-offs');
            """,
            """
            CREATE TRIGGER guidelines_guidelineversion_no_update
            BEFORE UPDATE ON guidelines_guidelineversion
            FOR EACH ROW EXECUTE FUNCTION guidelines_guidelineversion_no_update();
            """,
            """
            CREATE TRIGGER guidelines_guidelineversion_no_delete
            BEFORE DELETE ON guidelines_guidelineversion
            FOR EACH ROW EXECUTE FUNCTION lms_refuse_erasure_without_permit('guideline versions');
            """,
            """
            CREATE TRIGGER guidelines_guidelineversion_no_truncate
            BEFORE TRUNCATE ON guidelines_guidelineversion
            FOR EACH STATEMENT
            EXECUTE FUNCTION lms_refuse_erasure_without_permit('guideline versions');
            """,
        ],
        [
            "DROP TRIGGER IF EXISTS guidelines_guidelineversion_no_truncate"
            " ON guidelines_guidelineversion;",
            "DROP TRIGGER IF EXISTS guidelines_guidelineversion_no_delete"
            " ON guidelines_guidelineversion;",
            "DROP TRIGGER IF EXISTS guidelines_guidelineversion_no_update"
            " ON guidelines_guidelineversion;",
            "DROP TRIGGER IF EXISTS guidelines_signoff_no_truncate ON guidelines_signoff;",
            "DROP TRIGGER IF EXISTS guidelines_signoff_no_delete ON guidelines_signoff;",
            "DROP TRIGGER IF EXISTS guidelines_signoff_signed_now ON guidelines_signoff;",
            "DROP TRIGGER IF EXISTS guidelines_signoff_no_update ON guidelines_signoff;",
            "DROP FUNCTION IF EXISTS guidelines_guidelineversion_no_update();",
            "DROP FUNCTION IF EXISTS guidelines_signoff_signed_now();",
            "DROP FUNCTION IF EXISTS guidelines_signoff_no_update();",
            "DROP FUNCTION IF EXISTS lms_refuse_erasure_without_permit();",
            "DROP FUNCTION IF EXISTS lms_erasure_permitted();",
            "DROP TABLE IF EXISTS lms_erasure_permit;",
        ],
    ),
}


def _run(statements: dict, index: int):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, ([], []))[index]:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("guidelines", "0004_guideline_approvals"),
    ]

    operations = [
        migrations.RunPython(_run(OLD_TRIGGER, 1), _run(OLD_TRIGGER, 0)),
        migrations.AlterField(
            model_name="signoff",
            name="signed_at",
            field=models.DateTimeField(
                db_default=django.db.models.functions.datetime.Now(),
                editable=False,
                verbose_name="signed at",
            ),
        ),
        migrations.RunPython(_run(TRIGGERS, 0), _run(TRIGGERS, 1)),
    ]
