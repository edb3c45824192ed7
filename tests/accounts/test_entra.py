"""Staff sign-in with Microsoft Entra ID (NHSmail): only configured domains, new users join Staff.

The external provider is the one thing replaced: the profile Microsoft Graph would return is handed to allauth's
real Microsoft provider and login flow; the adapter, the user model and the groups are the real ones.
"""

import json
import os
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import complete_social_login
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages import get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse

from accounts import roles
from accounts.adapters import SocialAccountAdapter, email_domain_allowed
from accounts.models import User
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def entra(settings):
    settings.ENTRA_CLIENT_ID = "test-client-id"
    settings.ENTRA_ALLOWED_DOMAINS = ["nhs.net"]
    settings.SOCIALACCOUNT_PROVIDERS = {
        "microsoft": {
            "APPS": [{"client_id": "test-client-id", "secret": "s", "settings": {"tenant": "organizations"}}],
            "EMAIL_AUTHENTICATION": True,
            "VERIFIED_EMAIL": ["nhs.net"],
        }
    }


@pytest.fixture
def request_(rf):
    request = rf.get("/accounts/microsoft/login/callback/")
    for middleware in (SessionMiddleware, AuthenticationMiddleware, MessageMiddleware):
        middleware(lambda r: HttpResponse())(request)
    request.session.save()
    with context.request_context(request):
        yield request


def graph_profile(email: str, uid: str = "00000000-0000-0000-0000-000000000001") -> dict[str, str]:
    """What Microsoft Graph's /me returns for an NHSmail account (the mocked external provider)."""
    return {
        "id": uid,
        "mail": email,
        "userPrincipalName": email,
        "displayName": "Alex Smith",
        "givenName": "Alex",
        "surname": "Smith",
    }


def sociallogin_for(request, email: str, **kwargs):
    provider = get_adapter().get_provider(request, "microsoft")
    return provider.sociallogin_from_response(request, graph_profile(email, **kwargs))


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("alex.smith@nhs.net", True),
        ("Alex.Smith@NHS.NET", True),
        ("alex@gmail.com", False),
        ("alex@evilnhs.net", False),
        ("alex@nhs.net.example.com", False),
        ("alex@mail.nhs.net", False),  # subdomains only if configured
        ("not-an-email", False),
        ("", False),
    ],
)
def test_email_domain_allowed(email, allowed):
    assert email_domain_allowed(email, ["nhs.net"]) is allowed


def test_allowed_domains_come_from_settings(settings):
    settings.ENTRA_ALLOWED_DOMAINS = ["nhs.net", "nelft.nhs.uk"]
    assert email_domain_allowed("a@nelft.nhs.uk")
    assert not email_domain_allowed("a@example.org")


def test_pre_social_login_lets_an_nhs_net_address_through(request_):
    sociallogin = sociallogin_for(request_, "alex.smith@nhs.net")
    assert SocialAccountAdapter(request_).pre_social_login(request_, sociallogin) is None
    assert list(get_messages(request_)) == []


def test_pre_social_login_refuses_another_domain_with_a_message_and_redirect(request_):
    sociallogin = sociallogin_for(request_, "alex@gmail.com")
    with pytest.raises(ImmediateHttpResponse) as refused:
        SocialAccountAdapter(request_).pre_social_login(request_, sociallogin)
    response = refused.value.response
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/accounts/login/code/"
    (message,) = [str(m) for m in get_messages(request_)]
    assert "only for nhs.net addresses" in message


def test_new_entra_user_is_created_in_the_staff_group_and_signed_in(request_):
    response = complete_social_login(request_, sociallogin_for(request_, "alex.smith@nhs.net"))
    user = User.objects.get(email="alex.smith@nhs.net")
    assert list(user.groups.values_list("name", flat=True)) == [roles.STAFF]
    assert user.has_perm("accounts.browse_internal")
    assert not user.has_perm("reporting.view_reports")
    assert SocialAccount.objects.get(user=user).provider == "microsoft"
    assert request_.session["_auth_user_id"] == str(user.pk)
    assert response.status_code == HTTPStatus.FOUND


def test_refused_domain_creates_no_user_and_signs_nobody_in(request_):
    response = complete_social_login(request_, sociallogin_for(request_, "alex@gmail.com"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/accounts/login/code/"
    assert not User.objects.filter(email="alex@gmail.com").exists()
    assert "_auth_user_id" not in request_.session


def test_existing_pmo_user_keeps_their_role_when_signing_in_with_entra(request_):
    existing = UserFactory(email="pmo.lead@nhs.net", groups=[roles.PMO])
    complete_social_login(request_, sociallogin_for(request_, "pmo.lead@nhs.net"))
    existing.refresh_from_db()
    assert request_.session["_auth_user_id"] == str(existing.pk)
    assert set(existing.groups.values_list("name", flat=True)) == {roles.PMO}
    assert User.objects.filter(email__iexact="pmo.lead@nhs.net").count() == 1


def test_sign_in_page_offers_nhsmail_only_when_entra_is_configured(client, settings):
    assert "Sign in with NHSmail (Microsoft)" in client.get("/accounts/login/code/").content.decode()
    settings.ENTRA_CLIENT_ID = ""
    assert "Sign in with NHSmail (Microsoft)" not in client.get("/accounts/login/code/").content.decode()


def providers_with_env(**env: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.SOCIALACCOUNT_PROVIDERS))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ENTRA_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "ics_portal.settings.test", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_microsoft_provider_is_off_without_a_client_id():
    assert providers_with_env() == {}


def test_microsoft_provider_switches_on_with_client_id_secret_and_tenant():
    providers = providers_with_env(ENTRA_CLIENT_ID="abc", ENTRA_CLIENT_SECRET="shh", ENTRA_TENANT="tenant-guid")
    (app,) = providers["microsoft"]["APPS"]
    assert app == {"client_id": "abc", "secret": "shh", "settings": {"tenant": "tenant-guid"}}
    assert providers["microsoft"]["VERIFIED_EMAIL"] == ["nhs.net"]


def test_allowed_domains_are_configurable_from_the_environment():
    providers = providers_with_env(ENTRA_CLIENT_ID="abc", ENTRA_ALLOWED_DOMAINS="nhs.net,NELFT.nhs.uk")
    assert providers["microsoft"]["VERIFIED_EMAIL"] == ["nhs.net", "nelft.nhs.uk"]
