"""`ics_portal.paging.page_of`: every listing's `?page=` (whatever a user types there) gives a page."""

import pytest
from django.test import RequestFactory

from ics_portal.paging import page_of

ITEMS = list(range(25))  # three pages of 10


@pytest.mark.parametrize(
    ("query", "number"),
    [("", 1), ("?page=2", 2), ("?page=3", 3), ("?page=99", 3), ("?page=-1", 3), ("?page=two", 1), ("?page=", 1)],
)
def test_the_page_asked_for_else_the_first_or_the_last(query: str, number: int) -> None:
    page = page_of(RequestFactory().get(f"/list/{query}"), ITEMS, per_page=10)
    assert page.number == number
    assert list(page) == ITEMS[(number - 1) * 10 : number * 10]


def test_a_page_of_its_own_name_leaves_page_to_another_list() -> None:
    request = RequestFactory().get("/summary/?page=1&organisations_page=2")
    assert page_of(request, ITEMS, per_page=10, param="organisations_page").number == 2
