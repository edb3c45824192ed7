"""manage.py import_matrix FILE --system SLUG [--format tsv|csv|xlsx] [--dry-run]"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from functions.importers import FORMATS, MatrixFileError, guess_format, import_matrix_file

from ._common import get_system


class Command(BaseCommand):
    help = (
        "Import a function matrix (columns: Function, Owned by, Influenced by, Supports, Other key links to) "
        "from TSV, CSV or XLSX. The file is the system's whole matrix; a file with any bad row writes nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--system", required=True, help="The system's slug, e.g. ncl.")
        parser.add_argument("--format", choices=FORMATS, default="", help="Default: from the file's extension.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and show what would change.")

    def handle(self, *args: Any, **options: Any) -> None:
        system = get_system(options["system"])
        try:
            fmt = options["format"] or guess_format(options["file"])
            report = import_matrix_file(path=options["file"], system=system, fmt=fmt, dry_run=options["dry_run"])
        except (MatrixFileError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        if not report.ok:
            for error in report.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(report.errors)} problem(s) in {options['file']}; nothing was imported.")
        verbose = options["verbosity"] >= 2 or options["dry_run"]
        if verbose:
            for label, titles in (
                ("create", report.created),
                ("update", report.updated),
                ("retire", report.retired),
                ("new body", report.bodies_created),
            ):
                for title in titles:
                    self.stdout.write(f"  {label}: {title}")
        self.stdout.write(report.summary())
