import csv
import html
import io
import re
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts import roles
from functions.models import Body, Function, FunctionLink, MatrixVersion
from tests.factories import UserFactory

from .factories import FunctionFactory, make_system

GRID = "/functions/"


ROW = re.compile(
    r'<tr class="nhsuk-table__row" role="row">\s*<th scope="row" class="nhsuk-table__header app-matrix__function" '
    r'role="rowheader"><a href="/functions/\d+/">(.*?)</a>(.*?)</tr>',
    re.S,
)
CELL = re.compile(r'<td class="nhsuk-table__cell[^"]*" role="cell">(.*?)</td>', re.S)
# A phone's card shows each column's name beside its value; it is hidden from screen readers (the header says it).
CARD_HEADING = re.compile(r'<span class="nhsuk-table__heading" aria-hidden="true">(.*?)</span>', re.S)
SEED_COLUMNS = ["Owned by", "Influenced by", "Supports", "Other key links to"]


def _rows(response, *, headings: bool = False) -> list[tuple[str, list[str]]]:
    """(title, [cell text, ...]) for each grid row, read from the HTML (Jinja2 gives tests no context); with
    `headings`, the cards' column names instead of the values."""
    rows = []
    for title, rest in ROW.findall(response.content.decode()):
        cells = []
        for cell in CELL.findall(rest):
            found = CARD_HEADING.findall(cell)
            text = " ".join(found) if headings else CARD_HEADING.sub("", cell)
            cells.append(html.unescape(" ".join(re.sub(r"<[^>]+>", " ", text).split())))
        rows.append((html.unescape(title), cells))
    return rows


def _titles(response) -> list[str]:
    return [title for title, _ in _rows(response)]


def test_default_view_is_the_seeds_table_worded_from_the_functions_side(client, seeded):
    response = client.get(GRID)
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert len(_rows(response)) == 37
    for column in ["Function", *SEED_COLUMNS]:
        assert f'role="columnheader">{column}</th>' in page
    cells = dict(_rows(response))["Engagement with residents on ensuring services meet local needs"]
    assert cells == ["Borough Partnership", "NCL Engagement Advisory Board", "Neighbourhood", "None"]
    # The owner is the answer to "who decides?": emphasised, and the first column after the function.
    assert '<td class="nhsuk-table__cell app-matrix__owner" role="cell"><span class="nhsuk-table__heading" ' in page
    assert "<strong>Borough Partnership</strong>" in page
    assert dict(_rows(response))["Single data platform"] == [
        "NCL",
        "Borough Partnership",
        "Borough Partnership",
        "Links to London wide work",
    ]
    # Several levels and bodies in one cell keep the file's order.
    function = Function.objects.get(title="Single data platform")
    body = Body.objects.create(system=seeded, name="A second body")
    FunctionLink.objects.create(function=function, kind="influenced_by", body=body, position=0)
    FunctionLink.objects.filter(function=function, kind="influenced_by", level__isnull=False).update(position=1)
    again = dict(_rows(client.get(GRID)))["Single data platform"]
    assert again[1] == "A second body, Borough Partnership"
    # Each phone card names every value's column.
    assert all(headings == SEED_COLUMNS for _, headings in _rows(response, headings=True))
    assert "portal-table-scroll" not in page  # no table that scrolls sideways


def test_by_level_view_has_one_voice_and_a_legend(client, seeded):
    response = client.get(GRID, {"view": "levels"})
    page = response.content.decode()
    assert len(_rows(response)) == 37
    for heading in ("Neighbourhood", "Borough Partnership", "NCL"):
        assert f'/functions/levels/ncl/{heading.lower().replace(" ", "-")}/">{heading}</a></th>' in page
    assert 'role="columnheader">Bodies and workstreams</th>' in page
    assert 'id="grid-legend">Each cell reads from the function\'s side' in page
    cells = dict(_rows(response))["Engagement with residents on ensuring services meet local needs"]
    assert cells == ["Supports", "Owned by", "No link", "Influenced by: NCL Engagement Advisory Board"]
    assert not any("Owns" in cell for _, row in _rows(response) for cell in row)
    assert all(
        h == ["Neighbourhood", "Borough Partnership", "NCL", "Bodies and workstreams"]
        for _, h in _rows(response, headings=True)
    )
    # The switch keeps the filters; the form keeps the view.
    filtered = client.get(GRID, {"view": "levels", "q": "discharge"}).content.decode()
    assert 'href="/functions/?q=discharge&amp;system=ncl">Show by function</a>' in filtered
    assert '<input type="hidden" name="view" value="levels">' in filtered
    assert (
        'href="/functions/?q=discharge&amp;system=ncl&amp;view=levels">Show by level</a>'
        in client.get(GRID, {"q": "discharge"}).content.decode()
    )


def test_filter_by_level_and_relationship(client, seeded):
    owns = client.get(GRID, {"level": "borough-partnership", "relationship": "owns"})
    assert len(_rows(owns)) == 18
    assert all(cells[0] == "Borough Partnership" for _, cells in _rows(owns))
    supports = client.get(GRID, {"level": "neighbourhood", "relationship": "supports"})
    assert len(_rows(supports)) == 16  # all Borough Partnership functions but two
    assert all("Neighbourhood" in cells[2].split(", ") for _, cells in _rows(supports))
    by_level = client.get(GRID, {"level": "neighbourhood", "relationship": "supports", "view": "levels"})
    assert all(cells[0] == "Supports" for _, cells in _rows(by_level))
    any_rel = client.get(GRID, {"level": "neighbourhood"})
    assert len(_rows(any_rel)) == 18  # owns 2 + supports 16
    assert "18 functions match the filters" in any_rel.content.decode()


def test_filter_by_relationship_category_and_body(client, seeded):
    body = Body.objects.get(name="NCL Engagement Advisory Board")
    by_body = client.get(GRID, {"body": body.pk})
    assert _titles(by_body) == ["Engagement with residents on ensuring services meet local needs"]
    Function.objects.filter(title="Single data platform").update(category="digital")
    digital = client.get(GRID, {"category": "digital"})
    assert _titles(digital) == ["Single data platform"]
    influenced = client.get(GRID, {"relationship": "influenced_by"})
    assert len(_rows(influenced)) == 37


def test_bad_filter_values_give_a_message_not_an_error(client, seeded):
    response = client.get(GRID, {"level": "nowhere", "body": "x' or 1=1", "category": "?"})
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Choose a level from the list" in page
    assert "Choose a body or workstream from the list" in page
    assert "<title>Error: " in page
    assert len(_rows(response)) == 37


def test_search_uses_full_text_search_on_postgresql(client, seeded):
    assert connection.vendor == "postgresql"
    # Stemming: "coordinating" finds "coordination" / "coordinate".
    response = client.get(GRID, {"q": "coordinating"})
    titles = _titles(response)
    assert "Social care - coordination and service development to best meet communities needs" in titles
    assert all("coordinat" in t.lower() for t in titles)
    assert _titles(client.get(GRID, {"q": "immunisation screening"})) == [
        "Assurance for improvement of NHSE commissioned immunisation and screening services"
    ]
    assert _titles(client.get(GRID, {"q": "zebra"})) == []
    assert "No functions match these filters" in client.get(GRID, {"q": "zebra"}).content.decode()


def test_search_falls_back_to_icontains_off_postgresql(seeded, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    titles = list(Function.objects.search("DATA PLATFORM").values_list("title", flat=True))
    assert titles == ["Single data platform"]


def test_filtered_view_is_a_shareable_link_for_downloads(client, seeded):
    response = client.get(GRID, {"level": "neighbourhood", "relationship": "owns"})
    assert (
        "/functions/download.csv?level=neighbourhood&amp;relationship=owns&amp;system=ncl" in response.content.decode()
    )
    data = client.get("/functions/download.csv", {"level": "neighbourhood", "relationship": "owns"})
    assert data["Content-Type"].startswith("text/csv")
    assert "attachment" in data["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(data.content.decode("utf-8-sig"))))
    assert rows[0] == ["Function", "Owned by", "Influenced by", "Supports", "Other key links to"]
    assert len(rows) == 3
    assert {row[1] for row in rows[1:]} == {"Neighbourhood"}


def test_xlsx_download_of_filtered_view(client, seeded):
    data = client.get("/functions/download.xlsx", {"level": "ncl", "relationship": "owns"})
    assert data.status_code == HTTPStatus.OK
    rows = list(load_workbook(io.BytesIO(data.content)).active.iter_rows(values_only=True))
    assert len(rows) == 18
    assert rows[1][1] == "NCL"
    assert client.get("/functions/download.pdf").status_code == HTTPStatus.NOT_FOUND


def test_system_selector_when_several_systems_have_functions(client, seeded, nel):
    FunctionFactory(system=nel, title="A NEL function")
    page = client.get(GRID).content.decode()
    assert '<select class="nhsuk-select nhsuk-u-width-full" id="id_system" name="system">' in page
    assert "North East London</option>" in page
    response = client.get(GRID, {"system": "nel", "view": "levels"})
    assert _titles(response) == ["A NEL function"]
    assert _rows(response)[0][1][:4] == ["Owned by", "No link", "No link", "No link"]
    assert "/functions/levels/nel/integrated-care-system/" in response.content.decode()


def test_empty_matrix_page(client, db):
    assert "No function matrix has been loaded yet" in client.get(GRID).content.decode()


def test_function_page(client, seeded):
    function = Function.objects.get(title="Single data platform")
    page = client.get(f"/functions/{function.pk}/").content.decode()
    assert "Single data platform</h1>" in page
    assert "Links to London wide work" in page
    assert "Created the function" in page  # the history table
    assert "Added influenced by: Borough Partnership" in page
    assert client.get("/functions/999999/").status_code == HTTPStatus.NOT_FOUND


def test_level_page_lists_owns_influenced_by_supports(client, seeded):
    page = client.get("/functions/levels/ncl/borough-partnership/").content.decode()
    assert "Owns (18)" in page
    assert "Influenced by (16)" in page  # Neighbourhood's two and 14 of NCL's 17
    assert "Supports (17)" in page  # every NCL function
    assert "Development of local vision and narrative for the borough partnership" in page
    assert client.get("/functions/levels/ncl/nowhere/").status_code == HTTPStatus.NOT_FOUND


def _make_functions(system, n):
    levels = list(system.levels.order_by("rank"))
    body = Body.objects.create(system=system, name=f"Body for {n}")
    functions = Function.objects.bulk_create(
        Function(system=system, title=f"Generated function {i}", owner=levels[i % 3], position=i, status="agreed")
        for i in range(n)
    )
    FunctionLink.objects.bulk_create(
        link
        for i, f in enumerate(functions)
        for link in (
            FunctionLink(function=f, kind="influenced_by", level=levels[(i + 1) % 3]),
            FunctionLink(function=f, kind="supports", body=body),
        )
    )


@pytest.mark.parametrize("params", [{}, {"level": "ncl", "q": "function"}])
def test_grid_query_count_is_constant_from_37_to_1000_functions(client, db, params):
    counts = []
    for n, slug in ((37, "ncl"), (1000, "big")):
        system = make_system(slug, f"System {slug}")
        _make_functions(system, n)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(GRID, {"system": slug, **params})
        assert response.status_code == HTTPStatus.OK
        assert len(_rows(response)) > 0
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 8


# --- Publishing versions: anonymous, resident, staff without the permission, staff with it ---


@pytest.fixture
def publisher(db):
    user = UserFactory(email="publisher@nhs.net", groups=[roles.STAFF])
    user.user_permissions.add(Permission.objects.get(codename="publish_matrixversion"))
    return user


def test_publish_permissions(client, seeded, resident, staff_user, publisher):
    url = "/functions/versions/ncl/publish/"
    response = client.post(url, {"name": "v1"})
    assert response.status_code == HTTPStatus.FOUND
    assert "login" in response["Location"]
    for user in (resident, staff_user):
        client.force_login(user)
        assert client.post(url, {"name": "v1"}).status_code == HTTPStatus.FORBIDDEN
        assert "Publish this version" not in client.get("/functions/versions/ncl/").content.decode()
    assert not MatrixVersion.objects.exists()
    # Permission without a staff role is not enough either.
    outsider = UserFactory(email="outsider@example.com")
    outsider.user_permissions.add(Permission.objects.get(codename="publish_matrixversion"))
    client.force_login(outsider)
    assert client.post(url, {"name": "v1"}).status_code == HTTPStatus.FORBIDDEN

    client.force_login(publisher)
    assert "Publish this version" in client.get("/functions/versions/ncl/").content.decode()
    response = client.post(url, {"name": "Agreed March"})
    assert response.status_code == HTTPStatus.FOUND
    version = MatrixVersion.objects.get()
    assert version.published_by == publisher
    assert len(version.data["functions"]) == 37
    assert "Agreed March" in client.get("/functions/versions/ncl/").content.decode()


def test_publish_needs_csrf(seeded, publisher):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(publisher)
    assert client.post("/functions/versions/ncl/publish/", {"name": "x"}).status_code == HTTPStatus.FORBIDDEN
    assert not MatrixVersion.objects.exists()


def test_publish_errors_are_plain_and_change_nothing(client, seeded, publisher):
    client.force_login(publisher)
    url = "/functions/versions/ncl/publish/"
    response = client.post(url, {"name": ""})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Enter a name for the version" in response.content.decode()
    client.post(url, {"name": "Same"})
    response = client.post(url, {"name": "same"})
    assert "already exists" in response.content.decode()
    assert MatrixVersion.objects.count() == 1
    assert client.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_staff_edit_in_the_admin_is_recorded_with_who_and_when(client, seeded, superuser):
    function = Function.objects.get(title="Single data platform")
    borough = seeded.levels.get(slug="borough-partnership")
    client.force_login(superuser)
    url = f"/admin/functions/function/{function.pk}/change/"
    assert client.get(url).status_code == HTTPStatus.OK
    response = client.post(
        url,
        {
            "system": seeded.pk,
            "title": function.title,
            "description": "One platform for the whole system.",
            "category": "digital",
            "status": "agreed",
            "owner": borough.pk,
            "position": function.position,
            "links-TOTAL_FORMS": "0",
            "links-INITIAL_FORMS": "0",
            "links-MIN_NUM_FORMS": "0",
            "links-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    latest = function.history.first()
    assert latest.history_user == superuser
    assert latest.owner_id == borough.pk
    page = client.get(f"/functions/{function.pk}/").content.decode()
    assert "Changed the function" in page
    assert superuser.email in page or superuser.full_name in page
    assert client.get(f"/admin/functions/function/{function.pk}/history/").status_code == HTTPStatus.OK


def test_grid_is_cached_until_the_matrix_changes(client, seeded):
    first = client.get(GRID, {"q": "platform"})
    assert _titles(first) == ["Single data platform"]
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(GRID, {"q": "platform"})
    assert len(ctx.captured_queries) == 1  # the revision only
    assert _titles(again) == ["Single data platform"]
    # A write that skips Django's signals still bumps the revision (a database trigger).
    Function.objects.filter(title="Single data platform").update(title="Single data platform for NCL")
    assert _titles(client.get(GRID, {"q": "platform"})) == ["Single data platform for NCL"]
    seeded.levels.filter(slug="ncl").update(name="North Central London")
    assert _rows(client.get(GRID, {"q": "platform"}))[0][1][0] == "North Central London"


def test_signed_in_user_sees_their_own_header_on_a_cached_grid(client, seeded, staff_user):
    assert "Sign in" in client.get(GRID).content.decode()
    client.force_login(staff_user)
    page = client.get(GRID).content.decode()
    assert "Your account" in page
    assert len(_rows(client.get(GRID))) == 37


def test_cached_grid_costs_no_query_while_the_revision_is_fresh(client, seeded, settings):
    settings.FUNCTIONS_REVISION_SECONDS = 60
    client.get(GRID)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(GRID)
    assert len(ctx.captured_queries) == 0
    assert len(_rows(response)) == 37


def test_demo_lets_the_programme_office_publish(client, seeded, pmo_user, staff_user):
    client.force_login(pmo_user)
    assert client.post("/functions/versions/ncl/publish/", {"name": "Demo"}).status_code == HTTPStatus.FOUND
    client.force_login(staff_user)
    assert client.post("/functions/versions/ncl/publish/", {"name": "Other"}).status_code == HTTPStatus.FORBIDDEN


# --- Filters that mean something, and downloads named after them ---


def _options(page: str, select_id: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select[^>]* id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None, select_id
    return [
        (v, " ".join(t.split())) for v, t in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select[1], re.S)
    ]


def test_only_categories_with_functions_are_offered(client, seeded):
    page = client.get(GRID).content.decode()
    assert 'id="id_category"' not in page  # every seed function is "Clinical and service": nothing to choose
    Function.objects.filter(title="Single data platform").update(category="digital")
    page = client.get(GRID).content.decode()
    # No function is in Finance, Estates or Workforce yet: not offered.
    assert _options(page, "id_category") == [
        ("", "Any category"),
        ("service", "Clinical and service"),
        ("digital", "Digital"),
    ]
    refused = client.get(GRID, {"category": "finance"}).content.decode()
    assert "Choose a category from the list" in refused


def test_owned_by_without_a_level_asks_for_a_level(client, seeded):
    response = client.get(GRID, {"relationship": "owns"})
    page = response.content.decode()
    assert "Choose a level to see the functions it owns" in page
    assert "<title>Error: " in page
    assert len(_rows(response)) == 37  # nothing is filtered by a filter that was refused
    assert _options(page, "id_relationship")[1:] == [
        ("owns", "Owned by the level"),
        ("influenced_by", "Influenced by the level"),
        ("supports", "Supports the level"),
    ]
    assert len(_rows(client.get(GRID, {"relationship": "owns", "level": "ncl"}))) == 17


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({}, "function-matrix-ncl-2026-12-01"),
        (
            {"level": "borough-partnership", "relationship": "owns"},
            "function-matrix-ncl-owned-by-borough-partnership-2026-12-01",
        ),
        ({"q": "Hospital discharge!"}, "function-matrix-ncl-search-hospital-discharge-2026-12-01"),
        ({"body": "BODY", "level": "nowhere"}, "function-matrix-ncl-ncl-engagement-advisory-board-2026-12-01"),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_downloads_of_a_filtered_view_carry_the_filter_in_their_name(client, seeded, params, name, fmt, monkeypatch):
    import datetime

    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 12, 1))
    if params.get("body") == "BODY":
        params = {**params, "body": str(Body.objects.get(name="NCL Engagement Advisory Board").pk)}
    response = client.get(f"/functions/download.{fmt}", params)
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Disposition"] == f'attachment; filename="{name}.{fmt}"'


def test_a_relationship_with_a_body_means_a_link_of_that_kind_to_that_body(client, seeded):
    """'Influenced by' and the NCL outcomes framework: the functions it influences, not every function influenced by
    anything that also names it among its other key links; 'supports' it, none (only levels are supported)."""
    body = Body.objects.get(name="NCL outcomes framework")
    links = FunctionLink.objects.filter(body=body, function__status__in=["draft", "agreed"])
    influenced = sorted(links.filter(kind="influenced_by").values_list("function__title", flat=True))
    any_link = set(links.values_list("function__title", flat=True))
    assert 0 < len(influenced) < len(any_link), "the seed names it as an influence and as another key link"
    page = client.get(GRID, {"relationship": "influenced_by", "body": body.pk})
    assert sorted(_titles(page)) == influenced
    assert _titles(client.get(GRID, {"relationship": "supports", "body": body.pk})) == []


def test_who_changed_a_function_is_shown_to_staff_only(client, seeded, staff_user, resident):
    """The function's page is public; its editors' names and addresses are for staff, as the structure's history."""
    function = Function.objects.order_by("pk").first()
    editor = UserFactory(email="matrix.editor@nhs.net", full_name="")
    function.description = "Changed by an editor"
    function._history_user = editor
    function.save()
    url = f"/functions/{function.pk}/"
    for viewer in (None, resident):
        if viewer:
            client.force_login(viewer)
        public = client.get(url).content.decode()
        assert "When this function changed (newest first)" in public
        assert "matrix.editor@nhs.net" not in public
        assert "An import or the system" not in public
    client.force_login(staff_user)
    staff = client.get(url).content.decode()
    assert "Who changed this function and when" in staff
    assert "matrix.editor@nhs.net" in staff
