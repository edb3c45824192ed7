"""Level.singular_name, filled for the NCL and NEL levels as the seeds name one area of each (seeds 002, 004)."""

from django.db import migrations, models

# (system slug, level slug) -> singular name; the same values as governance/demo.py.
SINGULAR = {
    ("ncl", "neighbourhood"): "Neighbourhood",
    ("ncl", "borough-partnership"): "Borough Partnership",
    ("ncl", "ncl"): "NCL-wide",
    ("nel", "networks"): "Network",
    ("nel", "place-based-systems"): "Place-based system",
    ("nel", "local-systems"): "Local system",
    ("nel", "integrated-care-system"): "Integrated Care System",
}


def _sqlite_triggers(install: bool):
    """SQLite adds this column by rebuilding governance_level, which the area triggers name: they come off for the
    rebuild and go back on after it (PostgreSQL alters the table in place and keeps them)."""

    def run(apps, schema_editor):
        from governance import db_triggers

        if schema_editor.connection.vendor == "sqlite":
            (db_triggers.install if install else db_triggers.remove)(schema_editor.connection)

    return run


def fill(apps, schema_editor):
    Level = apps.get_model("governance", "Level")
    for level in Level.objects.select_related("system").filter(singular_name=""):
        singular = SINGULAR.get((level.system.slug, level.slug))
        if singular:
            level.singular_name = singular
            level.save(update_fields=["singular_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0004_area_population"),
    ]

    operations = [
        migrations.RunPython(_sqlite_triggers(install=False), _sqlite_triggers(install=True)),
        migrations.AddField(
            model_name="level",
            name="singular_name",
            field=models.CharField(
                blank=True,
                help_text="What one area of this level is called, for example Network or NCL-wide. Blank: the name.",
                max_length=100,
            ),
        ),
        migrations.RunPython(_sqlite_triggers(install=True), _sqlite_triggers(install=False)),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
