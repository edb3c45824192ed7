"""Import areas from CSV (system, level, name, code, parent code); see governance/importers.py."""

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from governance.importers import ImportFileError, ImportResult, import_areas


def report(command: BaseCommand, result: ImportResult) -> None:
    """Print changes, then every problem; fail (exit status 1) when there is any problem."""
    for line in result.changes:
        command.stdout.write(line)
    for error in result.errors:
        command.stderr.write(str(error))
    if result.errors:
        raise CommandError(result.summary())
    command.stdout.write(command.style.SUCCESS(result.summary()))


def open_csv(path: str) -> Any:
    try:
        return open(path, encoding="utf-8-sig", newline="")
    except OSError as error:
        raise CommandError(f"Cannot open {path}: {error.strerror}.") from error


class CsvImportCommand(BaseCommand):
    """A command that reads one CSV file with an importer of governance/importers.py, `--dry-run` to only print
    what would change; every bad row is reported and nothing is written if any is bad. Subclasses name the
    importer and their help."""

    importer: Callable[..., ImportResult]

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="CSV file (UTF-8); the first line names the columns.")
        parser.add_argument("--dry-run", action="store_true", help="Print what would change; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        with open_csv(options["file"]) as file:
            try:
                result = self.importer(file, dry_run=options["dry_run"])
            except ImportFileError as error:
                raise CommandError(str(error)) from error
        report(self, result)


class Command(CsvImportCommand):
    help = (
        "Create or update areas from a CSV file with columns system, level, name, code, parent code. "
        "Every bad row is reported with its line number and nothing is written if any row is bad."
    )
    importer = staticmethod(import_areas)
