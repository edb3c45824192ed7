"""Staff sign-in with Microsoft Entra ID (NHSmail): only the configured tenant and domains, new users join Staff.

The external provider is the one thing replaced: the profile Microsoft Graph would return, and the access token
Microsoft's token endpoint would issue, are handed to allauth's real Microsoft provider and login flow; the adapter,
the user model and the groups are the real ones.
"""

import json
import os
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path
from unittest import mock
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
import requests
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import complete_social_login
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages import get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse

from accounts import roles
from accounts.adapters import SocialAccountAdapter, email_domain_allowed
from accounts.models import User
from tests.factories import UserFactory
from tests.production import manage, production_env

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.django_db


NHSMAIL_TENANT = "37c354b2-85b0-47f5-b222-07b48d774ee3"
OTHER_TENANT = "99999999-8888-7777-6666-555555555555"


def use_tenant(settings, tenant: str) -> None:
    settings.ENTRA_TENANT = tenant
    settings.SOCIALACCOUNT_PROVIDERS = {
        "microsoft": {
            "APPS": [{"client_id": "test-client-id", "secret": "s", "settings": {"tenant": tenant}}],
            "EMAIL_AUTHENTICATION": True,
            "VERIFIED_EMAIL": ["nhs.net"],
        }
    }


@pytest.fixture(autouse=True)
def entra(settings):
    settings.ENTRA_CLIENT_ID = "test-client-id"
    settings.ENTRA_ALLOWED_DOMAINS = ["nhs.net"]
    use_tenant(settings, NHSMAIL_TENANT)


@pytest.fixture
def request_(rf):
    request = rf.get("/accounts/microsoft/login/callback/")
    for middleware in (SessionMiddleware, AuthenticationMiddleware, MessageMiddleware):
        middleware(lambda r: HttpResponse())(request)
    request.session.save()
    with context.request_context(request):
        yield request


def graph_profile(
    email: str, uid: str = "00000000-0000-0000-0000-000000000001", upn: str | None = None
) -> dict[str, str]:
    """What Microsoft Graph's /me returns for an NHSmail account (the mocked external provider)."""
    return {
        "id": uid,
        "mail": email,
        "userPrincipalName": email if upn is None else upn,
        "displayName": "Alex Smith",
        "givenName": "Alex",
        "surname": "Smith",
    }


def access_token(tid: str | None) -> str:
    """An access token as Microsoft's token endpoint issues it: a JWT whose `tid` names the user's tenant."""
    claims = {"aud": "https://graph.microsoft.com", "oid": "x"} | ({"tid": tid} if tid else {})
    return jwt.encode(claims, "a key only Microsoft holds, 32 bytes or more", algorithm="HS256")


def sociallogin_for(request, email: str, tid: str | None = NHSMAIL_TENANT, token: str | None = None, **kwargs):
    provider = get_adapter().get_provider(request, "microsoft")
    sociallogin = provider.sociallogin_from_response(request, graph_profile(email, **kwargs))
    # allauth's callback view sets the token before completing the login; so do the tests.
    sociallogin.token = SocialToken(token=access_token(tid) if token is None else token)
    return sociallogin


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
    """Safe to join by address here: the token is from the NHSmail tenant and the address is its UPN."""
    existing = UserFactory(email="pmo.lead@nhs.net", groups=[roles.PMO])
    complete_social_login(request_, sociallogin_for(request_, "pmo.lead@nhs.net"))
    existing.refresh_from_db()
    assert request_.session["_auth_user_id"] == str(existing.pk)
    assert set(existing.groups.values_list("name", flat=True)) == {roles.PMO}
    assert User.objects.filter(email__iexact="pmo.lead@nhs.net").count() == 1
    assert SocialAccount.objects.get().user == existing


def assert_refused(request, response, message: str) -> None:
    """Sent back to the sign-in page with `message`; nobody signed in, no user or Microsoft link made."""
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/accounts/login/code/"
    assert "_auth_user_id" not in request.session
    assert not SocialAccount.objects.exists()
    (shown,) = [str(m) for m in get_messages(request)]
    assert message in shown


@pytest.mark.parametrize("tenant", [NHSMAIL_TENANT, "organizations"])
def test_a_foreign_tenant_setting_mail_to_an_admins_address_does_not_sign_in_as_the_admin(settings, request_, tenant):
    """nOAuth: another tenant's admin sets a user's `mail` to our superuser's address. Refused by the tenant
    check when a tenant ID is configured, and by the UPN check even with "organizations"."""
    use_tenant(settings, tenant)
    admin = UserFactory(email="admin@nhs.net", is_staff=True, is_superuser=True)
    sociallogin = sociallogin_for(
        request_, "admin@nhs.net", uid="11111111-2222-3333-4444-555555555555", upn="mallory@attacker.onmicrosoft.com"
    )
    sociallogin.token = SocialToken(token=access_token(OTHER_TENANT))
    response = complete_social_login(request_, sociallogin)
    assert_refused(request_, response, "cannot sign in here" if tenant == NHSMAIL_TENANT else "only for nhs.net")
    assert list(User.objects.values_list("pk", flat=True)) == [admin.pk]


def test_a_token_from_another_tenant_is_refused_even_with_an_nhs_net_upn(request_):
    existing = UserFactory(email="alex.smith@nhs.net")
    response = complete_social_login(request_, sociallogin_for(request_, "alex.smith@nhs.net", tid=OTHER_TENANT))
    assert_refused(request_, response, "not an NHSmail account")
    assert list(User.objects.values_list("pk", flat=True)) == [existing.pk]


@pytest.mark.parametrize("token", ["", "not-a-jwt", access_token(None)])
def test_a_token_whose_tenant_cannot_be_read_is_refused(request_, token):
    response = complete_social_login(request_, sociallogin_for(request_, "alex.smith@nhs.net", token=token))
    assert_refused(request_, response, "not an NHSmail account")
    assert not User.objects.exists()


def test_mail_in_an_allowed_domain_with_a_upn_outside_it_is_refused(request_):
    response = complete_social_login(request_, sociallogin_for(request_, "alex.smith@nhs.net", upn="alex@example.org"))
    assert_refused(request_, response, "only for nhs.net addresses")
    assert not User.objects.exists()


def test_a_guest_of_the_tenant_is_refused_even_when_its_upn_ends_in_an_allowed_domain(request_):
    upn = "mallory_attacker.example#EXT#@nhs.net"
    response = complete_social_login(request_, sociallogin_for(request_, "mallory@attacker.example", upn=upn))
    assert_refused(request_, response, "only for nhs.net addresses")
    assert not User.objects.exists()


def test_a_new_user_gets_the_upn_not_the_mail_attribute(request_):
    complete_social_login(request_, sociallogin_for(request_, "alias@nhs.net", upn="Alex.Smith@nhs.net"))
    user = User.objects.get()
    assert user.email == "Alex.Smith@nhs.net"
    assert request_.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    "powers",
    [{"is_superuser": True}, {"is_staff": True}, {"groups": [roles.PMO]}, {"groups": [roles.CONSULTATION_MANAGER]}],
)
def test_without_a_tenant_id_an_account_with_staff_powers_is_not_joined_by_address(settings, request_, powers):
    use_tenant(settings, "organizations")
    existing = UserFactory(email="pmo.lead@nhs.net", **powers)
    response = complete_social_login(request_, sociallogin_for(request_, "pmo.lead@nhs.net", tid=None))
    assert_refused(request_, response, "Sign in with your email address and a code instead")
    assert list(User.objects.values_list("pk", flat=True)) == [existing.pk]


def test_without_a_tenant_id_an_ordinary_account_is_still_joined_by_its_upn(settings, request_):
    use_tenant(settings, "organizations")
    existing = UserFactory(email="alex.smith@nhs.net")
    complete_social_login(request_, sociallogin_for(request_, "alex.smith@nhs.net", tid=None))
    assert request_.session["_auth_user_id"] == str(existing.pk)
    assert SocialAccount.objects.get().user == existing


def test_a_linked_account_signs_in_again_and_a_foreign_token_for_it_is_refused(settings, request_):
    complete_social_login(request_, sociallogin_for(request_, "alex.smith@nhs.net"))
    user = User.objects.get()
    request_.session.flush()
    complete_social_login(request_, sociallogin_for(request_, "alex.smith@nhs.net"))
    assert request_.session["_auth_user_id"] == str(user.pk)
    request_.session.flush()
    response = complete_social_login(request_, sociallogin_for(request_, "alex.smith@nhs.net", tid=OTHER_TENANT))
    assert response["Location"] == "/accounts/login/code/"
    assert "_auth_user_id" not in request_.session


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


def microsoft_answers(profile: dict[str, str], tid: str, asked: list[str]):
    """Replaces only Microsoft's side of the HTTP calls allauth makes: the token endpoint and Graph's /me."""

    def answer(self, method, url, *args, **kwargs):
        asked.append(url)
        response = requests.Response()
        response.status_code = HTTPStatus.OK
        response.headers["Content-Type"] = "application/json"
        if url.endswith("/oauth2/v2.0/token"):
            body = {"access_token": access_token(tid), "token_type": "Bearer", "expires_in": 3600}
        elif url.startswith("https://graph.microsoft.com/v1.0/me"):
            body = profile
        else:
            raise AssertionError(f"unexpected request to {url}")
        response._content = json.dumps(body).encode()
        return response

    return mock.patch.object(requests.Session, "request", answer)


def sign_in_through_microsoft(client, profile: dict[str, str], tid: str, asked: list[str]):
    """The browser's journey: the NHSmail button, Microsoft's redirect back with a code, allauth's callback."""
    to_microsoft = client.post("/accounts/microsoft/login/")
    state = parse_qs(urlparse(to_microsoft["Location"]).query)["state"][0]
    with microsoft_answers(profile, tid, asked):
        return client.get("/accounts/microsoft/login/callback/", {"code": "c", "state": state})


def test_the_real_callback_checks_the_tenant_of_the_token_microsoft_issued(client):
    """Through allauth's callback view, so the access token really is on the login when the adapter checks it."""
    admin = UserFactory(email="admin@nhs.net", is_superuser=True, is_staff=True)
    asked: list[str] = []
    response = sign_in_through_microsoft(client, graph_profile("admin@nhs.net"), OTHER_TENANT, asked)
    assert asked[0] == f"https://login.microsoftonline.com/{NHSMAIL_TENANT}/oauth2/v2.0/token"
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/accounts/login/code/"
    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "not an NHSmail account" in page

    response = sign_in_through_microsoft(client, graph_profile("admin@nhs.net"), NHSMAIL_TENANT, asked)
    assert response.status_code == HTTPStatus.FOUND
    assert client.session["_auth_user_id"] == str(admin.pk)


@pytest.mark.parametrize("tenant", ["organizations", "common", "consumers", "nhs.net", ""])
def test_production_refuses_to_start_with_entra_on_and_no_tenant_id(tenant):
    env = production_env(ENTRA_CLIENT_ID="abc", ENTRA_CLIENT_SECRET="shh", ENTRA_TENANT=tenant)
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ENTRA_TENANT must be the NHSmail tenant's ID" in result.stderr


def test_production_starts_with_entra_on_and_a_tenant_id_or_with_entra_off():
    assert manage("check", env=production_env(ENTRA_CLIENT_ID="abc", ENTRA_TENANT=NHSMAIL_TENANT)).returncode == 0
    assert manage("check", env=production_env(ENTRA_CLIENT_ID=None, ENTRA_TENANT=None)).returncode == 0
