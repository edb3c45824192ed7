"""Reads for the staff outbox page, the follow box and the unsubscribe page."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count

from . import kinds, targets
from .forms import FollowByEmailForm
from .models import Email, Follow, Suppression


@dataclass(frozen=True)
class KindCounts:
    kind: str
    by_status: list[int]  # in Email.Status order
    total: int

    @property
    def title(self) -> str:
        return kinds.title_of(self.kind)


def unsubscribed_at(address: str) -> datetime.datetime | None:
    """When the address unsubscribed, if it has not opted in again since (a confirmed follow lifts it)."""
    found = Suppression.objects.filter(address=address.lower(), cause=Suppression.Cause.UNSUBSCRIBED).first()
    return found.created_at if found else None


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


def follow_panel(*, user: Any, target: Any) -> dict[str, Any]:
    """What the follow box on a consultation's or an area's page shows: for an account, whether it follows."""
    signed_in = bool(getattr(user, "is_authenticated", False))
    following = (
        signed_in
        and Follow.objects.filter(
            user=user, target_type=ContentType.objects.get_for_model(target), target_id=target.pk
        ).exists()
    )
    spec = targets.for_model(type(target))
    return {
        "key": targets.key(target),
        "noun": spec.noun,
        "promise": spec.promise(target),
        "signed_in": signed_in,
        "following": following,
        "form": None if signed_in else FollowByEmailForm(auto_id="follow-%s"),
    }
