"""manage.py export_responses SLUG --format csv|xlsx|docx [--output FILE] [--personal-data --reason TEXT]

The same export as the summary page's (reporting/exports.py), of every counted response, recorded in the export
log as made by a command. CSV goes to standard output unless --output is given; XLSX and DOCX (the summary pack)
need --output.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from engagement.models import Consultation
from reporting import exports, pack, services
from reporting.models import ExportLog
from reporting.selectors import ReportFilters


class Command(BaseCommand):
    help = "Export a consultation's responses as CSV or XLSX, or its summary pack as DOCX (recorded in the export log)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--format", choices=ExportLog.Format.values, default=ExportLog.Format.CSV)
        parser.add_argument("--output", help="File to write (CSV: standard output if not given)")
        parser.add_argument("--personal-data", action="store_true", help="Include emails, names and contacts")
        parser.add_argument("--reason", default="", help="Why personal data is needed (required with it)")

    def handle(self, *args: Any, **options: Any) -> None:
        consultation = Consultation.objects.filter(slug=options["slug"]).first()
        if consultation is None:
            raise CommandError(f"No consultation has the slug {options['slug']!r}.")
        fmt = options["format"]
        if fmt != ExportLog.Format.CSV and not options["output"]:
            raise CommandError(f"--format {fmt} needs --output FILE.")
        filters = ReportFilters()
        now = timezone.now()
        try:
            log = services.export_record(
                consultation=consultation,
                user=None,
                fmt=fmt,
                filters=filters,
                personal_data=options["personal_data"],
                reason=options["reason"],
                now=now,
                source=ExportLog.Source.COMMAND,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        responses = exports.export_responses(consultation=consultation, filters=filters, until=now)
        if fmt == ExportLog.Format.DOCX:
            with open(options["output"], "wb") as out:
                pack.write_docx(out, consultation=consultation, filters=filters, now=now)
        elif options["output"]:
            with open(options["output"], "wb") as out:
                exports.write_export(
                    out,
                    fmt=fmt,
                    consultation=consultation,
                    filters=filters,
                    responses=responses,
                    personal=log.personal_data,
                )
        else:
            rows = exports.response_rows(consultation=consultation, responses=responses, personal=log.personal_data)
            for line in exports.csv_lines(rows):
                self.stdout.write(line, ending="")
        self.stderr.write(f"Exported {log.rows} responses of {consultation.title} ({fmt}).")
