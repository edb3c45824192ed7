"""A real Redis stalled (SIGSTOP) and resumed (SIGCONT) under the portal and a real Celery worker process.

The test starts its own redis-server on a free port (never the shared one), points the cache, the rate-limit
counters and Celery publishing of this process at it, and a `celery worker` subprocess (prefork, as the Procfile
runs it, with the Procfile's worker options) at the same Redis and the test database. While Redis is stalled every page, sign-in code request and
response submission answers within 3 s; after it resumes, and again after Redis is stopped and started, the
worker consumes again by itself, as it does after a stall that lands inside its acknowledgement of a task.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client

from engagement.models import Response
from ics_portal import celery as celery_module
from ics_portal.celery import app
from notifications.models import Email
from notifications.tasks import send_email
from tests.engagement.factories import respond_survey
from tests.engagement.test_respond_views import submit, walk_to_check
from tests.factories import UserFactory
from tests.outage_tasks import nap

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed"),
]

BUDGET = 3.0  # seconds any request may take while Redis is stalled (issue 10)
STALL = 12.0  # longer than kombu's BRPOP health check (1 + 10 s), so the worker really loses its connection
ACK_FAILS = 4.0  # after the task returns: its ack met the stall and timed out (1 s socket timeout, no retry)
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Any, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, f"{what}: not within {timeout} s"
        time.sleep(0.1)
    return time.monotonic() - started


class OwnRedis:
    """A redis-server of the test's own on a free port, which the test may pause, stop and start again."""

    worker_env: dict[str, str]
    worker_node: str

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
        )
        wait_until(self.answers, 10, "redis-server start")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def unacked(self) -> int | None:
        """How many tasks the worker took and has not acknowledged (kombu keeps them in the hash `unacked`); None
        when Redis does not answer."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"HLEN unacked\r\n")
                reply = s.recv(32)
        except OSError:
            return None
        return int(reply[1:].strip()) if reply.startswith(b":") else None

    def pause(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self.resume()  # a stopped process cannot act on SIGTERM
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: Any) -> Iterator[OwnRedis]:
    redis = OwnRedis(tmp_path_factory.mktemp("redis"))
    try:
        yield redis
    finally:
        redis.stop()  # a failed test must not leave it stopped


def procfile_worker_options() -> list[str]:
    """The `--without-...` options of the Procfile's worker, so these tests run the worker production runs."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("worker:"))
    return [word for word in line.split() if word.startswith("--without-")]


@pytest.fixture
def portal_on_own_redis(own_redis: OwnRedis, settings: Any) -> Iterator[OwnRedis]:
    """This process's cache and Celery publishing, and a worker subprocess, all on the test's own Redis."""
    url = own_redis.url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    settings.EMAIL_VIA_CELERY = True
    old_broker = app.conf.broker_url
    app.conf.broker_url = url
    app._pool = None  # the producer pools are per connection: rebuild them for the new broker
    app.amqp._producer_pool = None
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ics_portal.settings.test",
        "REDIS_URL": url,
        "DATABASE_URL": f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    }
    node = f"outage-{os.getpid()}@{socket.gethostname()}"
    own_redis.worker_env, own_redis.worker_node = env, node
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "ics_portal", "worker", "--concurrency", "1", "--loglevel", "INFO",
         *procfile_worker_options(), "-n", node, "--include", "tests.outage_tasks"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield own_redis
    finally:
        own_redis.resume()
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        sys.stdout.write(output.decode(errors="replace")[-6000:])  # shown when the test fails
        app.conf.broker_url = old_broker
        app._pool = None
        app.amqp._producer_pool = None
        celery_module._paused_until["at"] = 0.0  # later tests publish to the shared Redis at once


def timed(call: Any, *args: Any, **kwargs: Any) -> Any:
    started = time.monotonic()
    result = call(*args, **kwargs)
    took = time.monotonic() - started
    assert took < BUDGET, f"{call.__name__}{args[:1]} took {took:.1f} s with Redis stalled"
    return result


def sent(email: Email) -> bool:
    email.refresh_from_db()
    return email.status == Email.Status.SENT


def health(redis: OwnRedis, node: str) -> int:
    """The exit code of the liveness check a supervisor would run for the worker `node`."""
    command = [sys.executable, "-m", "ics_portal.health", "worker", node]
    return subprocess.run(command, cwd=ROOT, env=redis.worker_env, capture_output=True, check=False).returncode


def published(email: Email) -> bool:
    try:
        send_email.delay(email_id=email.pk)
    except Exception:  # the web side leaves Redis alone for a few seconds after an error
        return False
    return True


@pytest.mark.urls("tests.error_urls")  # the portal's URLs plus a view that fails on purpose
def test_stalled_redis_slows_nothing_past_3_s_and_the_worker_resumes_by_itself(
    portal_on_own_redis: Any, mailoutbox: Any
) -> None:
    redis = portal_on_own_redis
    survey = respond_survey()
    resident = UserFactory(email="owner@example.com")

    # Before: the worker is up and drains the outbox.
    first = Email.objects.create(kind="resume_link", to="a@example.org", subject="s", body_text="t")
    send_email.delay(email_id=first.pk)
    wait_until(lambda: sent(first), 30, "the worker draining the outbox before the stall")
    # This stall comes while the worker waits for work (BRPOP), as most stalls find it: wait for its ack, or the
    # stall might land inside it instead, the case the next test covers.
    wait_until(lambda: redis.unacked() == 0, 10, "the worker acknowledging its task before the stall")

    redis.pause()
    stalled_at = time.monotonic()

    # Pages, the health check and an error page: no Redis needed, none waits on it.
    visitor = Client(raise_request_exception=False)
    assert timed(visitor.get, "/healthz").content == b"ok"
    assert timed(visitor.get, "/").status_code == 200
    assert timed(visitor.get, "/consultations/").status_code == 200
    missing = timed(visitor.get, "/no-such-page/")
    assert missing.status_code == 404
    assert "Page not found" in missing.content.decode()

    # A sign-in code: the rate limits cannot count, so they allow; the worker cannot be reached, so the code is
    # sent from the web process at once.
    owner = Client()
    asked = timed(owner.post, "/accounts/login/code/", {"email": resident.email})
    assert asked.status_code == 302
    assert [m.to for m in mailoutbox] == [[resident.email]]

    # A whole response, page by page, and its submission: stored as sent, its receipt waiting in the outbox.
    resident_client = Client()
    response = timed(walk_to_check, resident_client, survey)
    timed(submit, resident_client, survey, response)
    response.refresh_from_db()
    assert response.state == Response.State.SUBMITTED
    receipt = Email.objects.about(response).get(kind="receipt")
    assert receipt.status == Email.Status.READY

    # Signed in, on a page that reads the session and the user: still served; and the error page still renders
    # in the layout (it failed when sessions were read from Redis).
    owner.force_login(resident)
    assert timed(owner.get, "/account/").status_code == 200
    owner.raise_request_exception = False
    error = timed(owner.get, "/test-errors/500/")
    assert error.status_code == 500
    assert "Sorry, there is a problem with the service" in error.content.decode()
    assert 'class="nhsuk-header' in error.content.decode()

    time.sleep(max(0.0, STALL - (time.monotonic() - stalled_at)))
    redis.resume()

    # After: the same worker process, unrestarted, consumes a task and sends the receipt the stall held back
    # (here the task is published by hand; beat's sweep would publish it within a minute).
    wait_until(lambda: published(receipt), 10, "publishing after Redis resumed")
    wait_until(lambda: sent(receipt), 60, "the worker consuming after the stall")

    # Redis down (stopped: its connections are closed, its data gone), then started again.
    redis.stop()
    assert timed(visitor.get, "/healthz").content == b"ok"
    assert timed(Client().post, "/accounts/login/code/", {"email": "new@example.com"}).status_code == 302
    later = Email.objects.create(kind="resume_link", to="b@example.org", subject="s", body_text="t")
    time.sleep(3)  # the worker notices and starts reconnecting
    redis.start()
    wait_until(lambda: published(later), 10, "publishing after Redis restarted")
    wait_until(lambda: sent(later), 60, "the worker consuming after Redis restarted")

    # The liveness check a supervisor would run: this worker answers; a worker that is not there does not.
    assert health(redis, redis.worker_node) == 0
    assert health(redis, "nobody@nowhere") == 1


def test_a_stall_inside_the_acknowledgement_of_a_task_leaves_the_worker_consuming(
    portal_on_own_redis: Any, tmp_path: Path
) -> None:
    """acks_late: the worker acknowledges a task after it returns. Redis stalls while the task runs, so the ack
    times out ("Couldn't ack ... TimeoutError"); kombu still counted the task as delivered and, with a prefetch of
    1, never asked Redis for another (deaf until restarted, yet answering the liveness ping). Now the worker
    reconnects and consumes again."""
    # With heartbeats (every 2 s) the worker's loop could meet the stall first and wait in kombu's reconnect loop,
    # running the ack after Redis resumed: the ack would not meet the stall every time.
    assert "--without-heartbeat" in procfile_worker_options()
    redis = portal_on_own_redis
    done = tmp_path / "napped"
    nap.delay(seconds=2.0, done=str(done))
    wait_until(lambda: redis.unacked() == 1, 30, "the worker taking the task")

    redis.pause()
    assert not done.exists(), "the task returned before Redis stalled: its ack may not meet the stall"
    wait_until(done.exists, 10, "the task returning with Redis stalled")
    time.sleep(ACK_FAILS)
    redis.resume()

    later = Email.objects.create(kind="resume_link", to="c@example.org", subject="s", body_text="t")
    wait_until(lambda: published(later), 10, "publishing after Redis resumed")
    wait_until(lambda: sent(later), 30, "the worker consuming after a stall inside its acknowledgement")
    # The ack reached Redis once it resumed (or the task was put back and run again): nothing is left unacked.
    wait_until(lambda: redis.unacked() == 0, 10, "nothing left unacknowledged")


def test_production_uses_the_same_failover_settings() -> None:
    """What the test above runs on the test settings, production has too (and keeps no session in Redis)."""
    from tests.test_security import production_env

    code = (
        "import django, json; django.setup(); from django.conf import settings as s;"
        " from ics_portal.celery import app, ReconnectOnFailedAckRequest;"
        "print(json.dumps([s.SESSION_ENGINE, s.CACHES['default']['BACKEND'], s.CACHES['default']['OPTIONS'],"
        " app.conf.broker_transport_options, app.conf.task_publish_retry, app.conf.broker_connection_max_retries,"
        " app.conf.worker_cancel_long_running_tasks_on_connection_loss,"
        " (app.loader.import_default_modules(), {n: issubclass(t.Request, ReconnectOnFailedAckRequest)"
        " for n, t in app.tasks.items()})[1]]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=production_env(), capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    engine, backend, options, transport, retry, max_retries, cancel, reconnecting = json.loads(last)
    assert engine == "django.contrib.sessions.backends.db"
    assert backend == "ics_portal.cache.ResilientRedisCache"
    assert options == {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    assert transport["socket_timeout"] == transport["socket_connect_timeout"] == 1
    assert transport["interval_start"] == 0
    assert retry is False
    assert max_retries is None
    assert cancel is True
    # Every task's failed ack makes the worker reconnect (the test above), the portal's and Celery's own.
    assert "notifications.tasks.send_email" in reconnecting
    assert [name for name, yes in reconnecting.items() if not yes] == []
