"""manage.py export_matrix --system SLUG --format csv|xlsx [--output FILE]"""

import sys
from typing import Any

from django.core.management.base import BaseCommand

from functions.exports import matrix_csv, matrix_xlsx
from functions.selectors import matrix_functions

from ._common import get_system


class Command(BaseCommand):
    help = "Export a system's function matrix in the layout import_matrix reads."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--system", required=True)
        parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
        parser.add_argument("--output", help="File to write; default standard output (CSV only).")

    def handle(self, *args: Any, **options: Any) -> None:
        system = get_system(options["system"])
        functions = matrix_functions(system=system)
        data = matrix_csv(functions) if options["format"] == "csv" else matrix_xlsx(functions)
        if options["output"]:
            with open(options["output"], "wb") as stream:
                stream.write(data)
            self.stderr.write(f"Wrote {len(functions)} functions to {options['output']}.")
        elif options["format"] == "xlsx":
            self.stderr.write("Give --output FILE for XLSX.")
            raise SystemExit(2)
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
