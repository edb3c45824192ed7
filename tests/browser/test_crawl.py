"""Every page a superuser can reach by following links from the portal's landing pages (demo data loaded), up to
two of each kind (URL name), has zero axe WCAG 2.2 AA violations at a laptop's and a phone's width, no breadcrumb item twice and no heading, caption
or choice naming a thing twice (tests/names.py): a guard for pages no other test visits.
Downloads, the feed, documents, the admin (tests/browser/test_admin.py) and sign-out are not followed."""

import collections
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import Resolver404, resolve

from accounts import roles
from tests.browser.test_core_pages import sign_in
from tests.browser.viewports import DESKTOP, PHONE
from tests.names import repeated_names

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = [
    "/",
    "/search/?q=discharge",
    "/account/",
    "/staff/",
    "/pmo/",
    "/manage/consultations/",
    "/consultations/my-responses/",
]
NOT_FOLLOWED = ("/admin/", "/static/", "/media/", "/accounts/logout/", "/assets/", "/consultations/feed/")
NOT_PAGES = (".csv", ".xlsx", ".json", "/documents/", "/download")
PER_KIND = 2
BREADCRUMBS = ".nhsuk-breadcrumb__list-item"
LABELS = "h1, h2, h3, .nhsuk-caption-l, .nhsuk-caption-m, option, optgroup"
# Each page is checked at a laptop's width and a phone's, resized where it is (one crawl, not one per width): at the
# phone's 320 px no page may scroll sideways as a whole, and tables that scroll sideways inside their own region
# must be reachable by keyboard there.
WIDTHS = (DESKTOP, PHONE)


def url_name(path: str) -> str:
    try:
        return resolve(urlsplit(path).path).url_name or "unnamed"
    except Resolver404:
        return "not-found"


# pyproject's 180 s timeout is for a hung call; the crawl took 107 s beside the rest of the suite on 2026-12-03's
# machine, so a slower machine could stop it part way for no fault.
@pytest.mark.timeout(600)
def test_every_linked_page_has_no_axe_violations(
    page: Any, live_server: Any, assert_accessible: Any, superuser: Any
) -> None:
    page.set_viewport_size(DESKTOP)
    for name in roles.ALL_ROLES:  # the roles migration's groups: a transactional test flushes them
        Group.objects.get_or_create(name=name)
    call_command("seed_demo", "--force", verbosity=0)
    sign_in(page, live_server, superuser)
    queue = collections.deque(START)
    seen: set[str] = set()
    visited: collections.Counter[str] = collections.Counter()
    failures = []
    while queue:
        path = queue.popleft()
        if path in seen or any(part in path for part in NOT_PAGES):
            continue
        seen.add(path)
        kind = url_name(path)
        if visited[kind] >= PER_KIND:
            continue
        visited[kind] += 1
        response = page.goto(live_server.url + path)
        assert response is not None
        assert response.status < 500, f"{path} answered {response.status}"
        try:
            assert_accessible(page, path, at=WIDTHS)
        except AssertionError as exc:
            failures.append(str(exc).split("\nassert")[0])
        crumbs = page.eval_on_selector_all(BREADCRUMBS, "items => items.map(i => i.textContent)")
        labels = page.eval_on_selector_all(
            LABELS, "els => els.map(e => e.tagName === 'OPTGROUP' ? e.label : e.textContent)"
        )
        failures.extend(f"{path}: {p}" for p in repeated_names(breadcrumbs=crumbs, labels=labels))
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            if href.startswith("/") and not href.startswith("//") and not href.startswith(NOT_FOLLOWED):
                queue.append(href.split("#")[0])
    assert len(visited) >= 25, f"the crawl reached only {sorted(visited)}"
    assert not failures, "\n\n".join(failures)
