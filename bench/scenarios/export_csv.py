"""The CSV export of 100,000 responses to ten questions (`reporting.exports.write_export`, the rows and lines the
download view streams and a background job writes), as a ratio of times to PostgreSQL's `COPY (SELECT ...) TO
STDOUT` of the same responses' answers; and how much more memory an export of 100,000 takes than one of 10,000.

In process (bench/scenarios/_django.py), output counted and dropped, so the figure is the export's, not a disk's
or a client's. Memory is each export's peak resident set growth (ru_maxrss) in a fresh process, so it counts what
psycopg2 and the csv writer hold too, not only Python objects.
"""

import statistics
import sys
from typing import Any

RATIO_GOAL = 3.0
MEMORY_GOAL_MB = 50
RESPONSES = 100_000
TIME_LIMIT = 600  # seconds (bench/run.py): three rounds of 100,000 responses on a shared machine


def run(ctx: Any) -> list[str]:
    ctx.job("dataset_responses", count=RESPONSES)
    rounds = ctx.job("export_csv_measure", rounds=ctx.rounds)["rounds"]
    ratio = statistics.median(target / floor for floor, target in rounds)
    small = ctx.job("export_memory", fmt="csv", limit=RESPONSES // 10)
    big = ctx.job("export_memory", fmt="csv", limit=None)
    growth = big["growth_mb"] - small["growth_mb"]
    print(f"  export_csv: (COPY s, export s) per round: {rounds}; memory {small} then {big}", file=sys.stderr)
    return [
        f"export_csv: {ratio:.1f} x COPY (goal <= {RATIO_GOAL:.0f})",
        f"export_csv_memory: {growth:.0f} MB more for {big['responses']} responses than for {small['responses']} "
        f"(goal < {MEMORY_GOAL_MB} MB)",
    ]
