"""allauth adapters: the one place sign-in policy lives.

Sign-in codes cannot be used to lock anyone out or to flood an inbox. An address has one live code at a time
(kept in the cache for ACCOUNT_LOGIN_BY_CODE_TIMEOUT): every request for it in that time, from any browser, is
given the same code, so its owner can enter the code from any email we sent, whoever asked for it. Emails to one
address are limited (ACCOUNTS_LOGIN_CODE_EMAILS per ACCOUNTS_LOGIN_CODE_EMAIL_WINDOW); past the limit the request
still succeeds, no email is sent and the page says so and when another can be asked for. A new code (none live)
is always emailed, so there is never a live code its owner cannot get. Only the per-IP limit
(ACCOUNT_RATE_LIMITS) refuses requests. With the cache unreachable every request gets a new code and an email.
Each browser has 3 guesses; after ACCOUNTS_LOGIN_CODE_GUESSES wrong ones from all browsers together the live code
is replaced (`login_code_rejected`), so a script opening new browsers cannot keep guessing one code. That locks
nobody out: a browser that was given the old code keeps it, and the next request gets a new code, emailed.

Staff sign in with Microsoft Entra ID (NHSmail); only addresses in ENTRA_ALLOWED_DOMAINS may use it, and a
new Entra user joins the Staff role. Graph's `mail` is set by each tenant's own admin and nobody verifies it
("nOAuth"), so the address used is the userPrincipalName (whose domain the tenant has had to prove it owns), and
with a tenant ID configured the access token's tenant (`tid`) must be that tenant. An account with staff powers is
joined to a Microsoft sign-in by its address only when the tenant is checked.
"""

import datetime
import hashlib
import time
import uuid
from typing import Any

import jwt
from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import Group
from django.contrib.sites.shortcuts import get_current_site
from django.core.cache import cache
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils import timezone

from ics_portal import counters

from . import permissions, roles
from .emails import allauth_mail_queue

# allauth's emails that anyone can make us send to an address by asking for a sign-in code for it.
CODE_REQUEST_EMAILS = {"account/email/login_code", "account/email/unknown_account"}
CODE_SENT_MESSAGE = "account/messages/login_code_sent.txt"
# On the request: this request made a new code (so its email is always sent) / withheld an email (window end).
_NEW_CODE = "_accounts_new_login_code"
_WITHHELD = "_accounts_login_code_email_withheld"


def email_domain_allowed(email: str, allowed: list[str] | None = None) -> bool:
    allowed = settings.ENTRA_ALLOWED_DOMAINS if allowed is None else allowed
    if not email or "@" not in email:
        return False
    domain = email.rsplit("@", 1)[1].strip().lower()
    return domain in {d.lower() for d in allowed}


def _address_key(kind: str, email: str) -> str:
    return f"accounts:login-code:{kind}:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _requested_address(request: HttpRequest | None) -> str:
    """The address a sign-in code is being asked for (the request-code form; resending is switched off)."""
    if request is None or request.method != "POST":
        return ""
    return str(request.POST.get("email", "")).strip().lower()


def _email_allowed(request: HttpRequest, email: str) -> bool:
    """Count one email to `email` in the current window; False (and the window's end noted) once over the limit,
    unless this request made a new code."""
    limit = int(settings.ACCOUNTS_LOGIN_CODE_EMAILS)
    window = int(settings.ACCOUNTS_LOGIN_CODE_EMAIL_WINDOW)
    number = int(time.time() // window)
    count = counters.incr_with_expiry(f"{_address_key('emails', email)}:{number}", window + 5)
    if count <= limit or getattr(request, _NEW_CODE, False):
        return True
    setattr(request, _WITHHELD, (number + 1) * window)
    return False


def withheld_message(*, email: str, ask_again_at: float) -> str:
    when = timezone.localtime(datetime.datetime.fromtimestamp(ask_again_at, tz=datetime.UTC))
    minutes = round(int(settings.ACCOUNTS_LOGIN_CODE_EMAIL_WINDOW) / 60)
    return (
        f"We have not sent another email to {email}: we have already sent it "
        f"{settings.ACCOUNTS_LOGIN_CODE_EMAILS} in the last {minutes} minutes. Use the sign-in code in the latest "
        f"one. You can ask for another email after {when.strftime('%-I:%M%p').lower()}."
    )


def login_code_rejected(*, user: Any, **kwargs: Any) -> None:
    """allauth's signal for a wrong code entered for `user`'s account, in any browser: count it, and past
    ACCOUNTS_LOGIN_CODE_GUESSES forget the live code of each of the account's addresses (see above)."""
    guesses = f"accounts:login-code:guesses:{user.pk}"
    if counters.incr_with_expiry(guesses, allauth_settings.LOGIN_BY_CODE_TIMEOUT) < int(
        settings.ACCOUNTS_LOGIN_CODE_GUESSES
    ):
        return
    addresses = {user.email, *EmailAddress.objects.filter(user=user).values_list("email", flat=True)}
    cache.delete_many([_address_key("live", address) for address in addresses if address] + [guesses])


class AccountAdapter(DefaultAccountAdapter):
    def generate_login_code(self) -> str:
        """The address's live code if it has one, else a new one that becomes its live code (see above)."""
        request = allauth_context.request
        email = _requested_address(request)
        if not email:
            return str(super().generate_login_code())
        key = _address_key("live", email)
        code = cache.get(key)
        if code:
            return str(code)
        code = super().generate_login_code()
        if not cache.add(key, code, timeout=allauth_settings.LOGIN_BY_CODE_TIMEOUT):
            code = cache.get(key) or code  # another request made one a moment ago: share it
        if request is not None:
            setattr(request, _NEW_CODE, True)
        return str(code)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """As allauth's, but through the outbox (accounts/emails.py); emails that a code request causes are limited
        per address (see above)."""
        request = allauth_context.request
        if template_prefix in CODE_REQUEST_EMAILS and request is not None and not _email_allowed(request, email):
            return
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        allauth_mail_queue(template_prefix=template_prefix, message=self.render_mail(template_prefix, email, ctx))

    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict[str, Any] | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        """allauth says "A sign-in code has been sent" after a request; say what happened when it was not."""
        ask_again_at = getattr(request, _WITHHELD, None)
        if message_template == CODE_SENT_MESSAGE and ask_again_at is not None:
            email = (message_context or {}).get("recipient", "")
            level, message_template, message = (
                messages.WARNING,
                None,
                withheld_message(email=email, ask_again_at=ask_again_at),
            )
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def login(self, request: HttpRequest, user: Any) -> None:
        """Signed in: the address's live code is spent, so the next sign-in gets a new one."""
        super().login(request, user)
        if getattr(user, "email", ""):
            cache.delete(_address_key("live", user.email))


REFUSED_DOMAIN = (
    "Staff sign-in with Microsoft is only for {domains} addresses. Residents can sign in with their email address "
    "and a code."
)
REFUSED_TENANT = (
    "The Microsoft account you used is not an NHSmail account, so it cannot sign in here. Sign in with your "
    "NHSmail account, or with your email address and a code."
)
REFUSED_STAFF_LINK = (
    "Your account here has staff or management access, so it cannot be joined to Microsoft sign-in automatically. "
    "Sign in with your email address and a code instead."
)


def _refuse(request: HttpRequest, message: str) -> None:
    messages.error(request, message)
    raise ImmediateHttpResponse(redirect("account_request_login_code"))


def _configured_tenant_id(tenant: str) -> str | None:
    """The tenant ID (lower case) when `tenant` is one; None for "organizations", "common" or a domain name."""
    try:
        return str(uuid.UUID(tenant))
    except (ValueError, TypeError, AttributeError):
        return None


def _token_tenant_id(sociallogin: Any) -> str | None:
    """The `tid` claim of the access token. Not signature-checked: our server has just received it from the
    configured tenant's token endpoint over TLS, and only Microsoft Graph can check a Graph token's signature."""
    token = getattr(sociallogin.token, "token", "") if sociallogin.token else ""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    tid = claims.get("tid") if isinstance(claims, dict) else None
    return _configured_tenant_id(tid) if isinstance(tid, str) else None


def has_staff_powers(user: Any) -> bool:
    return bool(user.is_staff or permissions.is_pmo(user) or permissions.is_consultation_manager(user))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def _tenant_id(self, request: HttpRequest) -> str | None:
        """The tenant ID the Microsoft app signs in with (the same setting allauth builds Microsoft's URLs from)."""
        app = self.get_app(request, provider="microsoft")
        return _configured_tenant_id(app.settings.get("tenant", ""))

    def _check_microsoft_login(self, request: HttpRequest, sociallogin: Any) -> None:
        """Refuse (message and redirect; no user made, nothing linked) unless the token is from the configured
        tenant and the userPrincipalName is in an allowed domain; then make the UPN the only address used."""
        if getattr(sociallogin, "_entra_checked", False):
            return
        tenant = self._tenant_id(request)
        if tenant is not None and _token_tenant_id(sociallogin) != tenant:
            _refuse(request, REFUSED_TENANT)
        upn = str(sociallogin.account.extra_data.get("userPrincipalName") or "").strip()
        # A guest's UPN ("jo_example.org#EXT#@...") may carry the tenant's own domain; it is another
        # organisation's account, not an NHSmail one.
        if not email_domain_allowed(upn) or "#ext#" in upn.lower():
            _refuse(request, REFUSED_DOMAIN.format(domains=", ".join(settings.ENTRA_ALLOWED_DOMAINS)))
        sociallogin.user.email = upn
        sociallogin.email_addresses = [EmailAddress(email=upn, verified=True, primary=True)]
        sociallogin._entra_checked = True

    def authenticate_by_email(self, sociallogin: Any) -> Any:
        """allauth looks a login up by address before pre_social_login: check it first, so the address matched is
        the UPN, and refuse to join an account with staff powers unless the tenant is checked."""
        if sociallogin.account.provider != "microsoft":
            return super().authenticate_by_email(sociallogin)
        request = allauth_context.request
        self._check_microsoft_login(request, sociallogin)
        found = super().authenticate_by_email(sociallogin)
        if found and self._tenant_id(request) is None and has_staff_powers(found[0]):
            _refuse(request, REFUSED_STAFF_LINK)
        return found

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        if sociallogin.account.provider == "microsoft":
            self._check_microsoft_login(request, sociallogin)

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return sociallogin.account.provider == "microsoft"

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        user = super().save_user(request, sociallogin, form)
        staff, _ = Group.objects.get_or_create(name=roles.STAFF)
        user.groups.add(staff)
        return user
