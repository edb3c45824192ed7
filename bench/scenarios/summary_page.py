"""The PMO's summary page of a consultation with 100,000 responses to ten questions, as a ratio of times to its
SQL statements replayed alone, and its absolute time.

In process through Django's test client (bench/scenarios/_django.py `summary_measure`), signed in as the demo
PMO with `force_login`: the real URL, middleware, view, selectors and template, without the sign-in-by-code flow
that gunicorn would need for a session. One request's statements are captured and replayed on the same
connection, so the floor is exactly the page's database work and the ratio what the Python side adds; gunicorn
would add the same constant a few milliseconds to both, immaterial at this size.
"""

import statistics
import sys
from typing import Any

RATIO_GOAL = 2.0
SECONDS_GOAL = 1.0
RESPONSES = 100_000


def run(ctx: Any) -> list[str]:
    ctx.job("dataset_responses", count=RESPONSES)
    result = ctx.job("summary_measure", rounds=ctx.rounds)
    rounds = result["rounds"]
    ratio = statistics.median(target / floor for floor, target in rounds)
    seconds = statistics.median(target for _floor, target in rounds)
    print(f"  summary_page: {result['queries']} queries; (SQL s, page s) per round: {rounds}", file=sys.stderr)
    return [
        f"summary_page: {ratio:.1f} x its queries alone (goal <= {RATIO_GOAL:.0f})",
        f"summary_page_seconds: {seconds:.2f} s for {RESPONSES} responses (goal < {SECONDS_GOAL:.0f} s)",
    ]
