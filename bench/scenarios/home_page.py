"""Home page throughput as a ratio to the floor view (a constant through the same middleware)."""

import sys

GOAL = 0.5


def run(ctx) -> list[str]:
    home = ctx.versus_floor("/")
    print(f"  home_page: {home}", file=sys.stderr)
    return [f"home_page: {home.ratio:.2f} of floor (goal >= {GOAL})"]
