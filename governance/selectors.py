"""Reads for the structure pages. Each takes a fixed number of queries whatever the number of areas,
children, organisations, boards or members (tests/governance/test_views.py checks at two sizes)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Model, Prefetch, Q, QuerySet

from .models import Area, AreaCode, AreaPopulation, Board, BoardMember, Level, Membership, Organisation, System

SEARCH_LIMIT = 50


@dataclass
class TreeNode:
    area: Area
    children: list[TreeNode] = field(default_factory=list)


@dataclass
class LevelRow:
    level: Level
    area_count: int
    placeholder_count: int

    @property
    def missing(self) -> int:
        """How many areas of this level are expected but not loaded yet."""
        expected = self.level.expected_count or 0
        return max(expected - self.area_count, 0)


@dataclass
class SystemPage:
    system: System
    levels: list[LevelRow]  # top level first
    tree: list[TreeNode]


@dataclass
class AreaPage:
    area: Area
    levels: list[Level]
    ancestors: list[Area]  # top first
    children: Sequence[Area]
    child_level: Level | None
    codes: list[AreaCode]
    memberships: list[Membership]
    boards: list[Board]
    population: AreaPopulation | None = None  # all ages, the newest year recorded


def newest_populations(figures: QuerySet[AreaPopulation]) -> dict[tuple[int, str], AreaPopulation]:
    """Of these figures, the newest year's for each area and age band ("" for all ages): the one rule for which
    figure counts, on the area page and in the PMO's responses per 10,000 residents. One query."""
    newest: dict[tuple[int, str], AreaPopulation] = {}
    for figure in figures.order_by("year"):
        newest[(figure.area_id, figure.age_band)] = figure
    return newest


def area_population(*, area: Area) -> AreaPopulation | None:
    """The area's number of residents (all ages) with its source and year."""
    return newest_populations(AreaPopulation.objects.filter(area=area, age_band="")).get((area.pk, ""))


def system_list() -> QuerySet[System]:
    """Systems with how many levels and areas each has: one query."""
    return System.objects.annotate(
        level_count=Count("levels", distinct=True), area_count=Count("areas", distinct=True)
    ).order_by("name")


def build_tree(areas: list[Area]) -> list[TreeNode]:
    """The loaded areas as trees (children in the order given): the system page's and the exports' one tree."""
    nodes = {area.id: TreeNode(area) for area in areas}
    roots = []
    for area in areas:
        node = nodes[area.id]
        parent = nodes.get(area.parent_id) if area.parent_id else None
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    return roots


def system_page(*, system: System) -> SystemPage:
    """Levels with counts (one query) and the whole tree (one query)."""
    levels = (
        Level.objects.filter(system=system)
        .annotate(area_count=Count("areas"), placeholder_count=Count("areas", filter=_placeholder_filter()))
        .order_by("-rank")
    )
    rows = [LevelRow(level, level.area_count, level.placeholder_count) for level in levels]
    areas = list(
        Area.objects.filter(system=system)
        .select_related("level")
        .only("id", "name", "slug", "parent_id", "is_placeholder", "level__name", "level__singular_name", "level__rank")
        .order_by("name")
    )
    return SystemPage(system=system, levels=rows, tree=build_tree(areas))


def _placeholder_filter() -> Q:
    return Q(areas__is_placeholder=True)


def area_page(*, system: System, slug: str) -> AreaPage | None:
    """The area with its ancestors (one query whatever the depth: the levels say how many there can be),
    children, codes, population, organisations, and boards with their members."""
    levels = list(Level.objects.filter(system=system).order_by("rank"))
    area = Area.objects.select_related("system", "level", "parent__level").filter(system=system, slug=slug).first()
    if area is None:
        return None
    ancestors = list(
        Area.objects.ancestors_of([area.pk], steps=levels[-1].rank - area.level.rank)
        .select_related("level")
        .order_by("-level__rank")
    )
    children = list(
        Area.objects.filter(parent=area)
        .annotate(child_count=Count("children"))
        .order_by("name")
        .only("id", "name", "slug", "is_placeholder", "parent_id", "level_id")
    )
    child_level = next((level for level in levels if level.rank == area.level.rank - 1), None)
    memberships = list(
        Membership.objects.filter(area=area).select_related("organisation").order_by("organisation__name")
    )
    boards = list(
        Board.objects.filter(area=area)
        .prefetch_related(
            Prefetch("members", queryset=BoardMember.objects.select_related("organisation").order_by("id"))
        )
        .order_by("name")
    )
    return AreaPage(
        area=area,
        levels=levels,
        ancestors=ancestors,
        children=children,
        child_level=child_level,
        codes=list(AreaCode.objects.filter(area=area).order_by("scheme", "code")),
        memberships=memberships,
        boards=boards,
        population=area_population(area=area),
    )


@dataclass
class OrganisationPage:
    organisation: Organisation
    memberships: list[Membership]
    seats: list[BoardMember]


def organisation_page(*, pk: int) -> OrganisationPage | None:
    organisation = Organisation.objects.select_related("system").filter(pk=pk).first()
    if organisation is None:
        return None
    memberships = list(
        Membership.objects.filter(organisation=organisation)
        .select_related("area__system", "area__level")
        .order_by("area__system__name", "-area__level__rank", "area__name")
    )
    seats = list(
        BoardMember.objects.filter(organisation=organisation)
        .select_related("board__area__system")
        .order_by("board__name")
    )
    return OrganisationPage(organisation, memberships, seats)


@dataclass
class SearchResults:
    query: str
    areas: list[Area]
    organisations: list[Organisation]
    limit: int = SEARCH_LIMIT


def search(*, query: str) -> SearchResults:
    """Areas and organisations by name (every word) or by code (exact or prefix); two queries."""
    areas = list(
        Area.objects.search(query)
        .select_related("system", "level", "parent")
        .order_by("system__name", "-level__rank", "name")[:SEARCH_LIMIT]
    )
    organisations = list(Organisation.objects.search(query).select_related("system").order_by("name")[:SEARCH_LIMIT])
    return SearchResults(query=query, areas=areas, organisations=organisations)


# --- Change history -------------------------------------------------------------------------------------

HISTORY_MODELS: dict[str, type[Model]] = {"area": Area, "organisation": Organisation, "board": Board}
HISTORY_LIMIT = 200
CHANGE_TYPES = {"+": "Created", "~": "Changed", "-": "Deleted"}


@dataclass
class HistoryEntry:
    when: Any
    who: str
    what: str
    subject: str  # "" for the object itself, else e.g. "Seat: Chair (to be confirmed)"
    changes: list[tuple[str, str, str]]  # (field label, old, new)


Labeller = Callable[[Any, dict[str, dict[Any, str]]], str]


def _seat_label(record: Any, names: dict[str, dict[Any, str]]) -> str:
    return f"Seat: {record.person_name} ({dict(BoardMember.Role.choices).get(record.role, record.role)})"


def _code_label(record: Any, names: dict[str, dict[Any, str]]) -> str:
    return f"Code: {record.code}"


def _member_org_label(record: Any, names: dict[str, dict[Any, str]]) -> str:
    return f"Member organisation: {names['organisation'].get(record.organisation_id, 'removed')}"


def _member_area_label(record: Any, names: dict[str, dict[Any, str]]) -> str:
    return f"Membership of: {names['area'].get(record.area_id, 'removed')}"


# What else belongs in each object's history: (model, the field pointing at the object, how to name a record).
RELATED_HISTORY: dict[str, list[tuple[type[Model], str, Labeller]]] = {
    "area": [(AreaCode, "area", _code_label), (Membership, "area", _member_org_label)],
    "organisation": [(Membership, "organisation", _member_area_label)],
    "board": [(BoardMember, "board", _seat_label)],
}


def _history_entries(model: type[Model], records: list[Any], label: Labeller | None) -> list[HistoryEntry]:
    """Entries for one model's records (newest first), each compared with the previous record of its object.

    Objects named by foreign keys are looked up in one query per key, not per record.
    """
    tracked = [f for f in model._meta.concrete_fields if f.name != "id"]
    names: dict[str, dict[Any, str]] = {}
    for f in tracked:
        if f.is_relation and f.related_model is not None:
            ids = {getattr(r, f.attname) for r in records} - {None}
            names[f.name] = {o.pk: str(o) for o in f.related_model._default_manager.filter(pk__in=ids)} if ids else {}

    def show(f: Any, record: Any) -> str:
        value = getattr(record, f.attname)
        if value is None or value == "":
            return "(none)"
        if f.name in names:
            return names[f.name].get(value, f"#{value} (removed)")
        if f.choices:
            return str(dict(f.flatchoices).get(value, value))
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return str(value)

    older: dict[Any, Any] = {}
    entries = []
    for record in reversed(records):  # oldest first, so each record meets its predecessor
        previous = older.get(record.id)
        older[record.id] = record
        changes = []
        for f in tracked:
            new = show(f, record)
            if previous is None:
                if record.history_type == "+" and new != "(none)":
                    changes.append((str(f.verbose_name).capitalize(), "", new))
                continue
            old = show(f, previous)
            if old != new:
                changes.append((str(f.verbose_name).capitalize(), old, new))
        user = record.history_user
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=(user.email if user else "System (import or script)"),
                what=CHANGE_TYPES.get(record.history_type, record.history_type),
                subject=label(record, names) if label else "",
                changes=changes,
            )
        )
    entries.reverse()
    return entries


def history_page(*, kind: str, pk: int) -> tuple[Model, list[HistoryEntry]] | None:
    """The simple_history records of an area, organisation or board, and of what hangs off it (an area's
    codes and member organisations, a board's seats), newest first, each with what changed."""
    model = HISTORY_MODELS.get(kind)
    if model is None:
        return None
    obj = model._default_manager.filter(pk=pk).first()
    if obj is None:
        return None
    own = list(
        model.history.filter(id=pk)  # type: ignore[attr-defined]
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:HISTORY_LIMIT]
    )
    entries = _history_entries(model, own, None)
    for related, field_name, label in RELATED_HISTORY[kind]:
        records = list(
            related.history.filter(**{f"{field_name}_id": pk})  # type: ignore[attr-defined]
            .select_related("history_user")
            .order_by("-history_date", "-history_id")[:HISTORY_LIMIT]
        )
        entries.extend(_history_entries(related, records, label))
    entries.sort(key=lambda e: e.when, reverse=True)
    return obj, entries[:HISTORY_LIMIT]
