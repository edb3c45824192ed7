"""Consultations, their questions, and residents' responses.

Times are stored in UTC and shown in Europe/London. A consultation's status follows from its dates and publish
flag (see querysets.py and Consultation.status_at(now=...)); it is never stored.
Equality monitoring is stored apart from responses, with no link back, so it can only be reported in aggregate.
"""

import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from governance.models import Area, Organisation, System

from .querysets import ConsultationQuerySet, ResponseQuerySet

DEFAULT_RETENTION_MONTHS = 24


# A question's limits: the form, the services and the database all hold them.
QUESTION_MAX_LENGTH = 10_000
QUESTION_MAX_CHOICES = 30


def default_reminder_offsets() -> list[int]:
    return [7, 1]


class Consultation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        FORTHCOMING = "forthcoming", "Forthcoming"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        OUTCOME_PUBLISHED = "outcome", "Outcome published"

    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="consultations")
    owner_area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="owned_consultations", help_text="The area whose level decides."
    )
    lead_organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="led_consultations"
    )
    target_areas = models.ManyToManyField(Area, blank=True, related_name="targeted_consultations")
    functions = models.ManyToManyField(
        "functions.Function",
        blank=True,
        related_name="consultations",
        help_text="The functions it concerns, so residents see which level decides.",
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    summary = models.TextField(max_length=1000)
    body = models.TextField(blank=True, max_length=50_000, help_text="Simple formatting only; sanitised on output.")
    contact_email = models.EmailField(blank=True)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    onward_deadline = models.DateField(null=True, blank=True)
    onward_deadline_text = models.CharField(
        max_length=200, blank=True, help_text="For example 'so the ICS can respond to NHS England'."
    )
    late_grace = models.DurationField(
        null=True, blank=True, help_text="Accept responses this long after closing, marked as late."
    )
    reminder_offsets = models.JSONField(
        default=default_reminder_offsets,
        blank=True,
        help_text="Days before closing when followers and invitees who have not responded are reminded.",
    )
    is_published = models.BooleanField(default=False)
    retention_months = models.PositiveSmallIntegerField(
        default=DEFAULT_RETENTION_MONTHS,
        help_text="Months after closing when respondents' personal data is removed (retention/services.py).",
    )
    equality_left_out = models.PositiveIntegerField(
        default=0,
        help_text="Equality answers deleted unreleased: too few remained after closing to keep them anonymous.",
    )
    # Set and cleared by the outcomes app's services ("you said, we did"), which own the outcome itself.
    outcome_published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ("closes_at",)
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="consultation_closes_after_opening"),
            models.CheckConstraint(
                condition=Q(retention_months__gte=1, retention_months__lte=120), name="consultation_retention_months"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def status_at(self, *, now: datetime.datetime, as_published: bool = False) -> str:
        """`as_published`: what residents would see once it is published (the publish page says so first)."""
        if not self.is_published and not as_published:
            return self.Status.DRAFT
        if self.outcome_published_at and self.outcome_published_at <= now:
            return self.Status.OUTCOME_PUBLISHED
        if now < self.opens_at:
            return self.Status.FORTHCOMING
        if now <= self.closes_at:
            return self.Status.OPEN
        return self.Status.CLOSED

    def get_status_display_at(self, *, now: datetime.datetime) -> str:
        return str(self.Status(self.status_at(now=now)).label)

    @property
    def responses_stop_at(self) -> datetime.datetime:
        """When it stops (or stopped) taking responses: its closing time plus any late period (never before closing,
        should a negative period come in other than by the form, which refuses one)."""
        return self.closes_at + max(self.late_grace or datetime.timedelta(0), datetime.timedelta(0))

    def is_over_at(self, *, now: datetime.datetime) -> bool:
        """Published and past taking responses (late ones too): a question or an invitee added now would never
        be answered or reminded, so the services refuse them and the manage page does not offer them."""
        return self.is_published and now > self.responses_stop_at

    def accepts_responses_at(self, *, now: datetime.datetime) -> bool:
        """Open, or closed but within the late-response grace period."""
        if not self.is_published or now < self.opens_at:
            return False
        return now <= self.responses_stop_at


class Section(models.Model):
    """A page of questions. A consultation without sections shows its questions on one page."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True, max_length=5000)
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ("consultation", "order")
        constraints = [models.UniqueConstraint(fields=["consultation", "order"], name="section_unique_order")]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", "Short text"
        LONG_TEXT = "long_text", "Long text"
        SINGLE_CHOICE = "single_choice", "Single choice"
        MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
        YES_NO = "yes_no", "Yes or no"
        AGREE_SCALE = "agree_scale", "Agree / disagree scale"
        EMAIL = "email", "Email address"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, null=True, blank=True, related_name="questions")
    order = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=500)
    hint = models.CharField(max_length=500, blank=True)
    required = models.BooleanField(default=False)
    max_length = models.PositiveIntegerField(null=True, blank=True, help_text="Long and short text only.")
    choices = models.JSONField(default=list, blank=True, help_text="Options for single and multiple choice.")
    allow_other = models.BooleanField(default=False, help_text="Add 'Other, please specify'.")
    max_choices = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Multiple choice only.")
    show_if_question = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="dependents"
    )
    show_if_value = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("consultation", "order")
        constraints = [
            models.UniqueConstraint(fields=["consultation", "order"], name="question_unique_order"),
            models.CheckConstraint(
                condition=Q(show_if_question__isnull=True) | ~Q(show_if_value=""), name="question_condition_has_value"
            ),
            models.CheckConstraint(condition=~Q(show_if_question=F("id")), name="question_not_own_condition"),
            models.CheckConstraint(
                condition=Q(max_length__isnull=True) | Q(max_length__gte=1, max_length__lte=QUESTION_MAX_LENGTH),
                name="question_max_length_range",
            ),
            # Its upper bound is the number of options (services/consultations.py), which no constraint can see.
            models.CheckConstraint(
                condition=Q(max_choices__isnull=True) | Q(max_choices__gte=1),
                name="question_max_choices_range",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Document(models.Model):
    ALLOWED_TYPES: ClassVar[dict[str, str]] = {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "odt": "application/vnd.oasis.opendocument.text",
    }
    MAX_SIZE = 20 * 1024 * 1024

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="consultations/%Y/")
    file_type = models.CharField(max_length=10, choices=[(k, k.upper()) for k in ALLOWED_TYPES])
    size = models.PositiveIntegerField()
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("consultation", "order", "title")

    def __str__(self) -> str:
        return self.title


class ManagerScope(models.Model):
    """A consultation manager may manage consultations owned by this area or any area below it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="manager_scopes")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="manager_scopes")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "area"], name="managerscope_unique")]

    def __str__(self) -> str:
        return f"{self.user} manages {self.area}"


class Response(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        # A working copy of a sent response while its resident changes it (`replaces` names the sent one): what
        # was sent stays as it was, in every count and export, until "Send your changes" applies the copy.
        CHANGES = "changes", "Changes not sent yet"

    class Channel(models.TextChoices):
        ONLINE = "online", "Online"
        EMAIL = "email", "By email"
        PAPER = "paper", "On paper"

    class RespondentType(models.TextChoices):
        INDIVIDUAL = "individual", "As an individual"
        ORGANISATION = "organisation", "On behalf of an organisation"

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="responses")
    reference = models.CharField(max_length=9, unique=True, help_text="Like K7QX-3MPA: easy to read out.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="responses"
    )
    respondent_type = models.CharField(max_length=20, choices=RespondentType.choices, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="responses"
    )
    organisation_name = models.CharField(max_length=200, blank=True)
    organisation_role = models.CharField(max_length=200, blank=True)
    area = models.ForeignKey(
        Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="Where they live or work."
    )
    replaces = models.OneToOneField(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="changes",
        help_text="For changes not sent yet: the sent response they will replace.",
    )
    email = models.EmailField(blank=True)
    consent_to_contact = models.BooleanField(default=False)
    is_late = models.BooleanField(default=False)
    channel = models.CharField(
        max_length=10,
        choices=Channel.choices,
        default=Channel.ONLINE,
        help_text="How it arrived: online, or by email or on paper and recorded by manage.py import_responses.",
    )
    is_synthetic = models.BooleanField(
        default=False,
        help_text="Made up by manage.py generate_responses (the demo, benchmarks): summaries say so.",
    )
    submission_token = models.CharField(
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text="Changes whenever the answers change and on each resubmission: a stale form matches nothing.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="When it was first sent.")
    # Sending changes keeps `submitted_at` (the day it counts on, whether it was late) and records this instead.
    changed_at = models.DateTimeField(null=True, blank=True, help_text="When changes to it were last sent.")
    # A form-filling extension can fill the hidden honeypot, so such a response is kept but held out of every count
    # (ResponseQuerySet.counted()) until a manager releases it (services/suspected.py).
    suspected_automated = models.BooleanField(default=False, help_text="Held out of counts until released.")
    suspected_at = models.DateTimeField(null=True, blank=True)
    suspected_reason = models.CharField(max_length=200, blank=True, help_text="Why it was held, e.g. which page.")
    released_at = models.DateTimeField(null=True, blank=True, help_text="When a manager released it into counts.")
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ("-submitted_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(suspected_automated=False) | Q(suspected_at__isnull=False, released_at__isnull=True),
                name="response_suspected_has_time",
            ),
            models.CheckConstraint(
                condition=Q(released_at__isnull=True) | Q(suspected_at__isnull=False, suspected_automated=False),
                name="response_released_was_suspected",
            ),
            models.UniqueConstraint(
                fields=["consultation", "user"], condition=Q(user__isnull=False), name="response_one_per_user"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "changes"]) | Q(submitted_at__isnull=False),
                name="response_submitted_has_time",
            ),
            # Changes belong to the sent response they replace (its account, if any, is on that one).
            models.CheckConstraint(
                condition=Q(state="changes", replaces__isnull=False, user__isnull=True)
                | (~Q(state="changes") & Q(replaces__isnull=True)),
                name="response_changes_replace_one",
            ),
            models.CheckConstraint(condition=Q(channel__in=["online", "email", "paper"]), name="response_channel"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def for_organisation(self) -> bool:
        """Sent (or being written) on behalf of an organisation: no equality questions, the organisation named."""
        return self.respondent_type == self.RespondentType.ORGANISATION

    @property
    def is_changes(self) -> bool:
        """Changes to a sent response, not sent yet (see State.CHANGES)."""
        return self.state == self.State.CHANGES

    @property
    def sent_reference(self) -> str:
        """The reference the resident knows: changes have a row (and a reference) of their own until sent."""
        return self.replaces.reference if self.replaces is not None else self.reference


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.JSONField(help_text="A string, or a list of strings for multiple choice.")
    other_text = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_unique")]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}"


PREFER_NOT = ("prefer_not_to_say", "Prefer not to say")


class EqualityMonitoring(models.Model):
    """Optional equality answers: linked to the consultation only, never to a response or a person."""

    AGE_BANDS: ClassVar[list[tuple[str, str]]] = [
        ("under_16", "Under 16"), ("16_24", "16 to 24"), ("25_34", "25 to 34"), ("35_44", "35 to 44"),
        ("45_54", "45 to 54"), ("55_64", "55 to 64"), ("65_74", "65 to 74"), ("75_plus", "75 or over"), PREFER_NOT,
    ]  # fmt: skip
    SEXES: ClassVar[list[tuple[str, str]]] = [("female", "Female"), ("male", "Male"), PREFER_NOT]
    GENDER_IDENTITY: ClassVar[list[tuple[str, str]]] = [
        ("yes", "Yes, my gender identity is the same as my sex registered at birth"),
        ("no", "No, my gender identity is different"),
        PREFER_NOT,
    ]
    # 2021 Census (England and Wales) ethnic groups.
    ETHNICITIES: ClassVar[list[tuple[str, str]]] = [
        ("asian_bangladeshi", "Asian or Asian British: Bangladeshi"),
        ("asian_chinese", "Asian or Asian British: Chinese"),
        ("asian_indian", "Asian or Asian British: Indian"),
        ("asian_pakistani", "Asian or Asian British: Pakistani"),
        ("asian_other", "Asian or Asian British: any other Asian background"),
        ("black_african", "Black, Black British, Caribbean or African: African"),
        ("black_caribbean", "Black, Black British, Caribbean or African: Caribbean"),
        (
            "black_other",
            "Black, Black British, Caribbean or African: any other Black, Black British or Caribbean background",
        ),
        ("mixed_white_asian", "Mixed or multiple ethnic groups: White and Asian"),
        ("mixed_white_black_african", "Mixed or multiple ethnic groups: White and Black African"),
        ("mixed_white_black_caribbean", "Mixed or multiple ethnic groups: White and Black Caribbean"),
        ("mixed_other", "Mixed or multiple ethnic groups: any other Mixed or multiple ethnic background"),
        ("white_british", "White: English, Welsh, Scottish, Northern Irish or British"),
        ("white_irish", "White: Irish"),
        ("white_gypsy", "White: Gypsy or Irish Traveller"),
        ("white_roma", "White: Roma"),
        ("white_other", "White: any other White background"),
        ("other_arab", "Other ethnic group: Arab"),
        ("other_any", "Other ethnic group: any other ethnic group"),
        PREFER_NOT,
    ]
    DISABILITY: ClassVar[list[tuple[str, str]]] = [
        ("yes_a_lot", "Yes, my day-to-day activities are limited a lot"),
        ("yes_a_little", "Yes, my day-to-day activities are limited a little"),
        ("no", "No"),
        PREFER_NOT,
    ]
    SEXUAL_ORIENTATION: ClassVar[list[tuple[str, str]]] = [
        ("straight", "Straight or heterosexual"), ("gay_lesbian", "Gay or lesbian"), ("bisexual", "Bisexual"),
        ("other", "Other sexual orientation"), PREFER_NOT,
    ]  # fmt: skip
    RELIGION: ClassVar[list[tuple[str, str]]] = [
        ("none", "No religion"), ("christian", "Christian"), ("buddhist", "Buddhist"), ("hindu", "Hindu"),
        ("jewish", "Jewish"), ("muslim", "Muslim"), ("sikh", "Sikh"), ("other", "Any other religion"), PREFER_NOT,
    ]  # fmt: skip
    CARER: ClassVar[list[tuple[str, str]]] = [("yes", "Yes"), ("no", "No"), PREFER_NOT]

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="equality_records")
    age_band = models.CharField(max_length=30, choices=AGE_BANDS, blank=True)
    sex = models.CharField(max_length=30, choices=SEXES, blank=True)
    gender_identity = models.CharField(max_length=30, choices=GENDER_IDENTITY, blank=True)
    ethnicity = models.CharField(max_length=40, choices=ETHNICITIES, blank=True)
    disability = models.CharField(max_length=30, choices=DISABILITY, blank=True)
    sexual_orientation = models.CharField(max_length=30, choices=SEXUAL_ORIENTATION, blank=True)
    religion = models.CharField(max_length=30, choices=RELIGION, blank=True)
    carer = models.CharField(max_length=30, choices=CARER, blank=True)

    def __str__(self) -> str:
        return f"Equality record for {self.consultation_id}"


class PendingEquality(models.Model):
    """Equality answers held back until they can be released into EqualityMonitoring in a shuffled batch with
    others (services/equality.py), so that no released row's id, position or writing transaction matches the
    response it came with. Written when the resident answers the equality page, tied to their draft so that only
    sent responses are counted; the release counts it for the consultation alone and deletes it, link and all."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="+")
    response = models.OneToOneField(
        Response, on_delete=models.CASCADE, null=True, blank=True, related_name="+", help_text="Until released."
    )
    answers = models.JSONField()

    def __str__(self) -> str:
        return f"Held equality answers for {self.consultation_id}"
