"""Who we have not heard from: responses per 10,000 residents, the areas furthest below the system's rate, the
summary's filters, age bands with the equality tables' suppression, and a query count that does not grow."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.models import AreaPopulation
from reporting.selectors import ReportFilters, population_reach
from tests.engagement.factories import AreaFactory

from .factories import equality, sent

pytestmark = pytest.mark.django_db
SOURCE = "ONS Census 2021, table P01"


@pytest.fixture
def reach_scene(boroughs):  # type: ignore[no-untyped-def]
    b = boroughs
    b.islington = AreaFactory(parent=b.ics, level=b.barnet.level, name="Islington", slug="islington")
    b.east_barnet = AreaFactory(parent=b.barnet, name="East Barnet PCN", slug="east-barnet")
    for area, people in ((b.barnet, 20_000), (b.camden, 10_000), (b.islington, 40_000)):
        AreaPopulation.objects.create(area=area, population=people, source=SOURCE, year=2021)
    AreaPopulation.objects.create(area=b.barnet, population=1, source="Census 2011", year=2011)  # older: ignored
    AreaPopulation.objects.create(area=b.ics, population=9_999_999, source=SOURCE, year=2021)  # a wider level
    c = b.ics_c
    sent(c, area=b.barnet)
    for _ in range(2):
        sent(c, area=b.east_barnet)  # within Barnet
    for _ in range(7):
        sent(c, area=b.camden)
    sent(c, area=b.camden, respondent_type="organisation")
    for _ in range(2):
        sent(c, area=b.islington)
    sent(c, area=None)  # no area: in no row
    sent(c, area=b.ics)  # the whole system: in no borough's row
    return b


def rows(reach) -> dict[str, tuple[int | None, float | None]]:  # type: ignore[no-untyped-def]
    return {r.label: (r.responses, r.per_10k) for r in reach.rows}


def test_per_10k_and_the_areas_furthest_below_the_rate(reach_scene) -> None:  # type: ignore[no-untyped-def]
    reach = population_reach(consultation=reach_scene.ics_c, filters=ReportFilters())
    # Barnet counts its neighbourhood's responses; the most local level with figures is used, not the ICS.
    assert rows(reach) == {"Barnet": (3, 1.5), "Camden": (8, 8.0), "Islington": (2, 0.5)}
    assert reach.rate == 1.9  # 13 responses from 70,000 residents
    assert [r.label for r in reach.below] == ["Islington", "Barnet"]
    assert reach.rows[0].source == SOURCE


def test_the_figures_follow_the_summary_filters(reach_scene) -> None:  # type: ignore[no-untyped-def]
    b = reach_scene
    organisations = population_reach(consultation=b.ics_c, filters=ReportFilters(respondent_type="organisation"))
    assert rows(organisations) == {"Barnet": (0, 0.0), "Camden": (1, 1.0), "Islington": (0, 0.0)}
    assert [r.label for r in organisations.below] == ["Barnet", "Islington"]
    barnet_only = population_reach(consultation=b.ics_c, filters=ReportFilters(area=b.barnet))
    assert rows(barnet_only) == {"Barnet": (3, 1.5)}
    assert barnet_only.below == []


def test_age_bands_use_the_equality_tables_suppression(reach_scene) -> None:  # type: ignore[no-untyped-def]
    b = reach_scene
    for area in (b.barnet, b.camden, b.islington):
        AreaPopulation.objects.create(area=area, age_band="16_24", population=1_000, source=SOURCE, year=2021)
        AreaPopulation.objects.create(area=area, age_band="25_34", population=2_000, source=SOURCE, year=2021)
    equality(b.ics_c, 3, age_band="16_24")
    equality(b.ics_c, 9, age_band="25_34")
    equality(b.ics_c, 6, age_band="45_54")
    reach = population_reach(consultation=b.ics_c, filters=ReportFilters())
    ages = {r.label: (r.shown, r.per_10k) for r in reach.age_rows}
    # 3 is "fewer than 5"; with the total shown, the next smallest (6, in 45 to 54) is hidden too, not 9.
    assert ages == {"16 to 24": ("fewer than 5", None), "25 to 34": ("9", 15.0)}


def test_no_population_figures_say_how_to_add_them(client, boroughs, pmo_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(pmo_user)
    body = client.get(reverse("reporting:summary", args=[boroughs.ics_c.slug])).content.decode()
    assert "No population figures are recorded" in body
    assert "manage.py import_population" in body


def test_the_summary_page_shows_the_section(client, reach_scene, pmo_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(pmo_user)
    body = client.get(reverse("reporting:summary", args=[reach_scene.ics_c.slug])).content.decode()
    assert "1.9 per 10,000 residents" in re.sub(r"\s+", " ", body)
    below = re.search(r'<ul id="reach-below">(.*?)</ul>', body, re.S)
    assert below
    assert below.group(1).index("Islington") < below.group(1).index("Barnet")
    assert "Islington: 0.5 per 10,000 (2 responses from 40,000 residents)" in below.group(1)


def test_the_query_count_does_not_grow_with_areas_or_responses(client, boroughs, pmo_user) -> None:  # type: ignore[no-untyped-def]
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            population_reach(consultation=boroughs.ics_c, filters=ReportFilters())
        return len(captured)

    AreaPopulation.objects.create(area=boroughs.barnet, population=1_000, source=SOURCE, year=2021)
    sent(boroughs.ics_c, area=boroughs.barnet)
    small = queries()
    for n in range(12):
        area = AreaFactory(parent=boroughs.ics, level=boroughs.barnet.level, name=f"Borough {n}", slug=f"b-{n}")
        AreaPopulation.objects.create(area=area, population=1_000 + n, source=SOURCE, year=2021)
        for _ in range(3):
            sent(boroughs.ics_c, area=area)
    assert queries() == small


def test_an_area_is_below_the_rate_even_when_the_rate_rounds_to_nothing(boroughs) -> None:  # type: ignore[no-untyped-def]
    """1 response from 2.03 million residents shows as 0.0 per 10,000: the areas that sent none are still below it."""
    b = boroughs
    for area, people in ((b.barnet, 1_000_000), (b.camden, 1_030_000)):
        AreaPopulation.objects.create(area=area, population=people, source=SOURCE, year=2021)
    sent(b.ics_c, area=b.barnet)
    reach = population_reach(consultation=b.ics_c, filters=ReportFilters())
    assert reach.rate == 0.0
    assert rows(reach) == {"Barnet": (1, 0.0), "Camden": (0, 0.0)}
    assert [r.label for r in reach.below] == ["Camden"]


def test_only_the_areas_the_consultation_is_for_are_measured(reach_scene) -> None:  # type: ignore[no-untyped-def]
    """A consultation owned by Barnet is measured against Barnet's residents, not the other boroughs'; one with
    target areas, against those."""
    b = reach_scene
    AreaPopulation.objects.create(area=b.east_barnet, population=5_000, source=SOURCE, year=2021)
    sent(b.barnet_c, area=b.east_barnet)
    barnet = population_reach(consultation=b.barnet_c, filters=ReportFilters())
    assert rows(barnet) == {"East Barnet PCN": (1, 2.0)}, "Barnet's own most local level with figures"
    b.ics_c.target_areas.set([b.camden, b.islington])
    targeted = population_reach(consultation=b.ics_c, filters=ReportFilters())
    assert rows(targeted) == {"Camden": (8, 8.0), "Islington": (2, 0.5)}
    assert [r.label for r in targeted.below] == ["Islington"]
