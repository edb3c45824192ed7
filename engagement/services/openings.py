"""Opening emails: "this consultation is now open", to its invitees and to the followers of it, of its owner area
or of any area above it (the same audience as reminders: `reminders.audience`).

Planned when a consultation becomes open: by `consultation_publish` if it opens at once, else by the 15-minute
beat in the same pass as reminders (`openings_plan(now=)`), for consultations whose `opens_at` has passed. One
outbox row per address (dedup key consultation + address), inserted by one INSERT ... SELECT (`emails_plan`), so two beats add nothing. Invitees
added to the list of an open consultation hear at the next pass; followers only within OPENED_WITHIN of opening
(someone who follows an area months later should not be told "it has just opened"). Rows are rendered when sent
(`opening_context`), which skips with the reason if it has closed or they are no longer followers or invited.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType

from notifications.kinds import Skip
from notifications.models import Email
from notifications.services import address_key, emails_plan, site_url

from .. import deadlines
from ..models import Consultation
from .reminders import CLOSED, GONE, audience, audience_people, invitees

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


def dedup_key(*, consultation_id: int, address: str) -> str:
    # Hashed: an address may be 320 characters and the key at most 200.
    return f"{KIND}:{consultation_id}:{address_key(address)}"


def opening_plan(
    *, consultation: Consultation, now: datetime.datetime, dry_run: bool = False, published_now: bool = False
) -> OpeningPlan:
    """Queue the opening email to everyone in its audience not yet sent one (nothing unless it is open at `now`).
    `published_now`: it became open this moment although `opens_at` may be long past, so followers hear too."""
    plan = OpeningPlan(consultation, followers_too=published_now or now - consultation.opens_at <= OPENED_WITHIN)
    if not (consultation.is_published and consultation.opens_at <= now <= consultation.closes_at):
        return plan
    people = audience_people(consultation) if plan.followers_too else (invitees(consultation),)
    result = emails_plan(
        kind=KIND,
        people=people,
        about=consultation,
        key_prefix=f"{KIND}:{consultation.pk}:",
        not_before=now,
        dry_run=dry_run,
    )
    plan.planned, plan.already_planned = result.planned, result.already_planned
    return plan


def openings_plan(*, now: datetime.datetime, dry_run: bool = False) -> list[OpeningPlan]:
    """Beat: opening emails for every open consultation (new invitees of one opened long ago included)."""
    return [
        opening_plan(consultation=consultation, now=now, dry_run=dry_run)
        for consultation in Consultation.objects.open(now=now).order_by("opens_at", "pk")
    ]


def opening_context(email: Email, *, now: datetime.datetime) -> dict[str, Any] | Skip:
    """At send time: skip if it closed, was unpublished, or the address has left its audience since planning."""
    consultation = None
    if email.about_id is not None and email.about_type_id == ContentType.objects.get_for_model(Consultation).pk:
        consultation = Consultation.objects.published().select_related("owner_area").filter(pk=email.about_id).first()
    if consultation is None:
        return Skip(GONE)
    if now > consultation.closes_at:
        return Skip(CLOSED)
    address = email.to.lower()
    if not audience(consultation, address=address).exists():
        return Skip(NOT_INVITED)
    invited = invitees(consultation).filter(email=address).first()
    return {
        "consultation": consultation,
        "invitee": invited,
        "closing_words": deadlines.describe_closing(consultation.closes_at),  # "closes at 11:59pm on 4 January 2021"
        "consultation_url": site_url(f"/consultations/{consultation.slug}/"),
        "respond_url": site_url(f"/consultations/{consultation.slug}/respond/"),
    }
