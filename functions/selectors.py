"""Reads for the matrix. Each selector costs a fixed number of queries, whatever the number of functions."""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Lower, Trim

from governance.models import Level, System

from .models import Body, Category, Function, FunctionLink, MatrixRevision, MatrixVersion

# Worded from the function's side, as the seed's columns are ("Owned by", "Influenced by", "Supports").
RELATIONSHIPS = (
    ("owns", "Owned by the level"),
    ("influenced_by", "Influenced by the level"),
    ("supports", "Supports the level"),
)
OWNED_BY = "Owned by"
LINK_LABELS = {"influenced_by": "Influenced by", "supports": "Supports", "other": "Other key link"}


@dataclass
class MatrixFilters:
    level: Level | None = None
    relationship: str = ""
    category: str = ""
    body: Body | None = None
    q: str = ""

    @property
    def active(self) -> bool:
        return bool(self.level or self.relationship or self.category or self.body or self.q)


def matrix_revision() -> int | None:
    """The current revision (see MatrixRevision), or None when the row is missing (caching is then off).

    Plain SQL: the grid asks on every request, and the ORM would cost more than the query."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {MatrixRevision._meta.db_table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def systems_with_functions() -> list[System]:
    has_functions = Exists(Function.objects.current().filter(system=OuterRef("pk")))
    return list(System.objects.filter(has_functions).order_by("name"))


def system_levels(*, system: System) -> list[Level]:
    return list(Level.objects.filter(system=system).order_by("rank"))


def system_bodies(*, system: System) -> list[Body]:
    return list(Body.objects.filter(system=system).order_by(Lower("name")))


def system_categories(*, system: System) -> list[str]:
    """The categories the system's current functions use: an empty category is not worth offering as a filter."""
    used = set(Function.objects.current().for_system(system).values_list("category", flat=True).distinct())
    return [value for value in Category.values if value in used]


def _with_links(queryset: QuerySet[Function]) -> QuerySet[Function]:
    links = FunctionLink.objects.select_related("level", "body").order_by("kind", "position", "id")
    return queryset.select_related("owner", "system").prefetch_related(Prefetch("links", queryset=links))


def _filtered(*, system: System, filters: MatrixFilters | None) -> QuerySet[Function]:
    queryset = Function.objects.current().for_system(system)
    if filters is not None:
        if filters.level is not None:
            queryset = queryset.related_to_level(filters.level, filters.relationship)
        if filters.body is not None:  # with no level chosen, the relationship is the body's
            queryset = queryset.linked_to_body(filters.body, "" if filters.level is not None else filters.relationship)
        elif filters.level is None and filters.relationship:
            queryset = queryset.with_relationship(filters.relationship)
        if filters.category:
            queryset = queryset.filter(category=filters.category)
        if filters.q:
            queryset = queryset.search(filters.q)
    return queryset


def matrix_functions(*, system: System, filters: MatrixFilters | None = None) -> QuerySet[Function]:
    """The system's current functions, filtered, with owner and links loaded (two queries when evaluated)."""
    return _with_links(_filtered(system=system, filters=filters)).order_by("position", "id")


@dataclass
class GridFunction:
    pk: int
    title: str
    status: str
    owner_id: int
    url: str = ""


@dataclass
class GridRow:
    """One function in both views: the seed's columns (owner, influenced by, supports, other key links: level
    and body names in the file's order) and the by-level grid (`cells`, one per level column)."""

    function: Any  # GridFunction on the grid, Function on a function's own page
    cells: list[list[str]]  # one list of words per level column, from the function's side: ["Owned by"], ["Supports"]
    bodies: list[tuple[str, str]]  # (relationship label, body name)
    owner: str = ""
    influenced_by: list[str] = field(default_factory=list)
    supports: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)


KIND_ORDER = {"influenced_by": 0, "supports": 1, "other": 2}


def _cells(owner_id: int, links: list[tuple[str, int | None, int | None]], levels: list[Level]) -> list[list[str]]:
    cells = []
    for level in levels:
        words = [OWNED_BY] if owner_id == level.pk else []
        for kind in ("influenced_by", "supports"):
            if any(k == kind and level_id == level.pk for k, level_id, _ in links):
                words.append(LINK_LABELS[kind])
        cells.append(words)
    return cells


def matrix_grid_rows(
    *, system: System, filters: MatrixFilters | None, levels: list[Level], bodies: list[Body]
) -> list[GridRow]:
    """The grid's rows from two queries of plain values (no model instances: 1,000 functions stay quick).
    `bodies` are the system's bodies, already loaded for the filter form."""
    functions = [
        GridFunction(pk=pk, title=title, status=status, owner_id=owner_id)
        for pk, title, status, owner_id in _filtered(system=system, filters=filters)
        .order_by("position", "id")
        .values_list("pk", "title", "status", "owner_id")
    ]
    links: dict[int, list[tuple[str, int | None, int | None]]] = defaultdict(list)
    if functions:
        rows = (
            FunctionLink.objects.filter(function_id__in=[f.pk for f in functions])
            .order_by("position", "id")
            .values_list("function_id", "kind", "level_id", "body_id")
        )
        for function_id, kind, level_id, body_id in rows:
            links[function_id].append((kind, level_id, body_id))
    names = {body.pk: body.name for body in bodies}
    level_names = {level.pk: level.name for level in levels}
    result = []
    for function in functions:
        mine = sorted(links[function.pk], key=lambda link: KIND_ORDER.get(link[0], 9))

        def targets(kind: str, mine: list[tuple[str, int | None, int | None]] = mine) -> list[str]:
            return [
                level_names.get(level_id, "") if level_id else names.get(body_id or 0, "")
                for k, level_id, body_id in mine
                if k == kind
            ]

        result.append(
            GridRow(
                function=function,
                cells=_cells(function.owner_id, mine, levels),
                bodies=[(LINK_LABELS[kind], names.get(body_id, "")) for kind, _, body_id in mine if body_id],
                owner=level_names.get(function.owner_id, ""),
                influenced_by=targets("influenced_by"),
                supports=targets("supports"),
                other=targets("other"),
            )
        )
    return result


def matrix_grid(*, functions: QuerySet[Function] | list[Function], levels: list[Level]) -> list[GridRow]:
    """Rows for functions loaded with their links (a function's own page)."""
    rows = []
    for function in functions:
        links = sorted(function.links.all(), key=lambda link: (KIND_ORDER.get(link.kind, 9), link.position, link.pk))
        simple = [(link.kind, link.level_id, link.body_id) for link in links]
        bodies = [(LINK_LABELS[link.kind], link.body.name) for link in links if link.body is not None]
        rows.append(GridRow(function=function, cells=_cells(function.owner_id, simple, levels), bodies=bodies))
    return rows


def function_detail(*, pk: int) -> Function | None:
    return _with_links(Function.objects.filter(pk=pk)).first()


@dataclass
class HistoryEntry:
    when: Any
    what: str
    user: Any


def function_history(*, function: Function, limit: int = 30) -> list[HistoryEntry]:
    """Who changed the function or its links, and when (django-simple-history), newest first; two queries."""
    verbs = {"+": "Created", "~": "Changed", "-": "Deleted"}
    link_verbs = {"+": "Added", "~": "Changed", "-": "Removed"}
    entries = [
        HistoryEntry(record.history_date, f"{verbs[record.history_type]} the function", record.history_user)
        for record in function.history.select_related("history_user").order_by("-history_date")[:limit]
    ]
    links = (
        FunctionLink.history.filter(function_id=function.pk)
        .select_related("history_user", "level", "body")
        .order_by("-history_date")[:limit]
    )
    for record in links:
        target = record.level.name if record.level_id else (record.body.name if record.body_id else "")
        label = LINK_LABELS.get(record.kind, record.kind).lower()
        entries.append(
            HistoryEntry(
                record.history_date, f"{link_verbs[record.history_type]} {label}: {target}", record.history_user
            )
        )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]


@dataclass
class LevelFunctions:
    owns: list[Function] = field(default_factory=list)
    influenced_by: list[Function] = field(default_factory=list)
    supports: list[Function] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.owns) + len(self.influenced_by) + len(self.supports)


def functions_for_level(*, level: Level) -> LevelFunctions:
    """What a level owns, is influenced by and supports, in one query (also used by governance's area page).

    "Influenced by" lists the functions that name this level in their "Influenced by" column, and "Supports"
    those that name it in "Supports", as the seed's matrix reads."""

    def linked(kind: str) -> Exists:
        return Exists(FunctionLink.objects.filter(function=OuterRef("pk"), kind=kind, level=level))

    functions = (
        Function.objects.current()
        .annotate(is_influenced_by=linked("influenced_by"), is_supports=linked("supports"))
        .filter(Q(owner=level) | Q(is_influenced_by=True) | Q(is_supports=True))
        .select_related("owner")
        .order_by("position", "id")
    )
    result = LevelFunctions()
    for function in functions:
        if function.owner_id == level.pk:
            result.owns.append(function)
        if function.is_influenced_by:  # type: ignore[attr-defined]
            result.influenced_by.append(function)
        if function.is_supports:  # type: ignore[attr-defined]
            result.supports.append(function)
    return result


# --- Versions ---


def matrix_snapshot(*, system: System, functions: QuerySet[Function] | list[Function]) -> dict[str, Any]:
    """The JSON kept in a MatrixVersion: names, not ids, for links, so a snapshot reads on its own."""

    def names(links: list[FunctionLink], kind: str) -> list[str]:
        return [link.target_name for link in links if link.kind == kind]

    rows = []
    for function in functions:
        links = sorted(function.links.all(), key=lambda link: (link.kind, link.position, link.pk))
        rows.append(
            {
                "id": function.pk,
                "title": function.title,
                "owner": function.owner.name,
                "category": function.category,
                "status": function.status,
                "influenced_by": names(links, "influenced_by"),
                "supports": names(links, "supports"),
                "other": names(links, "other"),
            }
        )
    return {"system": system.slug, "functions": rows}


def versions_for(*, system: System) -> list[MatrixVersion]:
    return list(MatrixVersion.objects.filter(system=system).select_related("published_by").order_by("-published_at"))


@dataclass
class LinkChange:
    title: str
    relationship: str
    removed: list[str]
    added: list[str]


@dataclass
class VersionDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    owner_changed: list[tuple[str, str, str]] = field(default_factory=list)
    links_changed: list[LinkChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.renamed or self.owner_changed or self.links_changed)


def version_diff(*, old: dict[str, Any], new: dict[str, Any]) -> VersionDiff:
    """What changed from snapshot `old` to snapshot `new`. Functions are matched by id (so a renamed function
    is a rename, not a removal and an addition), falling back to the title for snapshots from elsewhere."""

    def key(row: dict[str, Any]) -> str:
        return f"id:{row['id']}" if row.get("id") is not None else f"title:{row['title'].casefold()}"

    before = {key(row): row for row in old.get("functions", [])}
    after = {key(row): row for row in new.get("functions", [])}
    diff = VersionDiff()
    for k, row in after.items():
        if k not in before:
            diff.added.append(row["title"])
    for k, row in before.items():
        if k not in after:
            diff.removed.append(row["title"])
            continue
        now = after[k]
        if now["title"] != row["title"]:
            diff.renamed.append((row["title"], now["title"]))
        if now["owner"] != row["owner"]:
            diff.owner_changed.append((now["title"], row["owner"], now["owner"]))
        for kind in ("influenced_by", "supports", "other"):
            was, is_ = row.get(kind, []), now.get(kind, [])
            if was != is_:
                diff.links_changed.append(
                    LinkChange(
                        title=now["title"],
                        relationship=LINK_LABELS[kind],
                        removed=[name for name in was if name not in is_],
                        added=[name for name in is_ if name not in was],
                    )
                )
    return diff


# --- Consistency ---


@dataclass
class Problem:
    kind: str
    message: str
    function: Function | None = None
    body: Body | None = None


PROBLEM_KINDS = {
    "owner": "Functions without exactly one owner in their system",
    "own_level": "Functions influenced by or supporting their own owning level",
    "duplicate": "Duplicate titles",
    "unused_body": "Bodies no function uses",
}


def matrix_problems(*, system: System | None = None) -> list[Problem]:
    """Everything check_matrix and the consistency page report, in four queries."""
    functions = Function.objects.current().select_related("owner", "system")
    bodies = Body.objects.all()
    if system is not None:
        functions = functions.filter(system=system)
        bodies = bodies.filter(system=system)
    problems: list[Problem] = []

    for function in functions.exclude(owner__system=F("system")).order_by("position", "id"):
        problems.append(
            Problem(
                "owner",
                f"{function.title!r} is owned by {function.owner.name}, which is not a level of {function.system.name}.",
                function=function,
            )
        )

    links = (
        FunctionLink.objects.filter(function__in=functions, kind__in=["influenced_by", "supports"])
        .filter(level_id=F("function__owner_id"))
        .select_related("function", "level")
        .order_by("function__position", "function_id")
    )
    for link in links:
        problems.append(
            Problem(
                "own_level",
                f"{link.function.title!r} is owned by {link.level.name} and also says "  # type: ignore[union-attr]
                f"'{link.get_kind_display()}' {link.level.name}.",  # type: ignore[union-attr]
                function=link.function,
            )
        )

    duplicates = (
        functions.annotate(key=Lower(Trim("title")))
        .values("system_id", "key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("key")
    )
    for row in duplicates:
        titles = list(
            functions.annotate(key=Lower(Trim("title")))
            .filter(system_id=row["system_id"], key=row["key"])
            .order_by("id")
        )
        problems.append(
            Problem(
                "duplicate",
                f"{row['n']} functions are titled {titles[0].title!r}.",
                function=titles[0],
            )
        )

    used = FunctionLink.objects.filter(function__status__in=["draft", "agreed"], body=OuterRef("pk"))
    for body in bodies.filter(~Exists(used)).order_by(Lower("name")):
        problems.append(Problem("unused_body", f"No current function links to {body.name!r}.", body=body))
    return problems
