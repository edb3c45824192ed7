"""Reads for the managers' emails page: a consultation's reminders, closing and onward-deadline emails (outbox rows
about it), counted by kind, offset and status in one grouped query, and listed a page at a time in words."""

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.db.models.fields.json import KT

from notifications import kinds
from notifications.models import Email
from notifications.staff_emails import CLOSED_KIND, ONWARD_KIND

from ..models import Consultation

# The page's status columns, in the words a manager reads; "planned" is a row waiting for its moment.
STATUS_WORDS = {
    Email.Status.READY: "Planned",
    Email.Status.SENDING: "Being sent",
    Email.Status.SENT: "Sent",
    Email.Status.SUPPRESSED: "Not sent",
    Email.Status.FAILED: "Failed",
}
COLUMNS = list(STATUS_WORDS)


def email_label(kind: str, offset_days: int | str | None) -> str:
    """'Reminder 7 days before closing', 'Closing email', 'Onward deadline reminder on the day' ..."""
    days = int(offset_days) if offset_days not in (None, "") else None
    if kind == CLOSED_KIND:
        return "Closing email"
    if kind == ONWARD_KIND:
        return "Onward deadline reminder " + ("on the day" if days == 0 else f"{days} days before")
    if kind == "reminder" and days is not None:
        return f"Reminder {days} day{'' if days == 1 else 's'} before closing"
    return kinds.title_of(kind)


@dataclass(frozen=True)
class EmailCounts:
    label: str
    by_status: list[int]  # in COLUMNS order
    total: int


def consultation_emails(*, consultation: Consultation) -> "QuerySet[Email]":
    """Every outbox row about the consultation, newest first, with its offset (if any) as `offset_days`."""
    return (
        Email.objects.about(consultation)
        .annotate(offset_days=KT("data__offset_days"))
        .order_by("-created_at", "-pk")
        .only("kind", "to", "status", "not_before", "created_at", "sent_at", "last_error", "data")
    )


def consultation_email_counts(*, consultation: Consultation) -> list[EmailCounts]:
    """How many of each kind and offset are in each status: one query, whatever the number of rows."""
    found: dict[tuple[str, int], dict[str, int]] = {}
    rows = (
        Email.objects.about(consultation)
        .order_by()
        .annotate(offset_days=KT("data__offset_days"))
        .values("kind", "offset_days", "status")
        .annotate(n=Count("id"))
    )
    for row in rows:
        offset = int(row["offset_days"]) if row["offset_days"] not in (None, "") else -1
        found.setdefault((row["kind"], offset), {})[row["status"]] = row["n"]
    return [
        EmailCounts(email_label(kind, None if offset < 0 else offset), [c.get(s, 0) for s in COLUMNS], sum(c.values()))
        for (kind, offset), c in sorted(found.items(), key=lambda item: (item[0][0], -item[0][1]))
    ]


def masked_address(email: Email) -> str:
    """A follower's address shown as 'a••••@example.org': managers need to tell rows apart, not to read residents'
    addresses; staff emails (closing, onward) go to colleagues and are shown in full."""
    if email.kind in (CLOSED_KIND, ONWARD_KIND):
        return email.to
    return mask_address(email.to)


def mask_address(address: str) -> str:
    """'a••••@example.org': enough to tell addresses apart or spot a typo, not enough to read them."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}{'•' * 4}@{domain}"
