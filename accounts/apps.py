from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from . import permissions  # noqa: F401 (registers the role rules)
        from .emails import register_kinds

        register_kinds()
