from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications (the email outbox)"

    def ready(self) -> None:
        from . import kinds, permissions  # noqa: F401 (permissions registers the rules)
        from .planning import register_kinds

        register_kinds()

        # Not optional: it is the answer to a request the address just made.
        kinds.register(kinds.Kind(name="follow_confirm", optional=False, title="Follow confirmation"))
