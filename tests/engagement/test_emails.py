"""Engagement's kinds in the outbox: the receipt, rendered when sent, and what happens when it cannot be."""

import datetime
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from engagement.services import emails as engagement_emails
from notifications import kinds
from notifications import services as svc
from notifications.models import Email
from tests.engagement.factories import ResponseFactory


@pytest.mark.django_db
def test_a_receipt_is_rendered_once_and_its_failures_are_retried(monkeypatch: Any) -> None:
    """Rendered when first claimed and kept, so a retry after an SMTP error sends the same text; a rendering error
    is a failed attempt (retried later), and a receipt whose response was deleted is not sent, with the reason."""
    response = ResponseFactory(email="r@example.org", state="submitted", submitted_at=timezone.now())
    email = engagement_emails.receipt_queue(response=response, site_url="https://portal.example", changed=True)
    assert (email.body_text, email.data) == ("", {"site_url": "https://portal.example", "changed": True})

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("template missing")

    with monkeypatch.context() as m:
        m.setattr(kinds, "render", broken)
        assert svc.email_send(email_id=email.pk) == "retry"
    email.refresh_from_db()
    assert email.status == Email.Status.READY
    assert email.body_text == ""
    assert "template missing" in email.last_error

    with monkeypatch.context() as m:
        m.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", broken)
        assert svc.email_send(email_id=email.pk, now=timezone.now() + datetime.timedelta(hours=1)) == "retry"
    email.refresh_from_db()
    assert response.reference in email.subject
    assert "https://portal.example/consultations/" in email.body_text
    rendered = email.body_text
    assert svc.email_send(email_id=email.pk, now=timezone.now() + datetime.timedelta(hours=3)) == "sent"
    assert mail.outbox[0].body == rendered

    gone = ResponseFactory(email="gone@example.org", state="submitted", submitted_at=timezone.now())
    orphan = engagement_emails.receipt_queue(response=gone, site_url="", changed=False)
    gone.delete()
    assert svc.email_send(email_id=orphan.pk) == "suppressed"
    orphan.refresh_from_db()
    assert orphan.status == Email.Status.SUPPRESSED
    assert orphan.last_error == engagement_emails.RESPONSE_DELETED
    assert len(mail.outbox) == 1


def test_engagement_registers_its_kinds_as_not_optional() -> None:
    assert {name: kinds.get(name).optional for name in ("receipt", "resume_link")} == {
        "receipt": False,
        "resume_link": False,
    }
