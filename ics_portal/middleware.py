"""Response headers that Django's SecurityMiddleware does not set."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control


class PermissionsPolicyMiddleware:
    """Send Permissions-Policy on every response, built once from settings.PERMISSIONS_POLICY
    (feature -> the origins allowed it; an empty list switches the feature off for the page and what it embeds)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})" for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class PrivateWhenSignedInMiddleware:
    """`Cache-Control: private, no-store` on every page served to a signed-in person, unless the view said
    otherwise: on a shared computer, the next person pressing Back after sign-out must not see a summary, an outbox
    or an account page from the browser's cache. Signed-out pages that show personal data (responding, links from
    emails) say so in their views."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if "Cache-Control" not in response.headers and user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
