"""Sending reminders: emails per second delivered by the outbox's sweep (`notifications.services.emails_send_due`,
what beat's `send_due_emails` runs for planned rows) to a local SMTP server (aiosmtpd with tests/smtp_sink.py's
handler), as a ratio to a plain `smtplib` loop sending the same rendered messages to the same server.

In process (bench/scenarios/_django.py `reminders_send_measure`). Each round plans the consultation's reminders
afresh with `reminders_plan` (rendered when sent, as always: that is part of sending), times the smtplib floor and
then the sweep. One more sweep runs under cProfile and its profile and queries per email go to stderr.
"""

import statistics
import sys
from typing import Any

GOAL = 0.5
EMAILS = 500  # followers of the consultation; a tenth already responded, so 450 emails a round


def run(ctx: Any) -> list[str]:
    result = ctx.job("reminders_send_measure", count=EMAILS, rounds=ctx.rounds)
    ratio = statistics.median(target / floor for floor, target in result["rounds"])
    print(
        f"  reminders_send: (smtplib emails/s, outbox emails/s) per round: {result['rounds']}; "
        f"{result['queries_per_email']:.1f} queries per email",
        file=sys.stderr,
    )
    return [f"reminders_send: {ratio:.2f} of a plain smtplib loop (goal >= {GOAL})"]
