"""Pages that belong to no app: home, accessibility statement, privacy notice, errors, and the bench floor."""

import logging
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.html import escape
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/home.html")


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/accessibility.html")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/privacy.html")


@require_GET
@cache_control(no_store=True)
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def floor(request: HttpRequest) -> HttpResponse:
    """The benchmark floor: a constant through the same middleware as every page."""
    return HttpResponse("floor", content_type="text/plain")


def _error(request: HttpRequest, status: int, title: str, body: str, **extra: Any) -> HttpResponse:
    return render(request, "pages/error.html", {"status": status, "title": title, "body": body, **extra}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request, 400, "Sorry, there is a problem with your request", "Check the address or the form and try again."
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        403,
        "You do not have permission to see this page",
        "If you think you should, sign in with the account that has access or contact the programme office.",
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


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(
        request,
        403,
        "Your session has expired or the form was sent from another site",
        "Go back, reload the page and try again. For your security, forms must be sent from this website.",
    )
