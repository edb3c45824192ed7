"""Liveness check for a Celery worker, for whatever supervises it (systemd, a container orchestrator).

    python -m ics_portal.health worker [NODE]      # NODE defaults to celery@<this host>, as the Procfile names it

Exits 0 when the worker answers a ping over the broker within a few seconds, 1 when it does not, and 2 when the
broker itself cannot be reached (then restarting the worker would not help: it reconnects by itself once Redis
is back, see CELERY_* in settings/base.py). The web tier's check is GET /healthz, which touches nothing.
"""

import os
import socket
import sys

PING_TIMEOUT = 3.0


def worker_alive(node: str, *, timeout: float = PING_TIMEOUT) -> int:
    from .celery import app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1)
            replies = app.control.ping(destination=[node], timeout=timeout, connection=connection)
    except Exception as exc:  # the broker is down or stalled
        sys.stderr.write(f"broker unreachable: {exc}\n")
        return 2
    if any(node in reply for reply in replies):
        return 0
    sys.stderr.write(f"{node} did not answer a ping within {timeout:.0f} s\n")
    return 1


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "worker":
        sys.stderr.write(__doc__ or "")
        return 64
    node = argv[1] if len(argv) > 1 else f"celery@{socket.gethostname()}"
    return worker_alive(node)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ics_portal.settings.local")
    import django

    django.setup()
    sys.exit(main(sys.argv[1:]))
