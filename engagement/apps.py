from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "engagement"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import permissions  # noqa: F401 (registers the rules)
        from .views.respond import retire_forms_on_sign_in

        user_logged_in.connect(retire_forms_on_sign_in, dispatch_uid="engagement.retire_forms_on_sign_in")
