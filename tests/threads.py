"""Run a function in several threads released at the same moment (two workers, two beats), for race tests."""

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def at_once(target: Callable[[], Any], *, n: int = 2, timeout: float = 60) -> tuple[list[Any], list[BaseException]]:
    """Each thread's result and any exception (reported to the test, not lost in the thread); each thread closes
    its own database connection."""
    start = threading.Barrier(n)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait(10)
            results.append(target())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results, errors
