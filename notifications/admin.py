from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Email, Suppression


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    """To look at, not to edit: rows are written and changed by notifications/services.py only (staff send a
    failed one again from /staff/outbox/)."""

    list_display = ("created_at", "kind", "to", "status", "attempts", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("to", "dedup_key", "message_id")
    # The bodies hold live sign-in codes and signed response links: anyone allowed to view the outbox here could
    # otherwise sign in as, or change the response of, whoever the email was for.
    exclude = ("body_text", "body_html", "data")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    """An address can be taken off the list (delete) by an administrator who knows it works again (a refusal) or
    who was asked by its owner (an unsubscribe)."""

    list_display = ("address", "cause", "created_at")
    list_filter = ("cause",)
    search_fields = ("address",)
    raw_id_fields = ("email",)
