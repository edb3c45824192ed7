from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    return {
        "service_name": settings.SERVICE_NAME,
        "entra_enabled": bool(settings.ENTRA_CLIENT_ID),
        "support_email": settings.SUPPORT_EMAIL,
    }
