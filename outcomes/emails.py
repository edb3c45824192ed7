"""The `outcome_published` email: respondents who agreed to be contacted hear that the outcome is out.

Optional (it carries one-click unsubscribe, and a suppressed address is skipped). One row per address and
consultation (the dedup key), planned unrendered by the outbox's planner (`emails_plan`) and rendered by the worker from the outcome as it is
then (`outcome_contexts`, for its whole claimed batch at once); withdrawn before sending, it is not sent (Skip, with
the reason)."""

import datetime
from typing import Any

from django.db import models
from django.db.models.functions import Lower, Trim

from engagement.models import Consultation, Response
from notifications import kinds
from notifications.email_parts import consultation_batches, consultation_links, key_prefix
from notifications.kinds import Kind, Skip
from notifications.models import Email
from notifications.services import emails_plan

KIND = "outcome_published"
WITHDRAWN = "The outcome was withdrawn before this email was sent."
NO_CONSENT = "No sent response from this address agrees to be contacted any more."


def register_kinds() -> None:
    kinds.register(
        Kind(
            name=KIND,
            optional=True,
            context=outcome_email_context,
            contexts=outcome_contexts,
            title="Outcome published (you said, we did)",
        )
    )


def _consenting(consultation: Consultation) -> "models.QuerySet[Response]":
    return Response.objects.counted().filter(consultation=consultation, consent_to_contact=True).exclude(email="")


def _consenting_people(consultation: Consultation) -> "models.QuerySet[Any]":
    return _consenting(consultation).annotate(address=Lower(Trim("email")))


def outcome_emails_queue(*, consultation: Consultation, now: datetime.datetime) -> int:
    """Queue one email per consenting address, in the caller's transaction; returns how many were new. Rows are
    READY with `not_before=now`: the outbox's one-minute sweep sends them (no task per row for a big list)."""
    result = emails_plan(
        kind=KIND,
        people=[_consenting_people(consultation)],
        about=consultation,
        key_prefix=key_prefix(KIND, consultation.pk),
        not_before=now,
        counts=False,  # only how many are new is said
    )
    return result.planned


def outcome_email_context(email: Email, *, now: datetime.datetime) -> dict[str, Any] | Skip:
    """At send time: skip if the outcome was withdrawn or the address no longer agrees to be contacted. One row:
    `outcome_contexts`."""
    return outcome_contexts([email], now=now)[email.pk]


def outcome_contexts(emails: list[Email], *, now: datetime.datetime) -> dict[int, dict[str, Any] | Skip]:
    """`outcome_email_context` for the rows of a claimed batch at once, by their pk: the consultations in one query,
    then per consultation its published outcome and the consenting addresses of the batch, one query each."""
    from .selectors import outcome_published_for

    contexts, batches = consultation_batches(emails, among=Consultation.objects.all(), gone=WITHDRAWN)
    for consultation, rows in batches:
        outcome = outcome_published_for(consultation=consultation)
        if outcome is None:
            contexts |= {e.pk: Skip(WITHDRAWN) for e in rows}
            continue
        # Checked again when sent: personal data purged since, or a response's consent withdrawn, stops it. The
        # address as the planner wrote it (`_consenting_people`).
        people: models.QuerySet[Any] = _consenting_people(consultation)  # "address" is an annotation
        consenting = set(people.filter(address__in={e.to.lower() for e in rows}).values_list("address", flat=True))
        links = consultation_links(consultation)
        for email in rows:
            if email.to.lower() not in consenting:
                contexts[email.pk] = Skip(NO_CONSENT)
            else:
                contexts[email.pk] = {
                    "consultation": consultation,
                    "outcome": outcome,
                    "consultation_url": links["consultation_url"],
                    "reply_to": links["reply_to"],
                }
    return contexts
