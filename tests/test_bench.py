"""The benchmark harness: scenarios are discovered, measure() really sends requests and counts them."""

import concurrent.futures
import multiprocessing
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import run as bench


def test_scenarios_are_discovered_and_callable():
    scenarios = dict(bench.load_scenarios(None))
    assert "home_page" in scenarios
    assert all(callable(module.run) for module in scenarios.values())
    assert list(dict(bench.load_scenarios(["home_page"]))) == ["home_page"]


@pytest.fixture
def ctx(live_server):
    # spawn, not fork: this process runs live_server's thread, and forking a threaded process can deadlock.
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        yield bench.Context(base_url=live_server.url, concurrency=2, requests=20, time_limit=20, pool=pool)


@pytest.mark.django_db(transaction=True)
def test_measure_sends_the_requests_and_reports_rates(ctx):
    result = ctx.measure("/bench/floor/", requests=21)
    assert result.requests == 21
    assert result.statuses == {200: 21}
    assert result.rps > 0
    assert 0 < result.p50_ms <= result.p95_ms <= result.p99_ms


@pytest.mark.django_db(transaction=True)
def test_measure_refuses_unexpected_statuses(ctx):
    with pytest.raises(RuntimeError, match="unexpected statuses"):
        ctx.measure("/no-such-page/", requests=4)


@pytest.mark.django_db(transaction=True)
def test_home_page_scenario_prints_its_line(ctx):
    ctx.floor_rps = ctx.measure("/bench/floor/").rps
    (line,) = dict(bench.load_scenarios(["home_page"]))["home_page"].run(ctx)
    assert re.fullmatch(r"home_page: \d+\.\d\d of floor \(goal >= 0\.5\)", line), line
