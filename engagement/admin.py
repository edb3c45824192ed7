"""Admin for engagement. Managers work in the portal (/manage/consultations/); the admin is for superusers.

Response, answers and equality records are read in aggregate elsewhere; they are not listed here on purpose.
"""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from . import permissions  # noqa: F401  (registers the rules at start-up)
from .models import Consultation, Document, ManagerScope, Question, Section


class SectionInline(admin.StackedInline):
    model = Section
    extra = 0


class DocumentInline(admin.StackedInline):
    model = Document
    extra = 0
    readonly_fields = ("file_type", "size")


@admin.register(Consultation)
class ConsultationAdmin(SimpleHistoryAdmin):
    list_display = ("title", "owner_area", "opens_at", "closes_at", "is_published", "sent", "drafts", "held")
    list_filter = ("is_published", "system")
    search_fields = ("title", "slug", "summary")
    raw_id_fields = ("owner_area", "lead_organisation", "created_by")
    inlines = (SectionInline, DocumentInline)
    readonly_fields = ("created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Consultation]:
        return super().get_queryset(request).with_response_counts()  # type: ignore[attr-defined,no-any-return]

    # The same counts as the managers' pages (ConsultationQuerySet.with_response_counts).
    @admin.display(description="Sent responses", ordering="sent_count")
    def sent(self, obj: Any) -> int:
        return int(obj.sent_count)

    @admin.display(description="Drafts in progress", ordering="draft_count")
    def drafts(self, obj: Any) -> int:
        return int(obj.draft_count)

    @admin.display(description="Held as suspected automated", ordering="suspected_count")
    def held(self, obj: Any) -> int:
        return int(obj.suspected_count)


@admin.register(Question)
class QuestionAdmin(SimpleHistoryAdmin):
    list_display = ("text", "consultation", "order", "kind", "required")
    list_filter = ("kind",)
    search_fields = ("text",)
    raw_id_fields = ("consultation", "section", "show_if_question")


@admin.register(ManagerScope)
class ManagerScopeAdmin(admin.ModelAdmin):
    list_display = ("user", "area")
    raw_id_fields = ("user", "area")
    search_fields = ("user__email", "area__name")
