"""The XLSX export of 100,000 responses to ten questions (`reporting.exports.write_xlsx`, what the download view
and a background job write), as a ratio of times to openpyxl's write-only mode writing the same response rows
already in memory (so the floor is the spreadsheet writing alone); and the export's peak memory.

In process (bench/scenarios/_django.py), to a temporary file as the view does. Memory is the peak resident set
growth (ru_maxrss) of the export in a fresh process.
"""

import statistics
import sys
from typing import Any

RATIO_GOAL = 1.5
MEMORY_GOAL_MB = 200
RESPONSES = 100_000
TIME_LIMIT = 900  # seconds (bench/run.py): three rounds of 100,000 responses on a shared machine


def run(ctx: Any) -> list[str]:
    ctx.job("dataset_responses", count=RESPONSES)
    rounds = ctx.job("export_xlsx_measure", rounds=ctx.rounds)["rounds"]
    ratio = statistics.median(target / floor for floor, target in rounds)
    memory = ctx.job("export_memory", fmt="xlsx", limit=None)
    print(f"  export_xlsx: (openpyxl s, export s) per round: {rounds}; memory {memory}", file=sys.stderr)
    return [
        f"export_xlsx: {ratio:.2f} x openpyxl write-only (goal <= {RATIO_GOAL})",
        f"export_xlsx_memory: {memory['growth_mb']:.0f} MB peak growth for {memory['responses']} responses "
        f"(goal < {MEMORY_GOAL_MB} MB)",
    ]
