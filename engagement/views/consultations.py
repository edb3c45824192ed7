"""Public consultation pages: the list, the Atom feed and a consultation's page.

Each view reads the clock once (`now = timezone.now()`) and passes it down, so the open/closed decision is the
same everywhere on the page.
"""

import datetime
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import slugify

from .. import deadlines, permissions  # noqa: F401  (permissions: registers the rules)
from ..feeds import ConsultationFeed, status_sentence
from ..formatting import render_body
from ..models import Consultation, Document
from ..selectors.consultations import (
    STATUS_FILTERS,
    consultation_get_public,
    consultation_listing,
    listing_filter_areas,
)
from ..selectors.responses import response_of_user

consultation_feed = ConsultationFeed()


def respond_url(slug: str) -> str | None:
    """The way in to the responding flow, once that flow's URL exists."""
    try:
        return reverse("engagement:respond_start", args=[slug])
    except NoReverseMatch:
        return None


def document_description(document: Document) -> str:
    """'PDF, 1.2 MB' for the link text, so people know what they are about to download."""
    return f"{document.file_type.upper()}, {filesizeformat(document.size)}".replace("\xa0", " ")


def detail_context(consultation: Consultation, *, now: datetime.datetime, preview: bool = False) -> dict[str, Any]:
    status = consultation.status_at(now=now)
    accepting = consultation.accepts_responses_at(now=now)
    functions = list(consultation.functions.all())
    return {
        "consultation": consultation,
        "status": status,
        "status_label": consultation.get_status_display_at(now=now),
        "now": now,
        "preview": preview,
        "closing_text": deadlines.describe_closing(consultation.closes_at),
        "closed_text": deadlines.describe_closed(consultation.closes_at),
        "opening_text": deadlines.describe_opening(consultation.opens_at),
        "onward_text": deadlines.describe_onward(consultation, now=now),
        "body_html": render_body(consultation.body),
        "documents": [(d, document_description(d)) for d in consultation.documents.all()],
        "functions": functions,
        "contact_html": format_html('<a href="mailto:{0}">{0}</a>', consultation.contact_email)
        if consultation.contact_email
        else "",
        "accepting": accepting,
        "is_late_period": accepting and status != Consultation.Status.OPEN,
        "respond_url": None if preview or not accepting else respond_url(consultation.slug),
    }


def consultation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    consultation = consultation_get_public(slug=slug)
    context = detail_context(consultation, now=now)
    # A signed-in resident who has responded sees that here, not only a step later on the respond page.
    context["own_response"] = response_of_user(consultation=consultation, user=request.user)
    return render(request, "engagement/consultation_detail.html", context)


AREA_NOT_FOUND = "We could not find that area. Choose where you live from the list."


def consultation_list(request: HttpRequest) -> HttpResponse:
    """The list, filtered by GET `area` (where you live: that area, the areas above and below it) and `status`."""
    now = timezone.now()
    status = request.GET.get("status", "")
    if status not in STATUS_FILTERS:
        status = ""
    areas = listing_filter_areas()
    chosen = request.GET.get("area", "").strip()
    area = areas.by_id.get(chosen)
    # An unknown area (an old link, a typed address) lists nothing filtered wrongly: it says so and lists all.
    area_error = AREA_NOT_FOUND if chosen and area is None else ""
    consultations = consultation_listing(now=now, status=status, area=area, steps=areas.depth)
    groups: dict[str, list[tuple[Consultation, str]]] = {"open": [], "forthcoming": [], "closed": []}
    for c in consultations:
        state = c.status_at(now=now)
        key = "closed" if state in {Consultation.Status.CLOSED, Consultation.Status.OUTCOME_PUBLISHED} else state
        groups[key].append((c, status_sentence(c, now=now)))
    return render(
        request,
        "engagement/consultation_list.html",
        {
            "groups": groups,
            "total": sum(len(v) for v in groups.values()),
            "area_groups": areas.groups,
            "selected_area": area,
            "area_error": area_error,
            "selected_status": status,
            "status_choices": [("", "All")] + [(k, v) for k, v in STATUS_FILTERS.items()],
            "now": now,
        },
        status=400 if area_error else 200,
    )


def document_download(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """A consultation's document, served by the app (so it works wherever media files are kept).

    Documents of drafts are only for those who manage the consultation.
    """
    document = get_object_or_404(Document.objects.select_related("consultation"), pk=pk, consultation__slug=slug)
    consultation = document.consultation
    if not consultation.is_published and not request.user.has_perm("engagement.manage_consultation", consultation):
        raise Http404("No such document.")
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("The file is missing.") from None
    filename = f"{slugify(document.title)[:80] or 'document'}.{document.file_type}"
    response = FileResponse(handle, filename=filename, content_type=Document.ALLOWED_TYPES[document.file_type])
    response["X-Content-Type-Options"] = "nosniff"
    return response
