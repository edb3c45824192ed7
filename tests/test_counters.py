"""ics_portal/counters.py: one round trip on Redis, the same answers on any other cache backend."""

from typing import Any

import pytest
from django.core.cache import caches

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


def test_flag_is_set_once(backend: str) -> None:
    assert counters.set_if_absent("flag", 60) is True
    assert counters.set_if_absent("flag", 60) is False
    caches["default"].delete("flag")
    assert counters.set_if_absent("flag", 60) is True
