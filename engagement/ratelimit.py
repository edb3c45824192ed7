"""A small fixed-window rate limiter counting in the shared cache (Redis in production and tests).

Used on response submissions and on save-and-return emails, per browser session first and then per client
address, with a much higher ceiling for the address: many people share one address (an engagement event on one
Wi-Fi, a trust behind one NAT), so the address alone must not refuse the 21st of them. The limits are settings
(ENGAGEMENT_RATE_LIMITS: "<scope>" per session, "<scope>_per_address" per address, e.g. {"submit": "20/10m",
"submit_per_address": "300/10m"}) so a deployment or a benchmark can change them. An email's recipient is counted
too ("<scope>_per_recipient"), so nobody can fill a stranger's inbox from many browsers and networks; the person
refused keeps their answers and can carry on or sign in, so it locks nobody out.
"""

import dataclasses
import re
import time

from django.conf import settings
from django.http import HttpRequest

from ics_portal import counters
from notifications.services import address_key

DEFAULT_LIMITS = {
    "submit": "20/10m",
    "submit_per_address": "300/10m",
    "resume_email": "5/10m",
    "resume_email_per_address": "60/10m",
    "resume_email_per_recipient": "10/1d",
}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'20/10m' -> (20, 600)."""
    match = re.fullmatch(r"(\d+)/(\d*)([smhd])", rate.strip())
    if not match:
        raise ValueError(f"Bad rate {rate!r}: use e.g. '20/10m'")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _UNITS[unit]


def client_ip(request: HttpRequest) -> str:
    """The client's address. With no proxy in front (TRUSTED_PROXY_COUNT = 0) it is the TCP peer (REMOTE_ADDR);
    behind N trusted proxies it is the Nth address from the right of X-Forwarded-For, the one the outermost
    trusted proxy saw, so a client cannot pick its own bucket by sending the header itself."""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        hops = [h.strip() for h in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies][:64]
    return str(request.META.get("REMOTE_ADDR") or "unknown")[:64]


@dataclasses.dataclass(frozen=True)
class Refusal:
    """Why an attempt was refused: `per` is "session" or "address"; `retry_at` (Unix time) ends the window."""

    scope: str
    per: str
    limit: int
    period: int
    retry_at: float

    @property
    def retry_after(self) -> int:
        """Whole seconds until the window ends (for the Retry-After header), at least 1."""
        return max(1, int(self.retry_at - time.time() + 0.999))


def _count(scope: str, per: str, who: str, rate: str | None, now: float) -> Refusal | None:
    if not rate:
        return None
    limit, period = parse_rate(rate)
    window = int(now // period)
    key = f"engagement:rl:{scope}:{per}:{who}:{window}"
    if counters.incr_with_expiry(key, period + 5) <= limit:
        return None
    return Refusal(scope=scope, per=per, limit=limit, period=period, retry_at=(window + 1) * period)


def refusal(request: HttpRequest, scope: str, *, recipient: str = "") -> Refusal | None:
    """Count one attempt in `scope`; the Refusal once a limit for the current window is passed, else None.
    `recipient`, an email address the attempt would write to, is counted last, once the others allow.

    The browser session is counted first (a request without one counts only against its address); an attempt
    the session's limit refuses does not count against the address, so one busy browser cannot use up the
    ceiling its neighbours on the same address share."""
    limits = {**DEFAULT_LIMITS, **getattr(settings, "ENGAGEMENT_RATE_LIMITS", {})}
    now = time.time()
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        refused = _count(scope, "session", session_key, limits.get(scope), now)
        if refused is not None:
            return refused
    refused = _count(scope, "address", client_ip(request), limits.get(f"{scope}_per_address"), now)
    if refused is not None or not recipient:
        return refused
    who = address_key(recipient.strip().lower())
    return _count(scope, "recipient", who, limits.get(f"{scope}_per_recipient"), now)
