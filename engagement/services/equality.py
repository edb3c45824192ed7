"""Equality monitoring answers: held from the equality page on, released into EqualityMonitoring in shuffled batches.

Writing a resident's equality answers next to their response would let anyone with the database match the two. So
the equality page only *holds* them (`equality_save`: a PendingEquality row tied to the draft, which is how a
resident sees and changes them before sending); `equality_release`, run by Celery beat, moves the held answers of
*sent* responses into EqualityMonitoring a consultation at a time, in random order, once at least
ENGAGEMENT_EQUALITY_BATCH are waiting, and deletes the held rows: the released rows carry the consultation only,
and their ids, order and writing transaction follow the batch, not the submissions. Fewer than a batch are never
released, even after closing: a group of one (a suspected response a manager released after the rest went, or the
last sender) would show in the summary as the cells that went up by one. Once nothing more can join such a
remainder (the consultation has stopped taking responses and none of its held answers wait on a suspected
response), it is deleted unreleased and counted in `Consultation.equality_left_out`, which the summary shows.
Answers held for drafts never sent are dropped once the consultation closes. Until released they count nowhere:
aggregates lag by at most a batch.
"""

import datetime
import random
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from ..models import Consultation, EqualityMonitoring, PendingEquality, Response

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


def equality_save(*, response: Response, answers: dict[str, Any]) -> None:
    """Hold (or replace) a draft's equality answers; no answer at all holds nothing. Once sent they are fixed."""
    if response.state != Response.State.DRAFT:
        return
    cleaned = {name: str(answers.get(name) or "")[:40] for name in EQUALITY_FIELDS}
    if not equality_given(cleaned):
        equality_clear(response=response)
        return
    PendingEquality.objects.update_or_create(
        response=response, defaults={"consultation_id": response.consultation_id, "answers": cleaned}
    )


def equality_clear(*, response: Response) -> None:
    """The resident skipped the questions: hold nothing for this draft."""
    if response.state == Response.State.DRAFT:
        PendingEquality.objects.filter(response=response).delete()


def shuffle(rows: list[Any]) -> None:
    """In place, from the operating system's randomness."""
    random.SystemRandom().shuffle(rows)


def equality_release(*, now: datetime.datetime, batch: int | None = None) -> int:
    """Release held answers of sent responses into EqualityMonitoring, never fewer than `batch` at once; return how
    many rows were released (the left-out ones are not)."""
    batch = batch or int(getattr(settings, "ENGAGEMENT_EQUALITY_BATCH", 5))
    released = 0
    consultation_ids = set(PendingEquality.objects.values_list("consultation_id", flat=True))
    for consultation in Consultation.objects.filter(pk__in=consultation_ids).order_by("pk"):
        still_open = consultation.accepts_responses_at(now=now)
        with transaction.atomic():
            held = PendingEquality.objects.select_for_update(skip_locked=True, of=("self",)).filter(
                consultation=consultation
            )
            # Only responses that count (a held suspected one waits for a manager to release it).
            rows = list(held.filter(Q(response__isnull=True) | Q(response__in=Response.objects.counted())))
            if not still_open:  # drafts can no longer be sent: their answers never count
                held.filter(response__state=Response.State.DRAFT).delete()
            if not rows:
                continue
            if len(rows) < batch:
                # A held suspected response may yet be released to join them; only when none can, drop the few.
                # Unlocked, so that rows another run has locked still count as waiting.
                others = PendingEquality.objects.filter(consultation=consultation).exclude(pk__in=[r.pk for r in rows])
                if not still_open and not others.exists():
                    PendingEquality.objects.filter(pk__in=[row.pk for row in rows]).delete()
                    Consultation.objects.filter(pk=consultation.pk).update(
                        equality_left_out=F("equality_left_out") + len(rows)
                    )
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
