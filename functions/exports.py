"""Write a matrix (or a filtered part of it) in the seed's layout, as CSV or XLSX.

The output is what `import_matrix` reads, so export -> import -> export gives the same file. Several items in a
cell are joined with "; "; none is written "-", as in the seed.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.text import slugify

from ics_portal.spreadsheets import safe_row, safe_xlsx_row

from .importers import COLUMNS
from .models import Function, FunctionLink

NONE = "-"
RELATIONSHIP_WORDS = {"owns": "owned-by", "influenced_by": "influenced-by", "supports": "supports"}
SEPARATOR = "; "


def _names(links: Iterable[FunctionLink], kind: str) -> str:
    chosen = sorted((link for link in links if link.kind == kind), key=lambda link: (link.position, link.pk))
    return SEPARATOR.join(link.target_name for link in chosen) or NONE


def matrix_rows(functions: Iterable[Function]) -> Iterator[list[str]]:
    """The header then one row per function. Pass functions with `links__level`/`links__body` prefetched
    (selectors.matrix_functions does) or each row costs a query."""
    yield list(COLUMNS)
    for function in functions:
        links = list(function.links.all())
        yield [
            function.title,
            function.owner.name,
            _names(links, "influenced_by"),
            _names(links, "supports"),
            _names(links, "other"),
        ]


def matrix_download_name(*, system: Any, filters: Any, today: datetime.date) -> str:
    """The file's name says which part of the matrix it holds, so two downloads of different filters never look
    alike: function-matrix-ncl-borough-partnership-owned-by-discharge-2026-12-01 (no extension)."""
    parts = ["function-matrix", system.slug]
    if filters.relationship:
        parts.append(RELATIONSHIP_WORDS.get(filters.relationship, ""))
    if filters.level is not None:
        parts.append(filters.level.slug)
    if filters.category:
        parts.append(filters.category)
    if filters.body is not None:
        parts.append(slugify(filters.body.name)[:40])
    if filters.q:
        parts.append(slugify(f"search {filters.q}")[:40].strip("-"))
    parts.append(today.isoformat())
    return "-".join(part for part in parts if part)


def matrix_csv(functions: Iterable[Function]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in matrix_rows(functions):
        writer.writerow(safe_row(row))
    # UTF-8 with a byte order mark so Excel shows non-ASCII characters properly; the importer accepts it.
    return buffer.getvalue().encode("utf-8-sig")


def matrix_xlsx(functions: Iterable[Function], *, title: str = "Function matrix") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.title = title[:31]
    for number, row in enumerate(matrix_rows(functions), start=1):
        sheet.append(safe_xlsx_row(row))
        if number == 1:
            for cell in sheet[1]:
                cell.font = Font(bold=True)
    for column, width in zip("ABCDE", (70, 22, 30, 30, 50), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            # Text cells only: never let a value be read as a formula.
            cell.data_type = "s"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
