"""The Celery app: configured from Django settings (CELERY_*), tasks found in each app's tasks.py.

`publish` is how a web request queues a task: it never waits on a stalled broker for more than about a second
(the broker timeouts in settings), and after such a wait this process skips the broker for PUBLISH_PAUSE seconds,
so during an outage one request every few seconds waits, not every one. Its callers fall back when it raises: the
outbox's periodic sweep sends what was not queued; allauth's mail is sent at once.
"""

import os
import time
from typing import Any

from celery import Celery, Task
from celery.worker.request import Request

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ics_portal.settings.local")


class ReconnectOnFailedAckRequest(Request):
    """A task request whose failed ack (or reject) makes the worker reconnect to the broker.

    Celery logs a connection error during an ack and carries on, but kombu's Redis transport still counts the task
    as delivered: it holds one of the worker's prefetch slots (concurrency x 1) for good, and once all are held the
    worker asks Redis for nothing more, deaf until restarted while still answering pings. Here the request
    swallows none of them: the error leaves the event loop for the consumer, which reconnects as after any lost
    connection and puts the task back if its ack never reached Redis (acks_late: it runs again, which every task
    here allows). Without an event loop (gevent, or the quick start's filesystem transport) Celery only logs it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Celery uses `connection_errors` only as what ack and reject swallow and log.
        super().__init__(*args, **{**kwargs, "connection_errors": ()})


class PortalTask(Task):
    Request = ReconnectOnFailedAckRequest


app = Celery("ics_portal", task_cls=PortalTask)
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
