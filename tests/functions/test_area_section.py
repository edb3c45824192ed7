"""The functions section on governance's area page (functions.selectors.functions_for_level)."""

from http import HTTPStatus

from django.db import connection
from django.test.utils import CaptureQueriesContext

from functions.models import Function, FunctionLink
from functions.selectors import functions_for_level
from governance.models import Area

from .factories import make_system


def _areas(system):
    levels = {level.slug: level for level in system.levels.all()}
    top = Area.objects.create(system=system, level=levels["ncl"], name=f"{system.name} area", slug=system.slug)
    return Area.objects.create(
        system=system, level=levels["borough-partnership"], parent=top, name="Barnet", slug="barnet"
    )


def test_area_page_lists_its_levels_functions(client, seeded):
    borough = _areas(seeded)
    response = client.get(f"/ics/ncl/{borough.slug}/")
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Functions of the Borough Partnership level" in page
    assert "Owns (18)" in page
    assert "Influenced by (16)" in page
    assert "Supports (17)" in page
    assert "Development of local vision and narrative for the borough partnership" in page


def test_functions_for_level_is_one_query(seeded, django_assert_num_queries):
    level = seeded.levels.get(slug="neighbourhood")
    with django_assert_num_queries(1):
        found = functions_for_level(level=level)
        owners = {f.owner.name for f in found.supports}
    assert len(found.owns) == 2
    assert len(found.supports) == 16
    assert owners == {"Borough Partnership"}
    assert found.influenced_by == []


def test_area_page_query_count_does_not_grow_with_functions(client, db):
    counts = []
    for slug, n in (("ncl", 3), ("big", 300)):
        system = make_system(slug, f"System {slug}")
        borough = _areas(system)
        levels = {level.slug: level for level in system.levels.all()}
        functions = Function.objects.bulk_create(
            Function(system=system, title=f"F{i}", owner=levels["borough-partnership"], status="agreed")
            for i in range(n)
        )
        FunctionLink.objects.bulk_create(
            FunctionLink(function=f, kind="supports", level=levels["neighbourhood"]) for f in functions
        )
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/ics/{slug}/{borough.slug}/")
        assert f"Owns ({n})" in response.content.decode()
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
