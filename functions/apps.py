from django.apps import AppConfig


class FunctionsConfig(AppConfig):
    name = "functions"
    verbose_name = "Function matrix"

    def ready(self) -> None:
        from . import permissions  # noqa: F401 (registers the rules)
