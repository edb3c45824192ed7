"""Outcomes in the admin, read-only: they are written and published on the managers' page (outcomes/views.py),
whose service keeps the consultation's status and the emails in step; the admin shows their history."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .models import Outcome


@admin.register(Outcome)
class OutcomeAdmin(SimpleHistoryAdmin):
    list_display = ("consultation", "published_at", "published_by", "updated_at")
    list_select_related = ("consultation", "published_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
