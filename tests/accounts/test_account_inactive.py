"""The page for an account an administrator switched off: who to contact (the portal's administrators, by the
address in SUPPORT_EMAIL when set), and that responding without an account still works; never "contact the
programme office", which a programme office account would be telling itself."""

from typing import Any

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_names_the_administrators_address_when_there_is_one(client: Any, settings: Any) -> None:
    settings.SUPPORT_EMAIL = "portal.admins@nhs.net"
    body = client.get(reverse("account_inactive")).content.decode()
    assert "This account is not active" in body
    assert '<a href="mailto:portal.admins@nhs.net">portal.admins@nhs.net</a>' in body
    assert "the email address this account uses" in body
    assert "programme office" not in body.lower()
    assert "respond to a consultation without signing in" in body


def test_without_an_address_it_still_says_who_to_ask(client: Any, settings: Any) -> None:
    settings.SUPPORT_EMAIL = ""
    body = client.get(reverse("account_inactive")).content.decode()
    assert "mailto:" not in body
    assert "the administrators of this portal" in body
    assert "programme office" not in body.lower()
