"""The Redis cache, made to degrade instead of fail: a stalled or stopped Redis must not stop the site.

Django's RedisCache raises on every error, so with Redis stalled each request waited on every cache call and then
failed. This backend (production and tests) keeps Django's behaviour while Redis answers; when a call fails it logs
once, answers as an empty cache that forgets every write would (`get` gives the default, `add` gives True,
`delete` False) and, for RETRY_AFTER seconds, does not try Redis again in this process, so during an outage a
request pays at most one socket timeout (OPTIONS in settings: 0.5 s), not one per call. What counts in the cache therefore fails open: a
rate limit that cannot count allows (allauth's lock is an `add`; ics_portal/counters.py uses `guarded` for its own
round trips).

Nothing the portal must not lose lives only here: sessions are in PostgreSQL (settings: SESSION_ENGINE) and the
outbox's rows are too.
"""

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Seconds this process leaves Redis alone after a failed call (then one call tries it again).
RETRY_AFTER = 5.0

# LOCATION -> time.monotonic() until which Redis is taken as down. Per process, shared by every thread's backend
# instance (Django makes one per thread).
_down_until: dict[str, float] = {}


class ResilientRedisCache(RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)

    def is_down(self) -> bool:
        return time.monotonic() < _down_until.get(self._location, 0.0)

    def guarded(self, call: Callable[[], T], default: T, what: str) -> T:
        """`call()`, or `default` when Redis fails or failed less than RETRY_AFTER seconds ago."""
        if self.is_down():
            return default
        try:
            return call()
        except RedisError as exc:
            _down_until[self._location] = time.monotonic() + RETRY_AFTER
            logger.warning(
                "Redis cache unreachable (%s: %s); carrying on without it for %.0f s", what, exc, RETRY_AFTER
            )
            return default

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self.guarded(lambda: super(ResilientRedisCache, self).get(key, default, version), default, "get")

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return self.guarded(lambda: super(ResilientRedisCache, self).get_many(keys, version), {}, "get_many")

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self.guarded(lambda: super(ResilientRedisCache, self).has_key(key, version), False, "has_key")

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self.guarded(lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), True, "add")

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> None:
        self.guarded(lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None, "set")

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        # Django's contract: the keys that were not stored.
        return self.guarded(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), list(data), "set_many"
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self.guarded(lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False, "touch")

    def delete(self, key: Any, version: Any = None) -> bool:
        return self.guarded(lambda: super(ResilientRedisCache, self).delete(key, version), False, "delete")

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self.guarded(lambda: super(ResilientRedisCache, self).delete_many(keys, version), None, "delete_many")
