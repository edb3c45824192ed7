"""Removing respondents' personal data once a consultation's retention period has passed.

A consultation's personal data is due for removal `retention_months` after it closed (`purge_due_at`). What goes:
response email addresses, links to accounts, organisation roles and the contact consent; answers to email-address
questions; drafts never sent (with their answers and held equality answers); submission tokens (a stale form or a
save-and-return link then matches nothing); outbox rows about the consultation or its responses (address, bodies,
render data); held equality answers (`PendingEquality`: by then the ten-minute release has released every sent
response's or left them out as too few, so what is left belongs to drafts or to responses still held as
suspected, which never counted);
follows of the consultation. What stays: sent responses'
reference, area, respondent type, organisation name, answers and dates, and the released equality table, so every
summary still works.

Each kind is selected by "still has the data", so a second run finds nothing and changes nothing (idempotent), and
a dry run counts exactly what a real run would remove.
"""

import calendar
import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q

from engagement.models import Answer, Consultation, PendingEquality, Question, Response
from notifications.models import Email, Follow

PURGED = "Not sent: its personal data was removed after the retention period."
KINDS = (
    ("drafts", "drafts and changes never sent"),
    ("emails", "response email addresses"),
    ("accounts", "links to accounts"),
    ("roles", "organisation roles"),
    ("email_answers", "answers giving an email address"),
    ("tokens", "submission tokens"),
    ("outbox", "outbox emails (address and bodies)"),
    ("held_equality", "held equality answers"),
    ("follows", "follows"),
)


@dataclass
class Purge:
    consultation: Consultation
    due_at: datetime.datetime
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day and time `months` later (the last day of a shorter month: 31 August + 6 months = 28 February)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def purge_due_at(consultation: Consultation) -> datetime.datetime:
    return add_months(consultation.closes_at, consultation.retention_months)


def consultations_due(*, now: datetime.datetime) -> list[Consultation]:
    """Closed consultations whose retention period has passed (calendar months, so checked in Python; at least
    a month after closing, so the query leaves out everything recent)."""
    candidates = Consultation.objects.filter(closes_at__lt=now - datetime.timedelta(days=28)).order_by(
        "closes_at", "pk"
    )
    return [c for c in candidates if purge_due_at(c) <= now]


def _outbox(consultation: Consultation) -> "models.QuerySet[Email]":
    responses = Response.objects.filter(consultation=consultation).values("pk")
    follows = _follows(consultation).values("pk")
    about = (
        Q(about_type=ContentType.objects.get_for_model(Consultation), about_id=consultation.pk)
        | Q(about_type=ContentType.objects.get_for_model(Response), about_id__in=responses)
        | Q(about_type=ContentType.objects.get_for_model(Follow), about_id__in=follows)  # confirmation links
    )
    holds_data = ~Q(to="") | ~Q(body_text="") | ~Q(body_html="") | Q(data__isnull=False)
    return Email.objects.filter(about & holds_data)


def _follows(consultation: Consultation) -> "models.QuerySet[Follow]":
    return Follow.objects.filter(target_type=ContentType.objects.get_for_model(Consultation), target_id=consultation.pk)


def _querysets(consultation: Consultation) -> dict[str, "models.QuerySet[models.Model]"]:
    responses = Response.objects.filter(consultation=consultation)
    sent = responses.filter(state=Response.State.SUBMITTED)
    return {
        # Changes never sent to a sent response go with the drafts: neither was ever sent.
        "drafts": responses.filter(state__in=[Response.State.DRAFT, Response.State.CHANGES]),
        "emails": sent.filter(~Q(email="") | Q(consent_to_contact=True)),
        "accounts": sent.filter(user__isnull=False),
        "roles": sent.exclude(organisation_role=""),
        "email_answers": Answer.objects.filter(response__in=sent, question__kind=Question.Kind.EMAIL),
        "tokens": sent.filter(submission_token__isnull=False),
        "outbox": _outbox(consultation),
        "held_equality": PendingEquality.objects.filter(consultation=consultation),
        "follows": _follows(consultation),
    }  # type: ignore[dict-item]


def consultation_personal_data_purge(
    *, consultation: Consultation, now: datetime.datetime, dry_run: bool = False
) -> Purge:
    """Remove one consultation's personal data (or, with `dry_run`, count it); see the module docstring."""
    purge = Purge(consultation=consultation, due_at=purge_due_at(consultation))
    with transaction.atomic():
        sets = _querysets(consultation)
        # Held equality answers of drafts go with the drafts (cascade), so count them first.
        purge.counts = {name: sets[name].count() for name, _ in KINDS}
        if dry_run or not purge.total:  # nothing left (purged on an earlier day): no updates that change nothing
            return purge
        # The outbox first: which rows are about follows and drafts is read from them before they go. A row not
        # yet sent is never sent now (it has no address left), and says why.
        sets["outbox"].filter(status=Email.Status.READY).update(status=Email.Status.SUPPRESSED, last_error=PURGED)
        sets["outbox"].update(to="", body_text="", body_html="", data=None)
        sets["held_equality"].delete()
        sets["follows"].delete()
        sets["email_answers"].delete()
        sets["drafts"].delete()
        sets["emails"].update(email="", consent_to_contact=False)
        sets["accounts"].update(user=None)
        sets["roles"].update(organisation_role="")
        sets["tokens"].update(submission_token=None)
    return purge


def personal_data_purge(*, now: datetime.datetime, dry_run: bool = False) -> list[Purge]:
    """Every consultation due at `now`, each in its own transaction; what beat runs daily."""
    return [
        consultation_personal_data_purge(consultation=c, now=now, dry_run=dry_run) for c in consultations_due(now=now)
    ]
