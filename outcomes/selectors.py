"""Reads for outcomes: the public outcome of a consultation and the themes heard."""

from dataclasses import dataclass
from typing import Any

from engagement.models import Consultation
from functions.models import Function

from .models import Outcome


@dataclass(frozen=True)
class ThemeCount:
    name: str
    description: str
    count: int


def outcome_themes(*, consultation: Consultation) -> list[ThemeCount]:
    """JOIN POINT for the codebook: after merging, return `reporting.selectors.theme_counts(consultation=...)`
    here (name, description, count). Until then there are no themes, and the pages render nothing for them."""
    return []


def outcome_published_for(*, consultation: Consultation) -> Outcome | None:
    """The published outcome, or None (a draft is never shown to the public)."""
    return (
        Outcome.objects.select_related("decided_function__owner")
        .filter(consultation=consultation, published_at__isnull=False)
        .first()
    )


def outcome_for_editing(*, consultation: Consultation) -> Outcome | None:
    return Outcome.objects.filter(consultation=consultation).first()


def decision_functions(*, consultation: Consultation) -> list[Function]:
    """The functions a decision may name: its system's matrix, in the matrix's order."""
    return list(Function.objects.filter(system_id=consultation.system_id).select_related("owner"))


def outcome_panel(*, consultation: Consultation) -> dict[str, Any]:
    """What the consultation page and the feed show: the published outcome and its themes, or nothing."""
    outcome = outcome_published_for(consultation=consultation)
    if outcome is None:
        return {"outcome": None}
    function = outcome.decided_function
    level = function.owner if function else consultation.owner_area.level
    return {
        "outcome": outcome,
        "themes": outcome_themes(consultation=consultation),
        "function": function,
        "level": level,
    }
