from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "engagement"

    def ready(self) -> None:
        from . import permissions  # noqa: F401 (registers the rules)
        from .services.emails import register_kinds

        register_kinds()
