"""Public consultation pages: the list, the Atom feed and a consultation's page.

Each view reads the clock once (`now = timezone.now()`) and passes it down, so the open/closed decision is the
same everywhere on the page.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .. import deadlines
from ..selectors.consultations import consultation_get_public


def respond_url(slug: str) -> str | None:
    """The way in to the responding flow, once that flow's URL exists."""
    try:
        return reverse("engagement:respond_start", args=[slug])
    except NoReverseMatch:
        return None


def consultation_list(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/placeholder.html", {"heading": "Consultations"})


def consultation_feed(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/placeholder.html", {"heading": "Consultations feed"})


def consultation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    consultation = consultation_get_public(slug=slug)
    status = consultation.status_at(now=now)
    return render(
        request,
        "engagement/consultation_detail.html",
        {
            "consultation": consultation,
            "status": status,
            "now": now,
            "closing_text": deadlines.describe_closing(consultation.closes_at),
            "respond_url": respond_url(slug) if consultation.accepts_responses_at(now=now) else None,
        },
    )
