"""The record of every export of responses: who, when, which consultation, what format and filters, how many rows,
whether personal data was included and why. Kept when the consultation or the user is deleted (their names are
copied), because an audit log that loses rows is no log."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ExportLog(models.Model):
    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        DOCX = "docx", "DOCX summary pack"

    class Source(models.TextChoices):
        WEB = "web", "Web page"
        COMMAND = "command", "manage.py export_responses"

    created_at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user_email = models.EmailField(blank=True, help_text="Kept if the account is deleted.")
    consultation = models.ForeignKey(
        "engagement.Consultation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    consultation_title = models.CharField(max_length=200)
    format = models.CharField(max_length=10, choices=Format.choices)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    filters = models.JSONField(default=dict, blank=True, help_text="The summary page's GET parameters.")
    filters_text = models.CharField(max_length=1000, blank=True, help_text="The filters in words.")
    rows = models.PositiveIntegerField(help_text="Responses exported.")
    personal_data = models.BooleanField(default=False)
    reason = models.TextField(blank=True, max_length=2000, help_text="Why personal data was needed.")

    class Meta:
        ordering = ("-created_at", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(personal_data=False) | ~Q(reason=""), name="exportlog_personal_data_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_format_display()} export of {self.consultation_title} at {self.created_at:%Y-%m-%d %H:%M}"
