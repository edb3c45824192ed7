"""A small fixed-window rate limiter counting in the shared cache (Redis in production and tests).

Used per client IP on response submissions and on save-and-return emails. The limits are settings
(ENGAGEMENT_RATE_LIMITS, e.g. {"submit": "20/10m"}) so a deployment or a benchmark can change them.
"""

import re
import time

from django.conf import settings
from django.http import HttpRequest

from ics_portal import counters

DEFAULT_LIMITS = {"submit": "20/10m", "resume_email": "5/10m"}
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


def allow(request: HttpRequest, scope: str) -> bool:
    """Count one attempt for this client in `scope`; False once the limit for the current window is passed."""
    limits = {**DEFAULT_LIMITS, **getattr(settings, "ENGAGEMENT_RATE_LIMITS", {})}
    rate = limits.get(scope)
    if not rate:
        return True
    limit, period = parse_rate(rate)
    window = int(time.time() // period)
    key = f"engagement:rl:{scope}:{client_ip(request)}:{window}"
    return counters.incr_with_expiry(key, period + 5) <= limit
