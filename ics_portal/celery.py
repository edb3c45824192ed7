"""The Celery app: configured from Django settings (CELERY_*), tasks found in each app's tasks.py.

`publish` is how a web request queues a task: it never waits on a stalled broker for more than about a second
(the broker timeouts in settings), and after such a wait this process skips the broker for PUBLISH_PAUSE seconds,
so during an outage one request every few seconds waits, not every one. Its callers fall back when it raises: the
outbox's periodic sweep sends what was not queued; allauth's mail is sent at once.
"""

import os
import time
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ics_portal.settings.local")

app = Celery("ics_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

PUBLISH_PAUSE = 5.0
# A failed publish that took this long waited on the broker (stalled); a refused connection fails at once and
# costs nothing, so it does not pause.
SLOW_FAILURE = 0.5
_paused_until = {"at": 0.0}


class BrokerPausedError(RuntimeError):
    """Not published: a publish from this process waited on the broker and failed moments ago."""


def publish(task: Any, *, kwargs: dict[str, Any] | None = None) -> None:
    """`task.apply_async(kwargs=kwargs)` without a publish retry; raises on failure (see above)."""
    if time.monotonic() < _paused_until["at"]:
        raise BrokerPausedError(f"not publishing {task.name}: the broker timed out less than {PUBLISH_PAUSE:.0f} s ago")
    started = time.monotonic()
    try:
        task.apply_async(kwargs=kwargs or {}, retry=False)
    except Exception:
        if time.monotonic() - started >= SLOW_FAILURE:
            _paused_until["at"] = time.monotonic() + PUBLISH_PAUSE
        raise
