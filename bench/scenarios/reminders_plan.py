"""Planning 90,000 reminders for one consultation (100,000 recipients: 90,000 followers and 10,000 invitees, a tenth of each already responded) with
`notifications.reminders.reminders_plan`, as a ratio of times to one INSERT ... SELECT in PostgreSQL that
makes the same outbox rows (checked: the same dedup keys), and the planner's absolute time.

In process (bench/scenarios/_django.py `reminders_plan_measure`), not over HTTP: beat runs the planner. Each round
deletes the consultation's reminder rows, then times the floor and the planner; the figures are medians of the
rounds. The recipients are made by `reminder_recipients_make`, the one place to add invitees.
"""

import statistics
import sys
from typing import Any

RATIO_GOAL = 5.0
SECONDS_GOAL = 60.0
FOLLOWERS = 100_000


def run(ctx: Any) -> list[str]:
    rounds = ctx.job("reminders_plan_measure", count=FOLLOWERS, rounds=ctx.rounds)["rounds"]
    ratio = statistics.median(target / floor for floor, target in rounds)
    seconds = statistics.median(target for _floor, target in rounds)
    print(f"  reminders_plan: (INSERT ... SELECT s, reminders_plan s) per round: {rounds}", file=sys.stderr)
    return [
        f"reminders_plan: {ratio:.1f} x INSERT ... SELECT (goal <= {RATIO_GOAL:.0f})",
        f"reminders_plan_seconds: {seconds:.1f} s for {FOLLOWERS} recipients (goal < {SECONDS_GOAL:.0f} s)",
    ]
