"""Reads for consultation pages: one query per page where possible, `now` passed in."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from ..models import Consultation, Document, Question, Section
from ..querysets import ConsultationQuerySet


def consultation_public_qs() -> ConsultationQuerySet:
    return Consultation.objects.published().select_related(
        "system", "owner_area", "owner_area__level", "lead_organisation"
    )


def consultation_get_public(*, slug: str) -> Consultation:
    """A published consultation with what its page shows (404 for drafts and unknown slugs)."""
    return get_object_or_404(
        consultation_public_qs().prefetch_related(
            Prefetch("documents", queryset=Document.objects.order_by("order", "title")),
            "target_areas",
        ),
        slug=slug,
    )


def consultation_get_for_preview(*, slug: str) -> Consultation:
    """Any consultation (drafts too) with sections and questions, for the manager's preview."""
    return get_object_or_404(
        Consultation.objects.select_related(
            "system", "owner_area", "owner_area__level", "lead_organisation"
        ).prefetch_related(
            Prefetch("documents", queryset=Document.objects.order_by("order", "title")),
            Prefetch("sections", queryset=Section.objects.order_by("order")),
            Prefetch("questions", queryset=Question.objects.order_by("order").select_related("show_if_question")),
        ),
        slug=slug,
    )
