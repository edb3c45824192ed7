"""The home page's "Who decides...?" search (GET /search/, ics_portal/search.py): functions with the level that
owns them, and published consultations; plain messages for bad input; a fixed number of queries."""

import io
import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from functions import demo
from functions.models import Function
from tests.engagement.factories import AreaFactory, ConsultationFactory
from tests.functions.factories import make_system

pytestmark = pytest.mark.django_db

URL = "/search/"


@pytest.fixture
def seeded():
    system = make_system()
    demo.load(now=timezone.now(), out=io.StringIO())
    return system


def _section(page: str, heading_id: str) -> str:
    """The HTML from a results heading to the next heading."""
    start = page.index(f'<h2 id="{heading_id}">')
    end = page.find("<h2", start + 1)
    return page[start : end if end > 0 else len(page)]


def test_home_page_offers_the_search(client):
    page = client.get("/").content.decode()
    assert '<form method="get" action="/search/" novalidate role="search"' in page
    assert "Who decides…?" in page


def test_finds_functions_with_their_owning_level_and_consultations(client, seeded):
    area = AreaFactory(system=seeded, level=seeded.levels.get(slug="ncl"), name="NCL ICS")
    ConsultationFactory(owner_area=area, system=seeded, title="Hospital discharge: a single approach for Camden")
    ConsultationFactory(owner_area=area, system=seeded, title="Discharge plans not yet published", draft=True)
    ConsultationFactory(owner_area=area, system=seeded, title="Estates strategy")
    response = client.get(URL, {"q": "discharge"})
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    functions = _section(page, "functions")
    titles = re.findall(r'<a href="/functions/\d+/">(.*?)</a>', functions)
    assert (
        "Coordination of local discharge initiatives to provide a single approach per borough and link to neighbourhoods."
        in titles
    )
    assert all("discharge" in title.lower() for title in titles)
    assert "Owned by <strong>Borough Partnership</strong>, North Central London" in functions
    consultations = _section(page, "consultations")
    assert "Hospital discharge: a single approach for Camden" in consultations
    assert "Open: closes" in consultations  # the consultation's status in words, London time
    assert "NCL ICS (NCL)" in consultations
    assert "not yet published" not in page  # drafts are never found
    assert "Estates strategy" not in page
    assert f"{len(titles) + 1} results for ‘discharge’" in page


def test_stemmed_search_and_nothing_found(client, seeded):
    page = client.get(URL, {"q": "coordinating"}).content.decode()
    assert "Social care - coordination and service development to best meet communities needs" in page
    nothing = client.get(URL, {"q": "zebra"}).content.decode()
    assert "0 results for ‘zebra’" in nothing
    assert "No function matches." in nothing
    assert "No consultation matches." in nothing


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("", "Enter what you are looking for, for example discharge"),
        ("x" * 5000, "Search must be 100 characters or fewer"),
    ],
)
def test_bad_input_gets_a_plain_message(client, seeded, q, message):
    response = client.get(URL, {"q": q})
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert page.count(message) == 2  # the error summary and the field
    assert "<title>Error: " in page
    assert 'id="functions"' not in page


@pytest.mark.parametrize("q", ["'; drop table", "a & b | !c", "<script>alert(1)</script>", "\x00", '"unclosed', "-"])
def test_odd_input_never_fails(client, seeded, q):
    response = client.get(URL, {"q": q})
    assert response.status_code == HTTPStatus.OK
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_query_count_does_not_grow_with_the_matches(client, seeded):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL, {"q": "discharge"})
        assert response.status_code == HTTPStatus.OK
        return len(ctx.captured_queries)

    small = count()
    owner = seeded.levels.get(slug="ncl")
    Function.objects.bulk_create(
        Function(system=seeded, title=f"Discharge function {i}", owner=owner, position=100 + i) for i in range(80)
    )
    area = AreaFactory(system=seeded, level=owner)
    for i in range(20):
        ConsultationFactory(owner_area=area, system=seeded, title=f"Discharge consultation {i}")
    big_page = client.get(URL, {"q": "discharge"}).content.decode()
    assert "There are more matching functions" in big_page  # capped at 50, and says so
    assert count() == small
