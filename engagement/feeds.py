"""An Atom feed of published consultations, newest first by opening date."""

import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from . import deadlines
from .models import Consultation

FEED_SIZE = 50


class ConsultationFeed(Feed):
    feed_type = Atom1Feed
    title = "Consultations"
    subtitle = "Consultations by the integrated care systems: what is open, forthcoming and closed."

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> datetime.datetime:
        # The feed's "object" is the one timestamp used for every item's status in this request.
        return timezone.now()

    def link(self) -> str:
        return reverse("engagement:consultation_list")

    def items(self, now: datetime.datetime) -> list[tuple[Consultation, datetime.datetime]]:
        consultations = (
            Consultation.objects.published()
            .select_related("owner_area", "owner_area__level", "system")
            .order_by("-opens_at", "pk")[:FEED_SIZE]
        )
        return [(c, now) for c in consultations]

    def item_title(self, item: tuple[Consultation, datetime.datetime]) -> str:
        return item[0].title

    def item_description(self, item: tuple[Consultation, datetime.datetime]) -> str:
        consultation, now = item
        return f"{status_sentence(consultation, now=now)}. {consultation.summary}"

    def item_link(self, item: tuple[Consultation, datetime.datetime]) -> str:
        return reverse("engagement:consultation_detail", args=[item[0].slug])

    def item_guid(self, item: tuple[Consultation, datetime.datetime]) -> str:
        return f"consultation-{item[0].pk}"

    def item_pubdate(self, item: tuple[Consultation, datetime.datetime]) -> datetime.datetime:
        return item[0].opens_at

    def item_updateddate(self, item: tuple[Consultation, datetime.datetime]) -> datetime.datetime:
        return item[0].updated_at

    def item_categories(self, item: tuple[Consultation, datetime.datetime]) -> list[str]:
        consultation, now = item
        return [consultation.get_status_display_at(now=now), consultation.owner_area.name]


def status_sentence(consultation: Consultation, *, now: datetime.datetime) -> str:
    """'Open: closes at 11:59pm on 4 January 2021' and the like."""
    status = consultation.status_at(now=now)
    if status == Consultation.Status.OPEN:
        return f"Open: {deadlines.describe_closing(consultation.closes_at)}"
    if status == Consultation.Status.FORTHCOMING:
        return f"Forthcoming: {deadlines.describe_opening(consultation.opens_at)}"
    if status == Consultation.Status.OUTCOME_PUBLISHED:
        return f"Outcome published: {deadlines.describe_closed(consultation.closes_at)}"
    return f"Closed: {deadlines.describe_closed(consultation.closes_at)}"
