"""No input a user can send produces a 500: a bad-input sweep over every page the demo data links to.

With the demo data loaded, each role (anonymous, a resident, a borough consultation manager, the PMO, a superuser)
crawls from the portal's start pages (and a few pages only a POST or an email leads to: the responding flow after
"Start now", made-up signed links) by same-site links, at most two pages per URL name, with the Django test client.
- GET again with junk in each query parameter the page uses (its GET forms' fields, its links' query strings to
  itself, and page, q, area, ...), and each parameter repeated: all parameters at once, then one at a time where
  the answer differs from the page's own, so a failure names its parameter. Once per URL name, as the most
  privileged role that reached it.
- Every POST form (not sign-out), once per action and set of fields, with its CSRF token: every field missing,
  every field empty, every field junk (a value not among a select's or radio's options, a picture for a file),
  the page's defaults with oversized text, and the defaults with one field at a time junk. A 200 page must show
  an NHS.UK error summary, a field error or a message (ANSWERS_200 lists the forms that answer otherwise, and why).
- Each int, slug or str path segment swapped for a non-existent one, a huge number or odd characters: 404 (403 for
  permission, sign-in for the anonymous, 400 for a signed link's token that does not verify).
Every request runs in a savepoint that is rolled back, so no probe changes what the next one sees and the crawl
is the same on every run; downloads are read to the end (a streamed export fails only as it is read).
Not covered: the Django admin (Django's own), sign-out, requests no form would send (JSON bodies, forged headers
and cookies), pages no link reaches, and emails' contents. About 2,500 requests: some 45 s of CPU (11 s of it
loading the demo data), longer in wall time when the machine is shared.
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
from django.utils import timezone

from accounts import roles
from accounts.models import User
from engagement.models import Consultation, ManagerScope, Response
from governance.models import Area
from notifications.models import Email
from tests.browser.test_crawl import START as CRAWL_START
from tests.engagement.factories import ResponseFactory
from tests.factories import UserFactory
from tests.html import Element, parse

pytestmark = pytest.mark.django_db

START = [*CRAWL_START, "/accounts/login/code/"]  # the browser crawl's start pages, and the sign-in form
NOT_FOLLOWED = ("/admin/", "/static/", "/media/", "/accounts/logout/", "/assets/", "/bench/")
NOT_PARSED = (".csv", ".xlsx", ".json", ".docx", "/documents/", "/download", "/feed/")
PER_KIND = 2
COMMON_PARAMS = ("page", "q", "area", "type", "from", "to", "late", "sort", "view", "format", "next")
JUNK = ("", "abc", "-1", "0", "1e9", "9" * 30, "2026-02-30", "x" * 5000, "\x00", "💥", "<script>")
OVERSIZED = "x" * 100_000
ONE_FIELD = ("\x00", "9" * 30)
BAD_FILES = {
    "empty.csv": b"",
    "nul.csv": b"name,email,organisation\nA\x00B,a@example.com,\n",
    "utf16.csv": "name,email,organisation\nAnn,ann@example.com,\n".encode("utf-16"),
    "latin1.csv": "name,email,organisation\nJos\xe9,jose@example.com,\n".encode("latin-1"),
    "huge-cell.csv": b"name,email,organisation\n" + b"x" * 200_000 + b",a@example.com,\n",
    "no-header.csv": b"\n\n\n",
    "fake.pdf": b"%PDF-1.4 not really",
    "fake.docx": b"PK\x03\x04 not really a zip",
}
# A page that says what went wrong: the NHS.UK error summary, a field's error message or a flash message.
# Forms that legitimately answer 200 without an error: a question asked first, or a page saying it is done.
ANSWERS_200 = {
    "engagement:manage_close": "Close now shows the drafts in progress and asks to confirm; only a yes closes",
    # Signed in, the address is filled in already, and a filled honeypot is, by design, not told to the sender.
    "engagement:respond_save": "a valid address answers 200 with 'we have emailed you a link'",
    # The form has no fields: the page says the changes were cancelled, or that there were none to cancel.
    "engagement:respond_change_cancel": "answers 200 with 'Your changes were cancelled' or 'no changes to cancel'",
}
MARKER = {True: 987654321, False: "zz-marker"}
TOLD = ("nhsuk-error-summary", "nhsuk-error-message", "Information: ")


@dataclasses.dataclass
class Page:
    role: str
    path: str
    kind: str
    status: int
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
    response, content = None, b""
    try:
        with transaction.atomic():
            response = getattr(client, method)(path, **kwargs)
            # A download streams: its rows are made (and may fail) only as it is read.
            content = b"".join(response.streaming_content) if response.streaming else response.content
            raise _RollbackError
    except _RollbackError:
        pass
    except Exception as exc:  # the test client re-raises a view's exception: say where it came from
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/.venv/" not in f.filename]
        where = f" at {frames[-1].filename.split('/wt-sweep/')[-1]}:{frames[-1].lineno}" if frames else ""
        return None, "", f"{type(exc).__name__}: {str(exc)[:200]}{where}"
    assert response is not None
    body = content.decode(errors="replace") if response.get("Content-Type", "").startswith("text/html") else ""
    return response.status_code, body, ""


def same_site(href: str) -> bool:
    return href.startswith("/") and not href.startswith("//") and not href.startswith(NOT_FOLLOWED)


OPEN = "camden-neighbourhood-health-and-care-demo"
CLOSED = "nel-next-steps-for-integrated-care-systems"
FORTHCOMING = "city-and-hackney-place-partnership-demo"


def deep_starts() -> list[str]:
    """Pages that links reach only after a POST, or that only emails link to: started from directly."""
    from engagement.models import Answer, Question
    from reporting.models import Theme

    open_ = {"slug": OPEN}
    paths = [
        *(reverse(f"engagement:respond_{step}", kwargs=open_) for step in ("about_you", "equality", "check")),
        reverse("engagement:respond_page", kwargs={**open_, "number": 2}),
        reverse("outcomes:edit", kwargs={"slug": CLOSED}),
        reverse("reporting:themes", kwargs={"slug": CLOSED}),
        reverse("engagement:manage_suspected", kwargs={"slug": CLOSED}),
        reverse("engagement:manage_publish", kwargs={"slug": FORTHCOMING}),
        reverse("engagement:manage_preview_check", kwargs={"slug": OPEN}),
        # Tokens and references as an email would carry them, made up: each must answer 404, not fail.
        reverse("notifications:unsubscribe", kwargs={"token": "made-up"}),
        reverse("notifications:follow_confirm", kwargs={"token": "made-up"}),
        reverse("engagement:respond_resume", kwargs={**open_, "token": "made-up"}),
        reverse("engagement:respond_change", kwargs={**open_, "token": "made-up"}),
        reverse("engagement:respond_done", kwargs={**open_, "reference": "made-up"}),
        reverse("engagement:my_response", kwargs={"reference": "made-up"}),
    ]
    theme = Theme.objects.filter(consultation__slug=CLOSED).order_by("pk").first()
    if theme is not None:
        paths.append(reverse("reporting:theme_edit", kwargs={"slug": CLOSED, "pk": theme.pk}))
    text = Question.objects.filter(consultation__slug=CLOSED, kind=Question.Kind.LONG_TEXT).order_by("order").first()
    if text is not None:
        paths.append(reverse("reporting:answers", kwargs={"slug": CLOSED, "question": text.pk}))
        answer = Answer.objects.filter(question=text).order_by("pk").first()
        if answer is not None:
            paths.append(reverse("reporting:similar", kwargs={"slug": CLOSED, "answer": answer.pk}))
    return paths


def begin(client: Client, role: str) -> list[str]:
    """A draft to walk (the question pages, about you and check answers exist only once a response has begun) and,
    signed out, a sign-in code asked for (its page exists only then): the pages these lead to."""
    started = client.post(reverse("engagement:respond_start", kwargs={"slug": OPEN}))
    assert started.status_code == 302, started.status_code
    if role == "superuser":
        # Above REPORTING_EXPORT_INLINE_MAX (0 in this test) an export is a background job with its own page.
        job = client.post(reverse("reporting:export", kwargs={"slug": CLOSED}), {"format": "csv"})
        assert job.status_code == 302, job.status_code
        return [started["Location"], job["Location"]]
    if role != "anonymous":
        return [started["Location"]]
    asked = client.post(reverse("account_request_login_code"), {"email": "resident@example.com"})
    assert asked.status_code == 302, asked.status_code
    return [started["Location"], asked["Location"]]


def crawl(client: Client, role: str, failures: list[str]) -> list[Page]:
    queue = collections.deque(begin(client, role) + START + deep_starts())
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
        pages.append(Page(role, path, kind, status or 0, body))
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
    """Each junk value in every parameter at once; where the answer is not the page's own (a parameter's error may
    stop the view before it reads the next), one parameter at a time, so a 500 names its parameter."""
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
        if status == page.status and not error:
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
    # Every field twice (a view that reads a list where it expects one value, or the last where it expects a list).
    yield "every field repeated", {n: ["1", "abc"] for n in names if n not in files}
    yield "defaults with every field repeated", as_post(kept + [(n, "abc") for n in names if n not in files])
    # Files that are not what the form asks for, with the other fields filled in so the file is what is judged.
    if files:
        filled = as_post([(k, "Bad input test" if k in texts and not v else v) for k, v in kept])
        for name, content in BAD_FILES.items():
            yield f"the file {name}", filled | {n: SimpleUploadedFile(name, content) for n in files}
    # Each named button (save and come back later, skip, publish...) takes its own path through the view.
    buttons = [
        (b.attrs["name"], b.attrs.get("value", ""))
        for b in named
        if b.tag == "button" or b.attrs.get("type", "").lower() == "submit"
    ]
    for button, pressed in dict.fromkeys(buttons):
        for value in ("\x00", OVERSIZED):
            junked = [(k, value if k in texts else v) for k, v in kept if k != button]
            yield f"{button}={pressed!r} with text {value[:40]!r}", as_post([*junked, (button, pressed)])
    # The page's own values with one field junk: the form gets past its other fields to the one that fails.
    for n in names:
        if n not in files:
            for value in ONE_FIELD:
                yield f"defaults with {n}={value!r}", as_post([(k, v) for k, v in kept if k != n] + [(n, value)])


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
            elif status == 200 and body and not any(s in body for s in TOLD) and url_name(action) not in ANSWERS_200:
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


def expected_status(what: str) -> tuple[int, ...]:
    # A signed link that does not verify has its own page ("this link is not valid"), answered 400.
    return (400, 403, 404) if what.startswith("token ") else (403, 404)


def probe_paths(client: Client, page: Page, failures: list[str]) -> None:
    for what, path in odd_paths(page.path):
        status, _body, error = send(client, "get", path)
        if error or (status or 500) >= 500:
            failures.append(f"[{page.role}] GET {path} ({what}) -> {status or 500} {error}")
        elif status not in expected_status(what) and not (status == 302 and page.role == "anonymous"):
            failures.append(f"[{page.role}] GET {path} ({what}) -> {status}, not 404 or 403")


def role_clients() -> dict[str, Client]:
    borough = UserFactory(email="manager.camden@example.nhs.net", groups=[roles.CONSULTATION_MANAGER])
    ManagerScope.objects.create(user=borough, area=Area.objects.get(slug="camden"))
    resident = User.objects.get(email="resident@example.com")
    # A sent response (changeable until the deadline): its receipt, "my responses" page and the change flow.
    ResponseFactory(
        consultation=Consultation.objects.get(slug=OPEN),
        user=resident,
        state=Response.State.SUBMITTED,
        submitted_at=timezone.now(),
    )
    users = {
        "anonymous": None,
        "resident": resident,
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


# pyproject's 180 s timeout is for a hung call; this sweep's 2,200 requests took 133 s beside the rest of the suite
# on 2026-12-03's machine, so a slower machine could stop it part way for no fault.
@pytest.mark.timeout(600)
def test_no_bad_input_produces_a_500(settings: Any) -> None:
    settings.REPORTING_EXPORT_INLINE_MAX = 0
    call_command("seed_demo", "--force", verbosity=0)
    # A failed email, so the outbox shows its "Send again" form.
    Email.objects.create(
        kind="receipt", to="failed@example.com", status=Email.Status.FAILED, attempts=5, last_error="550 refused"
    )
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
    assert len(first) >= 60, f"the crawl reached only {sorted(first)}"
    assert not failures, f"{len(failures)} bad answer(s):\n" + "\n".join(failures)
