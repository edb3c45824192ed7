"""Reads for the staff outbox page."""

from dataclasses import dataclass

from django.db.models import Count

from .models import Email


@dataclass(frozen=True)
class KindCounts:
    kind: str
    by_status: list[int]  # in Email.Status order
    total: int


def outbox_counts() -> list[KindCounts]:
    """How many rows of each kind are in each status: one grouped query."""
    statuses = list(Email.Status.values)
    found: dict[str, dict[str, int]] = {}
    for row in Email.objects.order_by().values("kind", "status").annotate(n=Count("id")):
        found.setdefault(row["kind"], {})[row["status"]] = row["n"]
    return [
        KindCounts(kind, [counts.get(s, 0) for s in statuses], sum(counts.values()))
        for kind, counts in sorted(found.items())
    ]


def emails_failed(*, limit: int = 100) -> list[Email]:
    """The most recent failed emails, newest first, with their error."""
    return list(Email.objects.filter(status=Email.Status.FAILED).order_by("-created_at", "-pk")[:limit])


def emails_failed_count() -> int:
    return Email.objects.filter(status=Email.Status.FAILED).count()
