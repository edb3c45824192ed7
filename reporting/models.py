"""The record of every export of responses: who, when, which consultation, what format and filters, how many rows,
whether personal data was included and why. Kept when the consultation or the user is deleted (their names are
copied), because an audit log that loses rows is no log."""

import datetime

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


class ExportJob(models.Model):
    """A large export made by a worker (services.export_job_run) and kept for a while in private storage
    (settings.REPORTING_EXPORT_ROOT, never under MEDIA_ROOT), so the person who asked can download it from the job's
    page. Its ExportLog row is written when it is asked for, like an inline export's."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being made"
        DONE = "done", "Ready to download"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    consultation = models.ForeignKey("engagement.Consultation", on_delete=models.CASCADE, related_name="+")
    log = models.OneToOneField(ExportLog, on_delete=models.PROTECT, related_name="job")
    format = models.CharField(max_length=10, choices=ExportLog.Format.choices)
    filters = models.JSONField(default=dict, blank=True, help_text="The summary page's GET parameters.")
    personal_data = models.BooleanField(default=False)
    reason = models.TextField(blank=True, max_length=2000, help_text="Why personal data was needed.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(default=0, help_text="Responses written so far.")
    progress_total = models.PositiveIntegerField(help_text="Responses to write (the log's rows).")
    file_name = models.CharField(max_length=100, blank=True, help_text="Under REPORTING_EXPORT_ROOT.")
    created_at = models.DateTimeField(help_text="Also the export's time: responses sent up to it are exported.")
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True, help_text="Last progress, to notice a dead worker.")
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="What went wrong, in plain English.")

    class Meta:
        ordering = ("-created_at", "-pk")
        indexes = [models.Index(fields=["status", "created_at"], name="exportjob_status_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(personal_data=False) | ~Q(reason=""), name="exportjob_personal_data_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | (~Q(file_name="") & Q(expires_at__isnull=False)),
                name="exportjob_done_has_file",
            ),
            models.CheckConstraint(condition=Q(status="failed") | Q(error=""), name="exportjob_error_only_failed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_format_display()} export job {self.pk} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    def is_expired(self, *, now: datetime.datetime) -> bool:
        return self.status == self.Status.EXPIRED or (
            self.status == self.Status.DONE and self.expires_at is not None and self.expires_at <= now
        )
