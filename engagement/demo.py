"""Demo data for this app, built from code with dates relative to `now`; called by `manage.py seed_demo`."""

import datetime
from typing import TextIO


def load(*, now: datetime.datetime, out: TextIO) -> None:
    """Create or update this app's demo records idempotently."""
