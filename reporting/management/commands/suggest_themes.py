"""manage.py suggest_themes SLUG --question N [--k K] [--output FILE.csv]

The theme suggestion job the codebook page starts (reporting/services_themes.py), run here instead of on a worker,
for question N (its number on the summary page: 1 is the first question). Its suggestions appear on the job's page
as usual; nothing is tagged. The CSV (standard output unless --output is given) has one row per answer: response
reference, suggestion number, suggested name.
"""

import csv
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from engagement.models import Consultation
from ics_portal.spreadsheets import safe_row
from reporting import selectors, services_themes
from reporting.models import SuggestionAnswer


class Command(BaseCommand):
    help = "Suggest themes for one question's typed answers with the local model; write one CSV row per answer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument(
            "--question", type=int, required=True, help="The question's number on the summary (1, 2...)"
        )
        parser.add_argument("--k", type=int, default=8, help="How many themes to suggest (2-30, default 8)")
        parser.add_argument("--output", help="CSV file to write (standard output if not given)")

    def handle(self, *args: Any, **options: Any) -> None:
        consultation = Consultation.objects.filter(slug=options["slug"]).first()
        if consultation is None:
            raise CommandError(f"No consultation has the slug {options['slug']!r}.")
        questions = selectors.report_questions(consultation=consultation)
        number = options["question"]
        if not 1 <= number <= len(questions):
            raise CommandError(
                f"{consultation.slug} has questions 1 to {len(questions)}; there is no question {number}."
            )
        try:
            job = services_themes.suggestion_job_start(
                consultation=consultation,
                question=questions[number - 1],
                k=options["k"],
                by=None,
                now=timezone.now(),
                queue=False,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        result = services_themes.suggestion_job_run(job_id=job.pk)
        job.refresh_from_db()
        if result != "done":
            raise CommandError(job.error or f"The job did not run ({result}).")
        rows = (
            SuggestionAnswer.objects.filter(suggestion__job=job)
            .order_by("suggestion__number", "distance", "pk")
            .values_list("answer__response__reference", "suggestion__number", "suggestion__name")
        )
        out = open(options["output"], "w", newline="", encoding="utf-8") if options["output"] else sys.stdout  # noqa: SIM115
        try:
            writer = csv.writer(out)
            writer.writerow(["response_reference", "suggestion_number", "suggested_name"])
            for row in rows:
                writer.writerow(safe_row(row))
        finally:
            if out is not sys.stdout:
                out.close()
        self.stderr.write(
            f"{job.progress_done} answers in {job.suggestions.count()} suggestions by {job.model} "
            f"(job {job.pk}: /pmo/consultations/{consultation.slug}/themes/suggestions/{job.pk}/)"
        )
