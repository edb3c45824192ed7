"""Reminders before a consultation closes, to its followers and invitees who have not yet responded.

Who: confirmed follows of the consultation, or of its owner area or any area above it (an area's followers hear
about consultations in it or below it), and its invite list (notifications.Invitee) less those who unsubscribed.
"Responded" is a sent response to the consultation by the account or from the address, or, for an invitee with an
organisation, one sent on behalf of that organisation. One reminder per address at each of the consultation's offsets
(`Consultation.reminder_offsets`, days before the closing date, at 9am London time: 7 days before 11:59pm on
Sunday 29 March is 9am GMT on 22 March although the clocks changed between). If planning starts late (beat was down,
or the consultation opened inside the window), only the nearest due offset is planned, never two at once, and
never an offset whose moment came before the consultation opened.

`reminders_plan(*, now)` writes outbox rows set-based (`emails_plan`: one INSERT ... SELECT from the recipients'
query), each with the dedup key (consultation, offset, address), so planning twice or two beats at once makes no
new rows. Rows are rendered when sent (`reminder_contexts`, for the sender's whole claimed batch at once), which
skips with the reason if things changed meanwhile: already responded, unsubscribed, closed.
"""

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Lower

from engagement import deadlines
from engagement.models import Consultation, Response
from governance.models import Area

from .email_parts import consultation_batches, consultation_links, key_prefix
from .kinds import Skip
from .models import Email, Follow, Invitee
from .services import emails_plan

KIND = "reminder"
MAX_OFFSET_DAYS = 90
ALREADY_RESPONDED = "already responded"
UNSUBSCRIBED = "unsubscribed: no longer follows it or is invited"
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
    """9am London time `days` days before the closing date: a 1-day reminder of an 11:59pm deadline comes the
    morning before, not at midnight."""
    return deadlines.morning_before(deadlines.london_date(closes_at), days)


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


def invitees(consultation: Consultation) -> "models.QuerySet[Invitee]":
    """Its invite list, less those who unsubscribed, annotated with `address` like followers()."""
    return Invitee.objects.invited_to(consultation).subscribed().annotate(address=F("email"))


def invitees_by_address(consultation: Consultation, addresses: Collection[str]) -> dict[str, Invitee]:
    """Of `addresses`, those on its invite list, by address (one query): who an email greets by name."""
    return {i.email: i for i in invitees(consultation).filter(email__in=addresses)}


def _responded_addresses(consultation: Consultation) -> "list[models.QuerySet[Any]]":
    """Subqueries of the addresses that count as having responded (a held, suspected response too: they did):
    a sent response's address, its account's address, and invitees whose organisation sent a response on its
    behalf (matched by the organisation, or by its typed name when the invitee's matched none)."""
    sent = Response.objects.filter(consultation=consultation).sent()
    by_organisation = (
        Invitee.objects.invited_to(consultation)
        .annotate(typed=Lower("organisation_name"))
        .filter(
            Q(organisation__in=sent.filter(organisation__isnull=False).values("organisation"))
            | Q(
                organisation__isnull=True,
                typed__in=sent.exclude(organisation_name="").annotate(o=Lower("organisation_name")).values("o"),
            )
        )
    )
    return [
        sent.exclude(email="").annotate(e=Lower("email")).values("e"),
        sent.filter(user__isnull=False).annotate(e=Lower("user__email")).values("e"),
        by_organisation.values("email"),
    ]


def not_responded(people: "models.QuerySet[Any]", consultation: Consultation) -> "models.QuerySet[Any]":
    """`people` (follows or invitees, annotated with `address`) without those who count as having responded."""
    for responded in _responded_addresses(consultation):
        people = people.exclude(address__in=responded)
    return people


def audience(consultation: Consultation) -> "models.QuerySet[Any]":
    """Every address told about it: its followers' and its invitees', one row per address (a UNION)."""
    return _addresses(*audience_people(consultation))


def audience_people(
    consultation: Consultation, *, addresses: Collection[str] | None = None
) -> "tuple[models.QuerySet[Any], models.QuerySet[Any]]":
    """Its followers and its invitees, each annotated with `address` (for `emails_plan`; `audience` is their UNION);
    only `addresses`, if given."""
    # "address" is an annotation, which the type checker's plugin cannot see.
    follows: models.QuerySet[Any] = followers(consultation)
    invited: models.QuerySet[Any] = invitees(consultation)
    if addresses is not None:
        follows, invited = follows.filter(address__in=addresses), invited.filter(email__in=addresses)
    return follows, invited


def reminded_people(consultation: Consultation) -> "tuple[models.QuerySet[Any], models.QuerySet[Any]]":
    """The followers and invitees who have not responded, annotated with `address`: who a reminder (or an opening
    email) goes to."""
    follows, invited = audience_people(consultation)
    return not_responded(follows, consultation), not_responded(invited, consultation)


def reminded(consultation: Consultation) -> "models.QuerySet[Any]":
    """The audience's addresses that have not responded, one row per address (a UNION)."""
    return _addresses(*reminded_people(consultation))


def _addresses(*people: "models.QuerySet[Any]") -> "models.QuerySet[Any]":
    # Unordered: SQLite refuses an ORDER BY (a model's default ordering) inside a UNION.
    first, *rest = (p.order_by().values_list("address", flat=True) for p in people)
    return first.union(*rest)


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


def next_reminder_at(consultation: Consultation, *, now: datetime.datetime) -> datetime.datetime | None:
    """When `reminders_plan` will next plan a reminder for it, by the same offsets and states; None if never
    (a draft, no offsets, or every offset's moment has passed or comes before it opens)."""
    if not consultation.is_published:
        return None
    due = [p.due_at for p in _offset_states(consultation, now=now) if p.state == "not due"]
    return min((at for at in due if at >= consultation.opens_at), default=None)


def reminders_plan(*, now: datetime.datetime, dry_run: bool = False, counts: bool = True) -> list[OffsetPlan]:
    """Queue the reminders due at `now` for every open consultation; with `dry_run`, count them and write nothing.
    Rows are READY with `not_before=now`, so the outbox's one-minute sweep sends them (no task per row).
    `counts=False` (beat): only `planned` is counted; `already_planned` and `responded` are left 0."""
    plans: list[OffsetPlan] = []
    for consultation in Consultation.objects.open(now=now).order_by("closes_at", "pk"):
        for plan in _offset_states(consultation, now=now):
            plans.append(plan)
            if plan.state != "planned":
                continue
            result = emails_plan(
                kind=KIND,
                people=reminded_people(consultation),
                about=consultation,
                key_prefix=key_prefix(KIND, consultation.pk, plan.offset_days),
                not_before=now,
                data={"offset_days": plan.offset_days},
                dry_run=dry_run,
                counts=counts,
            )
            plan.planned, plan.already_planned = result.planned, result.already_planned
            if counts or dry_run:
                plan.responded = audience(consultation).count() - (result.planned + result.already_planned)
    return plans


def reminder_context(email: Email, *, now: datetime.datetime) -> dict[str, Any] | Skip:
    """At send time: skip if they responded, unfollowed or it closed since planning; else the template context,
    with a way back to a draft in progress ("you have not sent your response yet"). One row: `reminder_contexts`."""
    return reminder_contexts([email], now=now)[email.pk]


def reminder_contexts(emails: list[Email], *, now: datetime.datetime) -> dict[int, dict[str, Any] | Skip]:
    """`reminder_context` for the rows of a claimed batch at once, by their pk: per consultation, one walk of the
    area tree and one query for every address of the batch (the same audience and not_responded as planning),
    rather than a query per check per email."""
    contexts, batches = consultation_batches(
        emails,
        among=Consultation.objects.published(),
        gone=GONE,
        skip=lambda consultation: CLOSED if now > consultation.closes_at else None,
    )
    for consultation, rows in batches:
        addresses = {e.to.lower() for e in rows}
        found = standing(consultation, addresses=addresses)
        # An invitee is greeted by name and told why they hear (invited, not following), as in the opening email.
        invited = invitees_by_address(consultation, addresses)
        for email in rows:
            address = email.to.lower()
            if address not in found["told"]:
                contexts[email.pk] = Skip(UNSUBSCRIBED)
            elif address not in found["waiting"]:
                contexts[email.pk] = Skip(ALREADY_RESPONDED)
            else:
                draft = address in found["draft"]
                contexts[email.pk] = _context(consultation, now=now, has_draft=draft, invitee=invited.get(address))
    return contexts


def standing(consultation: Consultation, *, addresses: set[str]) -> dict[str, set[str]]:
    """Of `addresses`: those still told about it ("told"), those of them not responded ("waiting"), and those with a
    draft in progress by their account ("draft"). One UNION query, each part tagged."""
    follows, invited = audience_people(consultation, addresses=addresses)
    drafts = Response.objects.filter(consultation=consultation).in_progress().values("user")
    parts = [
        (follows, "told"),
        (invited, "told"),
        (not_responded(follows, consultation), "waiting"),
        (not_responded(invited, consultation), "waiting"),
        (follows.filter(user__in=drafts), "draft"),
    ]
    first, *rest = (p.order_by().annotate(tag=Value(tag)).values_list("address", "tag") for p, tag in parts)
    found: dict[str, set[str]] = {"told": set(), "waiting": set(), "draft": set()}
    for address, tag in first.union(*rest):
        found[tag].add(address)
    return found


def _context(
    consultation: Consultation, *, now: datetime.datetime, has_draft: bool, invitee: Invitee | None
) -> dict[str, Any]:
    closes_at = consultation.closes_at
    day = deadlines.london_date(closes_at)
    return {
        "consultation": consultation,
        "closing_words": f"{deadlines.format_time(closes_at)} on {day.day} {day:%B}",
        "days_left": (day - deadlines.london_date(now)).days,
        "has_draft": has_draft,
        "invitee": invitee,
        **consultation_links(consultation),
    }
