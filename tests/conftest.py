"""Shared fixtures: users by role, a real Chromium for browser tests, and axe."""

import os
import time
import types
from collections.abc import Callable, Sequence
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

# At any width, and at a phone's 320 CSS px above all (WCAG 2.2 SC 1.4.10 Reflow), the whole page must not scroll
# sideways: axe does not check it. Content that needs two dimensions (a data table, the function matrix) may scroll
# inside its own overflow-x container, which axe's scrollable-region-focusable requires to be reachable by keyboard.
# Returns the document's scroll width, its client width and up to 10 elements that stick out beyond its right
# edge, leaving out whatever is inside a container that scrolls sideways itself: the outermost box that sticks out
# (a table, not each of its cells) and the innermost element whose own text runs over (a long URL in a paragraph).
STICKING_OUT = """() => {
  const root = document.documentElement;
  const edge = root.clientWidth + 1;
  if (root.scrollWidth <= edge) return [root.scrollWidth, root.clientWidth, []];
  // Inside a container that scrolls sideways, unless positioned absolutely against something outside it (a
  // visually hidden span in an unpositioned scroller still widens the page).
  const inScroller = el => {
    let position = getComputedStyle(el).position;
    for (let a = el.parentElement; a && a !== root; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (position === "fixed") return false;
      if (position === "absolute" && style.position === "static" && style.transform === "none") continue;
      if (["auto", "scroll"].includes(style.overflowX)) return true;
      position = style.position;
    }
    return false;
  };
  const boxOut = el => el.getBoundingClientRect().right > edge;
  // An SVG element's scrollWidth is in its own units, not the scaled chart's: only HTML boxes are asked.
  const textOut = el => el instanceof HTMLElement && getComputedStyle(el).overflowX === "visible"
    && el.getBoundingClientRect().left + el.scrollWidth > edge;
  const out = [...document.body.querySelectorAll("*")].filter(el => (boxOut(el) || textOut(el)) && !inScroller(el));
  const counted = new Set(out);
  const found = out.filter(el => boxOut(el)
    ? !(counted.has(el.parentElement) && boxOut(el.parentElement))
    : !out.some(other => other !== el && el.contains(other)));
  return [root.scrollWidth, root.clientWidth, found.slice(0, 10).map(el => {
    const classes = typeof el.className === "string" ? el.className.trim().split(/\\s+/).filter(Boolean) : [];
    const text = (el.textContent || "").replace(/\\s+/g, " ").trim().slice(0, 40);
    const right = Math.round(Math.max(el.getBoundingClientRect().right, el.getBoundingClientRect().left + el.scrollWidth));
    return `<${[el.tagName.toLowerCase(), ...classes].join(".")}> to ${right} px: "${text}"`;
  })];
}"""


def assert_reflows(page: Any, context: str = "") -> None:
    """Fail if the document scrolls sideways, naming the elements that stick out (a long URL widened the desktop
    summary to 1,393 px at 1,280)."""
    scroll_width, client_width, sticking_out = page.evaluate(STICKING_OUT)
    report = "\n".join(f"  {line}" for line in sticking_out) or "  no element (a pseudo-element or a margin?)"
    assert scroll_width <= client_width + 1, (
        f"{context or page.url} scrolls sideways at {client_width} px wide (WCAG 1.4.10 Reflow): "
        f"{scroll_width} px of content in {client_width} px; sticking out:\n{report}"
    )


# axe-core (some 550 KB of script) goes into each document once: injecting it before every check, as Axe.run does,
# cost a fifth of each check's time on the portal's pages.
AXE_LOADED = "() => typeof window.axe !== 'undefined'"
AXE_RUN = "options => axe.run(document, options)"
# After a resize, NHS.UK's header moves the links that no longer fit into its "More" menu on the next animation
# frames (a resize listener and a ResizeObserver, each through requestAnimationFrame): axe waits for them.
SETTLED = """() => new Promise(done => {
  let frames = 3;
  const next = () => (--frames ? requestAnimationFrame(next) : done());
  requestAnimationFrame(next);
})"""


@pytest.fixture
def assert_accessible() -> Callable[..., None]:
    """Run axe for WCAG 2.2 AA in the page as it is now; fail listing every violation. Then fail if the whole
    page scrolls sideways (assert_reflows). With `at=` (viewports), check the page at each width in turn, resizing
    it where it is (a page visited once is checked at a desktop's and a phone's width), then put its size back."""

    def check(page: Any, context: str = "", *, at: Sequence[dict[str, int]] = ()) -> None:
        if not page.evaluate(AXE_LOADED):
            page.evaluate(_axe.axe_script)
        # resultTypes: axe still reports every violation node, but builds at most one node for passes, incomplete
        # and inapplicable, which nothing here reads (half the time of each check, on the demo's pages).
        options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
        size = page.viewport_size
        try:
            for viewport in at or [size]:
                if at:
                    page.set_viewport_size(viewport)
                    page.evaluate(SETTLED)
                where = f"{context or page.url}" + (f" at {viewport['width']} px" if at else "")
                violations = page.evaluate(AXE_RUN, options)["violations"]
                report = "\n".join(
                    f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
                    for v in violations
                )
                assert not violations, f"axe found {len(violations)} violation(s) on {where}:\n{report}"
                assert_reflows(page, context)
        finally:
            if at and size:
                page.set_viewport_size(size)

    return check


@pytest.fixture
def no_js_context(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    yield context
    context.close()
