"""The domain's words for reading the structure: `Area.objects.in_system(system).at_rank(1)`, `.search(q)`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from .models import Level, System


def ancestor_path(depth: int) -> list[str]:
    """select_related paths that fetch `depth` ancestors with their levels in the same query.

    An area has at most (number of levels - 1) ancestors, so the depth is bounded by the system's levels and
    one query reads the whole breadcrumb trail, however deep the system is.
    """
    paths = []
    for n in range(1, depth + 1):
        paths.append("__".join(["parent"] * n) + "__level")
    return paths


class AreaQuerySet(models.QuerySet):
    def in_system(self, system: System) -> AreaQuerySet:
        return self.filter(system=system)

    def at_level(self, level: Level) -> AreaQuerySet:
        return self.filter(level=level)

    def at_rank(self, rank: int) -> AreaQuerySet:
        return self.filter(level__rank=rank)

    def top(self) -> AreaQuerySet:
        return self.filter(parent__isnull=True)

    def placeholders(self) -> AreaQuerySet:
        return self.filter(is_placeholder=True)

    def with_ancestors(self, depth: int) -> AreaQuerySet:
        return self.select_related("system", "level", *ancestor_path(depth))

    def search(self, query: str) -> AreaQuerySet:
        """Areas whose name contains the words, or with a code equal to (or starting with) the query."""
        query = query.strip()
        if not query:
            return self.none()
        by_code = Q(codes__code__iexact=query) | Q(codes__code__istartswith=query)
        by_name = Q()
        for word in query.split():
            by_name &= Q(name__icontains=word)
        ids = self.filter(by_name | by_code).values("id")
        return self.filter(id__in=ids)


class OrganisationQuerySet(models.QuerySet):
    def of_kind(self, kind: str) -> OrganisationQuerySet:
        return self.filter(kind=kind)

    def search(self, query: str) -> OrganisationQuerySet:
        query = query.strip()
        if not query:
            return self.none()
        by_name = Q()
        for word in query.split():
            by_name &= Q(name__icontains=word)
        return self.filter(by_name | Q(ods_code__iexact=query) | Q(ods_code__istartswith=query))
