"""An Atom feed of published consultations, newest first by opening date.

Entry ids are `tag:` URIs (RFC 4151) from the host, the consultation's creation date and its primary key, so they
stay the same when its title or slug changes. No date in the feed lies in the future: an entry is updated when it
was last edited or when its status last changed (it opened, closed or its outcome was published), whichever is
later, and a forthcoming consultation is published (announced) before it opens.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from . import deadlines
from .models import Consultation

FEED_SIZE = 50


@dataclass(frozen=True)
class FeedRequest:
    """The feed's "object": one timestamp for every item's status in this request, and the host for tag: ids."""

    now: datetime.datetime
    host: str
    # The entries, and their outcome panels as the `outcome_panel` template global reads them for all the entries
    # at its first call: a fixed number of queries for the feed, not two for each entry with an outcome.
    consultations: list[Consultation] = field(default_factory=list, compare=False)
    panels: dict[int, Any] = field(default_factory=dict, compare=False)


Item = tuple[Consultation, FeedRequest]


class ConsultationFeed(Feed):
    feed_type = Atom1Feed
    title = "Consultations"
    subtitle = "Consultations by the integrated care systems: what is open, forthcoming and closed."
    # A template, so a published outcome ("you said, we did", the outcomes app) joins the entry without
    # engagement importing that app: the template asks the `outcome_panel` global.
    description_template = "engagement/feed_item.txt"

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FeedRequest:
        return FeedRequest(now=timezone.now(), host=request.get_host().rsplit(":", 1)[0].lower())

    def link(self) -> str:
        return reverse("engagement:consultation_list")

    def author_name(self) -> str:
        return settings.SERVICE_NAME

    def items(self, feed: FeedRequest) -> list[Item]:
        consultations = (
            Consultation.objects.published()
            .select_related("owner_area", "owner_area__level", "system")
            .order_by("-opens_at", "pk")[:FEED_SIZE]
        )
        feed.consultations[:] = consultations
        return [(c, feed) for c in feed.consultations]

    def item_title(self, item: Item) -> str:
        return item[0].title

    def item_description(self, item: Item) -> str:
        consultation, feed = item
        return f"{status_sentence(consultation, now=feed.now)}. {consultation.summary}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        consultation, feed = kwargs["item"]
        return {
            "consultation": consultation,
            "feed": feed,
            "description": self.item_description(kwargs["item"]),
            "has_outcome": consultation.status_at(now=feed.now) == Consultation.Status.OUTCOME_PUBLISHED,
        }

    def item_link(self, item: Item) -> str:
        return reverse("engagement:consultation_detail", args=[item[0].slug])

    def item_guid(self, item: Item) -> str:
        consultation, feed = item
        created = consultation.created_at.astimezone(datetime.UTC).date()
        return f"tag:{feed.host},{created.isoformat()}:consultation/{consultation.pk}"

    def item_author_name(self, item: Item) -> str:
        # The area whose level decides: the consultation's owner.
        return item[0].owner_area.name

    def item_pubdate(self, item: Item) -> datetime.datetime:
        # Not opens_at, which is in the future for a forthcoming consultation; created_at is never.
        return min(item[0].opens_at, item[0].created_at)

    def item_updateddate(self, item: Item) -> datetime.datetime:
        consultation, feed = item
        changes = (consultation.opens_at, consultation.closes_at, consultation.outcome_published_at)
        return max([consultation.updated_at, *(t for t in changes if t is not None and t <= feed.now)])

    def item_categories(self, item: Item) -> list[str]:
        consultation, feed = item
        return [consultation.get_status_display_at(now=feed.now), consultation.owner_area.name]


def status_sentence(consultation: Consultation, *, now: datetime.datetime) -> str:
    """'Open: closes at 11:59pm on 4 January 2021' and the like. A closed one says 'Closed at ...', not
    'Closed: closed at ...'."""
    status = consultation.status_at(now=now)
    if status == Consultation.Status.OPEN:
        return f"Open: {deadlines.describe_closing(consultation.closes_at)}"
    if status == Consultation.Status.FORTHCOMING:
        return f"Forthcoming: {deadlines.describe_opening(consultation.opens_at)}"
    closed = deadlines.describe_closed(consultation.closes_at)
    if status == Consultation.Status.OUTCOME_PUBLISHED:
        return f"Outcome published. It {closed}"
    return closed[:1].upper() + closed[1:]
