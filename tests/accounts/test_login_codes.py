"""Sign-in codes: a stranger asking for codes for someone's address can neither lock its owner out nor flood it.

Two browsers (Django test clients with their own sessions) on one address: the attacker's and the owner's.
"""

import re
from http import HTTPStatus
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.adapters import _address_key
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REQUEST_CODE = "/accounts/login/code/"
CONFIRM_CODE = "/accounts/login/code/confirm/"
CODE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)


def code_in(message: Any) -> str:
    match = CODE.search(message.body)
    assert match, f"no code in the email:\n{message.body}"
    return match.group(1)


@pytest.fixture
def owner() -> Any:
    return UserFactory(email="owner@example.com")


def ask(client: Client, email: str) -> str:
    """Ask for a code as a browser does; return the page it lands on (the messages are on it)."""
    response = client.post(REQUEST_CODE, {"email": email}, follow=True)
    assert response.status_code == HTTPStatus.OK
    assert response.redirect_chain, "the request was refused, not answered"
    return response.content.decode()


def test_a_stranger_asking_again_and_again_cannot_lock_the_owner_out(owner: Any, mailoutbox: Any, settings: Any):
    for _ in range(6):
        attacker = Client()  # a script keeps no cookies: a new session each time (one session asks only once)
        page = ask(attacker, owner.email)
        assert "Too many" not in page
    assert len(mailoutbox) == settings.ACCOUNTS_LOGIN_CODE_EMAILS == 3, "no more than 3 emails to the address"
    assert len({code_in(m) for m in mailoutbox}) == 1, "every email carries the address's one live code"
    assert "We have not sent another email to owner@example.com" in page

    # The owner asks too: nothing more is sent, the page says so truthfully, and the code already sent works.
    owner_browser = Client()
    page = ask(owner_browser, owner.email)
    assert len(mailoutbox) == 3
    assert "A sign-in code has been sent" not in page
    assert "We have not sent another email to owner@example.com: we have already sent it 3 in the last 15" in page
    assert re.search(r"You can ask for another email after \d{1,2}:\d\d[ap]m\.", page)
    assert "Use the sign-in code in the latest one." in page
    assert "Enter your sign-in code" in page
    owner_browser.post(CONFIRM_CODE, {"code": code_in(mailoutbox[-1])})
    assert owner_browser.session["_auth_user_id"] == str(owner.pk)
    assert "_auth_user_id" not in attacker.session


def test_the_owner_can_use_the_code_from_an_email_a_stranger_caused(owner: Any, mailoutbox: Any):
    owner_browser = Client()
    ask(owner_browser, owner.email)  # the owner's own email first...
    ask(Client(), owner.email)  # ...then a stranger's request sends another: the same code, not a new one
    assert len(mailoutbox) == 2
    owner_browser.post(CONFIRM_CODE, {"code": code_in(mailoutbox[-1])})
    assert owner_browser.session["_auth_user_id"] == str(owner.pk)


def test_while_under_the_limit_each_request_is_told_the_code_was_sent(owner: Any, mailoutbox: Any):
    page = ask(Client(), owner.email)
    assert "A sign-in code has been sent to owner@example.com" in page
    assert "We have not sent another email" not in page


def test_a_used_code_is_spent_and_the_next_sign_in_gets_a_new_one(owner: Any, mailoutbox: Any):
    first = Client()
    ask(first, owner.email)
    first.post(CONFIRM_CODE, {"code": code_in(mailoutbox[0])})
    assert first.session["_auth_user_id"] == str(owner.pk)
    ask(Client(), owner.email)
    assert code_in(mailoutbox[1]) != code_in(mailoutbox[0])


def test_a_new_code_is_always_emailed_even_past_the_limit(owner: Any, mailoutbox: Any):
    """When the live code has expired there is nothing the owner could use, so the new one goes out regardless."""
    for _ in range(4):
        ask(Client(), owner.email)
    assert len(mailoutbox) == 3
    cache.delete(_address_key("live", owner.email))  # the live code expires
    owner_browser = Client()
    page = ask(owner_browser, owner.email)
    assert len(mailoutbox) == 4
    assert "A sign-in code has been sent" in page
    owner_browser.post(CONFIRM_CODE, {"code": code_in(mailoutbox[-1])})
    assert owner_browser.session["_auth_user_id"] == str(owner.pk)


def test_a_wrong_guess_in_the_attackers_browser_does_not_spend_the_owners_attempts(owner: Any, mailoutbox: Any):
    attacker, owner_browser = Client(), Client()
    ask(owner_browser, owner.email)
    ask(attacker, owner.email)
    for _ in range(3):
        attacker.post(CONFIRM_CODE, {"code": "AAAA-AAAA"})
    owner_browser.post(CONFIRM_CODE, {"code": code_in(mailoutbox[0])})
    assert owner_browser.session["_auth_user_id"] == str(owner.pk)


def test_emails_to_an_address_with_no_account_are_limited_the_same_way(mailoutbox: Any):
    for _ in range(5):
        page = ask(Client(), "nobody@example.com")
    assert len(mailoutbox) == 3
    assert "We have not sent another email to nobody@example.com" in page  # the same words: no enumeration


def test_addresses_match_whatever_the_case(owner: Any, mailoutbox: Any):
    for email in ["Owner@Example.com", "OWNER@example.com", "owner@example.com", " owner@example.com"]:
        ask(Client(), email)
    assert len(mailoutbox) == 3
    assert len({code_in(m) for m in mailoutbox}) == 1


def test_wrong_guesses_from_many_browsers_replace_the_code_without_locking_the_owner_out(
    owner: Any, mailoutbox: Any, settings: Any
):
    """Each browser has 3 guesses and a new browser is given the same live code, so a script opening browsers could
    keep guessing one code; past ACCOUNTS_LOGIN_CODE_GUESSES wrong ones in all, the code is replaced."""
    owner_browser = Client()
    ask(owner_browser, owner.email)
    first = code_in(mailoutbox[0])
    browsers = settings.ACCOUNTS_LOGIN_CODE_GUESSES // 3
    for _ in range(browsers):
        attacker = Client()
        ask(attacker, owner.email)
        assert len({code_in(m) for m in mailoutbox}) == 1, "until then every browser is given the same code"
        for _ in range(3):
            attacker.post(CONFIRM_CODE, {"code": "AAAA-AAAA"})
    emails = len(mailoutbox)
    ask(Client(), owner.email)
    assert len(mailoutbox) == emails + 1, "the new code is emailed, whatever the email limit"
    assert code_in(mailoutbox[-1]) != first
    # The owner's browser keeps the code it was sent: nobody is locked out.
    owner_browser.post(CONFIRM_CODE, {"code": first})
    assert owner_browser.session["_auth_user_id"] == str(owner.pk)
