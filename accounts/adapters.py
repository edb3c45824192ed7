"""allauth adapters: the one place sign-in policy lives.

Staff sign in with Microsoft Entra ID (NHSmail); only addresses in ENTRA_ALLOWED_DOMAINS may use it, and a
new Entra user joins the Staff role.
"""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import Group
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest
from django.shortcuts import redirect

from . import roles
from .emails import send_soon


def email_domain_allowed(email: str, allowed: list[str] | None = None) -> bool:
    allowed = settings.ENTRA_ALLOWED_DOMAINS if allowed is None else allowed
    if not email or "@" not in email:
        return False
    domain = email.rsplit("@", 1)[1].strip().lower()
    return domain in {d.lower() for d in allowed}


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """As allauth's, but delivered by the Celery worker (accounts.emails.send_soon)."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        send_soon(self.render_mail(template_prefix, email, ctx))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        if sociallogin.account.provider != "microsoft":
            return
        emails = [sociallogin.user.email] + [e.email for e in sociallogin.email_addresses]
        if not any(email_domain_allowed(e) for e in emails if e):
            messages.error(
                request,
                "Staff sign-in with Microsoft is only for "
                + ", ".join(settings.ENTRA_ALLOWED_DOMAINS)
                + " addresses. Residents can sign in with their email address and a code.",
            )
            raise ImmediateHttpResponse(redirect("account_request_login_code"))

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return sociallogin.account.provider == "microsoft"

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        user = super().save_user(request, sociallogin, form)
        staff, _ = Group.objects.get_or_create(name=roles.STAFF)
        user.groups.add(staff)
        return user
