"""Responses held as suspected automated: marked when the hidden honeypot field is filled, released by a manager.

A bot and a browser extension that fills every field look the same here, so nothing is refused or dropped: the
resident's flow carries on as usual and the response is kept, held out of every count and summary
(ResponseQuerySet.counted()) until a manager of the consultation reads it and releases it (recorded: who, when).
A bot learns nothing from the pages it gets.
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Consultation, Response

REASON_MAX = 200


def response_mark_suspected(
    *, consultation: Consultation, response: Response, reason: str, now: datetime.datetime
) -> int:
    """Hold `response` out of counts. One a manager has released is not held again: they judged it. Returns how
    many were marked (0 or 1)."""
    marked = (
        Response.objects.filter(
            pk=response.pk, consultation=consultation, suspected_automated=False, released_at__isnull=True
        )
        .order_by()
        .update(suspected_automated=True, suspected_at=now, suspected_reason=reason[:REASON_MAX])
    )
    if marked:  # keep the caller's copy true, so a later save() does not undo the mark
        response.suspected_automated, response.suspected_at, response.suspected_reason = True, now, reason[:REASON_MAX]
    return marked


@transaction.atomic
def response_release(*, response: Response, by: Any, now: datetime.datetime) -> Response:
    """A manager read a held response and judged it a person's: it counts from now on."""
    response = Response.objects.select_for_update().get(pk=response.pk)
    if not response.suspected_automated:
        raise ValidationError(f"Response {response.reference} is not held: it already counts.")
    if response.state != Response.State.SUBMITTED:
        raise ValidationError(f"Response {response.reference} has not been sent yet, so there is nothing to release.")
    response.suspected_automated = False
    response.released_at = now
    response.released_by = by if getattr(by, "pk", None) else None
    response.save(update_fields=["suspected_automated", "released_at", "released_by", "updated_at"])
    return response
