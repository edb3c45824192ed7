"""The `outcome_published` email: respondents who agreed to be contacted hear that the outcome is out.

Optional (it carries one-click unsubscribe, and a suppressed address is skipped). One row per address and
consultation (the dedup key), inserted in bulk unrendered and rendered by the worker from the outcome as it is
then; withdrawn before sending, it is not sent (Skip, with the reason)."""

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from engagement.models import Consultation, Response
from notifications import kinds
from notifications.kinds import Kind, Skip
from notifications.models import Email
from notifications.services import site_url

KIND = "outcome_published"
WITHDRAWN = "The outcome was withdrawn before this email was sent."
NO_CONSENT = "No sent response from this address agrees to be contacted any more."
INSERT_BATCH = 1000


def register_kinds() -> None:
    kinds.register(Kind(name=KIND, optional=True, context=outcome_email_context))


def dedup_key(*, consultation_id: int, address: str) -> str:
    return f"{KIND}:{consultation_id}:{address}"


def _consenting(consultation: Consultation) -> "models.QuerySet[Response]":
    return Response.objects.counted().filter(consultation=consultation, consent_to_contact=True).exclude(email="")


def consenting_addresses(*, consultation: Consultation) -> list[str]:
    """Each address once (lower case) of the sent, counted responses that agreed to be contacted."""
    return sorted({address.strip().lower() for address in _consenting(consultation).values_list("email", flat=True)})


def outcome_emails_queue(*, consultation: Consultation, now: datetime.datetime) -> int:
    """Queue one email per consenting address, in the caller's transaction; returns how many were new. Rows are
    READY with `not_before=now`: the outbox's one-minute sweep sends them (no task per row for a big list)."""
    about_type = ContentType.objects.get_for_model(Consultation)
    prefix = f"{KIND}:{consultation.pk}:"
    existing = set(Email.objects.filter(dedup_key__startswith=prefix).values_list("dedup_key", flat=True))
    rows = [
        Email(
            kind=KIND,
            to=address,
            about_type=about_type,
            about_id=consultation.pk,
            dedup_key=key,
            not_before=now,
        )
        for address in consenting_addresses(consultation=consultation)
        if (key := dedup_key(consultation_id=consultation.pk, address=address)) not in existing
    ]
    with transaction.atomic():
        Email.objects.bulk_create(rows, batch_size=INSERT_BATCH, ignore_conflicts=True)
    return len(rows)


def outcome_email_context(email: Email, *, now: datetime.datetime) -> dict[str, Any] | Skip:
    from .selectors import outcome_published_for

    consultation = None
    if email.about_id is not None and email.about_type_id == ContentType.objects.get_for_model(Consultation).pk:
        consultation = Consultation.objects.filter(pk=email.about_id).first()
    outcome = outcome_published_for(consultation=consultation) if consultation else None
    if consultation is None or outcome is None:
        return Skip(WITHDRAWN)
    # Checked again when sent: personal data purged since, or a response's consent withdrawn, stops it.
    if not _consenting(consultation).filter(email__iexact=email.to).exists():
        return Skip(NO_CONSENT)
    return {
        "consultation": consultation,
        "outcome": outcome,
        "consultation_url": site_url(f"/consultations/{consultation.slug}/"),
    }
