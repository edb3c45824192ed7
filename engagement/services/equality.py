"""Equality monitoring answers: held at submission, released into EqualityMonitoring in shuffled batches.

Writing a resident's equality answers in the same transaction as their response would let anyone with the database
match the two (the row ids follow submission order, and both rows carry the same transaction id). So the submission
only *holds* them (PendingEquality, for the consultation, never the response); `equality_release`, run by Celery
beat, moves them into EqualityMonitoring a consultation at a time in random order once at least
ENGAGEMENT_EQUALITY_BATCH are waiting, or once the consultation has stopped taking responses (its last few then go
together). Until then they count nowhere: aggregates lag by at most a batch.
"""

import datetime
import random
from typing import Any

from django.conf import settings
from django.db import transaction

from ..models import Consultation, EqualityMonitoring, PendingEquality

EQUALITY_FIELDS = (
    "age_band",
    "sex",
    "gender_identity",
    "ethnicity",
    "disability",
    "sexual_orientation",
    "religion",
    "carer",
)


def equality_given(answers: dict[str, Any] | None) -> bool:
    if not answers:
        return False
    return any(answers.get(name) for name in EQUALITY_FIELDS)


def equality_hold(*, consultation: Consultation, answers: dict[str, Any]) -> None:
    """Hold one resident's answers for `consultation` (call inside the submission's transaction)."""
    PendingEquality.objects.create(
        consultation=consultation, answers={name: str(answers.get(name) or "")[:40] for name in EQUALITY_FIELDS}
    )


def shuffle(rows: list[Any]) -> None:
    """In place, from the operating system's randomness."""
    random.SystemRandom().shuffle(rows)


def equality_release(*, now: datetime.datetime, batch: int | None = None) -> int:
    """Release held answers into EqualityMonitoring; return how many rows were released."""
    batch = batch or int(getattr(settings, "ENGAGEMENT_EQUALITY_BATCH", 5))
    released = 0
    consultation_ids = set(PendingEquality.objects.values_list("consultation_id", flat=True))
    for consultation in Consultation.objects.filter(pk__in=consultation_ids).order_by("pk"):
        with transaction.atomic():
            rows = list(PendingEquality.objects.select_for_update(skip_locked=True).filter(consultation=consultation))
            if not rows or (len(rows) < batch and consultation.accepts_responses_at(now=now)):
                continue
            shuffle(rows)
            EqualityMonitoring.objects.bulk_create(
                [
                    EqualityMonitoring(
                        consultation=consultation, **{name: row.answers.get(name, "") for name in EQUALITY_FIELDS}
                    )
                    for row in rows
                ]
            )
            PendingEquality.objects.filter(pk__in=[row.pk for row in rows]).delete()
            released += len(rows)
    return released
