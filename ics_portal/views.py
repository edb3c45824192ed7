"""Pages that belong to no app: home, accessibility statement, privacy notice, errors, and the bench floor."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


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


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(
        request, 500, "Sorry, there is a problem with the service", "Try again later. Nothing you sent has been lost."
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(
        request,
        403,
        "Your session has expired or the form was sent from another site",
        "Go back, reload the page and try again. For your security, forms must be sent from this website.",
    )
