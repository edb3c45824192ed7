"""The per-client rate limiter: fixed windows counted in Redis, keyed by the client's real address."""

from typing import Any

import pytest
from django.test import RequestFactory

from engagement import ratelimit


def request(remote: str = "203.0.113.5", forwarded: str | None = None) -> Any:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/", **extra)


def test_parse_rate() -> None:
    assert ratelimit.parse_rate("20/10m") == (20, 600)
    assert ratelimit.parse_rate("5/h") == (5, 3600)
    with pytest.raises(ValueError, match="Bad rate"):
        ratelimit.parse_rate("lots")


def test_limit_per_client_and_scope(settings: Any) -> None:
    settings.ENGAGEMENT_RATE_LIMITS = {"submit": "2/m", "resume_email": "1/m"}
    assert ratelimit.allow(request(), "submit")
    assert ratelimit.allow(request(), "submit")
    assert not ratelimit.allow(request(), "submit")
    assert ratelimit.allow(request(remote="203.0.113.6"), "submit"), "another client has its own count"
    assert ratelimit.allow(request(), "resume_email"), "another scope has its own count"


def test_forwarded_for_ignored_without_trusted_proxies(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    assert ratelimit.client_ip(request(forwarded="198.51.100.1")) == "203.0.113.5"


def test_forwarded_for_behind_one_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    # A client's own (forged) entry comes first; the proxy appends the address it saw.
    assert ratelimit.client_ip(request(remote="10.0.0.2", forwarded="1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    assert ratelimit.client_ip(request(remote="10.0.0.2")) == "10.0.0.2"
