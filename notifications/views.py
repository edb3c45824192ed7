"""The staff outbox page: counts by kind and status, failed emails with their error, and "send again".

Signed out, both views send to sign in; signed in without the permission (notifications/permissions.py), 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .models import Email


@require_GET
@login_required
@permission_required("notifications.view_outbox", raise_exception=True)
def outbox(request: HttpRequest) -> HttpResponse:
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
@permission_required("notifications.send_again", raise_exception=True)
def outbox_send_again(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        email = services.email_send_again(email_id=pk, by=request.user.get_username(), now=timezone.now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The {email.kind} email to {email.to} will be sent again in a moment.")
    return redirect("notifications:outbox")
