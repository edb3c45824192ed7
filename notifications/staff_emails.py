"""Emails to the people accountable for a consultation: "it has closed" and "the onward deadline is near".

Who ("the owners"): the account that created it, the consultation managers of its owning area and of the areas
above it (`Area.objects.ancestors_of`, the one tree walk), and the PMO of its system (`accounts.PmoScope` for that
system or for every system). Superusers are not written to: they see everything, and would get every email.

- `consultation_closed`: once a consultation stops taking responses (its closing time, plus its late period if it
  has one, so the late count is final), planned by beat's 15-minute pass (`closing_plan`), or at once in the
  transaction of "Close now" (`closing_queue`). Rendered when sent, with the counts at that moment.
- `onward_deadline`: before `Consultation.onward_deadline` (the date the system must answer someone else, e.g.
  NHS England), at 9am London time 2 days before and on the morning of the day (ONWARD_OFFSETS), planned by the
  same pass (`onward_plan`). If planning starts late only the nearest due one is planned; none once the day ended.

Neither kind is optional (no unsubscribe): they are part of the job of whoever is responsible for the
consultation, not something they chose to follow; to stop them, change who manages it. One row per recipient and
consultation (and offset), by the dedup key, so two passes or two beats never make two.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Count, F, Q
from django.db.models.functions import Lower
from django.urls import reverse

from accounts import roles
from accounts.models import PmoScope, User
from engagement import deadlines
from engagement.models import Consultation, ManagerScope, Response
from governance.models import Area

from .email_parts import consultations_about, dedup_key, key_prefix
from .kinds import Skip
from .models import Email
from .services import email_queue, emails_plan, site_url

CLOSED_KIND = "consultation_closed"
ONWARD_KIND = "onward_deadline"
# Only consultations that stopped taking responses this recently are written about: switching this on, or beat
# returning after a long stop, must not email about every consultation that closed years ago.
CLOSED_WINDOW = datetime.timedelta(days=7)
ONWARD_OFFSETS = (2, 0)  # days before the onward deadline, at 9am London (deadlines.morning_before)
GONE = "the consultation was deleted or unpublished"
REOPENED = "the consultation is taking responses again"
ONWARD_CHANGED = "the onward deadline was changed or removed"
ONWARD_PASSED = "the onward deadline has passed"


@dataclass
class StaffPlan:
    """What one pass did for one consultation's email, for `send_due_notifications` to print."""

    kind: str
    consultation: Consultation
    due_at: datetime.datetime
    offset_days: int | None = None
    planned: int = 0
    already_planned: int = 0


def owners(consultation: Consultation) -> "models.QuerySet[Any]":
    """The owners' accounts, annotated with `address` (lower case): creator, managers of the area and above, its
    PMO."""
    areas = Area.objects.ancestors_of([consultation.owner_area_id], include_self=True).values("pk")
    managers = ManagerScope.objects.filter(
        area__in=areas, user__groups__name=roles.CONSULTATION_MANAGER, user__is_active=True
    ).values("user")
    pmo = PmoScope.objects.filter(
        Q(system=consultation.system_id) | Q(system__isnull=True), user__groups__name=roles.PMO, user__is_active=True
    ).values("user")
    who = Q(pk__in=managers) | Q(pk__in=pmo)
    if consultation.created_by_id is not None:
        who |= Q(pk=consultation.created_by_id, is_active=True)
    return User.objects.filter(who).annotate(address=Lower("email"))


def owner_addresses(consultation: Consultation) -> list[str]:
    """The owners' addresses (lower case, sorted, each once)."""
    return sorted(owners(consultation).values_list("address", flat=True).distinct())


def _plan_rows(plan: StaffPlan, *, now: datetime.datetime, dry_run: bool, counts: bool, data: dict[str, Any]) -> None:
    """One row per owner not yet planned (the outbox's planner; a second beat at the same moment adds nothing)."""
    consultation = plan.consultation
    result = emails_plan(
        kind=plan.kind,
        people=[owners(consultation)],
        about=consultation,
        key_prefix=key_prefix(plan.kind, consultation.pk, plan.offset_days),
        not_before=now,
        data=data,
        dry_run=dry_run,
        counts=counts,
    )
    plan.planned, plan.already_planned = result.planned, result.already_planned


def closing_plan(*, now: datetime.datetime, dry_run: bool = False, counts: bool = True) -> list[StaffPlan]:
    """Queue `consultation_closed` for every consultation that stopped taking responses within CLOSED_WINDOW."""
    plans = []
    since = now - CLOSED_WINDOW
    candidates = (
        Consultation.objects.published()
        .filter(closes_at__lte=now)
        .filter(Q(closes_at__gte=since) | Q(late_grace__isnull=False, closes_at__gte=since - F("late_grace")))
    )
    for consultation in candidates.order_by("closes_at", "pk"):
        due = consultation.responses_stop_at
        if not (now - CLOSED_WINDOW <= due <= now) or now < consultation.opens_at:
            continue
        plan = StaffPlan(CLOSED_KIND, consultation, due)
        _plan_rows(plan, now=now, dry_run=dry_run, counts=counts, data={})
        plans.append(plan)
    return plans


def closing_queue(*, consultation: Consultation) -> list[Email]:
    """In the transaction that closes it ("Close now", or a closing date moved into the past): one row per owner,
    the same keys as the planner's, so its next pass adds nothing."""
    return [
        email_queue(
            kind=CLOSED_KIND,
            to=address,
            about=consultation,
            dedup_key=dedup_key(CLOSED_KIND, consultation.pk, address),
            data={},
        )
        for address in owner_addresses(consultation)
    ]


def onward_due_at(day: datetime.date, offset_days: int) -> datetime.datetime:
    return deadlines.morning_before(day, offset_days)


def onward_plan(*, now: datetime.datetime, dry_run: bool = False, counts: bool = True) -> list[StaffPlan]:
    """Queue `onward_deadline` reminders now due: the nearest due offset of each published consultation whose
    onward deadline day has not ended."""
    plans = []
    today = deadlines.london_date(now)
    upcoming = Consultation.objects.published().filter(
        onward_deadline__gte=today, onward_deadline__lte=today + datetime.timedelta(days=max(ONWARD_OFFSETS))
    )
    for consultation in upcoming.order_by("onward_deadline", "pk"):
        day = consultation.onward_deadline
        assert day is not None
        due = [(d, onward_due_at(day, d)) for d in sorted(ONWARD_OFFSETS) if onward_due_at(day, d) <= now]
        if not due:
            continue
        offset, due_at = due[0]  # the nearest the deadline (smallest offset) that is due
        plan = StaffPlan(ONWARD_KIND, consultation, due_at, offset_days=offset)
        _plan_rows(
            plan,
            now=now,
            dry_run=dry_run,
            counts=counts,
            data={"onward_deadline": day.isoformat(), "offset_days": offset},
        )
        plans.append(plan)
    return plans


def _consultation(email: Email) -> Consultation | None:
    published = Consultation.objects.published().select_related("owner_area", "system")
    return consultations_about([email], among=published).get(email.pk)


def _summary_url(consultation: Consultation) -> str:
    return site_url(reverse("reporting:summary", args=[consultation.slug]))


def closed_context(email: Email, *, now: datetime.datetime) -> dict[str, Any] | Skip:
    """At send time: the counts as they are then (counted responses: held suspected ones are not counted)."""
    consultation = _consultation(email)
    if consultation is None:
        return Skip(GONE)
    if consultation.accepts_responses_at(now=now):
        return Skip(REOPENED)
    counts = (
        Response.objects.filter(consultation=consultation)
        .counted()
        .aggregate(
            total=Count("pk"),
            late=Count("pk", filter=Q(is_late=True)),
            organisations=Count("pk", filter=Q(respondent_type=Response.RespondentType.ORGANISATION)),
        )
    )
    onward = consultation.onward_deadline
    return {
        "consultation": consultation,
        "closed_words": deadlines.describe_closed(consultation.closes_at),
        **counts,
        "summary_url": _summary_url(consultation),
        # What the owner works towards next, while it is still ahead.
        "onward_words": deadlines.format_date(onward) if onward and onward >= deadlines.london_date(now) else "",
    }


def onward_context(email: Email, *, now: datetime.datetime) -> dict[str, Any] | Skip:
    consultation = _consultation(email)
    if consultation is None:
        return Skip(GONE)
    day = consultation.onward_deadline
    if day is None or day.isoformat() != (email.data or {}).get("onward_deadline"):
        return Skip(ONWARD_CHANGED)
    days_left = (day - deadlines.london_date(now)).days
    if days_left < 0:
        return Skip(ONWARD_PASSED)
    counted = Response.objects.filter(consultation=consultation).counted()
    return {
        "consultation": consultation,
        "deadline_words": deadlines.format_date(day),
        "onward_text": consultation.onward_deadline_text,
        "days_left": days_left,
        "total": counted.count(),
        "summary_url": _summary_url(consultation),
    }
