from typing import Any

from django.apps import AppConfig
from django.utils import timezone


class EngagementConfig(AppConfig):
    name = "engagement"

    def ready(self) -> None:
        from . import permissions  # noqa: F401 (registers the rules)
        from .services.emails import register_kinds

        register_kinds()
        _register_follow_target()


def _follow_promise(consultation: Any) -> str:
    """Its opening email (until it opens) and its reminders (notifications/openings.py, reminders.py)."""
    reminders = "get reminders before it closes, until you respond"
    return reminders if consultation.opens_at <= timezone.now() else f"hear when it opens and {reminders}"


def _register_follow_target() -> None:
    from django.urls import reverse

    from notifications import targets

    from .models import Consultation

    targets.register(
        targets.Target(
            model=Consultation,
            followable=lambda: Consultation.objects.published(),
            title=lambda c: c.title,
            url=lambda c: reverse("engagement:consultation_detail", args=[c.slug]),
            noun="consultation",
            promise=_follow_promise,
        )
    )
