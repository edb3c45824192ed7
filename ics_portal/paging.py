"""Listing pages a page at a time: the one way a view turns `?page=` into the page it shows."""

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import models
from django.http import HttpRequest


def page_of(
    request: HttpRequest, items: "models.QuerySet[Any] | Sequence[Any]", *, per_page: int, param: str = "page"
) -> Page:
    """The page `request.GET[param]` names. Anything a user can type there gets a page, never an error: not a
    number, the first page; out of range (0, negative, past the end), the last (Paginator.get_page)."""
    return Paginator(items, per_page).get_page(request.GET.get(param))
