"""manage.py generate_responses SLUG --count N [--seed S]: synthetic responses (reporting/synthetic.py).

It refuses to run with the production settings: synthetic responses in a real consultation would be counted.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from engagement.models import Consultation
from reporting.synthetic import responses_generate

MAX_COUNT = 1_000_000


class Command(BaseCommand):
    help = "Add synthetic sent responses to a consultation, for demos, benchmarks and tests (never production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--seed", type=int, default=0, help="The same seed gives the same responses")

    def handle(self, *args: Any, **options: Any) -> None:
        if str(getattr(settings, "SETTINGS_MODULE", "")).endswith(".production"):
            raise CommandError("generate_responses does not run with the production settings: it adds fake responses.")
        count = options["count"]
        if not 1 <= count <= MAX_COUNT:
            raise CommandError(f"--count must be between 1 and {MAX_COUNT:,}.")
        consultation = Consultation.objects.filter(slug=options["slug"]).first()
        if consultation is None:
            raise CommandError(f"No consultation has the slug {options['slug']!r}.")
        made = responses_generate(consultation=consultation, count=count, seed=options["seed"], now=timezone.now())
        self.stdout.write(f"Added {made} synthetic responses to {consultation.title}.")
