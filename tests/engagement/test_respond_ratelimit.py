"""The rate limiter: fixed windows counted in Redis, per browser session first, then per client address."""

from typing import Any

import pytest
from django.contrib.sessions.backends.cache import SessionStore
from django.test import RequestFactory

from engagement import ratelimit


def request(remote: str = "203.0.113.5", forwarded: str | None = None, session: str | None = None) -> Any:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    made = RequestFactory().post("/", **extra)
    made.session = SessionStore(session_key=session)
    return made


def test_parse_rate() -> None:
    assert ratelimit.parse_rate("20/10m") == (20, 600)
    assert ratelimit.parse_rate("5/h") == (5, 3600)
    with pytest.raises(ValueError, match="Bad rate"):
        ratelimit.parse_rate("lots")


def test_limit_per_session_then_per_address(settings: Any) -> None:
    settings.ENGAGEMENT_RATE_LIMITS = {"submit": "2/m", "submit_per_address": "5/m"}
    one = "a" * 32
    assert ratelimit.refusal(request(session=one), "submit") is None
    assert ratelimit.refusal(request(session=one), "submit") is None
    refused = ratelimit.refusal(request(session=one), "submit")
    assert refused is not None
    assert (refused.per, refused.limit, refused.period) == ("session", 2, 60)
    assert 0 < refused.retry_after <= 60
    # Other browsers on the same address go on, up to the address's ceiling (the refused one did not count).
    assert ratelimit.refusal(request(session="b" * 32), "submit") is None
    assert ratelimit.refusal(request(session="c" * 32), "submit") is None
    assert ratelimit.refusal(request(session="d" * 32), "submit") is None
    refused = ratelimit.refusal(request(session="e" * 32), "submit")
    assert refused is not None
    assert refused.per == "address"
    assert ratelimit.refusal(request(remote="203.0.113.6", session="f" * 32), "submit") is None, "another address"
    assert ratelimit.refusal(request(session="g" * 32), "resume_email") is None, "another scope has its own count"


def test_no_session_counts_against_the_address_only(settings: Any) -> None:
    settings.ENGAGEMENT_RATE_LIMITS = {"submit": "1/m", "submit_per_address": "2/m"}
    assert ratelimit.refusal(request(), "submit") is None
    assert ratelimit.refusal(request(), "submit") is None
    refused = ratelimit.refusal(request(), "submit")
    assert refused is not None
    assert refused.per == "address"


def test_the_default_ceiling_per_address_is_far_above_the_session_limit(settings: Any) -> None:
    limits = {**ratelimit.DEFAULT_LIMITS, **settings.ENGAGEMENT_RATE_LIMITS}
    session, period = ratelimit.parse_rate(limits["submit"])
    address, address_period = ratelimit.parse_rate(limits["submit_per_address"])
    assert (session, period) == (20, 600)
    assert (address, address_period) == (300, 600)


def test_forwarded_for_ignored_without_trusted_proxies(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    assert ratelimit.client_ip(request(forwarded="198.51.100.1")) == "203.0.113.5"


def test_forwarded_for_behind_one_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    # A client's own (forged) entry comes first; the proxy appends the address it saw.
    assert ratelimit.client_ip(request(remote="10.0.0.2", forwarded="1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    assert ratelimit.client_ip(request(remote="10.0.0.2")) == "10.0.0.2"
