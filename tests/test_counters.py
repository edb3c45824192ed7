"""ics_portal/counters.py: one round trip on Redis, the same answers on any other cache backend; and with Redis
down, counters and the cache (ics_portal/cache.py) fail open at once."""

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches

from ics_portal import cache as cache_module
from ics_portal import counters


@pytest.fixture(params=["redis", "locmem"])
def backend(request: Any, settings: Any) -> str:
    if request.param == "locmem":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return str(request.param)


def test_counter_counts_and_expires(backend: str) -> None:
    assert [counters.incr_with_expiry("c", 60) for _ in range(3)] == [1, 2, 3]
    assert counters.incr_with_expiry("other", 60) == 1
    if backend == "redis":
        cache = caches["default"]
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        ttl = client.ttl(cache.make_and_validate_key("c"))
        assert 0 < ttl <= 60, "the expiry is set once, when the counter is created"


@pytest.fixture
def unreachable(settings: Any) -> Iterator[str]:
    """The default cache pointed at a port nothing listens on (a Redis that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    location = f"redis://127.0.0.1:{port}/0"
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": location}}
    yield location
    cache_module._down_until.pop(location, None)


def test_with_redis_down_counters_fail_open_and_say_so(unreachable: str, caplog: Any) -> None:
    assert counters.incr_with_expiry("c", 60) == 0, "a count of 0: a rate limit built on it allows"
    assert "Redis cache unreachable" in caplog.text


def test_with_redis_down_the_cache_answers_as_an_empty_one_and_stops_trying(
    unreachable: str, caplog: Any, monkeypatch: Any
) -> None:
    cache = caches["default"]
    cache.set("k", 1)
    assert cache.get("k", "default") == "default"
    assert cache.add("k", 1) is True  # allauth's rate-limit lock is an add: it must not spin and refuse
    assert cache.delete("k") is False
    assert cache.get_many(["k"]) == {}
    assert caplog.text.count("Redis cache unreachable") == 1, "logged once per outage, not per call"

    # For RETRY_AFTER seconds after a failure the process does not wait on Redis again.
    tried: list[str] = []
    monkeypatch.setattr(type(cache._cache), "get", lambda *a: tried.append("get"))  # type: ignore[attr-defined]
    assert cache.get("k") is None
    assert counters.incr_with_expiry("c", 60) == 0
    assert tried == []
    monkeypatch.setitem(cache_module._down_until, unreachable, time.monotonic() - 1)
    cache.get("k")
    assert tried == ["get"], "once the pause is over, Redis is tried again"
