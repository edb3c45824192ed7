"""Area.population's removal (0006): a figure typed on the old field is kept as an AreaPopulation with a source
saying where it came from, unless the area already has a sourced all-ages figure."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from governance.models import AreaPopulation

from .factories import AreaFactory, AreaPopulationFactory

BEFORE = [("governance", "0005_level_singular_name")]


@pytest.mark.django_db(transaction=True)
def test_figures_typed_on_the_old_field_are_kept_with_a_source_and_the_field_goes() -> None:
    entered, undated, sourced, empty = AreaFactory(), AreaFactory(), AreaFactory(), AreaFactory()
    AreaPopulationFactory(area=sourced, population=300_000, source="ONS Census 2021", year=2021)
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        old_apps = executor.loader.project_state(BEFORE).apps
        area, history = old_apps.get_model("governance", "Area"), old_apps.get_model("governance", "HistoricalArea")
        for each, population in ((entered, 5_000), (undated, 7_000), (sourced, 8_000)):
            area.objects.filter(pk=each.pk).update(population=population)
        # The admin's save would have recorded the figure in the area's history, in 2019.
        history.objects.filter(id=entered.pk).update(
            population=5_000, history_date=datetime.datetime(2019, 6, 1, tzinfo=datetime.UTC)
        )
        MigrationExecutor(connection).migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)

    figures = {(f.area_id, f.population, f.year): f.source for f in AreaPopulation.objects.all()}
    moved = "Entered on the area's admin form, without a source; the year is when it was entered"
    assert figures == {
        (entered.pk, 5_000, 2019): moved,
        (undated.pk, 7_000, timezone.now().year): moved,
        (sourced.pk, 300_000, 2021): "ONS Census 2021",  # the sourced figure stands; the typed one goes
    }
    assert not AreaPopulation.objects.filter(area=empty).exists()
    columns = {c.name for c in connection.introspection.get_table_description(connection.cursor(), "governance_area")}
    assert "population" not in columns
