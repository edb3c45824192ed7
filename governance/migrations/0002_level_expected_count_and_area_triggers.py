"""Adds Level.expected_count and the database triggers that keep the area tree sound (governance/db_triggers.py).

The trigger SQL is chosen by connection.vendor: PL/pgSQL on PostgreSQL, RAISE(ABORT) triggers on SQLite.
"""

from django.db import migrations, models


def install_triggers(apps, schema_editor):
    from governance import db_triggers

    db_triggers.install(schema_editor.connection)


def remove_triggers(apps, schema_editor):
    from governance import db_triggers

    db_triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="level",
            name="expected_count",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="How many areas this level has in reality (e.g. 47 networks), shown while fewer are loaded.",
                null=True,
            ),
        ),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
