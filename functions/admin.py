"""Editing the matrix: the Django admin, with history (who and when) from django-simple-history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Body, Function, FunctionLink, MatrixVersion


class FunctionLinkInline(admin.StackedInline):
    model = FunctionLink
    extra = 1
    fields = ("kind", "level", "body", "position")
    raw_id_fields = ("body",)


@admin.register(Function)
class FunctionAdmin(SimpleHistoryAdmin):
    list_display = ("title", "system", "owner", "category", "status")
    list_filter = ("system", "owner", "category", "status")
    search_fields = ("title", "description")
    list_select_related = ("system", "owner")
    inlines = (FunctionLinkInline,)


@admin.register(Body)
class BodyAdmin(SimpleHistoryAdmin):
    list_display = ("name", "system")
    list_filter = ("system",)
    search_fields = ("name",)


@admin.register(MatrixVersion)
class MatrixVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "system", "published_at", "published_by")
    readonly_fields = ("system", "name", "published_at", "published_by", "data")

    def has_add_permission(self, request: object) -> bool:
        return False  # published from the versions page, which takes the snapshot
