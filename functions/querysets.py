"""The matrix's vocabulary for reads: `Function.objects.current().related_to_level(level).search("discharge")`."""

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

from ics_portal.textsearch import text_search

if TYPE_CHECKING:
    from .models import Function  # noqa: F401 (named in the generic below)


class FunctionQuerySet(models.QuerySet["Function"]):
    def current(self) -> "FunctionQuerySet":
        """Functions still in the matrix (draft or agreed)."""
        return self.exclude(status="retired")

    def for_system(self, system: Any) -> "FunctionQuerySet":
        return self.filter(system=system)

    def related_to_level(self, level: Any, relationship: str = "") -> "FunctionQuerySet":
        """Functions the level owns, is linked to as "influenced by" or "supports", or any of these."""
        owns = Q(owner=level)
        influenced = Q(links__kind="influenced_by", links__level=level)
        supports = Q(links__kind="supports", links__level=level)
        chosen = {"owns": owns, "influenced_by": influenced, "supports": supports}.get(
            relationship, owns | influenced | supports
        )
        return self.filter(pk__in=self.model._default_manager.filter(chosen).values("pk"))

    def with_relationship(self, relationship: str) -> "FunctionQuerySet":
        """Functions with at least one "influenced by" or "supports" link (any level or body)."""
        if relationship in ("influenced_by", "supports"):
            return self.filter(pk__in=self.model._default_manager.filter(links__kind=relationship).values("pk"))
        return self

    def linked_to_body(self, body: Any, relationship: str = "") -> "FunctionQuerySet":
        """Functions linked to the body; with a relationship, by a link of that kind to it (one link, both
        conditions: not any link of the kind beside any link to the body)."""
        link = Q(links__body=body)
        if relationship in ("influenced_by", "supports"):
            link &= Q(links__kind=relationship)
        return self.filter(pk__in=self.model._default_manager.filter(link).values("pk"))

    def search(self, text: str) -> "FunctionQuerySet":
        """Full-text search of title and description (ics_portal.textsearch: stemmed on PostgreSQL)."""
        return text_search(self, text, fields=[("title", "A"), ("description", "B")])
