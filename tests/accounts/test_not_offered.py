"""Sign-in is by one-time code: allauth's password, email-management, reauthentication and connections pages are
not found (the portal's own 404), for visitors and signed-in users alike, and nothing can set a password."""

from http import HTTPStatus
from typing import Any

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOT_OFFERED = [
    "account_change_password",
    "account_set_password",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key_done",
    "account_email",
    "account_reauthenticate",
    "socialaccount_connections",
]


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("name", NOT_OFFERED)
def test_page_is_not_found(client: Any, name: str, signed_in: bool) -> None:
    if signed_in:
        client.force_login(UserFactory())
    r = client.get(reverse(name))
    assert r.status_code == HTTPStatus.NOT_FOUND
    assert "Page not found" in r.content.decode()
    assert 'class="nhsuk-header' in r.content.decode()


def test_a_password_cannot_be_set(client: Any) -> None:
    user = UserFactory()
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    r = client.post(
        reverse("account_set_password"), {"password1": "A long passphrase 123", "password2": "A long passphrase 123"}
    )
    assert r.status_code == HTTPStatus.NOT_FOUND
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_the_reset_key_link_is_not_found(client: Any) -> None:
    r = client.get("/accounts/password/reset/key/1-set-password/")
    assert r.status_code == HTTPStatus.NOT_FOUND


def test_code_sign_in_pages_are_still_there(client: Any) -> None:
    for name in ("account_request_login_code", "account_signup", "account_login"):
        assert client.get(reverse(name)).status_code == HTTPStatus.OK
