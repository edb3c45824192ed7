"""The consultation listing's area filter (up and down the tree) costs the same queries on four levels as on two and
finds consultations however deep their owner sits; its list of areas to filter by is every area, in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engagement.selectors.consultations import consultation_listing, listing_filter_areas
from tests.engagement.factories import ConsultationFactory, area_tree

pytestmark = pytest.mark.django_db


def _queries(run) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        run()
    return len(ctx.captured_queries)


def test_listing_by_area_finds_the_deepest_owner_at_the_same_cost_on_four_levels_as_on_two() -> None:
    deep, shallow = area_tree(slug="deep", ranks=4), area_tree(slug="shallow", ranks=2)
    in_deep = ConsultationFactory(owner_area=deep[-1], title="Deep")
    in_shallow = ConsultationFactory(owner_area=shallow[-1], title="Shallow")
    now = timezone.now()

    assert consultation_listing(now=now, area=deep[0]) == [in_deep]
    assert consultation_listing(now=now, area=shallow[0]) == [in_shallow]
    assert consultation_listing(now=now, area=deep[1]) == [in_deep]
    assert consultation_listing(now=now, area=deep[-1]) == [in_deep]
    assert _queries(lambda: consultation_listing(now=now, area=deep[0])) == _queries(
        lambda: consultation_listing(now=now, area=shallow[0])
    )


def test_filter_areas_are_every_area_grouped_by_level_in_one_query_however_many() -> None:
    """Residents pick where they live, so areas without consultations are listed too."""

    def cost_and_groups() -> tuple[int, list[tuple[str, list[int]]]]:
        with CaptureQueriesContext(connection) as ctx:
            found = listing_filter_areas()
        return len(ctx.captured_queries), [(g.label, [a.pk for a in g.areas]) for g in found.groups]

    chain = area_tree(slug="chain", ranks=4)  # no consultations at all
    small_cost, groups = cost_and_groups()
    assert groups == [(f"System chain: {a.level.name}", [a.pk]) for a in chain]  # top level first
    for n in range(5):
        area_tree(slug=f"more{n}", ranks=3)
    big_cost, groups = cost_and_groups()
    assert len(groups) == 4 + 5 * 3
    assert small_cost == big_cost == 1
