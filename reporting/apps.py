from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Summaries, charts and exports of consultation responses for the PMO and area managers. It reads engagement
    and governance; engagement never imports it."""

    name = "reporting"
    verbose_name = "Response summaries and exports"

    def ready(self) -> None:
        from . import permissions  # noqa: F401 (registers the rules)
