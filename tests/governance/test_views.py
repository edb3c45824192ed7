"""The structure pages: content, search, 404s, no 500 on odd input, history for staff, constant query counts."""

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.models import Area, Board, Organisation

from .factories import (
    AreaFactory,
    AreaPopulationFactory,
    BoardFactory,
    BoardMemberFactory,
    MembershipFactory,
    OrganisationFactory,
    area_under,
    system_with_levels,
    top_area,
)

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def test_system_list_shows_both_systems(client, demo_structure):
    response = client.get(reverse("governance:system_list"))
    assert response.status_code == HTTPStatus.OK
    body = text(response)
    assert "North Central London (NCL)" in body
    assert "North East London (NEL)" in body
    assert reverse("governance:system_detail", args=["ncl"]) in body
    assert 'action="/ics/search/"' in body


def test_ncl_page_lists_levels_counts_and_tree(client, demo_structure):
    body = text(client.get("/ics/ncl/"))
    for level in ("Neighbourhood", "Borough Partnership", "NCL"):
        assert f'<th scope="row" class="nhsuk-table__header">{level}</th>' in body
    assert "30,000-50,000 people" in body
    assert "The critical point of integration" in body
    assert 'href="/ics/ncl/barnet-neighbourhood-7/"' in body
    assert "the names of 30 areas are placeholders" in body
    assert 'href="/ics/ncl/hierarchy.csv"' in body
    assert 'href="/ics/ncl/hierarchy.json"' in body


def test_nel_page_says_networks_arrive_by_import(client, demo_structure):
    body = text(client.get("/ics/nel/"))
    assert "Networks: 0 of 47 areas are loaded" in body
    assert "arrive by import" in body
    for place in ("Barking and Dagenham", "Tower Hamlets", "City of London"):
        assert place in body


def test_area_page_has_breadcrumbs_children_organisations_and_boards(client, demo_structure):
    body = text(client.get("/ics/ncl/barnet/"))
    crumbs = body[body.index('class="nhsuk-breadcrumb"') : body.index("</nav>", body.index('class="nhsuk-breadcrumb"'))]
    assert 'href="/ics/ncl/"' in crumbs
    # The top area is the system itself: the breadcrumb names North Central London once, the system's page.
    assert 'href="/ics/ncl/ncl/"' not in crumbs
    assert crumbs.count("North Central London") == 2  # the crumb and the phone's "Back to" link
    assert "E09000003" in body
    assert body.count('href="/ics/ncl/barnet-neighbourhood-') == 7
    assert "London Borough of Barnet" in body
    assert "Barnet borough partnership board" in body
    assert "Chair (to be confirmed)" in body
    assert "Change history" not in body  # Residents do not see history links.


def test_deep_area_breadcrumbs_walk_up_the_tree(client, demo_structure):
    body = text(client.get("/ics/ncl/haringey-neighbourhood-8/"))
    crumbs = body[body.index('class="nhsuk-breadcrumb"') : body.index("</nav>", body.index('class="nhsuk-breadcrumb"'))]
    assert crumbs.index('"/ics/ncl/"') < crumbs.index('"/ics/ncl/haringey/"')
    assert "This name is a placeholder" in body


def test_organisation_page(client, demo_structure):
    icb = Organisation.objects.get(ods_code="QMF")
    body = text(client.get(reverse("governance:organisation_detail", args=[icb.pk])))
    assert "NHS North East London Integrated Care Board" in body
    assert "QMF" in body
    assert 'href="/ics/nel/nel/"' in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("camden", "/ics/ncl/camden/"),
        ("E09000012", "/ics/nel/hackney/"),
        ("e09000012", "/ics/nel/hackney/"),
        ("tower hamlets", "/ics/nel/tower-hamlets/"),
        ("QMJ", "NHS North Central London Integrated Care Board"),
        ("Haringey neighbourhood", "/ics/ncl/haringey-neighbourhood-1/"),
    ],
)
def test_search_by_name_or_code(client, demo_structure, query, expected):
    response = client.get(reverse("governance:search"), {"q": query})
    assert response.status_code == HTTPStatus.OK
    assert expected in text(response)


def test_search_with_no_match_says_so(client, demo_structure):
    body = text(client.get("/ics/search/", {"q": "Atlantis"}))
    assert "No areas match “Atlantis”" in body
    assert "No organisations match “Atlantis”" in body


@pytest.mark.parametrize(
    "query",
    ["", "   ", "\x00", "a\x00b", "%", "_", "' OR 1=1 --", "<script>alert(1)</script>", "x" * 500, "ünïcødé 🙂"],
)
def test_odd_search_input_never_fails(client, demo_structure, query):
    response = client.get("/ics/search/", {"q": query})
    assert response.status_code == HTTPStatus.OK
    assert "<script>alert(1)</script>" not in text(response)


def test_too_long_query_gets_a_plain_error(client):
    body = text(client.get("/ics/search/", {"q": "x" * 500}))
    assert "<title>Error: " in body
    assert "Search must be 100 characters or fewer" in body
    assert "Ensure this value" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/ics/nowhere/",
        "/ics/ncl/nowhere/",
        "/ics/nel/barnet/",  # Barnet is in NCL, not NEL
        "/ics/nowhere/hierarchy.csv",
        "/ics/organisations/999999/",
        "/ics/organisations/99999999999999999999999/",
    ],
)
def test_unknown_things_are_404(client, demo_structure, path):
    assert client.get(path).status_code == HTTPStatus.NOT_FOUND


def test_downloads(client, demo_structure):
    csv_response = client.get("/ics/ncl/hierarchy.csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert 'filename="ncl-hierarchy.csv"' in csv_response["Content-Disposition"]
    lines = text(csv_response).strip().splitlines()
    assert lines[0].startswith("system,level,name,code,parent code")
    assert len(lines) == 1 + 36
    json_response = client.get("/ics/nel/hierarchy.json")
    assert json_response.json()["systems"][0]["slug"] == "nel"


# --- History ---------------------------------------------------------------------------------------------


def test_history_needs_sign_in_and_permission(client, resident, demo_structure):
    area = Area.objects.get(system__slug="ncl", slug="camden")
    url = reverse("governance:history", args=["area", area.pk])
    response = client.get(url)
    assert response.status_code == HTTPStatus.FOUND
    client.force_login(resident)
    assert client.get(url).status_code == HTTPStatus.FORBIDDEN


def test_staff_see_who_changed_what(client, staff_user, superuser, demo_structure):
    area = Area.objects.get(system__slug="ncl", slug="camden")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:governance_area_change", args=[area.pk]),
        {
            "system": area.system_id,
            "level": area.level_id,
            "parent": area.parent_id,
            "name": "Camden borough",
            "slug": "camden",
            "codes-TOTAL_FORMS": "0",
            "codes-INITIAL_FORMS": "0",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    client.force_login(staff_user)
    area_page = text(client.get("/ics/ncl/camden/"))
    assert f'href="/ics/history/area/{area.pk}/"' in area_page
    body = text(client.get(f"/ics/history/area/{area.pk}/"))
    assert "admin@nhs.net" in body
    assert "Name: Camden → Camden borough" in body
    assert "System (import or script)" in body  # the demo created it
    board = Board.objects.filter(area=area).first()
    assert client.get(f"/ics/history/board/{board.pk}/").status_code == HTTPStatus.OK
    org = Organisation.objects.get(ods_code="QMJ")
    assert client.get(f"/ics/history/organisation/{org.pk}/").status_code == HTTPStatus.OK
    assert client.get("/ics/history/user/1/").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/ics/history/area/999999/").status_code == HTTPStatus.NOT_FOUND


def test_admin_refuses_a_wrong_parent_with_a_message(client, superuser, demo_structure):
    area = Area.objects.get(system__slug="ncl", slug="camden-neighbourhood-1")
    top = Area.objects.get(system__slug="ncl", slug="ncl")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:governance_area_change", args=[area.pk]),
        {
            "system": area.system_id,
            "level": area.level_id,
            "parent": top.pk,
            "name": area.name,
            "slug": area.slug,
            "codes-TOTAL_FORMS": "0",
            "codes-INITIAL_FORMS": "0",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == HTTPStatus.OK
    assert "The parent must be an area of the level just above" in response.content.decode()


# --- Query counts stay constant ----------------------------------------------------------------------------


def test_area_page_shows_the_newest_recorded_population_with_its_source(client, demo_structure):
    from governance.models import AreaPopulation

    body = text(client.get("/ics/ncl/barnet/"))
    # The shipped ONS Census 2021 figure (governance/data/), with where it comes from.
    assert "389,300 residents in 2021" in body
    assert "Source: ONS Census 2021 first results, table P01" in body
    camden = Area.objects.get(system__slug="ncl", slug="camden")
    AreaPopulation.objects.create(area=camden, population=215_000, source="ONS mid-year estimate 2024", year=2024)
    AreaPopulation.objects.create(area=camden, population=99, age_band="16_24", source="By age", year=2025)
    AreaPopulation.objects.create(area=camden, population=180_000, source="Census 2011", year=2011)
    body = text(client.get("/ics/ncl/camden/"))
    assert "215,000 residents in 2024" in body
    assert "Source: ONS mid-year estimate 2024" in body
    for older in ("210,100", "180,000", "By age"):
        assert older not in body
    # An area without figures says so (neighbourhoods have none shipped).
    assert "Not recorded" in text(client.get("/ics/ncl/barnet-neighbourhood-1/"))


def build(children, members):
    system, _levels = system_with_levels(3)
    top = top_area(system)
    middle = area_under(top)
    for _ in range(children):
        area_under(middle)
    for _ in range(children):
        MembershipFactory(area=middle, organisation=OrganisationFactory())
    for _ in range(2):
        board = BoardFactory(area=middle)
        for _ in range(members):
            BoardMemberFactory(board=board, organisation=OrganisationFactory())
    return system, middle


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    return len(ctx.captured_queries)


def test_area_page_query_count_is_constant(client, django_assert_num_queries):
    small_system, small = build(children=2, members=1)
    big_system, big = build(children=25, members=12)
    small_url = f"/ics/{small_system.slug}/{small.slug}/"
    big_url = f"/ics/{big_system.slug}/{big.slug}/"
    count_queries(client, small_url)  # warm any per-process caches
    expected = count_queries(client, small_url)
    with django_assert_num_queries(expected):
        response = client.get(big_url)
    assert text(response).count("Chair (to be confirmed)") == 24
    assert expected <= 12  # the engagement app's consultations section is one of them, the population another


def test_system_page_query_count_is_constant(client, django_assert_num_queries):
    small_system, _ = build(children=2, members=1)
    big_system, _ = build(children=40, members=1)
    count_queries(client, f"/ics/{small_system.slug}/")
    expected = count_queries(client, f"/ics/{small_system.slug}/")
    with django_assert_num_queries(expected):
        client.get(f"/ics/{big_system.slug}/")
    assert expected <= 4


def test_system_list_and_search_query_counts_are_constant(client, django_assert_num_queries):
    _system, levels = system_with_levels(1)
    for n in range(3):
        AreaFactory(level=levels[0], name=f"Findme {n}", slug=f"findme-{n}")
    expected = count_queries(client, "/ics/search/?q=findme")
    for n in range(3, 30):
        AreaFactory(level=levels[0], name=f"Findme {n}", slug=f"findme-{n}")
        OrganisationFactory(name=f"Findme org {n}")
    with django_assert_num_queries(expected):
        client.get("/ics/search/?q=findme")
    with django_assert_num_queries(1):
        client.get("/ics/")


def test_board_history_shows_seat_changes(client, staff_user, demo_structure):
    from governance import services
    from governance.models import BoardMember

    board = Board.objects.get(name="Camden borough partnership board")
    services.board_member_ensure(
        board=board, person_name="Chair (appointment pending)", role=BoardMember.Role.CHAIR, role_detail="Chair"
    )
    client.force_login(staff_user)
    body = text(client.get(f"/ics/history/board/{board.pk}/"))
    assert "Seat: Chair (appointment pending) (Chair): changed" in body
    assert "Person name: Chair (to be confirmed) → Chair (appointment pending)" in body
    area = Area.objects.get(system__slug="ncl", slug="camden")
    body = text(client.get(f"/ics/history/area/{area.pk}/"))
    assert "Code: E09000007: created" in body
    assert "Member organisation: London Borough of Camden: created" in body


def test_history_query_count_is_constant(client, staff_user, django_assert_num_queries):
    from governance import services

    client.force_login(staff_user)
    small = BoardFactory()
    big = BoardFactory()
    for n in range(15):
        member = BoardMemberFactory(board=big, person_name=f"Seat {n} (to be confirmed)")
        services.board_member_ensure(
            board=big, person_name=f"Seat {n} (confirmed)", role=member.role, role_detail=member.role_detail
        )
        services.board_upsert(area=big.area, name=big.name, kind=big.kind, description=f"Version {n}")
    BoardMemberFactory(board=small)
    count_queries(client, f"/ics/history/board/{small.pk}/")
    expected = count_queries(client, f"/ics/history/board/{small.pk}/")
    with django_assert_num_queries(expected):
        client.get(f"/ics/history/board/{big.pk}/")


@pytest.mark.parametrize(
    "name", ["governance_area", "governance_organisation", "governance_board", "governance_system", "governance_level"]
)
def test_admin_pages_open_for_superusers(client, superuser, demo_structure, name):
    client.force_login(superuser)
    assert client.get(reverse(f"admin:{name}_changelist")).status_code == HTTPStatus.OK
    model = {
        "governance_area": Area,
        "governance_organisation": Organisation,
        "governance_board": Board,
    }.get(name)
    if model is not None:
        obj = model.objects.first()
        change = client.get(reverse(f"admin:{name}_change", args=[obj.pk]))
        assert change.status_code == HTTPStatus.OK
        # Residents are AreaPopulation figures with a source (manage.py import_population), not an area field.
        assert 'name="population"' not in text(change)
        assert client.get(reverse(f"admin:{name}_history", args=[obj.pk])).status_code == HTTPStatus.OK


def test_hierarchy_download_query_count_is_constant(client, django_assert_num_queries):
    small_system, _ = build(children=2, members=0)
    big_system, _ = build(children=30, members=0)
    # Every area with figures of two years and an age band: the newest all-ages ones are read in one query.
    for area in Area.objects.filter(system__in=[small_system, big_system]):
        AreaPopulationFactory(area=area, year=2011)
        AreaPopulationFactory(area=area, year=2021)
        AreaPopulationFactory(area=area, year=2021, age_band="25_34")
    expected = count_queries(client, f"/ics/{small_system.slug}/hierarchy.csv")
    with django_assert_num_queries(expected):
        big_csv = client.get(f"/ics/{big_system.slug}/hierarchy.csv")
    assert text(big_csv).count(",2021,ONS Census 2021,") == 1 + 1 + 30  # every area's figure is in it
    expected = count_queries(client, f"/ics/{small_system.slug}/hierarchy.json")
    with django_assert_num_queries(expected):
        client.get(f"/ics/{big_system.slug}/hierarchy.json")


def test_organisation_page_query_count_is_constant(client, django_assert_num_queries):
    small, big = OrganisationFactory(), OrganisationFactory()
    for org, n in ((small, 1), (big, 20)):
        system, _levels = system_with_levels(2)
        top = top_area(system)
        for _ in range(n):
            MembershipFactory(organisation=org, area=area_under(top))
            BoardMemberFactory(organisation=org, board=BoardFactory(area=top))
    expected = count_queries(client, f"/ics/organisations/{small.pk}/")
    with django_assert_num_queries(expected):
        response = client.get(f"/ics/organisations/{big.pk}/")
    assert text(response).count("Chair on the") == 20
