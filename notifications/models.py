"""The one outbox for every email the portal sends, and the addresses that refused mail for good."""

import uuid
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Lower

from . import kinds
from .querysets import EmailQuerySet, InviteeQuerySet


def new_dedup_key() -> str:
    """For an email that is sent every time it is asked for (a sign-in code): a key nothing else will use."""
    return f"once:{uuid.uuid4().hex}"


def message_id_domain() -> str:
    """The right-hand side of every Message-ID: the sender's domain."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "ics-portal.invalid"


def new_message_id() -> str:
    """A Message-ID fixed when the row is written, so every attempt sends the same one (a receiving server or
    client that sees a retry can tell it is the same message)."""
    return make_msgid(domain=message_id_domain())


class Email(models.Model):
    """An outbox row: written in the transaction that causes it, sent by a worker after commit (services.py).

    What it is about is a generic (content type, id) pair rather than one foreign key per app, so notifications
    depends on no feature app: a receipt is about a response, a reminder about a consultation, a confirmation
    about a follow, all without a migration here. Deleting the object leaves the row (the history of what was
    sent); a renderer that finds its object gone answers "do not send" (status SUPPRESSED, with the reason).
    """

    class Status(models.TextChoices):
        READY = "ready", "Ready"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Not sent"

    kind = models.CharField(max_length=40, help_text="receipt, resume_link, login_code ... (notifications/kinds.py)")
    to = models.EmailField(max_length=320)
    about_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")
    dedup_key = models.CharField(
        max_length=200,
        unique=True,
        default=new_dedup_key,
        help_text="Planning the same email twice finds this row instead of writing a second.",
    )
    message_id = models.CharField(max_length=255, unique=True, default=new_message_id)
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    # Set by the renderer (a consultation's contact address), so a resident's reply reaches a person, not no-reply.
    # db_default: the planner's INSERT ... SELECT leaves it out until the row is rendered.
    reply_to = models.EmailField(max_length=320, blank=True, db_default="")
    data = models.JSONField(
        null=True,
        blank=True,
        help_text="What the kind's renderer needs to render it when sent, e.g. a receipt's site address.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.READY)
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField(null=True, blank=True, help_text="A retry waits until then.")
    last_error = models.TextField(blank=True, help_text="The last failure, or why it was not sent.")
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker claimed it to send.")
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = EmailQuerySet.as_manager()

    class Meta:
        ordering = ("created_at",)
        indexes = [
            models.Index(fields=["status", "created_at"], name="email_status_idx"),
            models.Index(fields=["about_type", "about_id"], name="email_about_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(about_type__isnull=True, about_id__isnull=True)
                | models.Q(about_type__isnull=False, about_id__isnull=False),
                name="email_about_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.status})"

    @property
    def kind_title(self) -> str:
        """The kind in plain English ("Sign-in code"), for staff pages."""
        return kinds.title_of(self.kind)


class Suppression(models.Model):
    """An address that gets no optional kind (sign-in codes and receipts still go), for one of two causes.

    REFUSED: its server refused mail permanently (5xx); staff's "send again" lifts it. UNSUBSCRIBED: it used an
    unsubscribe link; its own later opt-in (a confirmed follow) lifts it. One row per cause, so lifting one leaves
    the other: a re-follow does not make a dead mailbox work, nor does staff retrying a bounce undo an unsubscribe.
    """

    class Cause(models.TextChoices):
        REFUSED = "refused", "Refused by its mail server"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    address = models.EmailField(max_length=320, help_text="Lower case.")
    cause = models.CharField(max_length=12, choices=Cause.choices, default=Cause.REFUSED)
    reason = models.TextField()
    email = models.ForeignKey(Email, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(address=Lower("address")), name="supp_lower"),
            models.UniqueConstraint(fields=["address", "cause"], name="supp_unique_address_cause"),
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.get_cause_display().lower()})"


class Follow(models.Model):
    """Someone who asked to hear about a consultation or an area (a generic target, like `Email.about`, so that
    notifications imports no feature app; `notifications/targets.py` says what may be followed).

    Who: a signed-in account, or an email address confirmed by the link sent to it (double opt-in: until that link
    is used, `confirmed_at` is empty and the row sends nothing but its confirmation).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="follows"
    )
    email = models.EmailField(max_length=320, blank=True, help_text="Lower case; only for a follow without an account.")
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True, help_text="Empty until the email's link is used.")

    class Meta:
        indexes = [models.Index(fields=["target_type", "target_id"], name="follow_target_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, email="") | models.Q(user__isnull=True) & ~models.Q(email=""),
                name="follow_user_or_email",
            ),
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="follow_email_lower"),
            # A signed-in follow is confirmed by the click that made it.
            models.CheckConstraint(
                condition=models.Q(user__isnull=True) | models.Q(confirmed_at__isnull=False),
                name="follow_user_confirmed",
            ),
            models.UniqueConstraint(
                fields=["user", "target_type", "target_id"],
                condition=models.Q(user__isnull=False),
                name="follow_unique_user",
            ),
            models.UniqueConstraint(
                fields=["email", "target_type", "target_id"],
                condition=models.Q(user__isnull=True),
                name="follow_unique_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.email} follows {self.target_type.model} {self.target_id}"


class Invitee(models.Model):
    """A stakeholder a manager invited to a consultation from an uploaded list (`notifications/invites.py`): told
    when it opens and reminded before it closes unless they (or their organisation) have responded.

    The consultation is a generic target, like `Follow.target`, so notifications imports no feature app. The
    organisation is a foreign key (governance sits below every feature app) so "responded on behalf of it" is an
    id comparison; a name that matched no organisation is kept as typed in `organisation_name`.
    """

    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    email = models.EmailField(max_length=320, help_text="Lower case.")
    name = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        "governance.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organisation_name = models.CharField(max_length=200, blank=True, help_text="As typed, or the matched name.")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    unsubscribed_at = models.DateTimeField(
        null=True, blank=True, help_text="They used an unsubscribe link: no more optional emails."
    )

    objects = InviteeQuerySet.as_manager()

    class Meta:
        ordering = ("name", "email")
        constraints = [
            models.UniqueConstraint(fields=["target_type", "target_id", "email"], name="invitee_unique_email"),
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="invitee_email_lower"),
            models.CheckConstraint(condition=~models.Q(email=""), name="invitee_email_present"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}> invited to {self.target_type.model} {self.target_id}"
