"""The `outcome_published` email: respondents who agreed to be contacted hear that the outcome is out.

Optional (it carries one-click unsubscribe, and a suppressed address is skipped). One row per address and
consultation (the dedup key), planned unrendered by the outbox's planner (`emails_plan`) and rendered by the worker from the outcome as it is
then; withdrawn before sending, it is not sent (Skip, with the reason)."""

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Lower, Trim

from engagement.models import Consultation, Response
from notifications import kinds
from notifications.kinds import Kind, Skip
from notifications.models import Email
from notifications.services import emails_plan, site_url

KIND = "outcome_published"
WITHDRAWN = "The outcome was withdrawn before this email was sent."
NO_CONSENT = "No sent response from this address agrees to be contacted any more."


def register_kinds() -> None:
    kinds.register(Kind(name=KIND, optional=True, context=outcome_email_context))


def _consenting(consultation: Consultation) -> "models.QuerySet[Response]":
    return Response.objects.counted().filter(consultation=consultation, consent_to_contact=True).exclude(email="")


def consenting_addresses(*, consultation: Consultation) -> list[str]:
    """Each address once (lower case) of the sent, counted responses that agreed to be contacted."""
    people: models.QuerySet[Any] = _consenting_people(consultation)  # "address" is an annotation
    return sorted(people.values_list("address", flat=True).distinct())


def _consenting_people(consultation: Consultation) -> "models.QuerySet[Any]":
    return _consenting(consultation).annotate(address=Lower(Trim("email")))


def outcome_emails_queue(*, consultation: Consultation, now: datetime.datetime) -> int:
    """Queue one email per consenting address, in the caller's transaction; returns how many were new. Rows are
    READY with `not_before=now`: the outbox's one-minute sweep sends them (no task per row for a big list)."""
    result = emails_plan(
        kind=KIND,
        people=[_consenting_people(consultation)],
        about=consultation,
        key_prefix=f"{KIND}:{consultation.pk}:",
        not_before=now,
    )
    return result.planned


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
