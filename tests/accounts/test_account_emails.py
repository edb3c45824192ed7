"""allauth's mail in the portal's own words and style (templates/account/email/): the service's name, the code
prominent, how long it lasts, what to do if you did not ask; text and HTML; no "Hello from <host>"."""

from typing import Any

import pytest
from django.conf import settings

from notifications.models import Email
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_sign_in_code_email_names_the_service_and_shows_the_code(client: Any, mailoutbox: Any) -> None:
    UserFactory(email="code@example.com")
    client.post("/accounts/login/code/", {"email": "code@example.com"})
    (message,) = mailoutbox
    row = Email.objects.get(kind="login_code")
    code = row.body_text.split("is:")[1].split()[0]  # the line under "Your sign-in code for ... is:"
    assert len(code) >= 6
    assert message.subject == f"Your sign-in code for {settings.SERVICE_NAME}"
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert "Hello from" not in body
        assert "testserver" not in body
        assert "example.com!" not in body
        assert code in body
        assert "15 minutes" in body
        assert "If you did not ask for this, ignore this email" in body
        assert settings.SERVICE_NAME in body
    assert f'letter-spacing: 4px; margin: 16px 0;">{code}</p>' in html
    assert "font-family: Arial, sans-serif; color: #212b32" in html  # the portal's other emails' style


def test_an_unknown_address_gets_a_plain_words_email_not_allauths(client: Any, mailoutbox: Any) -> None:
    client.post("/accounts/login/code/", {"email": "nobody@example.com"})
    if not mailoutbox:
        pytest.skip("allauth sends nothing for an unknown address with these settings")
    (message,) = mailoutbox
    assert message.subject == f"Signing in to {settings.SERVICE_NAME}"
    assert "Hello from" not in message.body
    assert "there is no account for it" in message.body
