"""manage.py purge_personal_data [--dry-run] [--now ISO]: what beat runs daily, saying what it removes."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from retention.services import KINDS, personal_data_purge


class Command(BaseCommand):
    help = "Remove respondents' personal data from consultations past their retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would be removed; change nothing.")
        parser.add_argument("--now", help="Act as at this moment (ISO 8601, e.g. 2027-01-01T00:00:00Z).")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["now"]:
            try:
                now = datetime.datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError(f"--now {options['now']!r} is not an ISO 8601 date and time.") from None
            if timezone.is_naive(now):
                raise CommandError("--now needs a time zone, e.g. 2027-01-01T00:00:00Z.")
        dry_run = options["dry_run"]
        purges = personal_data_purge(now=now, dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        if not purges:
            self.stdout.write("No consultation is past its retention period.")
        for purge in purges:
            c = purge.consultation
            self.stdout.write(f"{c.slug} (closed {c.closes_at:%Y-%m-%d}, due {purge.due_at:%Y-%m-%d}): {verb}")
            for name, words in KINDS:
                self.stdout.write(f"  {purge.counts[name]} {words}")
        total = sum(p.total for p in purges)
        done = "would be removed" if dry_run else "removed"
        self.stdout.write(f"{'Dry run: ' if dry_run else ''}{total} items {done} from {len(purges)} consultations.")
