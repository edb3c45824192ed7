"""allauth's mail goes through the one outbox (accounts/emails.py, the adapter's send_mail)."""

from pathlib import Path
from typing import Any

import allauth
import pytest

from notifications import kinds
from notifications.models import Email
from tests.factories import UserFactory


def test_every_allauth_email_is_a_registered_urgent_kind_that_is_not_optional() -> None:
    templates = Path(allauth.__file__).parent / "templates" / "account" / "email"
    names = {p.name.removesuffix("_subject.txt") for p in templates.glob("*_subject.txt")}
    assert names
    for name in names:
        kind = kinds.get(name)
        assert (kind.urgent, kind.optional) == (True, False), name


@pytest.mark.django_db
def test_a_sign_in_code_is_an_outbox_row_sent_with_its_message_id(client: Any, mailoutbox: Any) -> None:
    user = UserFactory(email="code@example.com")
    response = client.post("/accounts/login/code/", {"email": user.email})
    assert response.status_code == 302
    (row,) = Email.objects.all()
    assert (row.kind, row.to, row.status) == ("login_code", user.email, Email.Status.SENT)
    (message,) = mailoutbox
    assert message.extra_headers["Message-ID"] == row.message_id
    assert message.subject == row.subject
    assert message.body == row.body_text
    assert "sign-in code" in row.body_text.lower()
