"""The consultation vocabulary for reads: published(), open(now=), forthcoming(now=), closed(now=), for_listing(now=),
with_response_counts(); and the response vocabulary: sent(), counted(), in_progress(), suspected().

Every method takes `now` so one request uses one timestamp. A consultation whose outcome is published also counts
as closed here (it is closed for responses); its page shows the outcome. Every count of responses shown to anyone
starts from ResponseQuerySet.counted() (sent, not held as suspected automated) or in_progress() (drafts).
"""

import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from ics_portal.textsearch import text_search

if TYPE_CHECKING:
    from .models import Consultation, Response  # noqa: F401

OPEN_RANK = 0
FORTHCOMING_RANK = 1
CLOSED_RANK = 2


class ConsultationQuerySet(models.QuerySet["Consultation"]):
    def published(self) -> "ConsultationQuerySet":
        return self.filter(is_published=True)

    def search(self, text: str) -> "ConsultationQuerySet":
        """Full-text search of title and summary (ics_portal.textsearch, as the function matrix searches)."""
        return text_search(self, text, fields=[("title", "A"), ("summary", "B")])

    def drafts(self) -> "ConsultationQuerySet":
        return self.filter(is_published=False)

    def open(self, *, now: datetime.datetime) -> "ConsultationQuerySet":
        return self.published().filter(opens_at__lte=now, closes_at__gte=now)

    def forthcoming(self, *, now: datetime.datetime) -> "ConsultationQuerySet":
        return self.published().filter(opens_at__gt=now)

    def closed(self, *, now: datetime.datetime) -> "ConsultationQuerySet":
        return self.published().filter(closes_at__lt=now)

    def accepting_responses(self, *, now: datetime.datetime) -> "ConsultationQuerySet":
        """Open, or closed but still within the late grace period."""
        return (
            self.published()
            .filter(opens_at__lte=now)
            .filter(Q(closes_at__gte=now) | Q(late_grace__isnull=False, closes_at__gte=now - F("late_grace")))
        )

    def with_response_counts(self) -> "ConsultationQuerySet":
        """Annotate `sent_count` (counted responses), `late_count` (counted and late), `draft_count` (drafts in
        progress) and `suspected_count` (sent but held as suspected automated). Subqueries, so other joins (questions) do not multiply them."""
        from .models import Response

        def per_consultation(responses: "ResponseQuerySet") -> Coalesce:
            counts = responses.filter(consultation=OuterRef("pk")).order_by().values("consultation")
            return Coalesce(Subquery(counts.annotate(n=Count("pk")).values("n")[:1]), 0, output_field=IntegerField())

        return self.annotate(
            sent_count=per_consultation(Response.objects.counted()),
            late_count=per_consultation(Response.objects.counted().filter(is_late=True)),
            draft_count=per_consultation(Response.objects.in_progress()),
            suspected_count=per_consultation(Response.objects.sent().suspected()),
        )

    def with_status_rank(self, *, now: datetime.datetime) -> "ConsultationQuerySet":
        return self.annotate(
            status_rank=Case(
                When(opens_at__gt=now, then=Value(FORTHCOMING_RANK)),
                When(closes_at__lt=now, then=Value(CLOSED_RANK)),
                default=Value(OPEN_RANK),
                output_field=IntegerField(),
            )
        )

    def for_listing(self, *, now: datetime.datetime) -> "ConsultationQuerySet":
        """Published ones: open first by closing date, then forthcoming by opening date, then closed most recent
        first."""
        return (
            self.published()
            .with_status_rank(now=now)
            .annotate(
                sort_open=Case(When(opens_at__lte=now, closes_at__gte=now, then=F("closes_at"))),
                sort_forthcoming=Case(When(opens_at__gt=now, then=F("opens_at"))),
                sort_closed=Case(When(closes_at__lt=now, then=F("closes_at"))),
            )
            .order_by(
                F("status_rank").asc(),
                F("sort_open").asc(nulls_last=True),
                F("sort_forthcoming").asc(nulls_last=True),
                F("sort_closed").desc(nulls_last=True),
                "pk",
            )
        )


class ResponseQuerySet(models.QuerySet["Response"]):
    # The states' values, spelled here because models.py imports this module (Response.State.SUBMITTED / DRAFT).
    SUBMITTED = "submitted"
    DRAFT = "draft"

    def sent(self) -> "ResponseQuerySet":
        return self.filter(state=self.SUBMITTED)

    def counted(self) -> "ResponseQuerySet":
        """Sent responses that count: not held as suspected automated. Every count and summary uses this."""
        return self.sent().filter(suspected_automated=False)

    def in_progress(self) -> "ResponseQuerySet":
        """Drafts: started, not sent (suspected ones apart, like counted())."""
        return self.filter(state=self.DRAFT, suspected_automated=False)

    def suspected(self) -> "ResponseQuerySet":
        """Held as suspected automated (the honeypot was filled), waiting for a manager to release them."""
        return self.filter(suspected_automated=True)
