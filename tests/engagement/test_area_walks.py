"""The consultation listing's area filter (down the tree) and its list of areas to filter by (up the tree) cost the
same queries on four levels as on two, and find consultations however deep their owner sits."""

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


def test_filter_areas_are_the_owners_and_their_ancestors_at_the_same_cost_however_deep() -> None:
    def cost_and_areas(ranks: int) -> tuple[int, set[int], set[int]]:
        chain = area_tree(slug=f"chain{ranks}", ranks=ranks)
        consultation = ConsultationFactory(owner_area=chain[-1])
        with CaptureQueriesContext(connection) as ctx:
            areas = listing_filter_areas()
        consultation.delete()
        return len(ctx.captured_queries), {a.pk for a in areas}, {a.pk for a in chain}

    deep_cost, deep_found, deep_chain = cost_and_areas(4)
    shallow_cost, shallow_found, shallow_chain = cost_and_areas(2)
    assert deep_found == deep_chain  # the owner at the bottom and every area above it
    assert shallow_found == shallow_chain
    assert deep_cost == shallow_cost
