"""manage.py import_responses SLUG FILE.csv --channel email|paper

Records responses that arrived by email or on paper (reporting/imports.py): the same columns as the CSV export,
every bad row listed with its line, and nothing imported unless every row is right.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from engagement.models import Consultation, Response
from reporting.imports import ImportRefusedError, responses_import


class Command(BaseCommand):
    help = "Record responses that arrived by email or on paper, from a CSV file with the export's columns."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("file", help="CSV file with the columns of the CSV export (UTF-8)")
        parser.add_argument(
            "--channel",
            required=True,
            choices=[Response.Channel.EMAIL, Response.Channel.PAPER],
            help="How these responses arrived",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        consultation = Consultation.objects.filter(slug=options["slug"]).first()
        if consultation is None:
            raise CommandError(f"No consultation has the slug {options['slug']!r}.")
        try:
            # utf-8-sig: the export (and Excel's "CSV UTF-8") starts with a byte order mark.
            with open(options["file"], encoding="utf-8-sig", newline="") as text:
                made = responses_import(
                    consultation=consultation, lines=text, channel=options["channel"], now=timezone.now()
                )
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}.") from error
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{options['file']} is not UTF-8 text: save it from the spreadsheet as “CSV UTF-8”."
            ) from error
        except ImportRefusedError as refused:
            lines = "\n".join(f"  {error}" for error in refused.errors)
            raise CommandError(
                f"Nothing was imported: {len(refused.errors)} problem(s) to put right.\n{lines}"
            ) from refused
        self.stdout.write(f"Imported {len(made)} responses into {consultation.title} ({options['channel']}):")
        for response in made:
            self.stdout.write(f"  {response.reference}")
