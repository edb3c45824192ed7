"""Shared fixtures: users by role, a real Chromium for browser tests, and axe."""

import os
import time
import types
from collections.abc import Callable
from typing import Any

import hypothesis
import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.cache import cache

from accounts import roles
from ics_portal import celery as celery_module
from tests.factories import UserFactory
from tests.smtp_sink import smtp_sink  # noqa: F401 (a fixture: a real SMTP server to send to)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# No per-example deadline for any property test: on a shared machine one example's first call (an import, a cold
# cache) can take half a second, and speed is measured in `make bench`, not asserted here.
hypothesis.settings.register_profile("portal", deadline=None)
hypothesis.settings.load_profile("portal")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Rate limits count in the real Redis cache: each test starts from zero.

    Only this worker's keys go (KEY_PREFIX per pytest-xdist worker): cache.clear() would flush the whole Redis
    database under the other worker's feet.
    """
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _publish_not_paused() -> None:
    """A publish that failed slowly in an earlier test (a broker test, a loaded machine) pauses publishing in this
    process for a few seconds (ics_portal/celery.py): each test starts with the broker in use."""
    celery_module._paused_until["at"] = 0.0


@pytest.fixture(autouse=True)
def _rate_limit_window_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    """The response rate limits count in fixed windows aligned to the clock (engagement/ratelimit.py): a test that
    ran across a boundary (12:00:00, say) saw its count start again and one attempt too many allowed. Each test's
    limiter sees the moment the test started; nothing here depends on the clock moving on."""
    from engagement import ratelimit

    started = time.time()
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: started))


@pytest.fixture
def resident(db: Any) -> Any:
    return UserFactory(email="resident@example.com")


@pytest.fixture
def staff_user(db: Any) -> Any:
    return UserFactory(email="staff@nhs.net", groups=[roles.STAFF])


@pytest.fixture
def pmo_user(db: Any) -> Any:
    return UserFactory(email="pmo@nhs.net", groups=[roles.PMO])


@pytest.fixture
def manager_user(db: Any) -> Any:
    return UserFactory(email="manager@nhs.net", groups=[roles.CONSULTATION_MANAGER])


@pytest.fixture
def superuser(db: Any) -> Any:
    return UserFactory(email="admin@nhs.net", is_staff=True, is_superuser=True)


# --- Browser tests: Debian's Chromium, never a downloaded browser ---
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


_axe = Axe()


@pytest.fixture
def assert_accessible() -> Callable[..., None]:
    """Run axe for WCAG 2.2 AA in the page as it is now; fail listing every violation."""

    def check(page: Any, context: str = "") -> None:
        # resultTypes: axe still reports every violation node, but builds at most one node for passes, incomplete
        # and inapplicable, which nothing here reads (half the time of each check, on the demo's pages).
        options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
        results = _axe.run(page, options=options)
        violations = results.response["violations"]
        report = "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}" for v in violations
        )
        assert not violations, f"axe found {len(violations)} violation(s) on {context or page.url}:\n{report}"

    return check


@pytest.fixture
def no_js_context(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    yield context
    context.close()
