"""Reads for outcomes: the public outcome of a consultation and the themes heard."""

from typing import Any

from django.db.models import QuerySet

from engagement.models import Consultation
from functions.models import Function
from reporting.selectors import ThemeCount, theme_counts_of

from .models import Outcome


def outcome_themes(*, consultation: Consultation) -> list[ThemeCount]:
    """What we heard: the consultation's codebook themes with how many answers carry each (the PMO's tagging in
    reporting), most first; themes no answer carries are left out."""
    return _heard(theme_counts_of(consultations=[consultation]), consultation)


def _heard(counts: dict[int, list[ThemeCount]], consultation: Consultation) -> list[ThemeCount]:
    return [theme for theme in counts.get(consultation.pk, []) if theme.count]


def outcome_published_for(*, consultation: Consultation) -> Outcome | None:
    """The published outcome, or None (a draft is never shown to the public)."""
    return (
        Outcome.objects.select_related("decided_function__owner")
        .filter(consultation=consultation, published_at__isnull=False)
        .first()
    )


def outcome_for_editing(*, consultation: Consultation) -> Outcome | None:
    return Outcome.objects.filter(consultation=consultation).first()


def decision_functions(*, consultation: Consultation) -> "QuerySet[Function]":
    """The functions a decision may name: its system's matrix, in the matrix's order (the form's choices, read
    once when shown and once to check the one chosen)."""
    return Function.objects.filter(system_id=consultation.system_id).select_related("owner")


def outcome_panels(*, consultations: list[Consultation]) -> dict[int, dict[str, Any]]:
    """What a consultation's page and the feed show of each consultation, by pk: the published outcome and its
    themes, or nothing. Two queries whatever their number (the published outcomes, the themes of those with one),
    not two per consultation."""
    outcomes = {
        outcome.consultation_id: outcome
        for outcome in Outcome.objects.select_related("decided_function__owner").filter(
            consultation__in=consultations, published_at__isnull=False
        )
    }
    counts = theme_counts_of(consultations=[c for c in consultations if c.pk in outcomes]) if outcomes else {}
    panels: dict[int, dict[str, Any]] = {}
    for consultation in consultations:
        outcome = outcomes.get(consultation.pk)
        if outcome is None:
            panels[consultation.pk] = {"outcome": None}
            continue
        function = outcome.decided_function
        panels[consultation.pk] = {
            "outcome": outcome,
            "themes": _heard(counts, consultation),
            "function": function,
            "level": function.owner if function else consultation.owner_area.level,
        }
    return panels
