"""Import population figures (e.g. ONS Census 2021 usual residents) from CSV; see governance/importers.py."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from governance.importers import ImportFileError, import_population

from .import_areas import open_csv, report


class Command(BaseCommand):
    help = (
        "Record areas' populations from a CSV file with columns gss_code, age_band (blank: all ages), population, "
        "year, source. Every bad row is reported with its line number and nothing is written if any row is bad. "
        "The ONS Census 2021 figures for NCL and NEL are governance/data/ons_census_2021_usual_residents.csv."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="CSV file (UTF-8); the first line names the columns.")
        parser.add_argument("--dry-run", action="store_true", help="Print what would change; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        with open_csv(options["file"]) as file:
            try:
                result = import_population(file, dry_run=options["dry_run"])
            except ImportFileError as error:
                raise CommandError(str(error)) from error
        report(self, result)
