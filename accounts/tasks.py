"""Celery tasks for accounts: thin wrappers that deliver what accounts.emails rendered."""

from typing import Any

from celery import shared_task

from .emails import build_message


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(
    *,
    subject: str,
    body: str,
    from_email: str | None,
    to: list[str],
    alternatives: list[list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> int:
    """Send one rendered email; SMTP hiccups (OSError) are retried with backoff."""
    message = build_message(
        subject=subject, body=body, from_email=from_email, to=to, alternatives=alternatives, headers=headers
    )
    sent: Any = message.send()
    return int(sent)
