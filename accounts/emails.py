"""Sending email without holding up a web request: the message is rendered now and sent by a Celery worker.

If the broker cannot take the task (it is down, or stalled: `ics_portal.celery.publish` gives up after about
1 s, or at once for a few seconds after that), the message is sent at once instead, so a sign-in code is never lost. (After a stall the queued copy may be
delivered too: the same message twice, never none.) EMAIL_VIA_CELERY=False sends at once always.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction

logger = logging.getLogger(__name__)


def message_payload(message: EmailMessage) -> dict[str, Any]:
    """The JSON-safe parts of a rendered message, as accounts.tasks.send_email takes them."""
    alternatives = [[str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])]
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "alternatives": alternatives,
        "headers": dict(message.extra_headers),
    }


def build_message(
    *,
    subject: str,
    body: str,
    from_email: str | None,
    to: list[str],
    alternatives: list[list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(subject=subject, body=body, from_email=from_email, to=to, headers=headers)
    for content, mimetype in alternatives or []:
        message.attach_alternative(content, mimetype)
    return message


def send_soon(message: EmailMessage) -> None:
    """Queue the message for the worker once the current transaction commits (or send it now, see above)."""
    if not getattr(settings, "EMAIL_VIA_CELERY", True):
        message.send()
        return
    payload = message_payload(message)

    def enqueue() -> None:
        from ics_portal.celery import publish

        from .tasks import send_email

        try:
            publish(send_email, kwargs=payload)
        except Exception:  # the broker is unreachable: deliver now rather than lose the message
            logger.warning("Could not queue email to %s; sending it now", payload["to"], exc_info=True)
            message.send()

    transaction.on_commit(enqueue)
