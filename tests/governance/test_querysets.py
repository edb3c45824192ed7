"""The two walks of the area tree (`Area.objects.ancestors_of` / `descendants_of`): right on NEL (four levels) and
NCL (three), and a deeper tree or more areas costs no more queries than a shallow or small one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import Area, Level

pytestmark = pytest.mark.django_db


@pytest.fixture
def structure(demo_structure):  # type: ignore[no-untyped-def]
    """The demo's NCL and NEL, with two NEL networks under Hackney (the demo loads none) so NEL has four levels."""
    hackney = Area.objects.get(system__slug="nel", slug="hackney")
    networks = Level.objects.get(system__slug="nel", rank=1)
    for n in (1, 2):
        Area.objects.create(
            system=hackney.system, level=networks, parent=hackney, name=f"Hackney network {n}", slug=f"hackney-{n}"
        )
    return {a.slug: a for a in Area.objects.filter(system__slug__in=["nel", "ncl"], slug__in=_SLUGS)}


_SLUGS = [
    "nel",
    "city-and-hackney",
    "hackney",
    "hackney-1",
    "hackney-2",
    "wel",
    "ncl",
    "camden",
    "camden-neighbourhood-1",
]


def _slugs(qs) -> set[str]:  # type: ignore[no-untyped-def]
    return set(qs.values_list("slug", flat=True))


def _queries(run) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        run()
    return len(ctx.captured_queries)


def test_ancestors_on_four_and_three_levels(structure) -> None:  # type: ignore[no-untyped-def]
    network, neighbourhood = structure["hackney-1"], structure["camden-neighbourhood-1"]
    assert _slugs(Area.objects.ancestors_of([network.pk])) == {"hackney", "city-and-hackney", "nel"}
    assert _slugs(Area.objects.ancestors_of([neighbourhood.pk])) == {"camden", "ncl"}
    assert _slugs(Area.objects.ancestors_of([network.pk], include_self=True)) == {
        "hackney-1",
        "hackney",
        "city-and-hackney",
        "nel",
    }
    # Several at once, across systems; the top has none.
    both = Area.objects.ancestors_of([network.pk, neighbourhood.pk, structure["wel"].pk])
    assert _slugs(both) == {"hackney", "city-and-hackney", "nel", "camden", "ncl"}
    assert not Area.objects.ancestors_of([structure["nel"].pk]).exists()
    assert not Area.objects.ancestors_of([]).exists()


def test_descendants_on_four_and_three_levels(structure) -> None:  # type: ignore[no-untyped-def]
    nel, ncl = structure["nel"], structure["ncl"]
    assert _slugs(Area.objects.descendants_of([nel.pk])) == set(
        Area.objects.filter(system__slug="nel").exclude(pk=nel.pk).values_list("slug", flat=True)
    )
    assert {"hackney-1", "hackney-2", "wel", "hackney"} <= _slugs(Area.objects.descendants_of([nel.pk]))
    assert _slugs(Area.objects.descendants_of([structure["city-and-hackney"].pk])) == {
        "city-of-london",
        "hackney",
        "hackney-1",
        "hackney-2",
    }
    camden = Area.objects.descendants_of([structure["camden"].pk], include_self=True)
    assert _slugs(camden) == {"camden"} | {f"camden-neighbourhood-{n}" for n in range(1, 8)}
    assert Area.objects.descendants_of([ncl.pk]).count() == Area.objects.filter(system__slug="ncl").count() - 1
    assert not Area.objects.descendants_of([structure["hackney-2"].pk]).exists()


def test_walks_cost_the_same_queries_on_a_deep_tree_as_on_a_shallow_one(structure) -> None:  # type: ignore[no-untyped-def]
    # Up from the most local level: three steps in NEL, two in NCL, none from a top.
    deep = _queries(lambda: list(Area.objects.ancestors_of([structure["hackney-1"].pk])))
    shallow = _queries(lambda: list(Area.objects.ancestors_of([structure["camden-neighbourhood-1"].pk])))
    top = _queries(lambda: list(Area.objects.ancestors_of([structure["ncl"].pk])))
    assert deep == shallow == 2
    assert top <= deep  # nothing above: Django knows the answer is empty without asking
    # Down from the top: three levels in NEL, two in NCL, one under a borough; many areas or few.
    deep = _queries(lambda: list(Area.objects.descendants_of([structure["nel"].pk])))
    shallow = _queries(lambda: list(Area.objects.descendants_of([structure["ncl"].pk])))
    few = _queries(lambda: list(Area.objects.descendants_of([structure["city-and-hackney"].pk])))
    assert deep == shallow == few == 2
    # A caller that knows how many levels there are (from the system's levels) saves the query reading the ranks.
    assert _queries(lambda: list(Area.objects.ancestors_of([structure["hackney-1"].pk], steps=3))) == 1


def test_area_page_trail_costs_the_same_on_four_levels_as_on_three(client, structure) -> None:  # type: ignore[no-untyped-def]
    def page(url: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    page("/ics/ncl/camden/")  # warm per-process caches
    deep, network = page("/ics/nel/hackney-1/")
    shallow, neighbourhood = page("/ics/ncl/camden-neighbourhood-1/")
    assert deep == shallow
    # The breadcrumb trail runs from the top down.
    crumb = 'class="nhsuk-breadcrumb__link" href="/ics/{}/"'.format
    # The top area is the system, whose crumb ("/ics/nel/") stands for both: its name is said once.
    assert (
        network.index(crumb("nel")) < network.index(crumb("nel/city-and-hackney")) < network.index(crumb("nel/hackney"))
    )
    assert crumb("nel/nel") not in network
    assert neighbourhood.index(crumb("ncl")) < neighbourhood.index(crumb("ncl/camden"))
    assert crumb("nel/hackney-1") not in network  # the area itself is the page, not a crumb
