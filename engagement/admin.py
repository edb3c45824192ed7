"""Admin for engagement. Managers work in the portal (/manage/consultations/); the admin is for superusers.

Response, answers and equality records are read in aggregate elsewhere; they are not listed here on purpose.
"""

from django.contrib import admin
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
    list_display = ("title", "owner_area", "opens_at", "closes_at", "is_published")
    list_filter = ("is_published", "system")
    search_fields = ("title", "slug", "summary")
    raw_id_fields = ("owner_area", "lead_organisation", "created_by")
    inlines = (SectionInline, DocumentInline)
    readonly_fields = ("created_at", "updated_at")


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
