"""Submitting a response: throughput as a ratio to a POST floor, and p99 latency at a steady 100 requests/s.

A valid submission is the check-answers POST of a complete draft (three answers, about you, an email, so a
receipt is queued), with every hidden field the check-answers form carries. Each request needs its own draft and
session, so the drafts are made in advance through HTTP (start, answer the page, about you, read the check-answers
form), then each is sent once.

The floor is /bench/floor-post/ (`ics_portal.views.floor_post`): the writes any submission must make, through the
same middleware, CSRF check and session (each floor request carries one of the drafts' sessions), in one
transaction: update one response by primary key (rows made for it here) and insert one outbox row. Floor and
submission are measured with the same threaded client in the runner's alternating rounds (`ctx.alternate`); the
figure is the median of the rounds' ratios. Clients bind distinct loopback source addresses (127.0.x.y), as
residents arrive from many addresses, so the per-address rate limit stays in force and is paid for, without tripping.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

RATIO_GOAL = 0.5
P99_GOAL_MS = 150.0
STEADY_RPS = 100
STEADY_SECONDS = 10
ROOT = Path(__file__).resolve().parent.parent.parent

PREPARE = r"""
import datetime
import django
django.setup()
from django.utils import timezone
from engagement.models import Consultation, Question
from governance.models import Area

now = timezone.now()
top = Area.objects.filter(parent__isnull=True).order_by("pk").first()
if top is None:
    raise SystemExit("the bench database has no areas: run without --skip-seed")
consultation, _ = Consultation.objects.update_or_create(
    slug="bench-feedback",
    defaults=dict(
        system=top.system, owner_area=top, title="Benchmark consultation", summary="For make bench.",
        opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=30), is_published=True,
    ),
)
questions = [
    ("single_choice", "Which option do you prefer?", ["Option 1", "Option 2"]),
    ("long_text", "What would make it work?", []),
    ("agree_scale", "Care should be planned locally", []),
]
ids = []
for order, (kind, text, choices) in enumerate(questions, 1):
    q, _ = Question.objects.update_or_create(
        consultation=consultation, order=order, defaults=dict(kind=kind, text=text, choices=choices, required=True)
    )
    ids.append(q.pk)
# Drafts for the floor to update by primary key, one per request of a round (so no two wait on one row's lock).
from engagement.models import Response
from engagement.references import new_reference
import sys
floor = Response.objects.bulk_create(
    Response(consultation=consultation, reference=new_reference()) for _ in range(int(sys.argv[1]))
)
print(",".join(str(i) for i in ids))
print(",".join(str(r.pk) for r in floor))
"""
CSRF = "b" * 32


def _env() -> dict[str, str]:
    main = sys.modules.get("__main__")
    if main is not None and hasattr(main, "server_env"):
        return dict(main.server_env())
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "ics_portal.settings.bench")
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ics_bench")
    env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
    env.setdefault("DJANGO_SECRET_KEY", "bench-prepare-" + "x" * 50)
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    return env


def prepare_consultation(floor_rows: int) -> tuple[list[int], list[int]]:
    """Create (or refresh) the bench consultation with the ORM; return its question ids and the floor's rows."""
    done = subprocess.run(
        [sys.executable, "-c", PREPARE, str(floor_rows)],
        cwd=ROOT,
        env=_env(),
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    questions, floor = done.stdout.strip().splitlines()[-2:]
    return [int(i) for i in questions.split(",")], [int(i) for i in floor.split(",")]


def _request(
    host: str, port: int, method: str, path: str, data: dict[str, str] | None, cookie: str
) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection(host, port, timeout=10)
    body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": CSRF}).encode() if data is not None else None
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
    finally:
        conn.close()


def make_draft(host: str, port: int, slug: str, question_ids: list[int]) -> list[str]:
    """Answer a consultation through HTTP up to the check-answers page; return [session key, the submit form's
    hidden fields url-encoded], as a browser would post them."""
    base = f"/consultations/{slug}/respond"
    cookie = f"csrftoken={CSRF}"
    status, headers, _ = _request(host, port, "POST", f"{base}/", {"action": "start"}, cookie)
    match = re.search(r"sessionid=([^;]+)", headers.get("set-cookie", ""))
    if status != 302 or not match:
        raise RuntimeError(f"starting a response gave {status}")
    cookie = f"csrftoken={CSRF}; sessionid={match.group(1)}"
    single, long_text, agree = question_ids
    answers = {
        f"q{single}": "Option 1",
        f"q{long_text}": "Working together across the borough. " * 5,
        f"q{agree}": "agree",
        "action": "continue",
    }
    for path, data in (
        (f"{base}/page/1/", answers),
        (f"{base}/about-you/", {"respondent_type": "individual", "email": "bench@example.org", "action": "continue"}),
    ):
        status, _, _ = _request(host, port, "POST", path, data, cookie)
        if status != 302:
            raise RuntimeError(f"POST {path} gave {status}")
    status, _, body = _request(host, port, "GET", f"{base}/check/", None, cookie)
    form = re.search(r'<form method="post" action="[^"]*/respond/submit/".*?</form>', body, re.S)
    if status != 200 or not form:
        raise RuntimeError(f"check answers gave {status}")
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))
    fields.pop("csrfmiddlewaretoken", None)
    return [match.group(1), urllib.parse.urlencode(fields)]


def prepare(
    host: str, port: int, count: int, floor_rows: int, concurrency: int
) -> tuple[str, list[list[str]], list[int]]:
    question_ids, floor_pks = prepare_consultation(floor_rows)
    slug = "bench-feedback"
    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
        drafts = list(pool.map(lambda _n: make_draft(host, port, slug, question_ids), range(count)))
    return slug, drafts, floor_pks


class Client:
    """One request per call, from a loopback source address chosen per request number."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    def post(self, n: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, float]:
        source = f"127.0.{(n // 250) % 250 + 1}.{n % 250 + 2}"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10, source_address=(source, 0))
        start = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status, time.perf_counter() - start
        finally:
            conn.close()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def _post(path: str, fields: str, session_key: str) -> tuple[str, bytes, dict[str, str]]:
    """A form POST as the browser of that session sends it (CSRF cookie and token, Referer)."""
    body = f"{fields}&csrfmiddlewaretoken={CSRF}".encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"sessionid={session_key}; csrftoken={CSRF}",
        "Referer": "http://127.0.0.1/",
    }
    return path, body, headers


def _submission(slug: str, draft: list[str]) -> tuple[str, bytes, dict[str, str]]:
    session_key, fields = draft
    return _post(f"/consultations/{slug}/respond/submit/", fields, session_key)


def _floor(pk: int, draft: list[str]) -> tuple[str, bytes, dict[str, str]]:
    return _post("/bench/floor-post/", f"response={pk}", draft[0])


def throughput(
    client: Client, jobs: list[tuple[str, bytes, dict[str, str]]], concurrency: int, time_limit: float, expect: int
) -> tuple[float, dict[int, int]]:
    """Closed loop: `concurrency` threads send the jobs as fast as answered."""
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    index = iter(range(len(jobs)))
    deadline = time.time() + time_limit
    count = 0

    def worker() -> None:
        nonlocal count
        while time.time() < deadline:
            with lock:
                n = next(index, None)
            if n is None:
                return
            status, _latency = client.post(n, *jobs[n])
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                count += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    if set(statuses) != {expect}:
        raise RuntimeError(f"unexpected statuses {statuses} (expected only {expect})")
    return count / seconds, statuses


def steady(client: Client, jobs: list[tuple[str, bytes, dict[str, str]]], rate: int, offset: int) -> list[float]:
    """Open loop: one request every 1/rate s whatever the answers do; latency counts from the scheduled time."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    start = time.perf_counter() + 0.1

    def send(i: int) -> None:
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        status, _ = client.post(offset + i, *jobs[i])
        latencies.append(time.perf_counter() - scheduled)
        statuses[status] = statuses.get(status, 0) + 1

    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(send, range(len(jobs))))
    if set(statuses) != {302}:
        raise RuntimeError(f"unexpected statuses at {rate} requests/s: {statuses}")
    return latencies


def run(ctx: Any) -> list[str]:
    per_round = min(ctx.requests, 2000) // 2
    steady_count = STEADY_RPS * STEADY_SECONDS
    warm = 50
    measured = warm + ctx.rounds * per_round
    slug, drafts, floor_pks = prepare(ctx.host, ctx.port, measured + steady_count, per_round, ctx.concurrency)
    client = Client(ctx.host, ctx.port)
    jobs = [_submission(slug, d) for d in drafts]

    def round_drafts(n: int) -> range:
        return range(warm + n * per_round, warm + (n + 1) * per_round)

    def floor(n: int) -> float:  # the same sessions as the round's submissions, read before those are sent
        floor_jobs = [_floor(pk, drafts[i]) for pk, i in zip(floor_pks, round_drafts(n), strict=True)]
        return throughput(client, floor_jobs, ctx.concurrency, ctx.time_limit, 200)[0]

    def submit(n: int) -> float:
        return throughput(client, [jobs[i] for i in round_drafts(n)], ctx.concurrency, ctx.time_limit, 302)[0]

    throughput(client, [_floor(pk, drafts[0]) for pk in floor_pks[:warm]], ctx.concurrency, ctx.time_limit, 200)
    throughput(client, jobs[:warm], ctx.concurrency, ctx.time_limit, 302)
    comparison = ctx.alternate(floor, submit)
    latencies = steady(client, jobs[measured:], STEADY_RPS, measured)
    p50, p99 = _percentile(latencies, 0.5) * 1000, _percentile(latencies, 0.99) * 1000
    print(
        f"  feedback_submit: {comparison}; at {STEADY_RPS}/s for {STEADY_SECONDS} s: p50 {p50:.1f} ms, p99 {p99:.1f} ms",
        file=sys.stderr,
    )
    return [
        f"feedback_submit: {comparison.ratio:.2f} of floor-post (goal >= {RATIO_GOAL})",
        f"feedback_submit_p99: {p99:.0f} ms at {STEADY_RPS} requests/s (goal < {P99_GOAL_MS:.0f} ms)",
    ]
