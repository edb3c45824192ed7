"""A consultation's published outcome ("you said, we did").

One per consultation. A draft is invisible to the public; publishing records when and by whom and sets
`Consultation.outcome_published_at`, which engagement reads for the consultation's status (list, tag, feed).
A published outcome may be edited, so its history is kept.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from engagement.models import Consultation
from functions.models import Function

TEXT_MAX = 20_000
POINT_MAX = 500
POINTS_MAX = 20


class Outcome(models.Model):
    consultation = models.OneToOneField(Consultation, on_delete=models.CASCADE, related_name="published_outcome")
    what_we_heard = models.TextField(
        max_length=TEXT_MAX, blank=True, help_text="In the owner's words, beside the themes."
    )
    points = models.JSONField(default=list, blank=True, help_text="Headline points, in order: a list of strings.")
    decision = models.TextField(max_length=TEXT_MAX, blank=True, help_text="What was decided.")
    decided_function = models.ForeignKey(
        Function,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The matrix function the decision falls under; its owning level decided.",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            # A draft may be half written; what residents see says both what was heard and what was decided.
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | ~Q(decision=""), name="outcome_published_has_decision"
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | ~Q(what_we_heard=""), name="outcome_published_has_heard"
            ),
            # Who published is kept even if their account goes, so only the time is required.
            models.CheckConstraint(
                condition=Q(published_by__isnull=True) | Q(published_at__isnull=False), name="outcome_published_by_at"
            ),
        ]

    def __str__(self) -> str:
        return f"Outcome of {self.consultation}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
