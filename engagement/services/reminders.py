"""Reminders before a consultation closes, to its followers who have not yet responded.

Who: confirmed follows of the consultation, or of its owner area or any area above it (an area's followers hear
about consultations in it or below it). "Responded" is a sent response to the consultation by the follower's
account or from their email address. One reminder per address at each of the consultation's offsets
(`Consultation.reminder_offsets`, days before closing, London wall clock: 7 days before 11:59pm on Sunday
29 March is 11:59pm on 22 March although the clocks changed between). If planning starts late (beat was down,
or the consultation opened inside the window), only the nearest due offset is planned, never two at once, and
never an offset whose moment came before the consultation opened.

`reminders_plan(*, now)` writes outbox rows set-based (one query for the recipients, one for the keys already
planned, then bulk inserts), each with the dedup key (consultation, offset, address), so planning twice or two
beats at once makes no new rows. Rows are rendered when sent (`reminder_context`), which skips with the reason if
things changed meanwhile: already responded, unsubscribed, closed.
"""

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Case, F, Q, When
from django.db.models.functions import Lower

from governance.models import Area
from notifications.kinds import Skip
from notifications.models import Email, Follow
from notifications.services import site_url

from .. import deadlines
from ..models import Consultation, Response

KIND = "reminder"
MAX_OFFSET_DAYS = 90
INSERT_BATCH = 2000
ALREADY_RESPONDED = "already responded"
UNSUBSCRIBED = "unsubscribed: no longer follows it"
CLOSED = "the consultation has closed"
GONE = "the consultation was deleted or unpublished"


@dataclass
class OffsetPlan:
    """What planning did for one offset of one consultation, for `send_due_notifications` to print."""

    consultation: Consultation
    offset_days: int
    due_at: datetime.datetime
    state: str  # "planned", "not due", "passed" (a nearer offset is due), "before opening"
    planned: int = 0
    already_planned: int = 0
    responded: int = 0


def reminder_offsets(consultation: Consultation) -> list[int]:
    """The offsets in days, nearest the deadline first; anything but whole days from 1 to 90 is ignored."""
    raw = consultation.reminder_offsets if isinstance(consultation.reminder_offsets, list) else []
    days = {d for d in raw if isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= MAX_OFFSET_DAYS}
    return sorted(days)


def reminder_due_at(closes_at: datetime.datetime, days: int) -> datetime.datetime:
    """`days` before closing by the London wall clock (aware arithmetic in one zone keeps the wall time)."""
    return (closes_at.astimezone(deadlines.LONDON) - datetime.timedelta(days=days)).astimezone(deadlines.UTC)


def _address() -> Case:
    # An account's follow reaches the account's address; an email follow its confirmed address (stored lower).
    return Case(When(user__isnull=False, then=Lower("user__email")), default=F("email"))


def followers(consultation: Consultation) -> "models.QuerySet[Follow]":
    """Confirmed follows of the consultation, its owner area or an area above it, annotated with `address`."""
    areas = Area.objects.ancestors_of([consultation.owner_area_id], include_self=True).values("pk")
    return (
        Follow.objects.filter(confirmed_at__isnull=False)
        .filter(
            Q(target_type=ContentType.objects.get_for_model(Consultation), target_id=consultation.pk)
            | Q(target_type=ContentType.objects.get_for_model(Area), target_id__in=areas)
        )
        .annotate(address=_address())
    )


def not_responded(follows: "models.QuerySet[Follow]", consultation: Consultation) -> "models.QuerySet[Follow]":
    """Without those whose account or address sent a response (a held, suspected one too: they did respond)."""
    sent = Response.objects.filter(consultation=consultation).sent()
    by_address = sent.exclude(email="").annotate(e=Lower("email")).values("e")
    by_account = follows.exclude(user__in=sent.filter(user__isnull=False).values("user"))
    return by_account.exclude(address__in=by_address)  # type: ignore[misc]  # followers()' annotation


def dedup_key(*, consultation_id: int, offset_days: int, address: str) -> str:
    # Hashed: an address may be 320 characters and the key at most 200.
    return f"{KIND}:{consultation_id}:{offset_days}d:{hashlib.sha256(address.encode()).hexdigest()[:32]}"


def _offset_states(consultation: Consultation, *, now: datetime.datetime) -> list[OffsetPlan]:
    plans = [
        OffsetPlan(consultation, d, reminder_due_at(consultation.closes_at, d), "not due")
        for d in reminder_offsets(consultation)
    ]
    nearest_due = True
    for plan in plans:  # nearest the deadline first
        if plan.due_at > now:
            continue
        if plan.due_at < consultation.opens_at:
            plan.state = "before opening"
        elif nearest_due:
            plan.state, nearest_due = "planned", False
        else:
            plan.state = "passed"
    return plans


def reminders_plan(*, now: datetime.datetime, dry_run: bool = False) -> list[OffsetPlan]:
    """Queue the reminders due at `now` for every open consultation; with `dry_run`, count them and write nothing.
    Rows are READY with `not_before=now`, so the outbox's one-minute sweep sends them (no task per row)."""
    plans: list[OffsetPlan] = []
    consultation_type = ContentType.objects.get_for_model(Consultation)
    for consultation in Consultation.objects.open(now=now).order_by("closes_at", "pk"):
        for plan in _offset_states(consultation, now=now):
            plans.append(plan)
            if plan.state != "planned":
                continue
            follows = followers(consultation)
            # "address" is followers()' annotation, which the type checker's plugin cannot see.
            everyone = follows.values("address").distinct().count()  # type: ignore[misc]
            remaining = not_responded(follows, consultation)
            addresses = list(remaining.values_list("address", flat=True).distinct())  # type: ignore[misc]
            plan.responded = everyone - len(addresses)
            prefix = f"{KIND}:{consultation.pk}:{plan.offset_days}d:"
            existing = set(Email.objects.filter(dedup_key__startswith=prefix).values_list("dedup_key", flat=True))
            rows = []
            for address in addresses:
                key = dedup_key(consultation_id=consultation.pk, offset_days=plan.offset_days, address=address)
                if key in existing:
                    plan.already_planned += 1
                    continue
                rows.append(
                    Email(
                        kind=KIND,
                        to=address,
                        about_type=consultation_type,
                        about_id=consultation.pk,
                        dedup_key=key,
                        data={"offset_days": plan.offset_days},
                        not_before=now,
                    )
                )
            plan.planned = len(rows)
            if not dry_run:
                # ignore_conflicts: a second beat planning the same rows at this moment inserts nothing twice.
                with transaction.atomic():
                    Email.objects.bulk_create(rows, batch_size=INSERT_BATCH, ignore_conflicts=True)
    return plans


def reminder_context(email: Email, *, now: datetime.datetime) -> dict[str, Any] | Skip:
    """At send time: skip if they responded, unfollowed or it closed since planning; else the template context,
    with a way back to a draft in progress ("you have not sent your response yet")."""
    consultation = None
    if email.about_id is not None and email.about_type_id == ContentType.objects.get_for_model(Consultation).pk:
        consultation = Consultation.objects.published().filter(pk=email.about_id).first()
    if consultation is None:
        return Skip(GONE)
    if now > consultation.closes_at:
        return Skip(CLOSED)
    address = email.to.lower()
    follows = followers(consultation).filter(address=address)  # type: ignore[misc]
    following = follows.count()  # one count serves both questions (a query per email saved when sending)
    if not following:
        return Skip(UNSUBSCRIBED)
    if not_responded(follows, consultation).count() < following:
        return Skip(ALREADY_RESPONDED)
    user_ids = follows.exclude(user=None).values("user")
    has_draft = Response.objects.filter(consultation=consultation, user__in=user_ids).in_progress().exists()
    closes_at = consultation.closes_at
    day = deadlines.london_date(closes_at)
    return {
        "consultation": consultation,
        "closing_words": f"{deadlines.format_time(closes_at)} on {day.day} {day:%B}",
        "days_left": (day - deadlines.london_date(now)).days,
        "has_draft": has_draft,
        "consultation_url": site_url(f"/consultations/{consultation.slug}/"),
        "respond_url": site_url(f"/consultations/{consultation.slug}/respond/"),
    }
