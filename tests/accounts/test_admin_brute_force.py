"""The Django admin signs in through allauth, so allauth's limits guard it: code requests per IP, a few wrong
codes per code, a few failed passwords per account, all counted in the real Redis cache. (Code emails per address
are limited without refusing anyone: tests/accounts/test_login_codes.py.)"""

from http import HTTPStatus

import pytest
from allauth.account import app_settings
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REQUEST_CODE = "/accounts/login/code/"
CONFIRM_CODE = "/accounts/login/code/confirm/"


@pytest.fixture
def admin_user():
    user = UserFactory(email="admin@nhs.net", is_staff=True, is_superuser=True)
    user.set_password("correct horse battery staple")  # set, but the portal never accepts passwords
    user.save()
    return user


def rate_limit_keys() -> list[str]:
    """The allauth counters as stored in Redis (under this test run's key prefix)."""
    client = cache._cache.get_client()
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return [k.decode() for k in client.scan_iter(match=f"{prefix}:*allauth:rl:*")]


def test_the_cache_is_redis():
    assert isinstance(caches["default"], RedisCache)


@pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/admin/accounts/user/"])
def test_admin_sends_anonymous_visitors_to_the_portal_sign_in(client, path):
    response = client.get(path, follow=True)
    assert response.redirect_chain[-1][0].startswith(REQUEST_CODE + "?next=")
    assert "Email me a sign-in code" in response.content.decode()


def test_admin_password_form_cannot_be_posted_to_directly(client, admin_user):
    response = client.post("/admin/login/", {"username": admin_user.email, "password": "correct horse battery staple"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(REQUEST_CODE)
    assert "_auth_user_id" not in client.session


def test_code_requests_from_one_ip_are_limited_across_addresses(mailoutbox):
    """And 20 a minute per IP address, whichever addresses are tried."""
    for n in range(20):
        assert Client().post(REQUEST_CODE, {"email": f"someone{n}@example.com"}).status_code == HTTPStatus.FOUND
    response = Client().post(REQUEST_CODE, {"email": "one.more@example.com"})
    assert response.status_code == HTTPStatus.OK
    assert "Too many failed login attempts" in response.content.decode()
    assert any(":request_login_code:20/60/ip:ip:127.0.0.1" in key for key in rate_limit_keys())


def test_sign_in_attempts_from_one_ip_hit_429():
    """ACCOUNT_RATE_LIMITS["login"]: 30 a minute per IP, then allauth answers 429 with the NHS-styled page.

    There are no passwords (ACCOUNT_SIGNUP_FIELDS has none), so a password sent is ignored: the form asks for a code.
    """
    for n in range(30):
        response = Client().post("/accounts/login/", {"login": f"guess{n}@nhs.net", "password": "guess"})
        assert response.status_code != HTTPStatus.TOO_MANY_REQUESTS
        assert "_auth_user_id" not in Client().session
    response = Client().post("/accounts/login/", {"login": "guess@nhs.net", "password": "guess"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    html = response.content.decode()
    assert "<h1>Too many attempts</h1>" in html
    assert 'class="nhsuk-header' in html


def test_counts_live_in_the_shared_cache_not_the_session(mailoutbox):
    for n in range(20):
        Client().post(REQUEST_CODE, {"email": f"someone{n}@example.com"})
    assert "Too many failed login attempts" in Client().post(REQUEST_CODE, {"email": "x@example.com"}).content.decode()

    # Clearing the shared counters lets this IP ask again: the limit was in Redis, nothing else.
    redis = cache._cache.get_client(write=True)
    for key in rate_limit_keys():
        redis.delete(key)
    assert Client().post(REQUEST_CODE, {"email": "x@example.com"}).status_code == HTTPStatus.FOUND
    assert len(mailoutbox) == 21


def test_wrong_codes_invalidate_the_code(client, admin_user, mailoutbox):
    client.post(REQUEST_CODE, {"email": admin_user.email})
    code = next(line.strip() for line in mailoutbox[0].body.splitlines() if len(line.strip()) == 9 and "-" in line)
    wrong = "AAAA-AAAA" if code != "AAAA-AAAA" else "BBBB-BBBB"

    for _ in range(app_settings.LOGIN_BY_CODE_MAX_ATTEMPTS):
        response = client.post(CONFIRM_CODE, {"code": wrong})
        assert "_auth_user_id" not in client.session

    # The right code no longer works: the attacker cannot keep guessing, and nor can the admin.
    response = client.post(CONFIRM_CODE, {"code": code}, follow=True)
    assert "_auth_user_id" not in client.session
    assert response.redirect_chain
    assert response.redirect_chain[-1][0].startswith(REQUEST_CODE)


def test_right_code_signs_the_admin_in_and_opens_the_admin(client, admin_user, mailoutbox):
    """The control for the test above: with no wrong guesses the same code works."""
    client.post(REQUEST_CODE, {"email": admin_user.email, "next": "/admin/"})
    code = next(line.strip() for line in mailoutbox[0].body.splitlines() if len(line.strip()) == 9 and "-" in line)
    client.post(CONFIRM_CODE, {"code": code})
    assert client.session["_auth_user_id"] == str(admin_user.pk)
    assert client.get("/admin/").status_code == HTTPStatus.OK
