"""The Guests group, the customer organisations' permissions for trainers and admins, and
database triggers that keep guests out of every other group and of direct permissions
(whatever writes the membership: the admin, a script, SQL), and keep a person who holds a
role or permission from being made a guest."""

from django.db import migrations

from lms.people.migrations._permissions import grant, revoke

GUESTS = "Guests"
CODENAMES = [
    "add_customerorganisation",
    "change_customerorganisation",
    "delete_customerorganisation",
    "view_customerorganisation",
]
MANAGING_GROUPS = ["Trainers", "Admins"]
REFUSAL = "a guest holds no role or permission but the Guests group"


def setup(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=GUESTS)
    grant(apps, app_label="people", codenames=CODENAMES, groups=MANAGING_GROUPS)


def undo(apps, schema_editor):
    revoke(apps, app_label="people", codenames=CODENAMES, groups=MANAGING_GROUPS)
    apps.get_model("auth", "Group").objects.filter(name=GUESTS).delete()


TRIGGERS = {
    "sqlite": (
        [
            f"""
            CREATE TRIGGER people_guest_only_in_guests
            BEFORE INSERT ON people_user_groups
            WHEN (SELECT is_guest FROM people_user WHERE id = NEW.user_id)
                AND (SELECT name FROM auth_group WHERE id = NEW.group_id) <> '{GUESTS}'
            BEGIN
                SELECT RAISE(ABORT, '{REFUSAL}');
            END;
            """,
            f"""
            CREATE TRIGGER people_user_becomes_guest
            BEFORE UPDATE OF is_guest ON people_user
            WHEN NEW.is_guest AND (
                EXISTS (
                    SELECT 1 FROM people_user_groups AS membership
                    JOIN auth_group ON auth_group.id = membership.group_id
                    WHERE membership.user_id = NEW.id AND auth_group.name <> '{GUESTS}'
                )
                OR EXISTS (
                    SELECT 1 FROM people_user_user_permissions WHERE user_id = NEW.id
                )
            )
            BEGIN
                SELECT RAISE(ABORT, '{REFUSAL}');
            END;
            """,
            f"""
            CREATE TRIGGER people_guest_no_permissions
            BEFORE INSERT ON people_user_user_permissions
            WHEN (SELECT is_guest FROM people_user WHERE id = NEW.user_id)
            BEGIN
                SELECT RAISE(ABORT, '{REFUSAL}');
            END;
            """,
        ],
        [
            "DROP TRIGGER IF EXISTS people_guest_only_in_guests;",
            "DROP TRIGGER IF EXISTS people_user_becomes_guest;",
            "DROP TRIGGER IF EXISTS people_guest_no_permissions;",
        ],
    ),
    "postgresql": (
        [
            f"""
            CREATE OR REPLACE FUNCTION people_guest_only_in_guests() RETURNS trigger AS $$
            BEGIN
                IF (SELECT is_guest FROM people_user WHERE id = NEW.user_id)
                    AND (SELECT name FROM auth_group WHERE id = NEW.group_id) <> '{GUESTS}'
                THEN
                    RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql;
            """,
            f"""
            CREATE OR REPLACE FUNCTION people_guest_no_permissions() RETURNS trigger AS $$
            BEGIN
                IF (SELECT is_guest FROM people_user WHERE id = NEW.user_id) THEN
                    RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql;
            """,
            f"""
            CREATE OR REPLACE FUNCTION people_user_becomes_guest() RETURNS trigger AS $$
            BEGIN
                IF NEW.is_guest AND (
                    EXISTS (
                        SELECT 1 FROM people_user_groups AS membership
                        JOIN auth_group ON auth_group.id = membership.group_id
                        WHERE membership.user_id = NEW.id AND auth_group.name <> '{GUESTS}'
                    )
                    OR EXISTS (
                        SELECT 1 FROM people_user_user_permissions WHERE user_id = NEW.id
                    )
                ) THEN
                    RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql;
            """,
            """
            CREATE TRIGGER people_user_becomes_guest
            BEFORE UPDATE OF is_guest ON people_user
            FOR EACH ROW EXECUTE FUNCTION people_user_becomes_guest();
            """,
            """
            CREATE TRIGGER people_guest_only_in_guests
            BEFORE INSERT OR UPDATE ON people_user_groups
            FOR EACH ROW EXECUTE FUNCTION people_guest_only_in_guests();
            """,
            """
            CREATE TRIGGER people_guest_no_permissions
            BEFORE INSERT OR UPDATE ON people_user_user_permissions
            FOR EACH ROW EXECUTE FUNCTION people_guest_no_permissions();
            """,
        ],
        [
            "DROP TRIGGER IF EXISTS people_guest_only_in_guests ON people_user_groups;",
            "DROP TRIGGER IF EXISTS people_guest_no_permissions ON people_user_user_permissions;",
            "DROP TRIGGER IF EXISTS people_user_becomes_guest ON people_user;",
            "DROP FUNCTION IF EXISTS people_user_becomes_guest();",
            "DROP FUNCTION IF EXISTS people_guest_only_in_guests();",
            "DROP FUNCTION IF EXISTS people_guest_no_permissions();",
        ],
    ),
}


def create_triggers(apps, schema_editor):
    for statement in TRIGGERS.get(schema_editor.connection.vendor, ([], []))[0]:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    for statement in TRIGGERS.get(schema_editor.connection.vendor, ([], []))[1]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("people", "0007_customer_organisations")]

    operations = [
        migrations.RunPython(setup, undo),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
