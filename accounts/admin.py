from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group

from .models import PmoScope, User

# Plain multiple selects instead of Django's two-box filter widget, whose help icon fails axe
# (aria-prohibited-attr); see tests/browser/test_admin.py.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    filter_horizontal = ()


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    filter_horizontal = ()
    list_display = ("email", "full_name", "is_staff", "is_superuser", "is_active")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "full_name", "password")}),
        ("Roles", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(PmoScope)
class PmoScopeAdmin(admin.ModelAdmin):
    """Which system's PMO a member of the PMO group is (no system: every system, and the outbox)."""

    list_display = ("user", "system")
    list_filter = ("system",)
    raw_id_fields = ("user",)
    search_fields = ("user__email",)
