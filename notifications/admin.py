from django.contrib import admin

from .models import Email, Suppression


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "to", "status", "attempts", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("to", "dedup_key", "message_id")
    readonly_fields = [f.name for f in Email._meta.concrete_fields]


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ("address", "created_at")
    search_fields = ("address",)
