from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    """ "You said, we did": what a closed consultation heard and what was decided. It reads engagement, functions
    and governance; engagement never imports it (the consultation page shows it through a Jinja global)."""

    name = "outcomes"
    verbose_name = "Consultation outcomes"

    def ready(self) -> None:
        from .emails import register_kinds

        register_kinds()
