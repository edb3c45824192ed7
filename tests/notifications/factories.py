"""factory_boy factories and test kinds for the outbox."""

from collections.abc import Iterator
from typing import Any

import factory
import pytest

from notifications import kinds
from notifications.kinds import Kind, Skip
from notifications.models import Email


class EmailFactory(factory.django.DjangoModelFactory):
    """A rendered READY row of the test kind `note` (not optional)."""

    class Meta:
        model = Email

    kind = "note"
    to = factory.Sequence(lambda n: f"person{n}@example.org")
    subject = "Hello"
    body_text = "Text"
    body_html = "<p>Hi</p>"


def _digest_context(email: Email, *, now: Any = None) -> dict[str, Any] | Skip:
    data = email.data or {}
    if data.get("skip"):
        return Skip(str(data["skip"]))
    return {"consultation": {"title": data.get("title", "")}, "link": "http://x/", "expires_days": 7}


@pytest.fixture(autouse=True)
def test_kinds() -> Iterator[None]:
    """`note`: rendered when queued, not optional; `digest`: optional, rendered when sent (borrowing the resume
    link's templates), answering Skip when its data says so."""
    before = kinds.registered()
    kinds.register(Kind(name="note", optional=False))
    kinds.register(
        Kind(name="digest", optional=True, context=_digest_context, templates="notifications/email/resume_link")
    )
    yield
    kinds._registry.clear()
    kinds._registry.update(before)
