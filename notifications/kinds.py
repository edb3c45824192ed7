"""The kind registry: every email the portal sends is of a kind that its app registers in `AppConfig.ready()`.

notifications imports no feature app; engagement registers `receipt` and `resume_link`, accounts registers
allauth's mail. A kind says whether it is optional (an address on the suppression list is then skipped; sign-in
codes and receipts are not optional), whether it is urgent (sent from the web process when the broker cannot take
its task: a sign-in code a minute late, waiting for the sweep, is a resident left at the door), and how a row is
rendered when it is sent: `context(email, now=...)` returns the template context, or `Skip(reason)` for "do not send,
because ...", recorded on the row. A kind without `context` is rendered when it is queued.

Templates: `notifications/email/<kind>_subject.txt`, `<kind>_message.txt`, `<kind>_message.html` (as allauth
names its own); allauth's kinds are rendered by allauth from its templates.
"""

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.template.loader import render_to_string

if TYPE_CHECKING:
    from .models import Email


@dataclass(frozen=True)
class Skip:
    """A renderer's answer "do not send, because `reason`"."""

    reason: str


class Renderer(Protocol):
    """`now` is the sender's clock (the one `send_due_notifications --now` sets), for "has it closed yet?"."""

    def __call__(self, email: "Email", *, now: datetime.datetime) -> "dict[str, Any] | Skip": ...


class BatchRenderer(Protocol):
    """A Renderer for the rows of one claimed batch at once (all of its kind): {email.pk: context or Skip}."""

    def __call__(self, emails: "list[Email]", *, now: datetime.datetime) -> "dict[int, dict[str, Any] | Skip]": ...


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str = ""
    reply_to: str = ""  # the context's "reply_to": where a reply goes (empty: nowhere but DEFAULT_FROM_EMAIL)


@dataclass(frozen=True)
class Kind:
    name: str
    optional: bool
    urgent: bool = False
    context: Renderer | None = None
    # Optional, with `context`: the same answers for a batch, so the sender asks once per batch, not once per row.
    contexts: BatchRenderer | None = None
    templates: str = ""  # the templates' prefix; default notifications/email/<name>
    title: str = ""  # what staff pages call it ("Sign-in code"); default the name in words

    @property
    def prefix(self) -> str:
        return self.templates or f"notifications/email/{self.name}"


def title_of(name: str) -> str:
    """A kind's name in plain English for staff pages; a row of a kind no app registers now keeps its own name."""
    kind = _registry.get(name)
    return (kind.title if kind else "") or name.replace("_", " ").capitalize()


_registry: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Register a kind (from an AppConfig.ready()); registering the same kind again replaces it."""
    if len(kind.name) > 40:
        raise ValueError(f"kind name {kind.name!r} is longer than Email.kind allows")
    _registry[kind.name] = kind
    return kind


def get(name: str) -> Kind:
    """The registered kind; KeyError for a name no app registered."""
    return _registry[name]


def registered() -> dict[str, Kind]:
    return dict(_registry)


def render(kind: Kind, context: dict[str, Any]) -> Rendered:
    """(subject, text, html) from the kind's three templates; the subject on one line, at most 300 characters."""
    subject = " ".join(render_to_string(f"{kind.prefix}_subject.txt", context).split())
    text = render_to_string(f"{kind.prefix}_message.txt", context)
    html = render_to_string(f"{kind.prefix}_message.html", context)
    return Rendered(subject[:300], text, html, reply_to=str(context.get("reply_to") or ""))
