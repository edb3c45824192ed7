"""A counter the hot paths need in one round trip, whatever the cache backend.

Django's cache API spends round trips where Redis needs one: `cache.incr` checks the key exists first, and a
counter with an expiry takes an `add` and an `incr` (three round trips in all). With the Redis backend (production,
tests, `make bench`) it goes straight to the cache's own Redis connection pool, under the cache's key prefix;
with any other backend (the quick start's database cache) it falls back to the public API.

It fails open when Redis is stalled or down (ics_portal/cache.py, `guarded`): a counter that cannot count answers
0, so a rate limit built on it allows (and the cache logs it).
"""

from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from .cache import ResilientRedisCache

# One redis-py client per connection pool: Django's `get_client` builds a new client object on every call, which
# costs more here (~0.3 ms) than the round trip itself. Keyed by the pool's id, holding the pool so the id stays.
_clients: dict[int, tuple[Any, Any]] = {}


def _redis(key: str) -> tuple[Any, Any, str] | None:
    """(backend, redis client, full key) when the default cache is Redis; None otherwise."""
    backend = caches["default"]  # `cache` is a proxy to it
    if not isinstance(backend, RedisCache):
        return None
    full_key = backend.make_and_validate_key(key)
    pool = backend._cache._get_connection_pool(write=True)  # type: ignore[attr-defined]
    known = _clients.get(id(pool))
    if known is None or known[0] is not pool:
        known = _clients[id(pool)] = (pool, backend._cache.get_client(full_key, write=True))
    return backend, known[1], full_key


def _guarded(backend: Any, call: Any, default: Any, what: str) -> Any:
    if isinstance(backend, ResilientRedisCache):
        return backend.guarded(call, default, what)
    return call()


def incr_with_expiry(key: str, timeout: int) -> int:
    """Add one to a counter that expires `timeout` seconds after it was created; return the new count."""
    redis = _redis(key)
    if redis is None:
        cache.add(key, 0, timeout=timeout)
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=timeout)
            return 1
    backend, client, full_key = redis

    def count() -> int:
        pipe = client.pipeline(transaction=False)
        pipe.incr(full_key)
        pipe.expire(full_key, timeout, nx=True)
        return int(pipe.execute()[0])

    return int(_guarded(backend, count, 0, "counter"))
