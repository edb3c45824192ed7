"""Cells for every spreadsheet the portal writes (CSV and XLSX): never something a spreadsheet would run.

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by Excel, LibreOffice
or Google Sheets (CSV injection), so it is written with a leading `'` (OWASP's advice); the importers undo it with
`restore_cell`. Real numbers stay numbers: `-3` as an int cannot hold a formula, and XLSX keeps it numeric.
"""

import _csv
import datetime
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

FORMULA_STARTS = frozenset("=+-@\t\r")
QUOTE = "'"
# A lone "-" is how several exports write "none"; no spreadsheet reads it as a formula.
HARMLESS = frozenset({"-"})
# A text not starting with one of these needs no look further (most cells: the fast path of safe_cell).
_RISKY_FIRST = FORMULA_STARTS | {QUOTE}


def _needs_quote(text: str) -> bool:
    if text in HARMLESS:
        return False
    if text[:1] in FORMULA_STARTS:
        return True
    # A text that already starts with the guard is quoted once more, so restore_cell gives back exactly what was
    # written (restore_cell(safe_cell(x)) == x for every text).
    return text[:1] == QUOTE and (text[1:2] in FORMULA_STARTS or text[1:2] == QUOTE)


def safe_cell(value: Any) -> Any:
    """The value to write in a cell: numbers, dates and None as they are, any other value as neutralised text."""
    if type(value) is str and value[:1] not in _RISKY_FIRST:
        return value
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal | datetime.date | datetime.time):
        return value
    text = str(value)
    return QUOTE + text if _needs_quote(text) else text


def safe_row(row: Any) -> list[Any]:
    return [safe_cell(value) for value in row]


def xml_text(text: str) -> str:
    """Text for an Office file (XLSX, DOCX), whose XML cannot hold most control characters (openpyxl and lxml
    raise on them): each is shown as U+FFFD, so a reader sees that something was there rather than losing it."""
    if text.isprintable():  # no control characters at all (most cells): no need for the search
        return text
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)


def safe_xlsx_cell(value: Any) -> Any:
    """safe_cell for XLSX (see xml_text)."""
    cell = safe_cell(value)
    return xml_text(cell) if isinstance(cell, str) else cell


def safe_xlsx_row(row: Any) -> list[Any]:
    return [safe_xlsx_cell(value) for value in row]


def restore_cell(text: str) -> str:
    """Undo safe_cell on a text read back from a spreadsheet the portal wrote ("'=x" was written for "=x")."""
    if text[:1] == QUOTE and (text[1:2] in FORMULA_STARTS or text[1:2] == QUOTE):
        return text[1:]
    return text


def csv_rows(reader: "_csv.Reader") -> Iterator[tuple[int, list[str]]]:
    """Each row of a csv.reader with the line of the file it starts on, for messages: a quoted cell may hold line
    breaks, so the reader's own line count after a row is that row's last line, not its first."""
    start = reader.line_num + 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1
