"""The account page and the staff landing page (the PMO's pages are in reporting/).

Anonymous visitors are sent to sign in; signed-in users without the permission get the styled 403.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from .permissions import work_links


def _links(items: list[tuple[str, str, str]]) -> list[dict[str, str]]:
    """(url name, text, description) to links, skipping pages that do not exist (yet)."""
    links = []
    for name, text, description in items:
        try:
            links.append({"href": reverse(name), "text": text, "description": description})
        except NoReverseMatch:
            continue
    return links


def _role_view(perm: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        return login_required(permission_required(perm, raise_exception=True)(view))

    return decorate


@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    areas = [{"href": reverse("engagement:my_responses"), "text": "Your responses to consultations"}]
    if user.has_perm("accounts.browse_internal"):
        areas.append({"href": reverse("accounts:staff"), "text": "Staff pages"})
    areas.extend(work_links(user=user))  # the header's links, decided in one place
    return render(request, "account/home.html", {"areas": areas})


@_role_view("accounts.browse_internal")
def staff_home(request: HttpRequest) -> HttpResponse:
    links = _links(
        [
            ("governance:system_list", "ICS structure", "Systems, levels, areas, organisations and boards."),
            ("functions:matrix", "Function matrix", "Which level owns, influences or supports each function."),
            ("engagement:consultation_list", "Consultations", "Open and closed consultations and their responses."),
        ]
    )
    # The outbox's breadcrumb leads here, so here leads to it, for those it lets in (named by permission string:
    # accounts imports no feature app).
    if request.user.has_perm("notifications.view_outbox"):
        links += _links(
            [("notifications:outbox", "Email outbox", "Every email the portal sends, and any that failed.")]
        )
    return render(request, "pages/staff.html", {"links": links})
