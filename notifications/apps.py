from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications (the email outbox)"

    def ready(self) -> None:
        from . import permissions  # noqa: F401 (registers the rules)
