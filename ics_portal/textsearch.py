"""One way to search text columns: PostgreSQL full-text search (stemmed English, web-search syntax, so
"coordinating" finds "coordination"), or a case-insensitive match of every word on SQLite, for the quick start.
Used by the function matrix (FunctionQuerySet.search) and consultations (ConsultationQuerySet.search)."""

from collections.abc import Sequence
from typing import Any, TypeVar

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import FloatField, Q, QuerySet, Value

Q_T = TypeVar("Q_T", bound=QuerySet[Any])


def full_text_search_available() -> bool:
    """PostgreSQL's stemmed search; elsewhere (SQLite for the quick start) plain substring matching."""
    return connection.vendor == "postgresql"


def text_search(queryset: Q_T, text: str, *, fields: Sequence[tuple[str, str]]) -> Q_T:
    """`fields` are (column, weight "A".."D"); the queryset gains `search_rank` to order by (an alias, not selected: higher is better; 0 on SQLite)."""
    text = text.strip()
    if not text:
        return queryset
    if full_text_search_available():
        vector: Any = None
        for column, weight in fields:
            part = SearchVector(column, weight=weight, config="english")
            vector = part if vector is None else vector + part
        query = SearchQuery(text, config="english", search_type="websearch")
        return queryset.alias(search=vector, search_rank=SearchRank(vector, query)).filter(search=query)
    condition = Q()
    for word in text.split():
        any_column = Q()
        for column, _ in fields:
            any_column |= Q(**{f"{column}__icontains": word})
        condition &= any_column
    return queryset.filter(condition).alias(search_rank=Value(0.0, output_field=FloatField()))
