"""Area.population goes: an area's residents are AreaPopulation figures, each with its source and year.

A figure typed into the old field (the admin form) is kept as an AreaPopulation where the area has no all-ages
figure yet; an area with a sourced figure keeps that one. The old field had no year, so the year is when the figure
was entered (from the area's history), and the source says so.
"""

import datetime

from django.db import migrations

MOVED_SOURCE = "Entered on the area's admin form, without a source; the year is when it was entered"


def _sqlite_triggers(install: bool):
    """SQLite may drop this column by rebuilding governance_area, which the area triggers name: they come off for
    the rebuild and go back on after it (as in 0005; PostgreSQL alters the table in place and keeps them)."""

    def run(apps, schema_editor):
        from governance import db_triggers

        if schema_editor.connection.vendor == "sqlite":
            (db_triggers.install if install else db_triggers.remove)(schema_editor.connection)

    return run


def keep_entered_figures(apps, schema_editor):
    Area = apps.get_model("governance", "Area")
    HistoricalArea = apps.get_model("governance", "HistoricalArea")
    AreaPopulation = apps.get_model("governance", "AreaPopulation")
    sourced = set(AreaPopulation.objects.filter(age_band="").values_list("area_id", flat=True))
    this_year = datetime.datetime.now(tz=datetime.UTC).year
    for area_id, population in Area.objects.filter(population__gt=0).values_list("id", "population"):
        if area_id in sourced:
            continue
        entered = (
            HistoricalArea.objects.filter(id=area_id, population=population)
            .order_by("history_date")
            .values_list("history_date", flat=True)
            .first()
        )
        AreaPopulation.objects.create(
            area_id=area_id,
            age_band="",
            population=population,
            year=entered.year if entered else this_year,
            source=MOVED_SOURCE,
        )


def restore_entered_figures(apps, schema_editor):
    Area = apps.get_model("governance", "Area")
    AreaPopulation = apps.get_model("governance", "AreaPopulation")
    for figure in AreaPopulation.objects.filter(source=MOVED_SOURCE):
        Area.objects.filter(pk=figure.area_id).update(population=figure.population)
        figure.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0005_level_singular_name"),
    ]

    operations = [
        migrations.RunPython(keep_entered_figures, restore_entered_figures),
        migrations.RunPython(_sqlite_triggers(install=False), _sqlite_triggers(install=True)),
        migrations.RemoveField(model_name="area", name="population"),
        migrations.RemoveField(model_name="historicalarea", name="population"),
        migrations.RunPython(_sqlite_triggers(install=True), _sqlite_triggers(install=False)),
    ]
