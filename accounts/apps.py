from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from allauth.account.signals import login_code_rejected

        from . import permissions  # noqa: F401 (registers the role rules)
        from .adapters import login_code_rejected as count_wrong_code
        from .emails import register_kinds

        register_kinds()
        login_code_rejected.connect(count_wrong_code, dispatch_uid="accounts.count_wrong_code")
