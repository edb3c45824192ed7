"""The hierarchy as rows (CSV) or a nested tree (JSON), for `export_hierarchy` and the page downloads.

The CSV's first five columns are the import format of `import_areas` (system, level, name, code, parent code),
so an export can be edited and imported back. Reads take a fixed number of queries whatever the size. An area's
population is its newest all-ages `AreaPopulation` (the rule of `newest_populations`), with its year and source.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from ics_portal.spreadsheets import safe_cell

from .models import Area, AreaCode, AreaPopulation, Level, System
from .selectors import TreeNode, build_tree, newest_populations

CSV_COLUMNS = [
    "system",
    "level",
    "name",
    "code",
    "parent code",
    "level rank",
    "slug",
    "parent",
    "codes",
    "population",
    "population year",
    "population source",
    "placeholder",
]


def primary_code(codes: Iterable[AreaCode]) -> str:
    """The code that identifies the area in imports: a current GSS code first, then a current ODS code."""
    current = [c for c in codes if c.valid_to is None]
    for scheme in (AreaCode.Scheme.GSS, AreaCode.Scheme.ODS):
        for code in current:
            if code.scheme == scheme:
                return code.code
    return ""


def describe_code(code: AreaCode) -> str:
    text = f"{code.scheme}:{code.code}"
    if code.valid_from or code.valid_to:
        text += f" ({code.valid_from or ''}..{code.valid_to or ''})"
    return text


@dataclass
class Hierarchy:
    systems: list[System]
    levels: dict[int, list[Level]]  # by system id, in rank order
    tree: dict[int, list[TreeNode]]  # by system id: its top areas, each with its children nested
    codes: dict[int, list[AreaCode]]  # by area id
    populations: dict[int, AreaPopulation]  # by area id: all ages, the newest year recorded

    def walk(self, system: System) -> Iterator[tuple[Area, int]]:
        """Areas of a system, depth first from the top, with their depth."""
        stack = [(node, 0) for node in reversed(self.tree[system.id])]
        while stack:
            node, depth = stack.pop()
            yield node.area, depth
            stack.extend((child, depth + 1) for child in reversed(node.children))


def load_hierarchy(system: System | None = None) -> Hierarchy:
    """Five queries: systems, levels, areas (with level and parent), codes, populations."""
    systems = list(System.objects.filter(pk=system.pk) if system else System.objects.all())
    levels: dict[int, list[Level]] = defaultdict(list)
    for level in Level.objects.filter(system__in=systems).order_by("system_id", "rank"):
        levels[level.system_id].append(level)
    areas = list(Area.objects.filter(system__in=systems).select_related("level", "parent").order_by("name"))
    tree: dict[int, list[TreeNode]] = defaultdict(list)
    for top in build_tree(areas):
        tree[top.area.system_id].append(top)
    codes: dict[int, list[AreaCode]] = defaultdict(list)
    for code in AreaCode.objects.filter(area__system__in=systems).order_by("scheme", "code"):
        codes[code.area_id].append(code)
    figures = AreaPopulation.objects.filter(area__system__in=systems, age_band="")
    populations = {area_id: figure for (area_id, _band), figure in newest_populations(figures).items()}
    return Hierarchy(systems, levels, tree, codes, populations)


def hierarchy_rows(system: System | None = None) -> Iterator[dict[str, Any]]:
    data = load_hierarchy(system)
    for each in data.systems:
        for area, _depth in data.walk(each):
            parent = area.parent
            population = data.populations.get(area.id)
            yield {
                "system": each.slug,
                "level": area.level.name,
                "name": area.name,
                "code": primary_code(data.codes[area.id]),
                "parent code": primary_code(data.codes[parent.id]) if parent else "",
                "level rank": area.level.rank,
                "slug": area.slug,
                "parent": parent.slug if parent else "",
                "codes": "; ".join(describe_code(c) for c in data.codes[area.id]),
                "population": population.population if population else "",
                "population year": population.year if population else "",
                "population source": population.source if population else "",
                "placeholder": "yes" if area.is_placeholder else "",
            }


def write_csv(out: TextIO, system: System | None = None) -> int:
    # "\r\n" (RFC 4180): Python 3.11 quotes a cell only for the terminator's characters, so with "\n" a name
    # holding a carriage return was written bare and split its row in two when read back.
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for row in hierarchy_rows(system):
        writer.writerow({key: safe_cell(value) for key, value in row.items()})
        count += 1
    return count


def hierarchy_json(system: System | None = None) -> dict[str, Any]:
    """{"systems": [{slug, name, levels: [...], areas: [nested tree]}]}."""
    data = load_hierarchy(system)

    def node(tree_node: TreeNode) -> dict[str, Any]:
        area = tree_node.area
        population = data.populations.get(area.id)
        return {
            "name": area.name,
            "slug": area.slug,
            "level": area.level.name,
            "level_rank": area.level.rank,
            "parent": area.parent.slug if area.parent else None,
            "codes": [
                {
                    "scheme": c.scheme,
                    "code": c.code,
                    "valid_from": c.valid_from.isoformat() if c.valid_from else None,
                    "valid_to": c.valid_to.isoformat() if c.valid_to else None,
                }
                for c in data.codes[area.id]
            ],
            "population": (
                {"residents": population.population, "year": population.year, "source": population.source}
                if population
                else None
            ),
            "is_placeholder": area.is_placeholder,
            "children": [node(child) for child in tree_node.children],
        }

    return {
        "systems": [
            {
                "slug": each.slug,
                "name": each.name,
                "short_name": each.short_name,
                "levels": [
                    {
                        "rank": level.rank,
                        "slug": level.slug,
                        "name": level.name,
                        "description": level.description,
                        "typical_population": level.typical_population,
                        "expected_count": level.expected_count,
                    }
                    for level in data.levels[each.id]
                ],
                "areas": [node(top) for top in data.tree[each.id]],
            }
            for each in data.systems
        ]
    }
