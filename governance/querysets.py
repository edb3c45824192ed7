"""The domain's words for reading the structure: `Area.objects.search(q)`, and the only walks of the area tree,
`Area.objects.ancestors_of(ids)` and `Area.objects.descendants_of(ids)`."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import Max, Min, Q

AreaIds = Iterable[int]


def _up(steps: int) -> str:
    """`parent__parent...` with `steps` parents: the lookup from an area to its ancestor that many levels up."""
    return "__".join(["parent"] * steps)


class AreaQuerySet(models.QuerySet):
    # The two walks of the tree. A parent is always exactly one rank up (the tree triggers in db_triggers.py enforce
    # it), so the ranks bound the number of steps, and each walk is one query with one join or subquery per level:
    # two queries whatever the depth (one reads the ranks unless `steps` is given), never one per level.

    def ancestors_of(self, area_ids: AreaIds, *, include_self: bool = False, steps: int | None = None) -> AreaQuerySet:
        """The areas above the given ones: parents, grandparents ... up to the top of each system."""
        ids = set(area_ids)
        if steps is None:
            steps = self._steps(ids, up=True)
        given = self.model._default_manager.filter(pk__in=ids)
        match = Q(pk__in=ids) if include_self else Q(pk__in=[])
        for n in range(1, steps + 1):
            match |= Q(pk__in=given.values(_up(n)))
        return self.filter(match)

    def descendants_of(
        self, area_ids: AreaIds, *, include_self: bool = False, steps: int | None = None
    ) -> AreaQuerySet:
        """The areas below the given ones: children, grandchildren ... down to the most local level."""
        ids = set(area_ids)
        if steps is None:
            steps = self._steps(ids, up=False)
        match = Q(pk__in=ids) if include_self else Q(pk__in=[])
        for n in range(1, steps + 1):
            match |= Q(**{f"{_up(n)}__in": ids})
        return self.filter(match)

    def _steps(self, ids: set[int], *, up: bool) -> int:
        """How many levels can lie above (or below) the given areas, from their ranks: one query."""
        if not ids:
            return 0
        ranks = self.model._default_manager.filter(pk__in=ids).aggregate(
            low=Min("level__rank"), high=Max("level__rank"), top=Max("system__levels__rank")
        )
        if ranks["low"] is None:
            return 0
        # Ranks start at 1 (a check constraint), so an area at rank r has at most r - 1 levels below it.
        return int(ranks["top"] - ranks["low"]) if up else int(ranks["high"] - 1)

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
    def search(self, query: str) -> OrganisationQuerySet:
        query = query.strip()
        if not query:
            return self.none()
        by_name = Q()
        for word in query.split():
            by_name &= Q(name__icontains=word)
        return self.filter(by_name | Q(ods_code__iexact=query) | Q(ods_code__istartswith=query))
