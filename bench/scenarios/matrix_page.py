"""The function matrix grid: throughput with the seed matrix (37 functions) as a ratio to the floor, and the page
time at 1,000 functions (a generated system `bench-matrix-1000`, imported through `manage.py import_matrix`)."""

import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 0.5
ROOT = Path(__file__).resolve().parent.parent.parent
SIZE = 1000
BIG_SYSTEM = "bench-matrix-1000"

SETUP = f"""
from governance.models import Level, System
system, _ = System.objects.get_or_create(
    slug="{BIG_SYSTEM}", defaults={{"name": "Benchmark matrix ({SIZE} functions)", "short_name": "BENCH"}}
)
for rank, (name, slug) in enumerate((("Neighbourhood", "neighbourhood"), ("Borough Partnership",
        "borough-partnership"), ("NCL", "ncl")), start=1):
    Level.objects.get_or_create(system=system, slug=slug, defaults={{"name": name, "rank": rank}})
"""


def _matrix_csv(path: Path) -> None:
    """The seed's shape, 1,000 rows: owners spread over the three levels, a body and other links on each."""
    levels = ("Neighbourhood", "Borough Partnership", "NCL")
    lines = ["Function,Owned by,Influenced by,Supports,Other key links to"]
    for i in range(SIZE):
        owner = levels[i % 3]
        influenced = levels[(i + 1) % 3]
        lines.append(
            f"Generated function {i:04d} for coordination and development,{owner},{influenced},"
            f"Workstream {i % 20},NCL workforce work; NCL digital work"
        )
    path.write_text("\r\n".join(lines) + "\r\n")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ics_bench")
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "ics_portal.settings.bench",
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3"),
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
    )
    return env


def _prepare_big_matrix() -> None:
    python = str(Path(sys.executable).parent / "python")
    env = _env()
    subprocess.run(
        [python, "manage.py", "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "matrix.csv"
        _matrix_csv(path)
        subprocess.run(
            [python, "manage.py", "import_matrix", str(path), "--system", BIG_SYSTEM],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def run(ctx) -> list[str]:
    status, _headers, body = ctx.fetch("/functions/?system=ncl")
    if status != 200 or body.count('<th scope="row"') != 37:
        raise RuntimeError(f"/functions/?system=ncl: status {status}, expected the 37 seed functions")
    ctx.measure("/functions/?system=ncl", requests=100)  # warm every worker
    seed = ctx.versus_floor("/functions/?system=ncl")
    print(f"  matrix_page (37 functions): {seed}", file=sys.stderr)

    _prepare_big_matrix()
    path = f"/functions/?system={BIG_SYSTEM}"
    status, _headers, body = ctx.fetch(path)
    if status != 200 or body.count('<th scope="row"') != SIZE:
        raise RuntimeError(f"{path}: status {status}, expected {SIZE} functions")
    # Uncached: each search is a new cache key (every one matches all 1,000 functions), timed one at a time.
    uncached = []
    for word in ("generated", "function", "coordination", "development", "generate"):
        start = time.perf_counter()
        status, _headers, body = ctx.fetch(f"{path}&q={word}")
        uncached.append((time.perf_counter() - start) * 1000)
        if status != 200 or body.count('<th scope="row"') != SIZE:
            raise RuntimeError(f"{path}&q={word}: status {status}, expected {SIZE} functions")
    uncached.sort()
    big = ctx.measure(path, requests=max(100, ctx.requests // 10))
    print(f"  matrix_page ({SIZE} functions, cached): {big}", file=sys.stderr)
    print(
        f"  matrix_page ({SIZE} functions, first render): {', '.join(f'{t:.0f} ms' for t in uncached)}", file=sys.stderr
    )
    return [
        f"matrix_page: {seed.ratio:.2f} of floor with the seed matrix (goal >= {GOAL})",
        f"matrix_page_1000: first render {uncached[len(uncached) // 2]:.0f} ms (median of 5), "
        f"cached p50 {big.p50_ms:.0f} ms at {SIZE} functions (goal: none set)",
    ]
