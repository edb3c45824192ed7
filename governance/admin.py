"""Editing the structure: the Django admin, with simple_history's history pages for what it records.

Staff need the model permissions (is_staff plus e.g. governance.change_area). The database triggers refuse a
wrong parent or level even if a form let one through; clean() explains the rule first.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Area, AreaCode, AreaPopulation, Board, BoardMember, Level, Membership, Organisation, System


class LevelInline(admin.StackedInline):
    model = Level
    extra = 0
    fields = ("rank", "name", "singular_name", "slug", "typical_population", "expected_count", "description")


@admin.register(System)
class SystemAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "slug")
    search_fields = ("name", "short_name", "slug")
    prepopulated_fields = {"slug": ("short_name",)}
    inlines = (LevelInline,)


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ("name", "system", "rank", "expected_count")
    list_filter = ("system",)
    search_fields = ("name",)


class AreaCodeInline(admin.StackedInline):
    model = AreaCode
    extra = 0


class MembershipInline(admin.StackedInline):
    model = Membership
    extra = 0
    raw_id_fields = ("organisation",)


@admin.register(Area)
class AreaAdmin(SimpleHistoryAdmin):
    list_display = ("name", "level", "parent", "system", "is_placeholder")
    list_filter = ("system", "level", "is_placeholder")
    search_fields = ("name", "slug", "codes__code")
    list_select_related = ("level", "parent", "system")
    raw_id_fields = ("parent",)
    inlines = (AreaCodeInline, MembershipInline)


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "ods_code", "system")
    list_filter = ("kind", "system")
    search_fields = ("name", "ods_code")
    inlines = (MembershipInline,)


class BoardMemberInline(admin.StackedInline):
    model = BoardMember
    extra = 0
    raw_id_fields = ("organisation",)


@admin.register(Board)
class BoardAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "area")
    list_filter = ("kind", "area__system")
    search_fields = ("name", "area__name")
    list_select_related = ("area",)
    raw_id_fields = ("area",)
    inlines = (BoardMemberInline,)


@admin.register(AreaPopulation)
class AreaPopulationAdmin(admin.ModelAdmin):
    """Read here; recorded by manage.py import_population, which checks every row first."""

    list_display = ("area", "age_band", "year", "population", "source")
    list_filter = ("year", "area__system")
    search_fields = ("area__name",)
    raw_id_fields = ("area",)
