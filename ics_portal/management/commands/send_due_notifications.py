"""`manage.py send_due_notifications [--now ISO] [--dry-run]`: exactly what beat runs (plan the opening emails,
reminders, closing emails and onward-deadline reminders now due, then the outbox sweep), printing what it planned
and sent and, for what it did not, why.

It lives in ics_portal because it composes two apps' beat tasks (engagement's planning, notifications' sweep).
"""

import datetime
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from engagement import deadlines
from notifications.models import Email
from notifications.openings import OPENED_WITHIN
from notifications.planning import due_emails_plan
from notifications.services import Outcomes, emails_send_due
from notifications.staff_emails import CLOSED_KIND


def parse_now(value: str | None) -> datetime.datetime:
    """An ISO 8601 time; without an offset it is London time (what people read on the pages)."""
    if not value:
        return timezone.now()
    try:
        when = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--now {value!r} is not a date and time in ISO 8601 form, such as 2026-03-22T23:59 or "
            "2026-03-22T23:59:00+00:00."
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=deadlines.LONDON)
    return when.astimezone(deadlines.UTC)


class Command(BaseCommand):
    help = "Plan the opening, reminder, closing and onward-deadline emails now due and send the outbox's due emails, as beat does; say why anything was not."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--now", help="Act as if it were this time (ISO 8601; no offset means London time).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be planned and sent; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = parse_now(options["now"])
        dry_run = bool(options["dry_run"])
        self.stdout.write(f"Now: {now.astimezone(deadlines.LONDON):%Y-%m-%d %H:%M %Z}{' (dry run)' if dry_run else ''}")
        self._plan(now=now, dry_run=dry_run)
        if dry_run:
            due = Counter(Email.objects.due(now=now).values_list("kind", flat=True))
            for kind, n in sorted(due.items()):
                self.stdout.write(f"Would send: {n} {kind}")
            if not due:
                self.stdout.write("Would send: nothing is due")
            return
        outcomes: Outcomes = []
        sent = emails_send_due(now=now, outcomes=outcomes)
        self.stdout.write(f"Sent: {sent}")
        tried = {email.pk: outcome for email, outcome in outcomes}
        for email in Email.objects.filter(pk__in=tried).exclude(status=Email.Status.SENT).order_by("pk"):
            self.stdout.write(f"Not sent: {email.kind} to {email.to}: {tried[email.pk]}: {email.last_error}")

    def _plan(self, *, now: datetime.datetime, dry_run: bool) -> None:
        verb = "would plan" if dry_run else "planned"
        due = due_emails_plan(now=now, dry_run=dry_run)
        openings = due.openings
        if not openings:
            self.stdout.write("Opening emails: no consultation is open")
        for opening in openings:
            who = "invitees and followers"
            if not opening.followers_too:
                who = f"invitees only (it opened more than {OPENED_WITHIN.days} days ago)"
            self.stdout.write(
                f"Opening email for '{opening.consultation.title}' to {who}: {verb} {opening.planned}; "
                f"already planned or sent: {opening.already_planned}"
            )
        plans = due.reminders
        if not plans:
            self.stdout.write("Reminders: no open consultation has reminders")
        for plan in plans:
            days = f"{plan.offset_days} day{'' if plan.offset_days == 1 else 's'}"
            what = f"Reminder {days} before '{plan.consultation.title}' closes"
            when = plan.due_at.astimezone(deadlines.LONDON)
            if plan.state == "planned":
                self.stdout.write(
                    f"{what}: {verb} {plan.planned}; already planned or sent: {plan.already_planned}; "
                    f"skipped, already responded: {plan.responded}"
                )
            elif plan.state == "not due":
                self.stdout.write(f"{what}: not due until {when:%Y-%m-%d %H:%M %Z}")
            elif plan.state == "passed":
                self.stdout.write(f"{what}: skipped, a nearer reminder is due instead")
            else:
                self.stdout.write(f"{what}: skipped, its moment came before the consultation opened")
        for staff in due.staff:
            if staff.kind == CLOSED_KIND:
                what = f"Closing email for '{staff.consultation.title}'"
            else:
                what = f"Onward deadline reminder {staff.offset_days} days before for '{staff.consultation.title}'"
            self.stdout.write(f"{what}: {verb} {staff.planned}; already planned or sent: {staff.already_planned}")
