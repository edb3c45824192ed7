"""`make bench`: start gunicorn on PostgreSQL with production-like settings, then run every scenario.

Each module in bench/scenarios/ (not starting with "_") exposes `run(ctx) -> list[str]` and returns lines of the
form `<scenario>: <figure> (goal <goal>)`. See bench/README.md.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import importlib.util
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import traceback
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SCENARIOS = Path(__file__).resolve().parent / "scenarios"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ics_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"


# --- The load generator: processes (not threads) so the client is not held back by one GIL ---
def _one_request(host: str, port: int, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _client_loop(
    host: str,
    port: int,
    method: str,
    path: str,
    body: bytes | None,
    headers: dict[str, str],
    count: int,
    deadline: float,
) -> tuple[list[float], dict[int, int], int]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    for _ in range(count):
        if time.time() > deadline:
            break
        start = time.perf_counter()
        try:
            status = _one_request(host, port, method, path, body, headers)
        except OSError:
            errors += 1
            continue
        latencies.append(time.perf_counter() - start)
        statuses[status] = statuses.get(status, 0) + 1
    return latencies, statuses, errors


@dataclass
class Measurement:
    path: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0

    def __str__(self) -> str:
        return (
            f"{self.path}: {self.rps:.0f} requests/s over {self.requests} requests, "
            f"p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, statuses {self.statuses}"
        )


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


ROUNDS = 3  # every ratio is the median of this many rounds, each measuring the floor and then the target


@dataclass
class Comparison:
    """Alternating rounds of a floor and a target, as (floor, target) requests/s per round in the order run."""

    rounds: list[tuple[float, float]]

    @property
    def ratios(self) -> list[float]:
        return [target / floor if floor else 0.0 for floor, target in self.rounds]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    def __str__(self) -> str:
        rounds = "; ".join(f"{floor:.0f} vs {target:.0f} requests/s" for floor, target in self.rounds)
        return f"median {self.ratio:.2f} of {', '.join(f'{r:.2f}' for r in self.ratios)} (floor vs target: {rounds})"


def alternate(floor: Callable[[int], float], target: Callable[[int], float], rounds: int = ROUNDS) -> Comparison:
    """Measure floor, target, floor, target ... (each call gets the round's number and returns requests/s).

    Each ratio then compares the machine in one state, and the median of the rounds' ratios is the figure: on a
    shared machine one floor measured once, before every scenario, swung a whole run (home_page 0.30 one run).
    """
    results = []
    for n in range(rounds):
        floor_rps = floor(n)
        results.append((floor_rps, target(n)))
    return Comparison(results)


@dataclass
class Context:
    """What a scenario gets: the server's address and ways to measure and to compare with a floor."""

    base_url: str
    concurrency: int
    requests: int
    time_limit: float
    pool: concurrent.futures.ProcessPoolExecutor
    verbose: bool = False
    rounds: int = ROUNDS

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.base_url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        return urllib.parse.urlsplit(self.base_url).port or 80

    def fetch(
        self, path: str, method: str = "GET", data: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        """One request for a scenario's setup (e.g. read a CSRF token): status, headers, body."""
        body, headers = self._encode(data, headers)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def job(self, name: str, **kwargs: Any) -> Any:
        """Run a job of bench/scenarios/_django.py in its own process, with Django set up on the bench database
        (for scenarios that measure a service in process, such as planning reminders); returns its JSON result."""
        spec = importlib.util.spec_from_file_location("bench_django_jobs", SCENARIOS / "_django.py")
        assert spec
        assert spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.run_job(name, **kwargs)

    def alternate(self, floor: Callable[[int], float], target: Callable[[int], float]) -> Comparison:
        """Alternating rounds of any two measurements (see `alternate`), e.g. a POST floor and a submission."""
        return alternate(floor, target, self.rounds)

    def versus_floor(self, path: str, **measure: Any) -> Comparison:
        """A page against the GET floor (/bench/floor/), in alternating rounds; `measure` as for `measure()`."""
        return self.alternate(
            lambda _n: self.measure("/bench/floor/", requests=measure.get("requests")).rps,
            lambda _n: self.measure(path, **measure).rps,
        )

    @staticmethod
    def _encode(data: Any, headers: dict[str, str] | None) -> tuple[bytes | None, dict[str, str]]:
        headers = dict(headers or {})
        if data is None:
            return None, headers
        if isinstance(data, bytes):
            return data, headers
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return urllib.parse.urlencode(data, doseq=True).encode(), headers

    def measure(
        self,
        path: str,
        method: str = "GET",
        data: Any = None,
        *,
        headers: dict[str, str] | None = None,
        requests: int | None = None,
        concurrency: int | None = None,
        time_limit: float | None = None,
        expect: tuple[int, ...] = (200,),
    ) -> Measurement:
        """Send `requests` requests from `concurrency` client processes (bounded by `time_limit` seconds)."""
        requests = requests or self.requests
        concurrency = concurrency or self.concurrency
        body, headers = self._encode(data, headers)
        deadline = time.time() + (time_limit or self.time_limit)
        share = [requests // concurrency + (1 if i < requests % concurrency else 0) for i in range(concurrency)]
        start = time.perf_counter()
        futures = [
            self.pool.submit(_client_loop, self.host, self.port, method, path, body, headers, n, deadline)
            for n in share
        ]
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        errors = 0
        for future in futures:
            lat, st, err = future.result()
            latencies += lat
            errors += err
            for status, n in st.items():
                statuses[status] = statuses.get(status, 0) + n
        seconds = time.perf_counter() - start
        result = Measurement(
            path=path,
            requests=len(latencies),
            seconds=seconds,
            rps=len(latencies) / seconds if seconds else 0.0,
            p50_ms=_percentile(latencies, 0.50) * 1000,
            p95_ms=_percentile(latencies, 0.95) * 1000,
            p99_ms=_percentile(latencies, 0.99) * 1000,
            statuses=statuses,
            errors=errors,
        )
        if self.verbose:
            print(f"  [{result}]", file=sys.stderr)
        unexpected = {s: n for s, n in statuses.items() if s not in expect}
        if unexpected or errors:
            raise RuntimeError(f"{method} {path}: unexpected statuses {unexpected}, {errors} connection errors")
        return result


# --- The server ---
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_database(url: str) -> None:
    """Create the benchmark database if the server does not have it yet."""
    import psycopg2

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "ics_portal.settings.bench",
            "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
    )
    env.pop("CELERY_BROKER_URL", None)
    return env


def wait_until_up(base_url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    parts = urllib.parse.urlsplit(base_url)
    while time.time() < deadline:
        try:
            if _one_request(parts.hostname or "127.0.0.1", parts.port or 80, "GET", "/healthz", None, {}) == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer at {base_url} within {timeout} s")


def load_scenarios(only: list[str] | None) -> list[tuple[str, Any]]:
    modules = []
    for path in sorted(SCENARIOS.glob("*.py")):
        if path.name.startswith("_") or (only and path.stem not in only):
            continue
        spec = importlib.util.spec_from_file_location(f"bench_scenario_{path.stem}", path)
        assert spec
        assert spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules.append((path.stem, module))
    return modules


class ScenarioTimeoutError(Exception):
    pass


def _scenario_timeout(signum: int, frame: Any) -> None:
    raise ScenarioTimeoutError("the scenario went over --scenario-time-limit")


def _terminated(signum: int, frame: Any) -> None:
    raise SystemExit(143)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenarios", nargs="*", help="run only these scenarios (file names without .py)")
    parser.add_argument("--requests", type=int, default=int(os.environ.get("BENCH_REQUESTS", 2000)))
    parser.add_argument("--concurrency", type=int, default=int(os.environ.get("BENCH_CONCURRENCY", 8)))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", 5)), help="gunicorn")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per measurement at most")
    parser.add_argument(
        "--scenario-time-limit", type=float, default=float(os.environ.get("BENCH_SCENARIO_TIME_LIMIT", 300))
    )
    parser.add_argument("--skip-seed", action="store_true", help="do not migrate and seed the database")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every measurement")
    args = parser.parse_args()

    signal.signal(signal.SIGALRM, _scenario_timeout)
    signal.signal(signal.SIGTERM, _terminated)  # so the finally below stops gunicorn
    env = server_env()
    python = str(VENV_BIN / "python")
    if not args.skip_seed:
        ensure_database(env["DATABASE_URL"])
        subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [python, "manage.py", "seed_demo", "--force"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "ics_portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    failures = 0
    try:
        wait_until_up(base_url)
        with concurrent.futures.ProcessPoolExecutor(max_workers=args.concurrency) as pool:
            ctx = Context(
                base_url=base_url,
                concurrency=args.concurrency,
                requests=args.requests,
                time_limit=args.time_limit,
                pool=pool,
                verbose=args.verbose,
            )
            # Warm up: every gunicorn worker imports, connects and renders once or more.
            ctx.measure("/bench/floor/", requests=args.workers * 50)
            ctx.measure("/", requests=args.workers * 50)
            floor = ctx.measure("/bench/floor/")
            # For orientation only: every ratio below comes from the scenario's own alternating rounds.
            print(f"floor: {floor.rps:.0f} requests/s (goal: none, each ratio uses its own floor rounds)", flush=True)
            print(
                f"  gunicorn {args.workers} sync workers, {args.concurrency} client processes, "
                f"{args.requests} requests per measurement, {ROUNDS} alternating rounds per ratio, "
                f"floor p50 {floor.p50_ms:.1f} ms",
                file=sys.stderr,
            )
            for name, module in load_scenarios(args.scenarios or None):
                # Each scenario is bounded in time as a whole too (its setup included); one that exports 100,000
                # responses three times over says how long it may take (TIME_LIMIT), if longer.
                signal.alarm(int(max(args.scenario_time_limit, getattr(module, "TIME_LIMIT", 0))))
                try:
                    for line in module.run(ctx):
                        print(line, flush=True)
                except Exception:
                    failures += 1
                    print(f"{name}: failed (goal n/a)", flush=True)
                    traceback.print_exc()
                finally:
                    signal.alarm(0)
    finally:
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=15)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
