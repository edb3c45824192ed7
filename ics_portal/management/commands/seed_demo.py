"""Load the demo data from code, idempotently, with dates relative to now."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

import accounts.demo
import engagement.demo
import functions.demo
import governance.demo
import reporting.demo

# Order matters: structure first, then what hangs off it.
# Governance first: the demo PMO accounts are scoped to its systems.
LOADERS = (governance.demo, accounts.demo, functions.demo, engagement.demo, reporting.demo)

# Demo accounts have no password; the risk is who can read their mail, and made-up consultations shown publicly.
REFUSAL = (
    "DEBUG is off, so this may be a real deployment. seed_demo would publish demo consultations and add demo "
    "accounts (a superuser, admin@demo.nhs.net, among them) that anyone receiving their sign-in codes could use. "
    "Run it with --force only on a demo or test database."
)


class Command(BaseCommand):
    help = "Create or update the demo data (NCL and NEL structure, function matrix, consultations, accounts)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even when DEBUG is off (a demo or test deployment)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(REFUSAL)
        now = timezone.now()
        with transaction.atomic():
            for loader in LOADERS:
                loader.load(now=now, out=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
