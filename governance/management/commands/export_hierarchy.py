"""Write the structure (system, level, area, codes, parent) as CSV or JSON to stdout or a file."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from governance import exports
from governance.models import System


class Command(BaseCommand):
    help = "Export the hierarchy of one or all systems as CSV (the import_areas format plus extras) or JSON."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--system", metavar="SLUG", help="Only this system (for example ncl).")
        parser.add_argument("--output", metavar="FILE", help="Write to this file instead of standard output.")

    def handle(self, *args: Any, **options: Any) -> None:
        system = None
        if options["system"]:
            system = System.objects.filter(slug=options["system"]).first()
            if system is None:
                known = ", ".join(System.objects.values_list("slug", flat=True)) or "none yet"
                raise CommandError(f"No system with slug {options['system']!r} (known: {known}).")
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                self._write(out, options["format"], system)
        else:
            self._write(self.stdout, options["format"], system)

    def _write(self, out: Any, fmt: str, system: System | None) -> None:
        if fmt == "json":
            out.write(json.dumps(exports.hierarchy_json(system), indent=2, ensure_ascii=False) + "\n")
        else:
            exports.write_csv(out, system)
