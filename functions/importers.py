"""Import a function matrix in the seed's layout (Function, Owned by, Influenced by, Supports, Other key links to)
from TSV, CSV or XLSX.

The file is the whole matrix of one system: functions are matched by title (ignoring case), created or updated,
and functions of the system missing from the file are retired (never deleted: history keeps them). Every row is
checked before anything is written; one bad row rejects the whole file and every problem is reported with its
line. Re-importing the same file changes nothing.

In a cell, several items are separated by ";" or by line breaks. "-" or an empty cell means none. In "Owned by"
the value must name a level of the system; in "Influenced by" and "Supports" a value that names a level is that
level, and anything else is a named body or workstream (created on first use).
"""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from governance.models import Level, System
from ics_portal.spreadsheets import csv_rows, restore_cell

from .models import Body, Function, FunctionLink

COLUMNS = ("Function", "Owned by", "Influenced by", "Supports", "Other key links to")
FORMATS = ("tsv", "csv", "xlsx")
NONE_VALUES = {"", "-", "–", "—"}


class MatrixFileError(Exception):
    """The file cannot be read at all (wrong format, no header)."""


@dataclass(frozen=True)
class Target:
    """A link target as written in the file: a level (by id) or a body (by name)."""

    level_id: int | None = None
    body_name: str = ""

    def key(self) -> tuple[str, str]:
        return ("level", str(self.level_id)) if self.level_id else ("body", self.body_name.casefold())


@dataclass
class ParsedRow:
    line: int
    title: str
    owner: Level
    influenced_by: list[Target]
    supports: list[Target]
    other: list[str]


@dataclass
class ImportReport:
    system: System
    dry_run: bool = False
    errors: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    bodies_created: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.retired or self.bodies_created)

    def summary(self) -> str:
        verb = "Would import" if self.dry_run else "Imported"
        return (
            f"{verb} the matrix of {self.system.name}: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.retired)} retired, {len(self.unchanged)} unchanged, {len(self.bodies_created)} new bodies."
        )


def _clean(value: Any) -> str:
    text = "" if value is None else str(value).replace("\u00a0", " ").strip()
    # Undo the exporter's guard against spreadsheet formulas ("'=x" was written for "=x").
    return restore_cell(text)


def _normalise_header(value: Any) -> str:
    return " ".join(str(value or "").strip().rstrip(":").split()).casefold()


def guess_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in ("tsv", "tab", "txt"):
        return "tsv"
    if suffix in FORMATS:
        return suffix
    raise MatrixFileError(f"Cannot tell the format of {Path(path).name}: use a .tsv, .csv or .xlsx file.")


def read_rows(stream: IO[bytes], fmt: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, cells) for every row, numbering lines as a person sees them in the file."""
    if fmt == "xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise MatrixFileError("The file is not a readable Excel (.xlsx) workbook.") from exc
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, ["" if cell is None else str(cell) for cell in row]
        workbook.close()
        return
    if fmt not in ("csv", "tsv"):
        raise MatrixFileError(f"Unknown format {fmt!r}: use tsv, csv or xlsx.")
    try:
        text = stream.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MatrixFileError("The file is not UTF-8 text: save it as UTF-8 CSV or TSV, or as .xlsx.") from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if fmt == "tsv" else ",")
    try:
        yield from csv_rows(reader)
    except csv.Error as exc:
        raise MatrixFileError(f"Line {reader.line_num}: {exc}.") from exc


def split_cell(value: str) -> list[str]:
    parts = [" ".join(part.split()) for part in value.replace("\r", "\n").replace("\n", ";").split(";")]
    return [part for part in parts if part not in NONE_VALUES]


def parse(rows: Iterable[tuple[int, list[str]]], *, system: System) -> tuple[list[ParsedRow], list[str]]:
    """Check every row; return the parsed rows and a list of every problem ("Line 4: ...")."""
    levels = list(Level.objects.filter(system=system).order_by("rank"))
    by_name = {level.name.casefold(): level for level in levels}
    valid = ", ".join(level.name for level in levels)
    errors: list[str] = []
    parsed: list[ParsedRow] = []
    header: dict[str, int] | None = None
    seen: dict[str, int] = {}

    for line, raw in rows:
        cells = [_clean(cell) for cell in raw]
        if not any(cells):
            continue
        if header is None:
            names = [_normalise_header(cell) for cell in cells]
            wanted = [column.casefold() for column in COLUMNS]
            missing = [column for column, key in zip(COLUMNS, wanted, strict=True) if key not in names]
            if missing:
                errors.append(
                    f"Line {line}: the header row must have the columns {', '.join(COLUMNS)}; "
                    f"missing: {', '.join(missing)}."
                )
                return [], errors
            header = {key: names.index(key) for key in wanted}
            continue

        def cell(column: str, cells: list[str] = cells, header: dict[str, int] = header) -> str:
            index = header[column.casefold()]
            return cells[index] if index < len(cells) else ""

        problems: list[str] = []
        title = " ".join(cell("Function").split())
        if not title or title in NONE_VALUES:
            problems.append("the function has no title")
        elif title.casefold() in seen:
            problems.append(f"the function {title!r} is already on line {seen[title.casefold()]}")
        else:
            seen[title.casefold()] = line

        owners = split_cell(cell("Owned by"))
        owner: Level | None = None
        if not owners:
            problems.append(f"'Owned by' is empty; it must be one of the levels: {valid}")
        elif len(owners) > 1:
            problems.append(f"'Owned by' names {len(owners)} levels; a function has exactly one owner")
        elif owners[0].casefold() not in by_name:
            problems.append(f"'Owned by' {owners[0]!r} is not a level of {system.name}; the levels are: {valid}")
        else:
            owner = by_name[owners[0].casefold()]

        targets: dict[str, list[Target]] = {}
        for column in ("Influenced by", "Supports"):
            items: list[Target] = []
            for name in split_cell(cell(column)):
                level = by_name.get(name.casefold())
                target = Target(level_id=level.pk) if level else Target(body_name=name)
                if level is not None and owner is not None and level.pk == owner.pk:
                    problems.append(f"'{column}' names the function's own owning level, {level.name}")
                elif target.key() in {t.key() for t in items}:
                    problems.append(f"'{column}' names {name!r} twice")
                else:
                    items.append(target)
            targets[column] = items

        other: list[str] = []
        for name in split_cell(cell("Other key links to")):
            if name.casefold() in by_name:
                problems.append(f"'Other key links to' names the level {name!r}: use 'Influenced by' or 'Supports'")
            elif name.casefold() in {o.casefold() for o in other}:
                problems.append(f"'Other key links to' names {name!r} twice")
            else:
                other.append(name)

        too_long = [c for c in cells if len(c) > 2000]
        if too_long:
            problems.append("a cell is longer than 2,000 characters")

        if problems:
            errors.extend(f"Line {line}: {problem}." for problem in problems)
        elif owner is not None:
            parsed.append(
                ParsedRow(
                    line=line,
                    title=title,
                    owner=owner,
                    influenced_by=targets["Influenced by"],
                    supports=targets["Supports"],
                    other=other,
                )
            )

    if header is None:
        errors.append(f"The file is empty: the first row must be the header {', '.join(COLUMNS)}.")
    elif not parsed and not errors:
        errors.append("The file has a header but no functions.")
    return parsed, errors


def _body_for(name: str, *, system: System, cache: dict[str, Body], report: ImportReport) -> Body:
    key = name.casefold()
    if key not in cache:
        body = Body.objects.filter(system=system, name__iexact=name).first()
        if body is None:
            body = Body.objects.create(system=system, name=name)
            report.bodies_created.append(name)
        cache[key] = body
    return cache[key]


def _wanted_links(
    row: ParsedRow, *, system: System, cache: dict[str, Body], report: ImportReport
) -> list[tuple[str, int | None, int | None, int]]:
    wanted: list[tuple[str, int | None, int | None, int]] = []
    for kind, targets in (("influenced_by", row.influenced_by), ("supports", row.supports)):
        for position, target in enumerate(targets):
            if target.level_id:
                wanted.append((kind, target.level_id, None, position))
            else:
                body = _body_for(target.body_name, system=system, cache=cache, report=report)
                wanted.append((kind, None, body.pk, position))
    for position, name in enumerate(row.other):
        wanted.append(("other", None, _body_for(name, system=system, cache=cache, report=report).pk, position))
    return wanted


def _apply(rows: list[ParsedRow], *, system: System, report: ImportReport) -> None:
    existing: dict[str, Function] = {}
    for found in Function.objects.filter(system=system).prefetch_related("links").order_by("id"):
        existing.setdefault(found.title.casefold(), found)
    cache: dict[str, Body] = {}
    seen_ids: set[int] = set()
    # New bodies take their name from the "Influenced by" and "Supports" columns before "Other key links to":
    # the seed writes "NCL outcomes framework" there, and "NCL Outcomes Framework" only among the other links.
    for row in rows:
        for target in (*row.influenced_by, *row.supports):
            if target.body_name:
                _body_for(target.body_name, system=system, cache=cache, report=report)

    for position, row in enumerate(rows, start=1):
        function = existing.get(row.title.casefold())
        wanted = _wanted_links(row, system=system, cache=cache, report=report)
        if function is None:
            function = Function.objects.create(
                system=system, title=row.title, owner=row.owner, position=position, status=Function.Status.AGREED
            )
            report.created.append(row.title)
            current: set[tuple[str, int | None, int | None, int]] = set()
        else:
            # Compared as sets: a link targets a level or a body, so its tuple holds None beside an int and tuples
            # from one cell naming both cannot be sorted (a TypeError, even with --dry-run). Each is unique by position.
            current = {(link.kind, link.level_id, link.body_id, link.position) for link in function.links.all()}
            changed_fields = []
            for name, value in (
                ("title", row.title),
                ("owner_id", row.owner.pk),
                ("position", position),
            ):
                if getattr(function, name) != value:
                    setattr(function, name, value)
                    changed_fields.append(name)
            if function.status == Function.Status.RETIRED:
                function.status = Function.Status.AGREED
                changed_fields.append("status")
            if changed_fields:
                function.save()
            if changed_fields or current != set(wanted):
                report.updated.append(row.title)
            else:
                report.unchanged.append(row.title)
        seen_ids.add(function.pk)
        if current != set(wanted):
            function.links.all().delete()
            # With history, so the function page can say when a link was added or removed.
            bulk_create_with_history(
                [
                    FunctionLink(function=function, kind=kind, level_id=level_id, body_id=body_id, position=pos)
                    for kind, level_id, body_id, pos in wanted
                ],
                FunctionLink,
            )

    for function in existing.values():
        if function.pk not in seen_ids and function.status != Function.Status.RETIRED:
            function.status = Function.Status.RETIRED
            function.save()
            report.retired.append(function.title)


def import_matrix(*, stream: IO[bytes], fmt: str, system: System, dry_run: bool = False) -> ImportReport:
    """Check the whole file, then (unless it has errors, or dry_run) write it in one transaction."""
    report = ImportReport(system=system, dry_run=dry_run)
    try:
        rows, errors = parse(read_rows(stream, fmt), system=system)
    except MatrixFileError as exc:
        report.errors.append(str(exc))
        return report
    if errors:
        report.errors = errors
        return report
    with transaction.atomic():
        _apply(rows, system=system, report=report)
        if dry_run:
            transaction.set_rollback(True)
    return report


def import_matrix_file(*, path: str | Path, system: System, fmt: str = "", dry_run: bool = False) -> ImportReport:
    fmt = fmt or guess_format(path)
    with open(path, "rb") as stream:
        return import_matrix(stream=stream, fmt=fmt, system=system, dry_run=dry_run)
