from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reinstall_sqlite_triggers(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """SQLite drops triggers when a migration rebuilds a table; put them back (idempotent)."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from . import db_triggers

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    applied = MigrationRecorder(connection).applied_migrations()
    if ("governance", "0002_level_expected_count_and_area_triggers") in applied:
        db_triggers.install(connection)


class GovernanceConfig(AppConfig):
    name = "governance"

    def ready(self) -> None:
        from . import permissions  # noqa: F401 - registers the rules

        post_migrate.connect(_reinstall_sqlite_triggers, sender=self)
        _register_follow_target()


def _register_follow_target() -> None:
    """Followers of an area hear about consultations in it or below it (notifications/targets.py)."""
    from django.urls import reverse

    from notifications import targets

    from .models import Area

    targets.register(
        targets.Target(
            model=Area,
            followable=lambda: Area.objects.select_related("system"),
            title=lambda a: a.name,
            url=lambda a: reverse("governance:area_detail", args=[a.system.slug, a.slug]),
            noun="area",
            promise=lambda a: (
                "hear when consultations open here or in the areas within it, and get reminders before they close"
            ),
        )
    )
