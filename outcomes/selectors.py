"""Reads for outcomes: the public outcome of a consultation and the themes heard."""

from typing import Any

from engagement.models import Consultation
from functions.models import Function
from reporting.selectors import ThemeCount, theme_counts

from .models import Outcome


def outcome_themes(*, consultation: Consultation) -> list[ThemeCount]:
    """What we heard: the consultation's codebook themes with how many answers carry each (the PMO's tagging in
    reporting), most first; themes no answer carries are left out."""
    return [theme for theme in theme_counts(consultation=consultation) if theme.count]


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
