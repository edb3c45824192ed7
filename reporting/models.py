"""The record of every export of responses: who, when, which consultation, what format and filters, how many rows,
whether personal data was included and why. Kept when the consultation or the user is deleted (their names are
copied), because an audit log that loses rows is no log."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords


class ExportLog(models.Model):
    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        DOCX = "docx", "DOCX summary pack"

    class Source(models.TextChoices):
        WEB = "web", "From the export page"
        COMMAND = "command", "From the command line"

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


class ExportDownload(models.Model):
    """Each download of a background export's file, by whoever fetched it (the owner or their system's PMO): the
    job's own log entry records who asked for the export, this who took a copy of it."""

    log = models.ForeignKey(ExportLog, on_delete=models.PROTECT, related_name="downloads")
    downloaded_at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user_email = models.EmailField(help_text="Kept if the account is deleted.")

    class Meta:
        ordering = ("downloaded_at", "pk")

    def __str__(self) -> str:
        return f"Download of export {self.log_id} by {self.user_email} at {self.downloaded_at:%Y-%m-%d %H:%M}"


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


# --- Themes in free text: the codebook, tags, and the model's suggestions (services_themes.py) ---
class Theme(models.Model):
    """One entry of a consultation's codebook. A theme may belong to one question, or (question empty) to any of
    the consultation's free-text questions."""

    consultation = models.ForeignKey("engagement.Consultation", on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(
        "engagement.Question", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("name", "pk")
        constraints = [
            models.UniqueConstraint("consultation", Lower("name"), name="theme_name_unique_in_consultation"),
            models.CheckConstraint(condition=~Q(name=""), name="theme_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class ThemeTag(models.Model):
    """An answer filed under a theme, by whom and when. Untagging deletes the row; its history (who removed it,
    when) is kept by django-simple-history."""

    class Source(models.TextChoices):
        ONE = "one", "Tagged one by one"
        SEARCH = "search", "Tagged from a search"
        SUGGESTION = "suggestion", "Accepted from a suggestion"
        SIMILAR = "similar", "Tagged from answers like one"

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="tags")
    answer = models.ForeignKey("engagement.Answer", on_delete=models.CASCADE, related_name="+")
    tagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tagged_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ONE)
    history = HistoricalRecords()

    class Meta:
        ordering = ("tagged_at", "pk")
        constraints = [models.UniqueConstraint(fields=["theme", "answer"], name="themetag_once_per_answer")]

    def __str__(self) -> str:
        return f"{self.theme} on answer {self.answer_id}"


class SuggestionJob(models.Model):
    """A worker reads a question's typed answers, embeds them with the local model and clusters them into `k`
    suggestions (and, once the codebook has tagged answers, suggests a theme for each untagged one). Nothing is
    tagged until a person accepts."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Reading the answers"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    consultation = models.ForeignKey("engagement.Consultation", on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey("engagement.Question", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    k = models.PositiveSmallIntegerField(help_text="How many suggestions to make.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(default=0, help_text="Answers read so far.")
    progress_total = models.PositiveIntegerField(default=0)
    model = models.CharField(max_length=200, blank=True, help_text="The model's name and version.")
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        constraints = [
            models.CheckConstraint(condition=Q(k__gte=2) & Q(k__lte=30), name="suggestionjob_k_2_to_30"),
            models.CheckConstraint(condition=Q(status="failed") | Q(error=""), name="suggestionjob_error_failed"),
        ]

    def __str__(self) -> str:
        return f"Theme suggestions {self.pk} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.progress_done / self.progress_total))


class Suggestion(models.Model):
    """A cluster of answers the model thinks share a theme, named by its top terms until a person names it."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a decision"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        MERGED = "merged", "Merged into another"
        SPLIT = "split", "Split in two"

    job = models.ForeignKey(SuggestionJob, on_delete=models.CASCADE, related_name="suggestions")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100, help_text="The suggested name: its top terms.")
    top_terms = models.JSONField(default=list)
    count = models.PositiveIntegerField(default=0)
    model = models.CharField(max_length=200, help_text="The model's name and version.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    theme = models.ForeignKey(Theme, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("job", "number")
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="suggestion_number_unique")]

    def __str__(self) -> str:
        return f"Suggestion {self.number}: {self.name}"


class SuggestionAnswer(models.Model):
    """An answer in a suggestion, with its distance from the suggestion's centre (the nearest represent it)."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="members")
    answer = models.ForeignKey("engagement.Answer", on_delete=models.CASCADE, related_name="+")
    distance = models.FloatField()

    class Meta:
        ordering = ("distance", "pk")
        constraints = [models.UniqueConstraint(fields=["suggestion", "answer"], name="suggestionanswer_once")]

    def __str__(self) -> str:
        return f"Answer {self.answer_id} in suggestion {self.suggestion_id}"


class AnswerEmbedding(models.Model):
    """An answer's vector (float32 bytes), kept so splitting a suggestion and "answers like this one" need no
    model run. Remade when the model or the text changes."""

    answer = models.OneToOneField("engagement.Answer", on_delete=models.CASCADE, related_name="+")
    model = models.CharField(max_length=200)
    text_sha256 = models.CharField(max_length=64)
    vector = models.BinaryField()

    def __str__(self) -> str:
        return f"Vector of answer {self.answer_id}"


class ThemeSuggestion(models.Model):
    """The model's guess of a codebook theme for an untagged answer, with its confidence (0-1)."""

    job = models.ForeignKey(SuggestionJob, on_delete=models.CASCADE, related_name="theme_suggestions")
    answer = models.ForeignKey("engagement.Answer", on_delete=models.CASCADE, related_name="+")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="+")
    confidence = models.FloatField()
    model = models.CharField(max_length=200)

    class Meta:
        ordering = ("-confidence", "pk")
        constraints = [
            models.UniqueConstraint(fields=["job", "answer"], name="themesuggestion_once_per_answer"),
            models.CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=1), name="themesuggestion_confidence_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.theme_id} for answer {self.answer_id} ({self.confidence:.0%})"
