"""Upserts save only real changes (so re-runs leave no history), and say what changed."""

import pytest

from governance import services
from governance.models import Area
from governance.services import Change

from .factories import AreaFactory, area_under, system_with_levels, top_area

pytestmark = pytest.mark.django_db


def test_area_upsert_creates_then_reports_unchanged_without_new_history():
    system, levels = system_with_levels(1)
    first = services.area_upsert(system=system, level=levels[0], slug="one", name="One", parent=None)
    assert first.change is Change.CREATED
    history = Area.history.count()
    again = services.area_upsert(system=system, level=levels[0], slug="one", name="One", parent=None)
    assert again.change is Change.UNCHANGED
    assert Area.history.count() == history


def test_area_update_lists_the_changed_fields():
    system, _levels = system_with_levels(2)
    top = top_area(system)
    other_top = top_area(system)
    area = area_under(top, name="Before")
    outcome = services.area_update(area=area, name="After", parent=other_top)
    assert outcome.change is Change.UPDATED
    assert set(outcome.fields) == {"name", "parent"}
    assert "'Before' → 'After'" in outcome.describe()
    area.refresh_from_db()
    assert (area.name, area.parent) == ("After", other_top)


def test_unique_area_slug_adds_a_number():
    system, levels = system_with_levels(1)
    AreaFactory(level=levels[0], slug="camden", name="Camden")
    AreaFactory(level=levels[0], slug="camden-2", name="Camden 2")
    assert services.unique_area_slug(system=system, name="Camden") == "camden-3"
    assert services.unique_area_slug(system=system, name="Islington") == "islington"


def test_only_placeholders_can_be_removed():
    real = AreaFactory(is_placeholder=False)
    with pytest.raises(ValueError, match="not a placeholder"):
        services.area_remove_placeholder(area=real)
    placeholder = AreaFactory(is_placeholder=True)
    assert services.area_remove_placeholder(area=placeholder).change is Change.REMOVED
    assert not Area.objects.filter(pk=placeholder.pk).exists()


def test_board_seat_keeps_its_place_when_the_name_changes():
    from governance.models import BoardMember

    from .factories import BoardFactory

    board = BoardFactory()
    first = services.board_member_ensure(board=board, person_name="Chair (to be confirmed)", role="chair")
    second = services.board_member_ensure(board=board, person_name="Chair (appointment pending)", role="chair")
    assert second.change is Change.UPDATED
    assert second.obj.pk == first.obj.pk
    assert BoardMember.objects.filter(board=board).count() == 1
