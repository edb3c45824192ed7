"""The home page's "Who decides...?" search: functions (with the level that owns them) and published
consultations, through each app's own `search` (ics_portal.textsearch). GET only: a search is a plain link."""

import datetime
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django import forms
from django.db.models import F

from engagement.models import Consultation
from functions.models import Function

from .forms import PlainErrorsMixin

MAX_RESULTS = 50  # per kind: a search that matches more is too broad to read; the page says so


class SiteSearchForm(PlainErrorsMixin, forms.Form):
    q = forms.CharField(
        label="Who decides…?",
        help_text="Search functions and consultations, for example discharge, estates or next steps.",
        max_length=100,
    )

    error_names: ClassVar[dict[str, str]] = {"q": "Search"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].error_messages["required"] = "Enter what you are looking for, for example discharge"


@dataclass
class SiteSearchResults:
    functions: list[Function] = field(default_factory=list)
    consultations: list[Consultation] = field(default_factory=list)
    more_functions: bool = False
    more_consultations: bool = False

    @property
    def total(self) -> int:
        return len(self.functions) + len(self.consultations)


def site_search(*, q: str, now: datetime.datetime) -> SiteSearchResults:
    """Best matches first. Two queries, whatever the number of matches."""
    functions = list(
        Function.objects.current()
        .search(q)
        .select_related("owner", "system")
        .order_by(F("search_rank").desc(), "system__name", "position", "pk")[: MAX_RESULTS + 1]
    )
    consultations = list(
        Consultation.objects.search(q)
        .for_listing(now=now)
        .select_related("owner_area", "owner_area__level")
        .order_by(F("search_rank").desc(), F("status_rank").asc(), "-closes_at", "pk")[: MAX_RESULTS + 1]
    )
    return SiteSearchResults(
        functions=functions[:MAX_RESULTS],
        consultations=consultations[:MAX_RESULTS],
        more_functions=len(functions) > MAX_RESULTS,
        more_consultations=len(consultations) > MAX_RESULTS,
    )
