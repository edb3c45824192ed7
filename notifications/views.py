"""The staff outbox page (counts by kind and status, failed emails with their error, and "send again"), and the
pages for following a consultation or an area, confirming a follow by email and unsubscribing.

Signed out, the outbox views send to sign in; signed in without the permission (notifications/permissions.py), 403.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ics_portal.forms import add_service_errors

from . import selectors, services, targets
from .forms import FollowByEmailForm
from .models import Email

# Said on the 403 page: a PMO scoped to some systems (even every one there is today) is refused, and should know why.
OUTBOX_REFUSED = (
    "The outbox lists the emails of every system, so only a programme office account for all systems (a scope "
    "with no system) or a portal administrator can see it."
)


def _outbox_staff_only(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied(OUTBOX_REFUSED)


@require_GET
@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    _outbox_staff_only(request, "notifications.view_outbox")
    return render(
        request,
        "notifications/outbox.html",
        {
            "statuses": Email.Status.choices,
            "counts": selectors.outbox_counts(),
            "failed": selectors.emails_failed(),
            "failed_count": selectors.emails_failed_count(),
        },
    )


@require_POST
@login_required
def outbox_send_again(request: HttpRequest, pk: int) -> HttpResponse:
    _outbox_staff_only(request, "notifications.send_again")
    try:
        email = services.email_send_again(email_id=pk, by=request.user.get_username(), now=timezone.now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The {email.kind_title.lower()} email to {email.to} will be sent again in a moment.")
    return redirect("notifications:outbox")


# --- Following, confirming and unsubscribing ------------------------------------------------------------------
def _link_refused(request: HttpRequest, message: str, *, unsubscribing: bool = False) -> HttpResponse:
    context = {"message": message, "unsubscribing": unsubscribing}
    return render(request, "notifications/link_refused.html", context, status=400)


def _target_or_refuse(request: HttpRequest) -> tuple[targets.Target, Any] | HttpResponse:
    found = targets.resolve(request.POST.get("target", ""))
    if found is None:
        return _link_refused(request, "That can no longer be followed (it may have been withdrawn). Nothing changed.")
    return found


@require_POST
def follow(request: HttpRequest) -> HttpResponse:
    """Signed in: follow at once. Signed out: the address gets a confirmation link, and nothing is followed until
    it is used; a bad address shows the form again with what was typed and the error."""
    found = _target_or_refuse(request)
    if isinstance(found, HttpResponse):
        return found
    target, obj = found
    now = timezone.now()
    if request.user.is_authenticated:
        services.follow_add(user=request.user, target=obj, now=now)
        messages.success(request, f"You are following {target.title(obj)}. We will email you about it.")
        return redirect(target.url(obj))
    form = FollowByEmailForm(request.POST, auto_id="follow-%s")
    context = {"form": form, "title": target.title(obj), "noun": target.noun, "target_url": target.url(obj)}
    context["key"] = targets.key(obj)
    if form.is_valid():
        try:
            services.follow_request(email=form.cleaned_data["email"], target=obj, now=now)
        except ValidationError as error:
            add_service_errors(form, error)
    if not form.is_valid():
        return render(request, "notifications/follow_email.html", context, status=400)
    context["email"] = form.cleaned_data["email"]
    return render(request, "notifications/follow_check_email.html", context)


@require_POST
@login_required
def unfollow(request: HttpRequest) -> HttpResponse:
    found = _target_or_refuse(request)
    if isinstance(found, HttpResponse):
        return found
    target, obj = found
    if services.follow_remove(user=request.user, target=obj):
        messages.success(request, f"You are no longer following {target.title(obj)}.")
    return redirect(target.url(obj))


# Links from emails show the address they were sent to, signed in or not: not kept by the browser's cache.
private_no_store = cache_control(private=True, no_store=True)


@private_no_store
@require_http_methods(["GET", "POST"])
def follow_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; only its POST confirms (a link scanner opening the link must not)."""
    try:
        follow = services.follow_from_token(token)
    except ValidationError as error:
        return _link_refused(request, " ".join(error.messages))
    found = targets.resolve(f"{follow.target_type.app_label}.{follow.target_type.model}:{follow.target_id}")
    if found is None:
        return _link_refused(request, "That can no longer be followed (it may have been withdrawn). Nothing changed.")
    target, obj = found
    context = {
        "title": target.title(obj),
        "noun": target.noun,
        "promise": target.promise(obj),
        "target_url": target.url(obj),
        "email": follow.email,
    }
    if request.method == "POST":
        services.follow_confirm(token=token, now=timezone.now())
        return render(request, "notifications/follow_confirmed.html", context)
    return render(request, "notifications/follow_confirm.html", context)


# A mail client's one-click unsubscribe (RFC 8058) is a POST from outside the site, without a CSRF token; the
# signed token in the URL is what authorises it, so CSRF protection adds nothing here.
@csrf_exempt
@private_no_store
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (a link scanner must not unsubscribe anyone); a POST, the button's or a mail client's
    one-click, unsubscribes."""
    try:
        address = services.unsubscribe_address(token)
    except ValidationError as error:
        return _link_refused(request, " ".join(error.messages), unsubscribing=True)
    if request.method == "POST":
        services.unsubscribe(token=token, now=timezone.now())
        return render(request, "notifications/unsubscribed.html", {"email": address})
    # Opened again after unsubscribing (to check, or a second click): say so rather than offer the button again.
    since = selectors.unsubscribed_at(address)
    if since is not None:
        return render(request, "notifications/unsubscribed.html", {"email": address, "since": since})
    return render(request, "notifications/unsubscribe.html", {"email": address})
