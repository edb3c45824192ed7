"""Opening emails: "this consultation is now open", to its invitees and to the followers of it, of its owner area
or of any area above it (the same audience as reminders: `reminders.audience`).

Planned when a consultation becomes open: by `consultation_publish` if it opens at once, else by the 15-minute
beat in the same pass as reminders (`openings_plan(now=)`), for consultations whose `opens_at` has passed. One
outbox row per address (dedup key consultation + address), inserted by one INSERT ... SELECT (`emails_plan`), so two beats add nothing. Invitees
added to the list of an open consultation hear at the next pass; followers only within OPENED_WITHIN of opening
(someone who follows an area months later should not be told "it has just opened"). Rows are rendered when sent
(`opening_contexts`, for the sender's whole claimed batch at once), which skips with the reason if it has closed,
they are no longer followers or invited, or they have responded (as reminders count it) since.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from engagement import deadlines
from engagement.models import Consultation

from .email_parts import consultation_batches, consultation_links, key_prefix
from .kinds import Skip
from .models import Email
from .reminders import ALREADY_RESPONDED, CLOSED, GONE, invitees_by_address, reminded_people, standing
from .services import emails_plan

KIND = "consultation_opened"
OPENED_WITHIN = datetime.timedelta(days=2)
NOT_INVITED = "unsubscribed, or no longer follows it or is invited"


@dataclass
class OpeningPlan:
    """What planning did for one consultation, for `send_due_notifications` to print."""

    consultation: Consultation
    planned: int = 0
    already_planned: int = 0
    followers_too: bool = True  # False: opened longer ago than OPENED_WITHIN, invitees only


def opening_plan(
    *,
    consultation: Consultation,
    now: datetime.datetime,
    dry_run: bool = False,
    published_now: bool = False,
    counts: bool = True,
) -> OpeningPlan:
    """Queue the opening email to everyone in its audience not yet sent one (nothing unless it is open at `now`).
    `published_now`: it became open this moment although `opens_at` may be long past, so followers hear too.
    `counts=False`: only `planned` is counted (emails_plan)."""
    plan = OpeningPlan(consultation, followers_too=published_now or now - consultation.opens_at <= OPENED_WITHIN)
    if not (consultation.is_published and consultation.opens_at <= now <= consultation.closes_at):
        return plan
    # Not to those who have already responded (an invitee added late whose organisation has): as for reminders.
    follows, invited = reminded_people(consultation)
    people = (follows, invited) if plan.followers_too else (invited,)
    result = emails_plan(
        kind=KIND,
        people=people,
        about=consultation,
        key_prefix=key_prefix(KIND, consultation.pk),
        not_before=now,
        dry_run=dry_run,
        counts=counts,
    )
    plan.planned, plan.already_planned = result.planned, result.already_planned
    return plan


def openings_plan(*, now: datetime.datetime, dry_run: bool = False, counts: bool = True) -> list[OpeningPlan]:
    """Beat: opening emails for every open consultation (new invitees of one opened long ago included)."""
    return [
        opening_plan(consultation=consultation, now=now, dry_run=dry_run, counts=counts)
        for consultation in Consultation.objects.open(now=now).order_by("opens_at", "pk")
    ]


def opening_context(email: Email, *, now: datetime.datetime) -> dict[str, Any] | Skip:
    """At send time: skip if it closed, was unpublished, or the address has left its audience since planning.
    One row: `opening_contexts`."""
    return opening_contexts([email], now=now)[email.pk]


def opening_contexts(emails: list[Email], *, now: datetime.datetime) -> dict[int, dict[str, Any] | Skip]:
    """`opening_context` for the rows of a claimed batch at once, by their pk: the consultations in one query, then
    per consultation one walk of the area tree, one query of who is still told and has not responded (`standing`,
    as for reminders) and one of the invitees for every address of the batch, rather than three or four per email."""
    contexts, batches = consultation_batches(
        emails,
        among=Consultation.objects.published().select_related("owner_area"),
        gone=GONE,
        skip=lambda consultation: CLOSED if now > consultation.closes_at else None,
    )
    for consultation, rows in batches:
        addresses = {e.to.lower() for e in rows}
        found = standing(consultation, addresses=addresses)  # the same checks as a reminder's, in one query
        invited = invitees_by_address(consultation, addresses)
        for email in rows:
            address = email.to.lower()
            if address not in found["told"]:
                contexts[email.pk] = Skip(NOT_INVITED)
                continue
            if address not in found["waiting"]:
                contexts[email.pk] = Skip(ALREADY_RESPONDED)
                continue
            contexts[email.pk] = {
                "consultation": consultation,
                "invitee": invited.get(address),
                # "closes at 11:59pm on 4 January 2021"
                "closing_words": deadlines.describe_closing(consultation.closes_at),
                **consultation_links(consultation),
            }
    return contexts
