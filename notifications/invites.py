"""Reading an invite list: a CSV of stakeholders (name, email, organisation; organisation optional; a header row;
UTF-8 with or without the BOM Excel writes) checked whole before anything is written.

`invitees_parse(data=...)` returns the rows or raises `InviteFileRefusedError` with every problem and its line, in
plain English, so the manager can fix the file in one go; `services.invitees_import` writes only a clean file.
"""

import csv
import dataclasses
import io

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from ics_portal.spreadsheets import csv_rows, restore_cell

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
NAME_MAX = ORGANISATION_MAX = 200
EMAIL_MAX = 320
COLUMNS = ("name", "email", "organisation")
REQUIRED = ("name", "email")
SHOWN_PROBLEMS = 50  # a file that is wrong throughout lists the first ones and says how many more


@dataclasses.dataclass(frozen=True)
class InviteRow:
    line: int
    name: str
    email: str  # lower case
    organisation: str


class InviteFileRefusedError(Exception):
    """The file has problems: nothing was imported. `problems` are sentences, each naming its line if it has one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems

    def shown(self) -> list[str]:
        extra = len(self.problems) - SHOWN_PROBLEMS
        return self.problems[:SHOWN_PROBLEMS] + ([f"… and {extra} more problems"] if extra > 0 else [])


def _text(data: bytes) -> str:
    if not data.strip():
        raise InviteFileRefusedError(["The file is empty. Upload a CSV file with a header row and one row per person."])
    if len(data) > MAX_BYTES:
        raise InviteFileRefusedError([f"The file must be smaller than {MAX_BYTES // (1024 * 1024)}MB."])
    if b"\x00" in data:
        raise InviteFileRefusedError(["The file is not a CSV file. In Excel, use Save As and choose “CSV UTF-8”."])
    try:
        return data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
    except UnicodeDecodeError:
        raise InviteFileRefusedError(
            ["The file is not a CSV file saved as UTF-8. In Excel, use Save As and choose “CSV UTF-8”."]
        ) from None


def _header(cells: list[str]) -> dict[str, int]:
    while cells and not cells[-1].strip():  # empty columns at the end, as a spreadsheet's trailing commas leave
        cells = cells[:-1]
    names = [cell.strip().casefold() for cell in cells]
    problems = [
        f"Line 1: column {number} has no heading: give it one of name, email and organisation, or delete it"
        if not name
        else f"Line 1: “{cell.strip()}” is not a column of an invite list (the columns are name, email and "
        "organisation)"
        for number, (cell, name) in enumerate(zip(cells, names, strict=True), 1)
        if name not in COLUMNS
    ]
    problems += [f"Line 1: the column “{name}” appears twice" for name in COLUMNS if names.count(name) > 1]
    problems += [f"Line 1: the header row has no “{name}” column" for name in REQUIRED if name not in names]
    if problems:
        raise InviteFileRefusedError(problems)
    return {name: names.index(name) for name in COLUMNS if name in names}


def _row(line: int, cells: list[str], columns: dict[str, int], problems: list[str]) -> InviteRow | None:
    if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
        problems.append(f"Line {line}: it has {len(cells)} cells but the header row has {len(columns)} columns")
        return None
    cells = cells + [""] * (len(columns) - len(cells))
    values = {name: restore_cell(cells[index]).strip() for name, index in columns.items()}
    name, email, organisation = values["name"], values["email"], values.get("organisation", "")
    found = len(problems)
    if not name:
        problems.append(f"Line {line}: enter the person's name")
    elif len(name) > NAME_MAX:
        problems.append(f"Line {line}: the name must be {NAME_MAX} characters or fewer")
    if not email:
        problems.append(f"Line {line}: enter an email address")
    elif len(email) > EMAIL_MAX:
        problems.append(f"Line {line}: the email address must be {EMAIL_MAX} characters or fewer")
    else:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"Line {line}: “{email}” is not an email address, like name@example.org")
    if len(organisation) > ORGANISATION_MAX:
        problems.append(f"Line {line}: the organisation must be {ORGANISATION_MAX} characters or fewer")
    if len(problems) > found:
        return None
    return InviteRow(line=line, name=name, email=email.lower(), organisation=organisation)


def invitees_parse(*, data: bytes) -> list[InviteRow]:
    """Every row of a clean file, or InviteFileRefusedError listing every problem (nothing is partly accepted)."""
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    problems: list[str] = []
    rows: list[InviteRow] = []
    first_line: dict[str, int] = {}
    try:
        header = next(reader, None)
        if header is None:
            raise InviteFileRefusedError(
                ["The file is empty. Upload a CSV file with a header row and one row per person."]
            )
        columns = _header(header)
        for line, cells in csv_rows(reader):
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, as spreadsheets leave at the end
            if len(rows) + len(problems) >= MAX_ROWS:
                raise InviteFileRefusedError(
                    [f"The file has more than {MAX_ROWS:,} people. Split it into smaller files."]
                )
            row = _row(line, cells, columns, problems)
            if row is None:
                continue
            if row.email in first_line:
                problems.append(f"Line {line}: {row.email} is already on line {first_line[row.email]} of this file")
                continue
            first_line[row.email] = line
            rows.append(row)
    except csv.Error as error:
        raise InviteFileRefusedError(
            [f"Line {reader.line_num}: the file is not a readable CSV file ({error})"]
        ) from None
    if problems:
        raise InviteFileRefusedError(problems)
    if not rows:
        raise InviteFileRefusedError(["The file has a header row but nobody below it. Add one row per person."])
    return rows
