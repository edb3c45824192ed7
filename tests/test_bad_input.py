"""No input a user can send produces a 500: a bad-input sweep over every page the demo data links to.

With the demo data loaded, each role (anonymous, a resident, a borough consultation manager, the PMO, a superuser)
crawls from the portal's start pages by same-site links, at most two pages per URL name, with the Django test
client (no browser). On every page it finds it sends:
- GET again with junk in each query parameter the page uses (its GET forms' fields, its links' query strings to
  itself, and a fixed list: page, q, area, ...), one parameter at a time, and the parameter repeated;
- every POST form on it (not sign-out) with its CSRF token and every field missing, every field empty, every field
  junk (a value not among a select's or radio's options; a non-CSV file), and the page's defaults with oversized
  text; a 200 answer must show an NHS.UK error summary or a message;
- its path with each int, slug or str segment swapped for a non-existent one, a huge number or odd characters,
  which must answer 404 (403 for permission, or sign-in for the anonymous).
Every request runs in a savepoint that is rolled back, so no probe changes what the next one sees and the crawl
is the same on every run. Not covered: the Django admin (Django's own), sign-out, JSON/HTML bodies sent by
scripts rather than forms, headers and cookies, and pages no link reaches (tests/test_pages.py and the features'
own fuzz tests cover those). Downloads and the feed get the GET junk but are not parsed for links.
"""

import collections
import dataclasses
import traceback
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from accounts import roles
from accounts.models import User
from engagement.models import ManagerScope
from governance.models import Area
from tests.factories import UserFactory
from tests.html import Element, parse

pytestmark = pytest.mark.django_db

START = [
    "/",
    "/search/?q=discharge",
    "/account/",
    "/staff/",
    "/pmo/",
    "/manage/consultations/",
    "/consultations/my-responses/",
    "/accounts/login/code/",
]
NOT_FOLLOWED = ("/admin/", "/static/", "/media/", "/accounts/logout/", "/assets/", "/bench/")
NOT_PARSED = (".csv", ".xlsx", ".json", ".docx", "/documents/", "/download", "/feed/")
PER_KIND = 2
COMMON_PARAMS = ("page", "q", "area", "type", "from", "to", "late", "sort", "view", "format", "next")
JUNK = ("", "abc", "-1", "0", "1e9", "9" * 30, "2026-02-30", "x" * 5000, "\x00", "💥", "<script>")
OVERSIZED = "x" * 100_000
# A page that says what went wrong: the NHS.UK error summary, a field's error message or a flash message.
# Forms whose first POST legitimately answers 200 with a question rather than an error.
ASKS_FIRST = {
    "engagement:manage_close": "Close now shows the drafts in progress and asks to confirm; only a yes closes",
}
MARKER = {True: 987654321, False: "zz-marker"}
TOLD = ("nhsuk-error-summary", "nhsuk-error-message", "Information: ")


@dataclasses.dataclass
class Page:
    role: str
    path: str
    kind: str
    html: str


class _RollbackError(Exception):
    pass


def url_name(path: str) -> str:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return "not-found"
    return match.view_name or "unnamed"


def send(client: Client, method: str, path: str, **kwargs: Any) -> tuple[int | None, str, str]:
    """One request in a savepoint that is always rolled back: (status, body, the error's last project frame)."""
    response = None
    try:
        with transaction.atomic():
            response = getattr(client, method)(path, **kwargs)
            raise _RollbackError
    except _RollbackError:
        pass
    except Exception as exc:  # the test client re-raises a view's exception: say where it came from
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/.venv/" not in f.filename]
        where = f" at {frames[-1].filename.split('/wt-sweep/')[-1]}:{frames[-1].lineno}" if frames else ""
        return None, "", f"{type(exc).__name__}: {str(exc)[:200]}{where}"
    assert response is not None
    body = response.content.decode(errors="replace") if response.get("Content-Type", "").startswith("text/") else ""
    return response.status_code, body, ""


def same_site(href: str) -> bool:
    return href.startswith("/") and not href.startswith("//") and not href.startswith(NOT_FOLLOWED)


def crawl(client: Client, role: str, failures: list[str]) -> list[Page]:
    queue = collections.deque(START)
    seen: set[str] = set()
    visited: collections.Counter[str] = collections.Counter()
    pages = []
    while queue:
        path = queue.popleft().split("#")[0]
        if path in seen:
            continue
        seen.add(path)
        kind = url_name(path)
        if visited[kind] >= PER_KIND:
            continue
        visited[kind] += 1
        status, body, error = send(client, "get", path)
        if error or (status or 500) >= 500:
            failures.append(f"[{role}] GET {path} -> {status or 500} {error}")
            continue
        pages.append(Page(role, path, kind, body))
        if any(part in path for part in NOT_PARSED) or not body:
            continue
        for a in parse(body).find_all("a"):
            href = a.attrs.get("href", "")
            if same_site(href):
                queue.append(href)
    return pages


def forms(page: Page) -> Iterator[Element]:
    if page.html and not any(part in page.path for part in NOT_PARSED):
        yield from parse(page.html).find_all("form")


def query_params(page: Page) -> list[str]:
    """The parameters the page reads: its own query string, its links to itself, its GET forms, the usual ones."""
    own = urlsplit(page.path).path
    names = [k for k, _ in parse_qsl(urlsplit(page.path).query, keep_blank_values=True)]
    if page.html and not any(part in page.path for part in NOT_PARSED):
        root = parse(page.html)
        for a in root.find_all("a"):
            href = urlsplit(a.attrs.get("href", ""))
            if href.path == own:
                names += [k for k, _ in parse_qsl(href.query, keep_blank_values=True)]
        for form in root.find_all("form"):
            if form.attrs.get("method", "get").lower() == "get":
                names += [f.attrs["name"] for f in fields(form) if f.attrs.get("name")]
    names += COMMON_PARAMS
    return list(dict.fromkeys(names))


def probe_query(client: Client, page: Page, failures: list[str]) -> None:
    """Each junk value in every parameter at once; where that is not a plain 200 (a parameter's error may stop the
    view before it reads the next), one parameter at a time, so a 500 names its parameter."""
    base = urlsplit(page.path)
    original = parse_qsl(base.query, keep_blank_values=True)
    names = query_params(page)

    def get(chosen: list[str], value: str | None) -> tuple[int | None, str]:
        # None: each parameter twice, with two different values (a view that calls .get() sees the last).
        extra = [(n, v) for n in chosen for v in (("1", "abc") if value is None else (value,))]
        kept = [(k, v) for k, v in original if k not in chosen]
        status, _body, error = send(client, "get", f"{base.path}?{urlencode(kept + extra)}")
        return status, error

    for value in (*JUNK, None):
        shown = "repeated" if value is None else repr(value[:40])
        status, error = get(names, value)
        if status == 200:
            continue
        for name in names:
            status, error = get([name], value)
            if error or (status or 500) >= 500:
                failures.append(f"[{page.role}] GET {base.path} {name}={shown} -> {status or 500} {error}")


def fields(form: Element) -> list[Element]:
    return [el for el in form.iter() if el.tag in ("input", "select", "textarea", "button")]


def options(select: Element) -> list[str]:
    return [o.attrs.get("value", o.text) for o in select.find_all("option")]


def defaults(form: Element) -> list[tuple[str, str]]:
    """What a browser would send unchanged (no button pressed)."""
    data = []
    for el in fields(form):
        name, kind = el.attrs.get("name"), el.attrs.get("type", "text").lower()
        if not name or el.tag == "button" or kind in ("submit", "file", "image", "reset"):
            continue
        if el.tag == "select":
            chosen = [o for o in el.find_all("option") if "selected" in o.attrs] or el.find_all("option")[:1]
            data += [(name, o.attrs.get("value", o.text)) for o in chosen]
        elif el.tag == "textarea":
            data.append((name, el.text))
        elif kind in ("checkbox", "radio"):
            if "checked" in el.attrs:
                data.append((name, el.attrs.get("value", "on")))
        else:
            data.append((name, el.attrs.get("value", "")))
    return data


def as_post(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, list[Any]] = {}
    for k, v in pairs:
        data.setdefault(k, []).append(v)
    return data


def submissions(form: Element) -> Iterator[tuple[str, dict[str, Any]]]:
    """(what, data) for each bad submission of the form; the CSRF token is added by the caller."""
    named = [f for f in fields(form) if f.attrs.get("name") and f.attrs["name"] != "csrfmiddlewaretoken"]
    names = list(dict.fromkeys(f.attrs["name"] for f in named))
    files = {f.attrs["name"] for f in named if f.attrs.get("type", "").lower() == "file"}
    texts = {
        f.attrs["name"]
        for f in named
        if f.tag == "textarea"
        or (f.tag == "input" and f.attrs.get("type", "text").lower() in ("text", "email", "search", "tel", "url"))
    }
    yield "every field missing", {}
    yield "every field empty", {n: "" for n in names if n not in files}
    for value in JUNK:
        data: dict[str, Any] = {n: value for n in names if n not in files}
        # A picture where a CSV is expected.
        data |= {n: SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00", "image/png") for n in files}
        yield f"every field {value[:40]!r}", data
    kept = defaults(form)
    yield "defaults with oversized text", as_post([(k, OVERSIZED if k in texts else v) for k, v in kept])


def probe_forms(client: Client, page: Page, done: set[tuple[str, tuple[str, ...]]], failures: list[str]) -> None:
    for form in forms(page):
        if form.attrs.get("method", "get").lower() != "post":
            continue
        action = form.attrs.get("action") or urlsplit(page.path).path
        if not same_site(action):
            continue
        names = tuple(sorted({f.attrs.get("name", "") for f in fields(form)}))
        key = (url_name(action), names)
        if key in done:
            continue
        done.add(key)
        token = [f.attrs.get("value", "") for f in fields(form) if f.attrs.get("name") == "csrfmiddlewaretoken"]
        for what, data in submissions(form):
            status, body, error = send(client, "post", action, data={**data, "csrfmiddlewaretoken": token[:1]})
            where = f"[{page.role}] POST {action} (form on {page.path}) with {what}"
            if error or (status or 500) >= 500:
                failures.append(f"{where} -> {status or 500} {error}")
            elif status == 200 and body and not any(s in body for s in TOLD) and url_name(action) not in ASKS_FIRST:
                failures.append(f"{where} -> 200 without an error summary or a message")


def odd_paths(path: str) -> Iterator[tuple[str, str]]:
    """(what, path) with one path segment swapped for one that names nothing."""
    match = resolve(urlsplit(path).path)
    pattern = match.route
    for key, value in match.kwargs.items():
        if f"<{key}>" not in pattern and f":{key}>" not in pattern:
            continue  # a URL conf default (fmt=csv), not a path segment
        if isinstance(value, int):
            swaps = [("a non-existent id", "999999999"), ("a huge number", "9" * 30)]
        else:
            swaps = [("a non-existent one", "no-such-thing"), ("odd characters", "%00%F0%9F%92%A5'\"<x>")]
        for what, swap in swaps:
            try:
                marked = reverse(match.view_name, kwargs={**match.kwargs, key: MARKER[isinstance(value, int)]})
            except NoReverseMatch:
                continue
            # The marker stands where the segment goes; odd characters would not pass reverse()'s converters.
            segments = marked.split("/")
            original = reverse(match.view_name, kwargs=match.kwargs).split("/")
            swapped = [swap if a != b else a for a, b in zip(segments, original, strict=True)]
            yield f"{key} = {what}", "/".join(swapped)


def probe_paths(client: Client, page: Page, failures: list[str]) -> None:
    for what, path in odd_paths(page.path):
        status, _body, error = send(client, "get", path)
        if error or (status or 500) >= 500:
            failures.append(f"[{page.role}] GET {path} ({what}) -> {status or 500} {error}")
        elif status not in (403, 404) and not (status == 302 and page.role == "anonymous"):
            failures.append(f"[{page.role}] GET {path} ({what}) -> {status}, not 404 or 403")


def role_clients() -> dict[str, Client]:
    borough = UserFactory(email="manager.camden@example.nhs.net", groups=[roles.CONSULTATION_MANAGER])
    ManagerScope.objects.create(user=borough, area=Area.objects.get(slug="camden"))
    users = {
        "anonymous": None,
        "resident": User.objects.get(email="resident@example.com"),
        "borough manager": borough,
        "PMO": User.objects.get(email="pmo@demo.nhs.net"),
        "superuser": User.objects.get(email="admin@demo.nhs.net"),
    }
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        if user is not None:
            clients[role].force_login(user)
    return clients


def test_no_bad_input_produces_a_500() -> None:
    call_command("seed_demo", "--force", verbosity=0)
    failures: list[str] = []
    clients = role_clients()
    pages = [page for role, client in clients.items() for page in crawl(client, role, failures)]
    # Query strings and paths are probed once per URL name, as the most privileged role that reached it (it runs
    # the most of the view); forms once per action and set of fields, as the first role that saw them.
    first: dict[str, Page] = {}
    for page in reversed(pages):
        first.setdefault(page.kind, page)
    for page in first.values():
        probe_query(clients[page.role], page, failures)
        probe_paths(clients[page.role], page, failures)
    forms_done: set[tuple[str, tuple[str, ...]]] = set()
    for page in pages:
        probe_forms(clients[page.role], page, forms_done, failures)
    assert len(first) >= 25, f"the crawl reached only {sorted(first)}"
    assert not failures, f"{len(failures)} bad answer(s):\n" + "\n".join(failures)
