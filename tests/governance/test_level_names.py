"""The data migration that names one area of each level fills the seeds' NCL and NEL levels and leaves others."""

import importlib
import pathlib

import pytest
from django.apps import apps

from governance.models import Level
from tests.governance.factories import LevelFactory, SystemFactory

pytestmark = pytest.mark.django_db

# Found by name, not number: migrations are renumbered when branches merge.
_file = next(pathlib.Path(__file__).parents[2].glob("governance/migrations/*_level_singular_name.py"))
migration = importlib.import_module(f"governance.migrations.{_file.stem}")


def test_fills_the_seed_levels_singular_names_and_leaves_other_systems_alone() -> None:
    nel = SystemFactory(slug="nel", name="North East London", short_name="NEL")
    networks = LevelFactory(system=nel, slug="networks", name="Networks", rank=1)
    ics = LevelFactory(system=nel, slug="integrated-care-system", name="Integrated Care System", rank=2)
    other = LevelFactory(system=SystemFactory(slug="elsewhere"), slug="networks", name="Networks", rank=1)
    named = LevelFactory(system=SystemFactory(slug="ncl"), slug="ncl", name="NCL", rank=1, singular_name="Kept")

    migration.fill(apps, None)

    assert Level.objects.get(pk=networks.pk).singular == "Network"
    assert Level.objects.get(pk=ics.pk).singular == "Integrated Care System"
    assert Level.objects.get(pk=other.pk).singular_name == ""  # not a seed system: its name stands
    assert Level.objects.get(pk=other.pk).singular == "Networks"
    assert Level.objects.get(pk=named.pk).singular_name == "Kept"  # a name someone gave is not overwritten
