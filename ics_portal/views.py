"""Pages that belong to no app: home and its search, accessibility statement, privacy notice, errors, and the bench floors."""

import logging
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    HttpResponseServerError,
)
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from accounts.permissions import access_advice
from engagement.feeds import status_sentence
from engagement.forms_respond import NOT_SHOWN_BACK, posted_answers
from engagement.models import Response
from engagement.selectors import responses as responding_sel
from notifications.models import Email

from .search import SiteSearchForm, site_search

logger = logging.getLogger(__name__)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/home.html", {"search_form": SiteSearchForm()})


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """The home page's "Who decides...?" search (GET /search/?q=...): works without JavaScript."""
    form = SiteSearchForm(request.GET or None)
    now = timezone.now()
    results = site_search(q=form.cleaned_data["q"], now=now) if form.is_valid() else None
    sentences = {c.pk: status_sentence(c, now=now) for c in results.consultations} if results else {}
    return render(
        request,
        "pages/search.html",
        {"search_form": form, "form": form, "results": results, "sentences": sentences},
    )


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/accessibility.html")


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/privacy.html")


@require_safe
@cache_control(no_store=True)
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


# --- Benchmark floors (bench/README.md): what any page or submission must pay, and nothing more ---


def floor(request: HttpRequest) -> HttpResponse:
    """The GET floor: a constant through the same middleware as every page."""
    return HttpResponse("floor", content_type="text/plain")


def floor_post(request: HttpRequest) -> HttpResponse:
    """The POST floor for `feedback_submit`: the writes any submission must make, through the same middleware
    (CSRF included) and session, in one transaction: update one response by primary key, queue one outbox row.

    Served only with BENCH (or DEBUG) on. The row is queued as already sent, so no worker ever mails it.
    """
    if not (settings.BENCH or settings.DEBUG):
        raise Http404  # not even a 405: without BENCH the address does not exist
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    raw = request.POST.get("response", "")
    pk = int(raw) if raw.isascii() and raw.isdigit() else 0
    if not 0 < pk < 2**63:
        return HttpResponseBadRequest("response: a response's id is needed", content_type="text/plain")
    request.session.get("bench")  # a submission reads its session: load it from the store the same way
    with transaction.atomic():
        if not Response.objects.filter(pk=pk).update(updated_at=timezone.now()):
            return HttpResponseBadRequest("response: no such response", content_type="text/plain")
        Email.objects.create(
            kind="bench_floor",
            to="bench-floor@example.invalid",
            subject="Benchmark floor",
            about_type=ContentType.objects.get_for_model(Response),
            about_id=pk,
            status=Email.Status.SENT,
        )
    return HttpResponse("ok", content_type="text/plain")


def _error(request: HttpRequest, status: int, title: str, body: str, **extra: Any) -> HttpResponse:
    return render(request, "pages/error.html", {"status": status, "title": title, "body": body, **extra}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request, 400, "Sorry, there is a problem with your request", "Check the address or the form and try again."
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The view's own reason (what the page is for), then what this user's role can do about it.
    reason = str(exception or "") if isinstance(exception, PermissionDenied) else ""
    return _error(
        request,
        403,
        "You do not have permission to see this page",
        reason or "Your account does not have access to this page.",
        advice=access_advice(user=getattr(request, "user", None)),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        404,
        "Page not found",
        "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.",
    )


SERVER_ERROR_TITLE = "Sorry, there is a problem with the service"
SERVER_ERROR_BODY = "Try again later."


def not_offered(request: HttpRequest) -> HttpResponse:
    """A page a library would serve that the portal does not offer (see urls.py): the ordinary 404."""
    return page_not_found(request, Http404())


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return _error(request, 500, SERVER_ERROR_TITLE, SERVER_ERROR_BODY)
    except Exception:  # the layout needs the user and session; if those are what failed, keep it plain
        logger.exception("The 500 page could not be rendered in the layout")
        return HttpResponseServerError(_plain_server_error())


def _plain_server_error() -> str:
    try:
        css = static("nhsuk/nhsuk-frontend.min.css")
    except Exception:
        css = "/static/nhsuk/nhsuk-frontend.min.css"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{SERVER_ERROR_TITLE} - {escape(settings.SERVICE_NAME)}</title>"
        f'<link rel="stylesheet" href="{escape(css)}"></head><body>'
        '<header class="nhsuk-header"><div class="nhsuk-header__container nhsuk-width-container">'
        f'<a class="nhsuk-header__service-name" href="/">{escape(settings.SERVICE_NAME)}</a></div></header>'
        '<div class="nhsuk-width-container"><main class="nhsuk-main-wrapper" id="maincontent">'
        f'<h1>{SERVER_ERROR_TITLE}</h1><p>{SERVER_ERROR_BODY}</p><p><a href="/">Go to the home page</a></p>'
        "</main></div></body></html>"
    )


CSRF_TITLE = "Your session has expired or the form was sent from another site"
# Reasons that mean the form came from another site: what it carried is not shown back (someone else wrote it).
_CROSS_SITE = ("Origin checking failed", "Referer checking failed")
_SECRET_WORDS = ("password", "token", "secret", "code", "proof", "key", "csrf")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused for its CSRF check, most often because the session expired or cookies were cleared while a
    resident was typing: show them what they posted, so nothing is lost, with advice that keeps it."""
    posted = [] if reason.startswith(_CROSS_SITE) or request.method != "POST" else _posted(request)
    response = render(
        request,
        "pages/csrf_failure.html",
        {"title": CSRF_TITLE, "posted": posted, "page_url": request.path},
        status=403,
    )
    response["Cache-Control"] = "private, no-store"  # it may hold what a resident typed
    return response


def _posted(request: HttpRequest) -> list[tuple[str, str]]:
    """(label, text) of what was posted, never tokens, codes, passwords or the honeypot. Responding pages label
    answers by their questions; elsewhere the field's name is the label."""
    match = request.resolver_match
    responding = match is not None and match.app_name == "engagement" and (match.url_name or "").startswith("respond_")
    slug = match.kwargs.get("slug") if responding and match is not None else None
    consultation = responding_sel.consultation_for_responding(slug=slug) if isinstance(slug, str) else None
    if consultation is not None:
        return posted_answers(request.POST, responding_sel.responding_structure(consultation=consultation).questions)
    shown = []
    for name, values in request.POST.lists():
        if name in NOT_SHOWN_BACK or any(word in name.lower() for word in _SECRET_WORDS):
            continue
        text = ", ".join(v.strip() for v in values if v.strip())
        if text:
            shown.append((name.replace("_", " ").capitalize(), text))
    return shown
