"""PostgreSQL triggers: a function's owner, and every level or body it links to, belong to the function's system.

A CheckConstraint cannot look at another table, so this rule is a trigger (raising check_violation, which Django
reports as IntegrityError). SQLite (the quick start) relies on clean() and the importer.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION functions_function_same_system() RETURNS trigger AS $$
BEGIN
    IF (SELECT system_id FROM governance_level WHERE id = NEW.owner_id) IS DISTINCT FROM NEW.system_id THEN
        RAISE EXCEPTION 'The owning level of function % is not in its system', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER functions_function_same_system BEFORE INSERT OR UPDATE ON functions_function
    FOR EACH ROW EXECUTE FUNCTION functions_function_same_system();

CREATE OR REPLACE FUNCTION functions_functionlink_same_system() RETURNS trigger AS $$
DECLARE fsystem bigint;
BEGIN
    SELECT system_id INTO fsystem FROM functions_function WHERE id = NEW.function_id;
    IF NEW.level_id IS NOT NULL AND
       (SELECT system_id FROM governance_level WHERE id = NEW.level_id) IS DISTINCT FROM fsystem THEN
        RAISE EXCEPTION 'A function links to a level of another system' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.body_id IS NOT NULL AND
       (SELECT system_id FROM functions_body WHERE id = NEW.body_id) IS DISTINCT FROM fsystem THEN
        RAISE EXCEPTION 'A function links to a body of another system' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER functions_functionlink_same_system BEFORE INSERT OR UPDATE ON functions_functionlink
    FOR EACH ROW EXECUTE FUNCTION functions_functionlink_same_system();
"""

DROP = """
DROP TRIGGER IF EXISTS functions_functionlink_same_system ON functions_functionlink;
DROP FUNCTION IF EXISTS functions_functionlink_same_system();
DROP TRIGGER IF EXISTS functions_function_same_system ON functions_function;
DROP FUNCTION IF EXISTS functions_function_same_system();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("functions", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
