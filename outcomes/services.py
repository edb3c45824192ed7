"""Writes for outcomes: save (draft or published), publish, withdraw. Each keeps
`Consultation.outcome_published_at` in step, since engagement reads the consultation's status from it."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from engagement.models import Consultation
from functions.models import Function

from .emails import outcome_emails_queue
from .models import Outcome


@transaction.atomic
def outcome_save(
    *,
    consultation: Consultation,
    by: Any,
    what_we_heard: str,
    points: list[str],
    decision: str,
    decided_function: Function | None,
) -> Outcome:
    """Create or update the outcome. Editing a published one keeps it published (its history records the edit)
    and sends nothing again."""
    if decided_function is not None and decided_function.system_id != consultation.system_id:
        raise ValidationError({"decided_function": "Choose a function from this system's matrix."})
    outcome = Outcome.objects.select_for_update().filter(consultation=consultation).first()
    if outcome is None:
        outcome = Outcome(consultation=consultation)
    outcome.what_we_heard = what_we_heard.strip()
    outcome.points = [p.strip() for p in points if p.strip()]
    outcome.decision = decision.strip()
    outcome.decided_function = decided_function
    if outcome.is_published and not (outcome.what_we_heard and outcome.decision):
        raise ValidationError("Residents can see this outcome: it needs both what you heard and what was decided.")
    outcome.full_clean(exclude=["consultation"])
    outcome.save()
    return outcome


@transaction.atomic
def outcome_publish(*, outcome: Outcome, by: Any, now: datetime.datetime) -> int:
    """Publish once the consultation has closed, and tell the respondents who agreed to be contacted. Publishing
    again (a refresh, a second tab) changes nothing and queues nothing twice. Returns how many emails were queued."""
    consultation = Consultation.objects.select_for_update().get(pk=outcome.consultation_id)
    if not consultation.is_published:
        raise ValidationError("Publish the consultation before publishing its outcome.")
    if now <= consultation.closes_at:
        raise ValidationError("You can publish the outcome once the consultation has closed.")
    missing = [
        words
        for words, text in (("what you heard", outcome.what_we_heard), ("what was decided", outcome.decision))
        if not text
    ]
    if missing:
        raise ValidationError(f"Enter {' and '.join(missing)} before you publish the outcome.")
    if outcome.published_at is None:
        outcome.published_at, outcome.published_by = now, by
        outcome.save(update_fields=["published_at", "published_by", "updated_at"])
    if consultation.outcome_published_at is None:
        consultation.outcome_published_at = outcome.published_at
        consultation.save(update_fields=["outcome_published_at", "updated_at"])
    return outcome_emails_queue(consultation=consultation, now=now)


@transaction.atomic
def outcome_withdraw(*, outcome: Outcome, by: Any) -> Outcome:
    """Back to a draft: residents no longer see it, and emails not yet sent are skipped."""
    outcome.published_at, outcome.published_by = None, None
    outcome.save(update_fields=["published_at", "published_by", "updated_at"])
    Consultation.objects.filter(pk=outcome.consultation_id).update(outcome_published_at=None)
    return outcome
