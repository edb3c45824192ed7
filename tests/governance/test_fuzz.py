"""Arbitrary input to the structure pages never causes a server error (the test client re-raises exceptions)."""

from http import HTTPStatus
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
ODD = ["\x00", "%", "_", "\\", "' OR 1=1 --", "<b>", "E09", "U", "ncl", "..", "/", "%00", "🙂"]
query = st.one_of(st.text(max_size=120), st.sampled_from(ODD), st.lists(st.text(max_size=20), max_size=3))
segment = st.one_of(st.text(min_size=1, max_size=40), st.sampled_from(["ncl", "nel", "barnet", "history", "search"]))


@FUZZ
@given(q=query, extra=st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=20), max_size=3))
def test_search_never_fails(demo_structure, q, extra):
    response = Client().get("/ics/search/", {"q": q, **extra})
    assert response.status_code == HTTPStatus.OK


@FUZZ
@given(first=segment, second=st.one_of(st.none(), segment))
def test_any_path_under_ics_is_a_page_or_a_404(demo_structure, first, second):
    path = "/ics/" + quote(first, safe="") + "/" + (quote(second, safe="") + "/" if second else "")
    response = Client().get(path)
    if response.status_code == HTTPStatus.FOUND:
        # Only the staff history pages redirect an anonymous visitor, and only to sign in.
        assert response.url.startswith("/accounts/login/code/?next=/ics/history/")
    else:
        assert response.status_code in {HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.MOVED_PERMANENTLY}


@FUZZ
@given(kind=segment, pk=st.integers(min_value=0, max_value=2**70))
def test_history_paths_never_fail(staff_user, kind, pk):
    client = Client()
    client.force_login(staff_user)
    response = client.get(f"/ics/history/{quote(kind, safe='')}/{pk}/")
    assert response.status_code in {HTTPStatus.OK, HTTPStatus.NOT_FOUND}
