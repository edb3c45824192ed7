"""Reading area lists (import_areas) and NHS Digital's ePCN list (import_epcn) from CSV.

Both importers work in two passes. The first reads and checks every row against the file and the database and
collects every problem with its line number; if there is any, nothing is written. The second applies the rows
in one transaction through governance.services, top of the tree first; a dry run does the same work and rolls
it back, so what it prints is exactly what a real run would change. Re-running a file changes nothing.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.text import slugify

from ics_portal.spreadsheets import restore_cell

from . import services
from .models import RESERVED_SYSTEM_SLUGS, Area, AreaCode, Level, Organisation, System
from .services import Change

GSS_RE = re.compile(r"^[EWSN]\d{8}$")
ODS_RE = re.compile(r"^[A-Z0-9]{3,10}$")
PCN_RE = re.compile(r"^U[A-Z0-9]{5}$")
MAX_NAME = 200


class ImportFileError(Exception):
    """The file as a whole cannot be read (missing columns, not text, empty); nothing is written."""


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class ImportResult:
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return f"{len(self.errors)} problem(s) found: nothing was written."
        verbs = ("to create", "to update", "to remove") if self.dry_run else ("created", "updated", "removed")
        parts = [
            f"{self.counts[Change.CREATED]} {verbs[0]}",
            f"{self.counts[Change.UPDATED]} {verbs[1]}",
            f"{self.counts[Change.UNCHANGED]} unchanged",
        ]
        if self.counts[Change.REMOVED]:
            parts.append(f"{self.counts[Change.REMOVED]} {verbs[2]}")
        if self.counts["skipped"]:
            parts.append(f"{self.counts['skipped']} skipped")
        prefix = "Dry run, nothing written: " if self.dry_run else ""
        return prefix + ", ".join(parts) + "."

    def record(self, line: int, outcome: services.Outcome, text: str) -> None:
        self.counts[outcome.change] += 1
        if outcome.change is Change.UNCHANGED:
            return
        detail = f" ({outcome.describe()})" if outcome.change is Change.UPDATED and outcome.fields else ""
        verb = {Change.CREATED: "create", Change.UPDATED: "update", Change.REMOVED: "remove"}[outcome.change]
        self.changes.append(f"line {line}: {verb} {text}{detail}" if line else f"{verb} {text}{detail}")


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


@dataclass
class CsvRow:
    line: int
    values: dict[str, str]

    def get(self, key: str) -> str:
        return self.values.get(key, "")


def read_csv(file: TextIO, columns: dict[str, list[str]], required: Iterable[str]) -> list[CsvRow]:
    """Rows keyed by our column names; `columns` maps each name to accepted headers (normalised, in order)."""
    try:
        reader = csv.reader(file)
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise ImportFileError("The file is empty: the first line must name the columns.")
        present = [_norm(h) for h in header]
        index: dict[str, int] = {}
        for name, aliases in columns.items():
            for alias in aliases:
                if alias in present:
                    index[name] = present.index(alias)
                    break
        missing = [name for name in required if name not in index]
        if missing:
            raise ImportFileError(
                "The first line must name the columns; missing: "
                + ", ".join(missing)
                + f" (found: {', '.join(h for h in header if h) or 'nothing'})."
            )
        rows = []
        for fields in reader:
            if not any(f.strip() for f in fields):
                continue
            # restore_cell undoes the exports' guard against formulas, so an exported file imports back as it was.
            values = {name: (restore_cell(fields[i].strip()) if i < len(fields) else "") for name, i in index.items()}
            rows.append(CsvRow(reader.line_num, values))
    except UnicodeDecodeError as error:
        raise ImportFileError("The file is not UTF-8 text (save it from your spreadsheet as CSV UTF-8).") from error
    except csv.Error as error:
        raise ImportFileError(f"The file is not valid CSV: {error}.") from error
    return rows


def code_scheme(code: str) -> str | None:
    if GSS_RE.match(code):
        return AreaCode.Scheme.GSS
    if ODS_RE.match(code):
        return AreaCode.Scheme.ODS
    return None


def _run(result: ImportResult, apply: Callable[[], None]) -> ImportResult:
    """Apply in one transaction; roll back on a dry run or on any database refusal."""
    if result.errors:
        return result
    try:
        with transaction.atomic():
            apply()
            if result.dry_run:
                transaction.set_rollback(True)
    except (IntegrityError, ProtectedError, DatabaseError) as error:
        result.changes.clear()
        result.counts.clear()
        result.errors.append(RowError(0, f"The database refused the change, so nothing was written: {error}"))
    return result


def _find_system(value: str) -> System | None:
    for lookup in ("slug__iexact", "short_name__iexact", "name__iexact"):
        system = System.objects.filter(**{lookup: value}).first()
        if system:
            return system
    return None


# --- import_areas -----------------------------------------------------------------------------------------

AREA_COLUMNS = {
    "system": ["system", "ics", "systemslug"],
    "level": ["level", "levelname", "tier"],
    "name": ["name", "areaname", "area"],
    "code": ["code", "areacode"],
    "parent code": ["parentcode", "parentareacode"],
}


@dataclass
class AreaRow:
    line: int
    system_key: str
    level_key: str
    name: str
    code: str
    parent_code: str
    scheme: str | None = None
    level: Level | None = None
    rank: int = 0
    existing: Area | None = None
    parent_row: AreaRow | None = None
    parent_area: Area | None = None
    saved: Area | None = None


@dataclass
class NewSystem:
    key: str
    name: str
    levels: dict[str, int] = field(default_factory=dict)  # level name -> rank
    top_level: str = ""


def import_areas(file: TextIO, *, dry_run: bool = False) -> ImportResult:
    """Create or update areas from CSV rows (system, level, name, code, parent code).

    A system not yet in the database is created with the levels the file implies: areas without a parent
    code make the top level, and each level sits one rank below the level of its areas' parents.
    """
    result = ImportResult(dry_run=dry_run)
    rows: list[AreaRow] = []
    for raw in read_csv(file, AREA_COLUMNS, required=AREA_COLUMNS):
        row = AreaRow(
            raw.line,
            raw.get("system"),
            raw.get("level"),
            raw.get("name"),
            raw.get("code").upper(),
            raw.get("parent code").upper(),
        )
        problems = []
        for label, value in (("system", row.system_key), ("level", row.level_key), ("name", row.name)):
            if not value:
                problems.append(f"the {label} is empty")
        if len(row.name) > MAX_NAME:
            problems.append(f"the name is longer than {MAX_NAME} characters")
        if row.code:
            row.scheme = code_scheme(row.code)
            if row.scheme is None:
                problems.append(
                    f"code {row.code!r} is neither a GSS code (like E09000003) nor an ODS code (like QMJ or U12345)"
                )
        result.errors.extend(RowError(row.line, p) for p in problems)
        if not problems:
            rows.append(row)

    systems: dict[str, System | NewSystem] = {}
    for row in rows:
        key = row.system_key.lower()
        if key not in systems:
            systems[key] = _find_system(row.system_key) or NewSystem(row.system_key, row.system_key)

    _check_duplicates(rows, result)
    codes = {row.code for row in rows if row.code} | {row.parent_code for row in rows if row.parent_code}
    db_codes = {
        c.code: c.area
        for c in AreaCode.objects.filter(code__in=codes).select_related("area__level", "area__system", "area__parent")
    }
    by_code = {row.code: row for row in rows if row.code}
    existing_systems = [s for s in systems.values() if isinstance(s, System)]
    levels_by_system: dict[int, dict[str, Level]] = defaultdict(dict)
    for level in Level.objects.filter(system__in=existing_systems):
        levels_by_system[level.system_id][level.name.lower()] = level
        levels_by_system[level.system_id][level.slug.lower()] = level
    areas_by_name = {
        (a.level_id, a.name.lower()): a
        for a in Area.objects.filter(system__in=existing_systems).select_related("level", "system", "parent")
    }

    for row in rows:
        system = systems[row.system_key.lower()]
        # The parent, from the file first, then the database.
        if row.parent_code:
            if row.parent_code in by_code:
                row.parent_row = by_code[row.parent_code]
                if row.parent_row.system_key.lower() != row.system_key.lower():
                    result.errors.append(RowError(row.line, f"parent code {row.parent_code} is in another system"))
            elif row.parent_code in db_codes:
                row.parent_area = db_codes[row.parent_code]
                if not isinstance(system, System) or row.parent_area.system_id != system.id:
                    result.errors.append(
                        RowError(
                            row.line,
                            f"parent code {row.parent_code} belongs to {row.parent_area.name!r} "
                            f"in {row.parent_area.system.name}, another system",
                        )
                    )
            else:
                result.errors.append(
                    RowError(row.line, f"parent code {row.parent_code} is not in the file or the database")
                )
        if isinstance(system, System):
            _resolve_existing(row, system, levels_by_system[system.id], db_codes, areas_by_name, result)
        elif row.code in db_codes:
            taken = db_codes[row.code]
            result.errors.append(
                RowError(row.line, f"code {row.code} already belongs to {taken.name!r} ({taken.system.name})")
            )

    for new in systems.values():
        if isinstance(new, NewSystem):
            _infer_levels(new, [r for r in rows if r.system_key.lower() == new.key.lower()], result)
    _check_ranks(rows, systems, result)

    def apply() -> None:
        created_systems: dict[str, System] = {}
        for key, value in systems.items():
            if isinstance(value, NewSystem):
                created_systems[key] = _create_system(value, result)
        for row in sorted(rows, key=lambda r: (-r.rank, r.line)):
            _apply_area_row(row, created_systems, result)

    return _run(result, apply)


def _check_duplicates(rows: list[AreaRow], result: ImportResult) -> None:
    seen_codes: dict[str, int] = {}
    seen_names: dict[tuple[str, str, str], int] = {}
    for row in rows:
        if row.code:
            if row.code in seen_codes:
                result.errors.append(RowError(row.line, f"code {row.code} is also on line {seen_codes[row.code]}"))
            seen_codes.setdefault(row.code, row.line)
        key = (row.system_key.lower(), row.level_key.lower(), row.name.lower())
        if key in seen_names:
            result.errors.append(
                RowError(row.line, f"{row.name!r} on level {row.level_key} is also on line {seen_names[key]}")
            )
        seen_names.setdefault(key, row.line)


def _resolve_existing(
    row: AreaRow,
    system: System,
    levels: dict[str, Level],
    db_codes: dict[str, Area],
    areas_by_name: dict[tuple[int, str], Area],
    result: ImportResult,
) -> None:
    level = levels.get(row.level_key.lower())
    if level is None:
        names = sorted({lv.name for lv in levels.values()}, key=lambda n: n)
        result.errors.append(
            RowError(
                row.line,
                f"{row.level_key!r} is not a level of {system.name} (its levels: {', '.join(names) or 'none'})",
            )
        )
        return
    row.level, row.rank = level, level.rank
    if row.code and row.code in db_codes:
        area = db_codes[row.code]
        if area.system_id != system.id or area.level_id != level.id:
            result.errors.append(
                RowError(
                    row.line,
                    f"code {row.code} already belongs to {area.name!r} ({area.level.name}, {area.system.name})",
                )
            )
            return
        row.existing = area
        other = areas_by_name.get((level.id, row.name.lower()))
        if other and other.id != area.id:
            result.errors.append(
                RowError(row.line, f"another area on level {level.name} is already called {row.name!r}")
            )
    else:
        row.existing = areas_by_name.get((level.id, row.name.lower()))


def _infer_levels(new: NewSystem, rows: list[AreaRow], result: ImportResult) -> None:
    """Ranks for a new system: the level of parentless areas is the top; each level is one below its parents'."""
    tops = [r for r in rows if not r.parent_code]
    if not tops:
        for row in rows:
            result.errors.append(
                RowError(row.line, f"new system {new.name!r} needs a top area: a row with no parent code")
            )
        return
    new.top_level = tops[0].level_key
    parent_level: dict[str, tuple[str, int, str]] = {}
    for row in rows:
        level = row.level_key.lower()
        if not row.parent_code:
            if level != new.top_level.lower():
                result.errors.append(
                    RowError(
                        row.line,
                        f"only areas on the top level ({new.top_level}, line {tops[0].line}) may have no parent code",
                    )
                )
            continue
        if row.parent_row is None:
            continue
        above = row.parent_row.level_key.lower()
        if level == new.top_level.lower():
            result.errors.append(RowError(row.line, f"{row.level_key} is the top level, so it takes no parent code"))
        elif level in parent_level and parent_level[level][0] != above:
            _, line, first = parent_level[level]
            result.errors.append(
                RowError(
                    row.line,
                    f"areas on level {row.level_key} sit under level {first} on line {line}, "
                    f"but here under {row.parent_row.level_key}",
                )
            )
        else:
            parent_level.setdefault(level, (above, row.line, row.parent_row.level_key))
    depth: dict[str, int] = {new.top_level.lower(): 0}
    for level in {r.level_key.lower() for r in rows}:
        chain, current = [], level
        while current not in depth and current in parent_level and current not in chain:
            chain.append(current)
            current = parent_level[current][0]
        if current not in depth:
            continue  # Unreachable levels are reported on their rows below.
        for n, name in enumerate(reversed(chain), start=1):
            depth[name] = depth[current] + n
    levels_count = max(depth.values()) + 1
    names = {r.level_key.lower(): r.level_key for r in rows}
    for level, d in depth.items():
        new.levels[names[level]] = levels_count - d
    for row in rows:
        if row.level_key.lower() not in depth:
            result.errors.append(
                RowError(row.line, f"level {row.level_key} does not connect to the top level {new.top_level}")
            )
        else:
            row.rank = levels_count - depth[row.level_key.lower()]


def _check_ranks(rows: list[AreaRow], systems: dict[str, Any], result: ImportResult) -> None:
    levels: dict[int, list[Level]] = defaultdict(list)
    for level in Level.objects.filter(system__in=[s for s in systems.values() if isinstance(s, System)]):
        levels[level.system_id].append(level)
    for row in rows:
        system = systems[row.system_key.lower()]
        if not isinstance(system, System) or row.level is None:
            continue
        top = max((lv.rank for lv in levels[system.id]), default=0)
        parent_rank = None
        parent_name = row.parent_code
        if row.parent_row is not None:
            parent_rank = row.parent_row.rank
            parent_name = row.parent_row.name
        elif row.parent_area is not None:
            parent_rank = row.parent_area.level.rank
            parent_name = row.parent_area.name
        if not row.parent_code and row.level.rank != top:
            above = next((lv.name for lv in levels[system.id] if lv.rank == row.level.rank + 1), "")
            result.errors.append(
                RowError(row.line, f"an area on level {row.level.name} needs a parent code (an area on level {above})")
            )
        elif row.parent_code and row.level.rank == top:
            result.errors.append(RowError(row.line, f"{row.level.name} is the top level, so it takes no parent code"))
        elif parent_rank is not None and parent_rank != row.level.rank + 1:
            result.errors.append(
                RowError(
                    row.line,
                    f"the parent {parent_name!r} is not on the level just above {row.level.name}",
                )
            )


def _system_slug(name: str) -> str:
    slug = slugify(name)[:60] or "system"
    return f"{slug}-ics" if slug in RESERVED_SYSTEM_SLUGS else slug


def _create_system(new: NewSystem, result: ImportResult) -> System:
    slug = _system_slug(new.name)
    system = services.system_upsert(slug=slug, name=new.name, short_name=new.name[:40])
    result.record(0, system, f"system {new.name!r}")
    for name, rank in sorted(new.levels.items(), key=lambda item: -item[1]):
        level = services.level_upsert(
            system=system.obj, slug=slugify(name)[:60] or f"level-{rank}", name=name, rank=rank
        )
        result.record(0, level, f"level {name!r} (rank {rank}) in {new.name}")
    return system.obj


def _apply_area_row(row: AreaRow, created_systems: dict[str, System], result: ImportResult) -> None:
    system_key = row.system_key.lower()
    if system_key in created_systems:
        system = created_systems[system_key]
        level = Level.objects.get(system=system, rank=row.rank)
    else:
        assert row.level is not None  # Resolved in the first pass.
        level = row.level
        system = level.system
    parent = row.parent_row.saved if row.parent_row else row.parent_area
    label = f"{level.name} {row.name!r}" + (f" ({row.code})" if row.code else "")
    if row.existing:
        outcome = services.area_update(area=row.existing, name=row.name, parent=parent)
        area = outcome.obj
    else:
        slug = services.unique_area_slug(system=system, name=row.name)
        outcome = services.area_upsert(system=system, level=level, slug=slug, name=row.name, parent=parent)
        area = outcome.obj
    result.record(row.line, outcome, label + (f" under {parent.name!r}" if parent else ""))
    row.saved = area
    if row.code:
        assert row.scheme is not None
        code_outcome = services.area_code_set(area=area, scheme=row.scheme, code=row.code)
        if code_outcome.change is Change.CREATED and outcome.change is not Change.CREATED:
            result.record(row.line, code_outcome, f"code {row.code} of {row.name!r}")


# --- import_epcn -----------------------------------------------------------------------------------------

EPCN_COLUMNS = {
    "pcn code": ["pcncode", "code"],
    "pcn name": ["pcnname", "name"],
    "sub-icb code": [
        "currentsubicbloccode",
        "subicbloccode",
        "subicblocationcode",
        "currentsubicblocationcode",
        "subicbcode",
        "subicb",
        "currentccgcode",
        "ccgcode",
    ],
    "close date": ["closedate", "pcnclosedate"],
    "area": ["area", "areaslug", "areacode", "mapto"],
}
MAP_COLUMNS = {"key": ["key", "subicbcode", "subicb", "pcncode", "code"], "area": ["area", "areaslug", "areacode"]}


def parse_map_options(values: Iterable[str]) -> dict[str, str]:
    """--map KEY=AREA options (KEY a sub-ICB or PCN code; AREA an area slug or code)."""
    mapping = {}
    for value in values:
        key, sep, area = value.partition("=")
        if not sep or not key.strip() or not area.strip():
            raise ImportFileError(f"--map {value!r} should look like 93C=barnet (a code, '=', an area slug or code).")
        mapping[key.strip().upper()] = area.strip()
    return mapping


def read_map_file(file: TextIO) -> dict[str, str]:
    mapping = {}
    errors = []
    for row in read_csv(file, MAP_COLUMNS, required=MAP_COLUMNS):
        if not row.get("key") or not row.get("area"):
            errors.append(f"line {row.line} of the mapping file: both key and area are needed")
            continue
        mapping[row.get("key").upper()] = row.get("area")
    if errors:
        raise ImportFileError("; ".join(errors))
    return mapping


def _area_ref(system: System, ref: str) -> Area | None:
    area = Area.objects.filter(system=system, slug=ref.lower()).select_related("level").first()
    if area is None:
        code = AreaCode.objects.filter(code=ref.upper(), area__system=system).select_related("area__level").first()
        area = code.area if code else None
    return area


@dataclass
class PcnRow:
    line: int
    code: str
    name: str
    parent: Area
    existing: Area | None = None


def import_epcn(
    file: TextIO,
    *,
    system: System,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    replace_placeholders: bool = False,
) -> ImportResult:
    """Create or update a PCN organisation and a lowest-level area for each open PCN in an ePCN CSV export.

    Each PCN goes under the area (on the level just above the lowest) named by the row's area column, else by
    the mapping for its PCN code, else by the mapping for its sub-ICB code.
    """
    result = ImportResult(dry_run=dry_run)
    mapping = {k.upper(): v for k, v in (mapping or {}).items()}
    levels = list(system.levels.order_by("rank"))
    if len(levels) < 2:
        raise ImportFileError(f"{system.name} needs at least two levels to place PCNs under an area.")
    lowest, above = levels[0], levels[1]
    resolved: dict[str, Area | None] = {}

    def parent_for(ref: str) -> Area | None:
        if ref not in resolved:
            resolved[ref] = _area_ref(system, ref)
        return resolved[ref]

    for key, ref in mapping.items():
        area = parent_for(ref)
        if area is None:
            raise ImportFileError(f"The mapping {key}={ref}: no area {ref!r} in {system.name} (give a slug or a code).")
        if area.level_id != above.id:
            raise ImportFileError(
                f"The mapping {key}={ref}: {area.name!r} is on level {area.level.name}; PCNs go under an area "
                f"on level {above.name}."
            )

    rows: list[PcnRow] = []
    seen: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for raw in read_csv(file, EPCN_COLUMNS, required=["pcn code", "pcn name"]):
        code, name = raw.get("pcn code").upper(), raw.get("pcn name")
        problems = []
        if not PCN_RE.match(code):
            problems.append(f"PCN code {code!r} should be U followed by five letters or digits, like U12345")
        if not name:
            problems.append("the PCN name is empty")
        elif len(name) > MAX_NAME:
            problems.append(f"the PCN name is longer than {MAX_NAME} characters")
        if code in seen:
            problems.append(f"PCN code {code} is also on line {seen[code]}")
        seen.setdefault(code, raw.line)
        if name and name.lower() in seen_names:
            problems.append(f"the name {name!r} is also on line {seen_names[name.lower()]}")
        seen_names.setdefault(name.lower(), raw.line)
        if raw.get("close date"):
            if problems:
                result.errors.extend(RowError(raw.line, p) for p in problems)
            else:
                result.counts["skipped"] += 1
                result.changes.append(f"line {raw.line}: skip {code} {name!r}, closed on {raw.get('close date')}")
            continue
        sub_icb = raw.get("sub-icb code").upper()
        ref = raw.get("area") or mapping.get(code) or mapping.get(sub_icb) or ""
        parent = None
        if not ref:
            problems.append(
                f"no area for PCN {code}"
                + (f" (sub-ICB {sub_icb})" if sub_icb else "")
                + f": add an area column or --map {sub_icb or code}=AREA"
            )
        else:
            parent = parent_for(ref)
            if parent is None:
                problems.append(f"no area {ref!r} in {system.name}")
            elif parent.level_id != above.id:
                problems.append(f"{parent.name!r} is on level {parent.level.name}, not {above.name}")
        if problems:
            result.errors.extend(RowError(raw.line, p) for p in problems)
        elif parent is not None:
            rows.append(PcnRow(raw.line, code, name, parent))

    codes = {row.code for row in rows}
    by_code = {
        c.code: c.area
        for c in AreaCode.objects.filter(scheme=AreaCode.Scheme.ODS, code__in=codes).select_related("area__system")
    }
    orgs = {o.ods_code: o for o in Organisation.objects.filter(ods_code__in=codes)}
    by_name = {a.name.lower(): a for a in Area.objects.filter(level=lowest).prefetch_related("codes")}
    for row in rows:
        area = by_code.get(row.code)
        if area is not None and (area.system_id != system.id or area.level_id != lowest.id):
            result.errors.append(
                RowError(row.line, f"code {row.code} already belongs to {area.name!r} in {area.system.name}")
            )
            continue
        named = by_name.get(row.name.lower())
        if area is None and named is not None:
            if any(c.scheme == AreaCode.Scheme.ODS for c in named.codes.all()):
                result.errors.append(
                    RowError(row.line, f"another area on level {lowest.name} is already called {row.name!r}")
                )
                continue
            area = named  # A network imported earlier without its code: adopt it.
        row.existing = area
        org = orgs.get(row.code)
        if org is not None and org.kind != Organisation.Kind.PCN:
            result.errors.append(RowError(row.line, f"ODS code {row.code} belongs to {org.name!r}, which is not a PCN"))

    def apply() -> None:
        parents: dict[int, Area] = {}
        for row in rows:
            label = f"{lowest.name} {row.name!r} ({row.code}) under {row.parent.name!r}"
            if row.existing:
                outcome = services.area_update(
                    area=row.existing, name=row.name, parent=row.parent, is_placeholder=False
                )
            else:
                slug = services.unique_area_slug(system=system, name=row.name)
                outcome = services.area_upsert(system=system, level=lowest, slug=slug, name=row.name, parent=row.parent)
            result.record(row.line, outcome, label)
            area = outcome.obj
            services.area_code_set(area=area, scheme=AreaCode.Scheme.ODS, code=row.code)
            org = services.organisation_upsert(
                name=row.name, kind=Organisation.Kind.PCN, ods_code=row.code, system=system
            )
            result.record(row.line, org, f"organisation {row.name!r} ({row.code})")
            services.membership_ensure(organisation=org.obj, area=area, role="Primary care network")
            parents[row.parent.id] = row.parent
        if replace_placeholders:
            for placeholder in Area.objects.filter(parent__in=parents.values(), is_placeholder=True, level=lowest):
                name = placeholder.name
                result.record(0, services.area_remove_placeholder(area=placeholder), f"placeholder {name!r}")

    return _run(result, apply)


# --- Population (import_population) ---------------------------------------------------------------------------
POPULATION_COLUMNS = {
    "gss": ["gsscode", "gss", "areacode", "code"],
    "area": ["area", "areaname", "name"],
    "age_band": ["ageband", "age"],
    "population": ["population", "usualresidents", "observation", "count"],
    "year": ["year"],
    "source": ["source"],
}
# The equality form's age band codes (16_24, 75_plus, under_16); blank is all ages.
AGE_BAND_RE = re.compile(r"^(under_\d{1,3}|\d{1,3}_\d{1,3}|\d{1,3}_plus)$")
MAX_SOURCE = 300


def import_population(file: TextIO, *, dry_run: bool = False) -> ImportResult:
    """Population figures by GSS code (and optionally age band), e.g. ONS Census 2021 usual residents. Every bad
    row is listed with its line and then nothing is written; importing the same file again changes nothing."""
    result = ImportResult(dry_run=dry_run)
    rows = read_csv(file, POPULATION_COLUMNS, required=["gss", "population", "year", "source"])
    if not rows:
        raise ImportFileError("The file has no rows after the first line.")
    codes = {
        c.code: c.area
        for c in AreaCode.objects.filter(
            scheme=AreaCode.Scheme.GSS, code__in=[r.get("gss").upper() for r in rows]
        ).select_related("area")
    }
    seen: dict[tuple[str, str, int], int] = {}
    valid: list[tuple[int, Area, str, int, int, str]] = []
    for row in rows:
        problems = []
        gss, band = row.get("gss").upper(), row.get("age_band").lower().replace(" ", "_")
        area = codes.get(gss)
        if not GSS_RE.match(gss):
            problems.append(f"{row.get('gss')!r} is not a GSS code (a letter then 8 digits, like E09000003)")
        elif area is None:
            problems.append(f"no area has the GSS code {gss}")
        if band and not AGE_BAND_RE.match(band):
            problems.append(f"{row.get('age_band')!r} is not an age band like 16_24, 75_plus or under_16 (or blank)")
        raw_population = row.get("population").replace(",", "")
        if not raw_population.isdigit() or int(raw_population) == 0:
            problems.append(f"population {row.get('population')!r} is not a whole number above 0")
        year = row.get("year")
        if not (year.isdigit() and 1800 <= int(year) <= 2200):
            problems.append(f"year {year!r} is not a year like 2021")
        source = row.get("source")
        if not source:
            problems.append("the source is empty: say where the figure comes from")
        elif len(source) > MAX_SOURCE:
            problems.append(f"the source is longer than {MAX_SOURCE} characters")
        if not problems:
            key = (gss, band, int(year))
            if key in seen:
                problems.append(f"the same area, age band and year as line {seen[key]}")
            seen[key] = row.line
        if problems:
            result.errors.extend(RowError(row.line, p) for p in problems)
        elif area is not None:
            valid.append((row.line, area, band, int(raw_population), int(year), source))

    def apply() -> None:
        for line, area, band, population, year, source in valid:
            outcome = services.area_population_set(
                area=area, age_band=band, year=year, population=population, source=source
            )
            result.record(line, outcome, f"population of {area.name} {year}{' ' + band if band else ''}")

    return _run(result, apply)
