"""The tree rules hold in the database itself: writes that skip clean() still fail with IntegrityError."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from governance.models import Area, AreaCode, Level, Organisation

from .factories import (
    AreaCodeFactory,
    AreaFactory,
    LevelFactory,
    OrganisationFactory,
    area_under,
    system_with_levels,
    top_area,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_levels():
    system, levels = system_with_levels(3)
    top = top_area(system, name="Whole", slug="whole")
    middle = area_under(top, name="Middle", slug="middle")
    local = area_under(middle, name="Local", slug="local")
    return system, levels, top, middle, local


def refused(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_a_valid_tree_saves(three_levels):
    _system, _levels, top, middle, local = three_levels
    assert local.parent == middle
    assert middle.parent == top
    assert Area.objects.count() == 3


def test_parent_on_a_level_two_ranks_up_is_refused(three_levels):
    _system, _levels, top, _middle, local = three_levels
    refused(lambda: Area.objects.filter(pk=local.pk).update(parent=top))


def test_parent_on_the_same_level_is_refused(three_levels):
    _system, _levels, _top, middle, _local = three_levels
    sibling = area_under(middle.parent, name="Sibling", slug="sibling")
    refused(lambda: Area.objects.filter(pk=sibling.pk).update(parent=middle))


def test_a_cycle_is_refused(three_levels):
    _system, _levels, top, _middle, local = three_levels
    # The top area under its own grandchild would close a loop.
    refused(lambda: Area.objects.filter(pk=top.pk).update(parent=local))


def test_own_parent_is_refused(three_levels):
    *_, middle, _local = three_levels
    refused(lambda: Area.objects.filter(pk=middle.pk).update(parent=middle))


def test_parent_in_another_system_is_refused(three_levels):
    _system, levels, _top, _middle, _local = three_levels
    other, _ = system_with_levels(3)
    other_top = top_area(other)
    refused(lambda: Area.objects.create(system=levels[1].system, level=levels[1], parent=other_top, name="X", slug="x"))


def test_level_of_another_system_is_refused(three_levels):
    system, _levels, top, _middle, _local = three_levels
    _other, other_levels = system_with_levels(3)
    refused(lambda: Area.objects.create(system=system, level=other_levels[1], parent=top, name="X", slug="x"))
    refused(lambda: Area.objects.filter(pk=top.pk).update(level=other_levels[2]))


def test_lower_area_without_parent_is_refused(three_levels):
    system, levels, *_ = three_levels
    refused(lambda: Area.objects.create(system=system, level=levels[0], parent=None, name="Orphan", slug="orphan"))


def test_top_area_with_parent_is_refused(three_levels):
    system, _levels, top, *_ = three_levels
    second_top = top_area(system, name="Second", slug="second")
    refused(lambda: Area.objects.filter(pk=second_top.pk).update(parent=top))


def test_area_with_children_keeps_its_level(three_levels):
    _system, levels, _top, middle, _local = three_levels
    refused(lambda: Area.objects.filter(pk=middle.pk).update(level=levels[0], parent=None))


def test_level_with_areas_keeps_its_rank(three_levels):
    _system, levels, *_ = three_levels
    refused(lambda: Level.objects.filter(pk=levels[0].pk).update(rank=9))


def test_no_level_above_the_top_once_areas_exist(three_levels):
    system, *_ = three_levels
    refused(lambda: LevelFactory(system=system, rank=4, name="Above", slug="above"))


def test_levels_can_be_added_before_areas():
    system, _levels = system_with_levels(2)
    LevelFactory(system=system, rank=3, name="Above", slug="above")
    assert system.top_rank() == 3


def test_duplicate_codes_are_refused(three_levels):
    *_, middle, local = three_levels
    AreaCodeFactory(area=middle, scheme=AreaCode.Scheme.GSS, code="E09000003")
    refused(lambda: AreaCode.objects.create(area=local, scheme=AreaCode.Scheme.GSS, code="E09000003"))


def test_code_validity_must_not_end_before_it_starts(three_levels):
    import datetime

    *_, local = three_levels
    refused(
        lambda: AreaCode.objects.create(
            area=local,
            scheme="ods",
            code="U99999",
            valid_from=datetime.date(2025, 1, 1),
            valid_to=datetime.date(2024, 1, 1),
        )
    )


def test_duplicate_ods_codes_and_bad_format_are_refused():
    OrganisationFactory(ods_code="QMJ")
    refused(lambda: Organisation.objects.create(name="Again", kind="icb", ods_code="QMJ"))
    refused(lambda: Organisation.objects.create(name="Lower", kind="icb", ods_code="qmj"))
    # Several organisations without an ODS code are fine.
    OrganisationFactory(ods_code="")
    OrganisationFactory(ods_code="")


def test_clean_explains_the_same_rules(three_levels):
    system, levels, top, middle, local = three_levels
    wrong_parent = Area(system=system, level=levels[0], parent=top, name="Y", slug="y")
    with pytest.raises(ValidationError, match="level just above"):
        wrong_parent.clean()
    orphan = Area(system=system, level=levels[0], parent=None, name="Z", slug="z")
    with pytest.raises(ValidationError, match="belongs to"):
        orphan.clean()
    _other, other_levels = system_with_levels(2)
    foreign_level = Area(system=system, level=other_levels[0], parent=middle, name="W", slug="w")
    with pytest.raises(ValidationError, match="same system"):
        foreign_level.clean()
    local.clean()  # A correct area passes.


def test_single_level_system_areas_need_no_parent():
    area = AreaFactory()
    assert area.parent is None
    assert area.level.rank == area.system.top_rank() == 1


def test_triggers_exist_for_this_database():
    names = {"postgresql": "governance_area_check", "sqlite": "governance_area_check_insert"}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname = %s", [names["postgresql"]])
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name = %s", [names["sqlite"]])
        assert cursor.fetchone() is not None


@pytest.mark.parametrize("slug", ["search", "organisations", "history"])
def test_system_slugs_that_pages_use_are_refused(slug):
    from governance.models import System

    refused(lambda: System.objects.create(name=f"System {slug}", short_name="X", slug=slug))
    with pytest.raises(ValidationError, match="used by a page of the portal"):
        System(name=f"System {slug}", short_name="X", slug=slug).full_clean()
