"""Consultations where you live (issue 13): the list's area choice, the area pages' consultations and the level
labels, on the real NCL and NEL structure (governance.demo)."""

import io
import re
from http import HTTPStatus
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from engagement.selectors.consultations import consultation_listing, consultations_for_area_page
from governance import demo
from governance.models import Area, Level
from tests.engagement.factories import ConsultationFactory
from tests.html import parse
from tests.names import repeated_names

pytestmark = pytest.mark.django_db


@pytest.fixture
def structure(db: Any) -> dict[str, Area]:
    demo.load(now=timezone.now(), out=io.StringIO())
    areas = Area.objects.select_related("level", "system")
    return {
        a.slug: a
        for a in areas.filter(
            slug__in=[
                "ncl",
                "camden",
                "camden-neighbourhood-1",
                "islington",
                "islington-neighbourhood-1",
                "nel",
                "city-and-hackney",
                "hackney",
            ]
        )
    }


@pytest.fixture
def consultations(structure: dict[str, Area]) -> dict[str, Any]:
    make = ConsultationFactory
    return {
        "ncl_open": make(title="NCL-wide open", owner_area=structure["ncl"]),
        "ncl_soon": make(title="NCL-wide forthcoming", owner_area=structure["ncl"], forthcoming=True),
        "ncl_closed": make(title="NCL-wide closed", owner_area=structure["ncl"], closed=True),
        "camden": make(title="Camden borough", owner_area=structure["camden"]),
        "camden_hood": make(title="Camden neighbourhood", owner_area=structure["camden-neighbourhood-1"]),
        "islington": make(title="Islington borough", owner_area=structure["islington"]),
        "islington_hood": make(title="Islington neighbourhood", owner_area=structure["islington-neighbourhood-1"]),
        "nel": make(title="NEL-wide", owner_area=structure["nel"]),
        "draft": make(title="Camden draft", owner_area=structure["camden"], draft=True),
    }


def _titles(html: str) -> list[str]:
    return re.findall(r'class="nhsuk-card__link" href="[^"]+">([^<]+)</a>', html)


def test_camden_sees_ncl_wide_and_its_own_and_its_neighbourhoods_not_islingtons(structure, consultations) -> None:
    now = timezone.now()
    found = {c.title for c in consultation_listing(now=now, area=structure["camden"])}
    assert found == {
        "NCL-wide open",
        "NCL-wide forthcoming",
        "NCL-wide closed",
        "Camden borough",
        "Camden neighbourhood",
    }
    # A Camden neighbourhood sees the borough and NCL above it, not its sibling boroughs' neighbourhoods.
    found = {c.title for c in consultation_listing(now=now, area=structure["camden-neighbourhood-1"])}
    assert found == {
        "NCL-wide open",
        "NCL-wide forthcoming",
        "NCL-wide closed",
        "Camden borough",
        "Camden neighbourhood",
    }
    # NCL itself sees everything below it, and nothing of NEL.
    found = {c.title for c in consultation_listing(now=now, area=structure["ncl"])}
    assert "Islington neighbourhood" in found
    assert "NEL-wide" not in found
    assert "Camden draft" not in found
    found = {c.title for c in consultation_listing(now=now, area=structure["camden"], status="forthcoming")}
    assert found == {"NCL-wide forthcoming"}


def test_aimed_at_an_area_counts_for_it_and_the_areas_below(structure, consultations) -> None:
    elsewhere = ConsultationFactory(title="NEL, aimed at Camden", owner_area=structure["nel"])
    elsewhere.target_areas.add(structure["camden"])
    now = timezone.now()
    assert elsewhere in consultation_listing(now=now, area=structure["camden-neighbourhood-1"])
    assert elsewhere not in consultation_listing(now=now, area=structure["islington"])


def test_list_page_labels_each_with_the_level_that_runs_it(client, structure, consultations) -> None:
    response = client.get(reverse("engagement:consultation_list"), {"area": structure["camden"].pk})
    assert response.status_code == HTTPStatus.OK
    doc = parse(response.content.decode())
    run_by = [el.text for el in doc.find_all("p") if "data-run-by" in el.attrs]
    assert "Run by North Central London (NCL-wide)" in " ".join(run_by)
    assert "Run by Camden (Borough Partnership, NCL)" in " ".join(run_by)
    # The name already says "neighbourhood", so the level is not said twice.
    assert "Run by Camden neighbourhood 1 (placeholder) (NCL)" in " ".join(run_by)
    assert "Islington borough" not in _titles(response.content.decode())
    assert "Consultations run by Camden (Borough Partnership, NCL), by the areas above it" in doc.text


def test_every_area_is_a_choice_grouped_by_level(client, structure, consultations) -> None:
    doc = parse(client.get(reverse("engagement:consultation_list")).content.decode())
    select = doc.one("select", id="filter-area")
    groups = {g.attrs["label"]: [o.text for o in g.find_all("option")] for g in select.find_all("optgroup")}
    # Hackney has no consultation and is still there; every level of both systems is a group.
    # An option says its level too: a closed <select> shows only the chosen option, not its group.
    assert groups["North East London: Place-based system"][:3] == [
        "Barking and Dagenham (Place-based system)",
        "City of London (Place-based system)",
        "Hackney (Place-based system)",
    ]
    boroughs = ["Barnet", "Camden", "Enfield", "Haringey", "Islington"]
    assert groups["North Central London: Borough Partnership"] == [f"{b} (Borough Partnership)" for b in boroughs]
    assert groups["North Central London: NCL-wide"] == ["North Central London (NCL-wide)"]
    assert groups["North East London: Local system"][1] == "City and Hackney (Local system)"
    assert list(groups)[:3] == [
        "North Central London: NCL-wide",
        "North Central London: Borough Partnership",
        "North Central London: Neighbourhood",
    ]
    assert Area.objects.count() == sum(len(v) for v in groups.values())
    assert repeated_names(breadcrumbs=[], labels=[*groups, *(o for v in groups.values() for o in v)]) == []


def test_the_list_query_count_does_not_grow_with_consultations_or_areas(client, structure) -> None:
    url = reverse("engagement:consultation_list")
    camden = structure["camden"]

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"area": camden.pk}).status_code == HTTPStatus.OK
        return len(ctx.captured_queries)

    ConsultationFactory(owner_area=structure["ncl"])
    small = count()
    for n in range(12):
        c = ConsultationFactory(owner_area=[structure["ncl"], camden, structure["camden-neighbourhood-1"]][n % 3])
        c.target_areas.add(camden)
    for n in range(20):
        Area.objects.create(
            system=camden.system,
            level=structure["camden-neighbourhood-1"].level,
            parent=camden,
            name=f"Extra neighbourhood {n}",
            slug=f"extra-{n}",
        )
    assert count() == small


@pytest.mark.parametrize("value", ["999999", "abc", "1; drop table", "-1", "1" * 50])
def test_an_unknown_area_says_so_and_changes_nothing(client, structure, consultations, value) -> None:
    response = client.get(reverse("engagement:consultation_list"), {"area": value})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = response.content.decode()
    assert "We could not find that area. Choose where you live from the list." in body
    assert 'href="#filter-area"' in body  # the error summary points at the choice
    assert "Islington borough" in _titles(body)  # everything listed, nothing filtered wrongly


def test_area_page_lists_open_and_forthcoming_of_the_area_and_above(client, structure, consultations) -> None:
    response = client.get(reverse("governance:area_detail", args=["ncl", "camden"]))
    assert response.status_code == HTTPStatus.OK
    doc = parse(response.content.decode())
    open_items = [li.text for li in doc.one("ul", **{"data-group": "open"}).find_all("li")]
    soon_items = [li.text for li in doc.one("ul", **{"data-group": "forthcoming"}).find_all("li")]
    assert sorted(t.split(" Open:")[0] for t in open_items) == ["Camden borough", "NCL-wide open"]
    assert any("Run by North Central London (NCL-wide)" in t for t in open_items)
    assert any("Run by Camden (Borough Partnership)" in t for t in open_items)
    assert [t.split(" Forthcoming:")[0] for t in soon_items] == ["NCL-wide forthcoming"]
    # Closed ones, sibling boroughs' and the neighbourhoods' below are not on the page.
    section = doc.one("h2", id="consultations").text  # the heading is there
    assert section == "Consultations"
    linked = {
        a.text
        for a in doc.find_all("a")
        if re.fullmatch(r"/consultations/[-\w]+/", a.attrs.get("href", ""))
        and a.attrs["href"] != "/consultations/feed/"
    }
    assert linked == {"Camden borough", "NCL-wide open", "NCL-wide forthcoming"}
    link = doc.one("a", href=f"/consultations/?area={structure['camden'].pk}")
    assert "All consultations for Camden" in link.text


def test_area_page_consultations_cost_one_query_however_many(structure, consultations) -> None:
    now = timezone.now()
    camden, ncl = structure["camden"], structure["ncl"]

    def run() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            found = consultations_for_area_page(area_ids=[camden.pk, ncl.pk], now=now)
        return len(ctx.captured_queries), len(found.open) + len(found.forthcoming)

    small, shown = run()
    for _ in range(15):
        ConsultationFactory(owner_area=camden)
    big, more = run()
    assert small == big == 1
    assert more == shown + 15


def test_an_area_without_consultations_says_so(client, structure) -> None:
    body = client.get(reverse("governance:area_detail", args=["nel", "hackney"])).content.decode()
    assert "There are no open or forthcoming consultations for Hackney or the areas it is part of." in body


def test_level_names_are_singular_where_they_label_one_area(structure) -> None:
    singular = {(lv.system.slug, lv.slug): lv.singular for lv in Level.objects.select_related("system")}
    assert singular == {
        ("ncl", "neighbourhood"): "Neighbourhood",
        ("ncl", "borough-partnership"): "Borough Partnership",
        ("ncl", "ncl"): "NCL-wide",
        ("nel", "networks"): "Network",
        ("nel", "place-based-systems"): "Place-based system",
        ("nel", "local-systems"): "Local system",
        ("nel", "integrated-care-system"): "Integrated Care System",
    }
    assert structure["camden"].label == "Camden (Borough Partnership)"
    assert structure["city-and-hackney"].label == "City and Hackney (Local system)"
    assert structure["ncl"].label_in_system == "North Central London (NCL-wide)"  # not "(NCL, NCL)"
    assert structure["camden"].label_in_system == "Camden (Borough Partnership, NCL)"
    assert structure["nel"].label_in_system == "North East London (Integrated Care System)"


def test_a_level_without_a_singular_name_uses_its_name_and_no_label_repeats_the_level(structure) -> None:
    level = structure["camden"].level
    level.singular_name = ""
    assert level.singular == "Borough Partnership"
    named = Area(name="Camden Borough Partnership", level=level, system=structure["camden"].system)
    assert named.label == "Camden Borough Partnership"


@pytest.mark.parametrize(
    "path",
    [
        "/ics/ncl/",
        "/ics/ncl/ncl/",
        "/ics/ncl/camden/",
        "/ics/nel/",
        "/ics/nel/nel/",
        "/ics/nel/city-and-hackney/",
        "/ics/nel/hackney/",
        "/ics/search/?q=london",
        "/consultations/",
    ],
)
def test_no_page_repeats_a_name_in_breadcrumbs_or_headings(client, structure, consultations, path) -> None:
    response = client.get(path)
    assert response.status_code == HTTPStatus.OK
    doc = parse(response.content.decode())
    crumbs = [li.text for li in doc.find_all("li", class_="nhsuk-breadcrumb__list-item")]
    labels = [el.text for tag in ("h1", "h2", "h3", "option") for el in doc.find_all(tag)]
    assert repeated_names(breadcrumbs=crumbs, labels=labels) == []


def test_consultation_page_breadcrumb_names_consultations_once(client, consultations) -> None:
    c = consultations["ncl_open"]
    doc = parse(client.get(reverse("engagement:consultation_detail", args=[c.slug])).content.decode())
    crumbs = [li.text for li in doc.find_all("li", class_="nhsuk-breadcrumb__list-item")]
    assert crumbs == ["Home", "Consultations"]
