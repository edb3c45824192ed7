"""A task for tests/test_redis_outage.py only: its worker imports this module (`--include tests.outage_tasks`)."""

import time
from pathlib import Path

from celery import shared_task


@shared_task(ignore_result=True)
def nap(*, seconds: float, done: str) -> None:
    """Run for a moment, so the test can stall Redis while it runs; `done` is created just before the task returns
    and the worker acknowledges it (acks_late)."""
    time.sleep(seconds)
    Path(done).touch()
