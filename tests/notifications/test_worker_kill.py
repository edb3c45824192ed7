"""SIGKILL a worker process in the middle of a batch of a few hundred emails, then run another: every email is
delivered, and none twice except at most the one in flight at the kill."""

import collections
import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from notifications import services as svc
from notifications.models import Email
from tests.notifications.factories import EmailFactory

ROOT = Path(__file__).resolve().parent.parent.parent
TOTAL = 300
# The worker process: what beat's task runs, sending to the test's SMTP server.
WORKER = """
import os, django
django.setup()
from django.conf import settings
settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", int(os.environ["SINK_PORT"])
settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
from notifications.tasks import send_due_emails
print("sent", send_due_emails(), flush=True)
"""


def worker_env(port: int) -> dict[str, str]:
    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ics_portal.settings.test",
        "SINK_PORT": str(port),
        "DATABASE_URL": f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    }


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_batch_then_another_worker_delivers_everything_at_most_one_twice(
    smtp_sink: Any, settings: Any
) -> None:
    rows = EmailFactory.create_batch(TOTAL, kind="resume_link")  # a kind the worker process registers too
    Email.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    smtp_sink.delay = 0.005
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER], cwd=ROOT, env=worker_env(settings.EMAIL_PORT),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    mid_batch = svc.BATCH + svc.BATCH // 2  # halfway through its second batch, whatever the batch size
    try:
        deadline = time.monotonic() + 60
        while len(smtp_sink.messages) < mid_batch and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.01)
        assert worker.poll() is None, worker.communicate()[0].decode(errors="replace")[-3000:]
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    delivered_by_first = len(smtp_sink.messages)
    assert mid_batch <= delivered_by_first < TOTAL, "killed in the middle"
    left_sending = Email.objects.filter(status="sending").count()
    assert 0 < left_sending <= svc.BATCH, "the rest of its batch is left claimed, not lost"

    # Another worker, once those claims are certainly stale (here: the clock moved on past the limit).
    smtp_sink.delay = 0
    later = timezone.now() + svc.STALE_SENDING + datetime.timedelta(minutes=1)
    svc.emails_send_due(now=later)
    assert set(Email.objects.values_list("status", flat=True)) == {Email.Status.SENT}
    times = collections.Counter(m["Message-ID"] for m in smtp_sink.messages)
    assert set(times) == {r.message_id for r in rows}, "every email delivered"
    twice = [mid for mid, n in times.items() if n > 1]
    assert len(twice) <= 1, f"only the one in flight at the kill may arrive twice, not {len(twice)}"
    assert max(times.values()) <= 2
