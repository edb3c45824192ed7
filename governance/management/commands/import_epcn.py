"""Import primary care networks from the CSV export of NHS Digital's ePCN list; see governance/importers.py."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from governance.importers import ImportFileError, import_epcn, parse_map_options, read_map_file
from governance.models import System

from .import_areas import open_csv, report


class Command(BaseCommand):
    help = (
        "Create or update PCN organisations and lowest-level areas from the ePCN list (PCN code, PCN name, "
        "sub-ICB code, close date ...). Each PCN is placed under an area given by an 'area' column, or by "
        "--map / --map-file keyed by PCN code or sub-ICB code. Closed PCNs are skipped."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="CSV export of the ePCN list (UTF-8).")
        parser.add_argument("--system", required=True, metavar="SLUG", help="The system the PCNs belong to.")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="CODE=AREA",
            help="Place PCNs with this sub-ICB (or PCN) code under this area (slug or code); repeatable.",
        )
        parser.add_argument("--map-file", metavar="FILE", help="CSV with columns key, area (same meaning as --map).")
        parser.add_argument(
            "--replace-placeholders",
            action="store_true",
            help="Remove placeholder areas under each area that received real PCNs.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Print what would change; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        system = System.objects.filter(slug=options["system"]).first()
        if system is None:
            raise CommandError(f"No system with slug {options['system']!r}.")
        try:
            mapping = {}
            if options["map_file"]:
                with open_csv(options["map_file"]) as map_file:
                    mapping.update(read_map_file(map_file))
            mapping.update(parse_map_options(options["map"]))
            with open_csv(options["file"]) as file:
                result = import_epcn(
                    file,
                    system=system,
                    mapping=mapping,
                    dry_run=options["dry_run"],
                    replace_placeholders=options["replace_placeholders"],
                )
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        report(self, result)
