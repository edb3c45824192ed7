"""Writes for the responding flow: drafts, answers, about you, submitting, save-and-return links.

A response is a draft row from the first page on, so nothing is lost on refresh or back; it becomes submitted
only through `response_submit`, which re-checks the deadline with the request's single timestamp, under a row
lock, and is idempotent through the draft's submission token.
"""

import dataclasses
import datetime
import enum
import secrets
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction

from ..forms_respond import is_visible
from ..models import Answer, Consultation, Question, Response
from ..references import new_reference
from ..selectors.responses import (
    answer_summary,
    answer_values,
    missing_required,
    responding_structure,
    response_answers,
)
from .emails import outbound_email_queue
from .equality import equality_given, equality_hold

RESUME_SALT = "engagement.response.resume"
RESUME_MAX_AGE = datetime.timedelta(days=7)


class ResponsesClosedError(Exception):
    """The consultation does not accept responses at this moment."""


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def response_start(*, consultation: Consultation, user: Any = None, now: datetime.datetime) -> Response:
    """Create a draft (or return the signed-in user's existing one) with a fresh, unique reference."""
    if not consultation.accepts_responses_at(now=now):
        raise ResponsesClosedError
    if user is not None and user.is_authenticated:
        existing = Response.objects.filter(consultation=consultation, user=user).first()
        if existing:
            return existing
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return Response.objects.create(
                    consultation=consultation,
                    user=user if user is not None and user.is_authenticated else None,
                    reference=new_reference(),
                    submission_token=_new_token(),
                    email=(getattr(user, "email", "") or "") if user is not None and user.is_authenticated else "",
                )
        except IntegrityError:
            if user is not None and user.is_authenticated:
                existing = Response.objects.filter(consultation=consultation, user=user).first()
                if existing:  # a parallel request created it first
                    return existing
            continue  # the reference was taken: draw again
    raise RuntimeError("Could not draw a unique response reference")


def response_claim(*, response: Response, user: Any) -> Response:
    """Attach an anonymous draft to the user who signs in part-way, unless they already have a response."""
    if response.user_id or not user.is_authenticated:
        return response
    if Response.objects.filter(consultation_id=response.consultation_id, user=user).exists():
        return response
    Response.objects.filter(pk=response.pk, user__isnull=True).update(user=user)
    response.refresh_from_db()
    return response


def response_is_editable(*, response: Response, user: Any, now: datetime.datetime) -> bool:
    """A draft while the consultation accepts responses; a submitted one by its signed-in owner until then."""
    if not response.consultation.accepts_responses_at(now=now):
        return False
    if response.state == Response.State.DRAFT:
        return True
    return bool(response.user_id) and user.is_authenticated and response.user_id == user.pk


@transaction.atomic
def response_save_answers(
    *, response: Response, answers: dict[int, tuple[Any, str] | None], now: datetime.datetime
) -> None:
    """Store one page's answers (None clears an answer: emptied, or now hidden)."""
    if not response.consultation.accepts_responses_at(now=now):
        raise ResponsesClosedError
    valid_ids = set(response.consultation.questions.values_list("pk", flat=True))
    for question_id, answer in answers.items():
        if question_id not in valid_ids:
            continue
        if answer is None:
            Answer.objects.filter(response=response, question_id=question_id).delete()
        else:
            value, other = answer
            Answer.objects.update_or_create(
                response=response, question_id=question_id, defaults={"value": value, "other_text": other[:500]}
            )
    Response.objects.filter(pk=response.pk).update(updated_at=now)


@transaction.atomic
def response_save_about_you(
    *,
    response: Response,
    respondent_type: str,
    organisation_id: int | None,
    organisation_name: str,
    organisation_role: str,
    area_id: int | None,
    email: str,
    consent_to_contact: bool,
    now: datetime.datetime,
) -> None:
    if not response.consultation.accepts_responses_at(now=now):
        raise ResponsesClosedError
    response.respondent_type = respondent_type
    response.organisation_id = organisation_id
    response.organisation_name = organisation_name.strip()[:200] if not organisation_id else ""
    response.organisation_role = organisation_role.strip()[:200]
    response.area_id = area_id
    response.email = email
    response.consent_to_contact = consent_to_contact and bool(email)
    response.save(
        update_fields=[
            "respondent_type",
            "organisation",
            "organisation_name",
            "organisation_role",
            "area",
            "email",
            "consent_to_contact",
            "updated_at",
        ]
    )


class SubmitOutcome(enum.Enum):
    SUBMITTED = "submitted"
    ALREADY_SUBMITTED = "already_submitted"
    STALE = "stale"  # the token is not this draft's: a form from an earlier visit
    INCOMPLETE = "incomplete"


@dataclasses.dataclass(frozen=True)
class SubmitResult:
    outcome: SubmitOutcome
    response: Response
    missing: list[Question] = dataclasses.field(default_factory=list)


def response_submit(
    *,
    response: Response,
    now: datetime.datetime,
    token: str | None = None,
    equality: dict[str, str] | None = None,
    site_url: str = "",
) -> SubmitResult:
    """Submit a draft (or resubmit a changed response) once.

    Raises ResponsesClosedError, storing nothing, when the consultation does not accept responses at `now`; a
    response inside the late grace period is marked late. The draft is claimed by one conditional UPDATE on its id
    and its current submission token, which the claim rotates: of two presses, two tabs or a refresh exactly one
    matches and the others find ALREADY_SUBMITTED. The claim, the check that every required visible question is
    answered, the held equality answers (first submission only, for the consultation alone; see equality.py) and the receipt are one
    transaction, so an incomplete draft rolls back to a draft and nothing is half-sent.
    """
    consultation = response.consultation
    if token is not None and token != response.submission_token:
        outcome = SubmitOutcome.ALREADY_SUBMITTED if response.state == "submitted" else SubmitOutcome.STALE
        return SubmitResult(outcome, response)
    if not consultation.accepts_responses_at(now=now):
        raise ResponsesClosedError
    structure = responding_structure(consultation=consultation)
    first_time = response.state == Response.State.DRAFT
    new_token = _new_token()
    is_late = now > consultation.closes_at
    with transaction.atomic():
        claimed = Response.objects.filter(pk=response.pk, submission_token=response.submission_token).update(
            state=Response.State.SUBMITTED,
            submitted_at=now,
            is_late=is_late,
            submission_token=new_token,
            updated_at=now,
        )
        if not claimed:  # another request submitted it (or changed it) first
            current = Response.objects.select_related("consultation").get(pk=response.pk)
            outcome = SubmitOutcome.ALREADY_SUBMITTED if current.state == "submitted" else SubmitOutcome.STALE
            return SubmitResult(outcome, current)
        stored = response_answers(response=response)
        values = answer_values(stored)
        missing = missing_required(questions=structure.questions, answers=values, questions_by_id=structure.by_id)
        if missing:
            transaction.set_rollback(True)
            return SubmitResult(SubmitOutcome.INCOMPLETE, response, missing)
        hidden = [
            qid
            for qid in stored
            if qid in structure.by_id and not is_visible(structure.by_id[qid], values, structure.by_id)
        ]
        if hidden:
            Answer.objects.filter(response=response, question_id__in=hidden).delete()
            stored = {qid: v for qid, v in stored.items() if qid not in hidden}
        response.state = Response.State.SUBMITTED
        response.submitted_at = now
        response.is_late = is_late
        response.submission_token = new_token
        response.updated_at = now

        if first_time and equality is not None and equality_given(equality):
            equality_hold(consultation=consultation, answers=equality)
        if response.email:
            outbound_email_queue(
                kind="receipt",
                to=response.email,
                template="receipt",
                context={
                    "consultation": consultation,
                    "response": response,
                    "summary": answer_summary(pages=structure.pages, stored=stored),
                    "changed": not first_time,
                    "site_url": site_url,
                    "consultation_url": f"{site_url}/consultations/{consultation.slug}/",
                },
                response=response,
            )
        return SubmitResult(SubmitOutcome.SUBMITTED, response)


# --- Save and come back later ---
def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=RESUME_SALT)


def resume_token_make(*, response: Response, now: datetime.datetime | None = None) -> str:
    """A signed token naming the draft; `now` only to make an old token in tests (defaults to the clock)."""
    signer = _signer()
    payload = f"{response.pk}.{response.reference}"
    if now is None:
        return signer.sign(payload)
    stamped = f"{payload}{signer.sep}{signing.b62_encode(int(now.timestamp()))}"
    return signing.Signer.sign(signer, stamped)


class ResumeLinkError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "expired" or "invalid"


def resume_token_read(*, token: str, max_age: datetime.timedelta = RESUME_MAX_AGE) -> Response:
    """The draft a resume token names. Raises ResumeLinkError('expired'|'invalid')."""
    try:
        payload = _signer().unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise ResumeLinkError("expired") from None
    except signing.BadSignature:
        raise ResumeLinkError("invalid") from None
    pk, _, reference = payload.partition(".")
    response = (
        Response.objects.select_related("consultation").filter(pk=int(pk), reference=reference).first()
        if pk.isdigit()
        else None
    )
    if response is None:
        raise ResumeLinkError("invalid")
    return response


@transaction.atomic
def response_send_resume_link(*, response: Response, email: str, link: str, now: datetime.datetime) -> None:
    """Email a link to come back to the draft (through the outbox); remember the address for the receipt."""
    if not response.email:
        Response.objects.filter(pk=response.pk).update(email=email)
    outbound_email_queue(
        kind="resume_link",
        to=email,
        template="resume_link",
        context={
            "consultation": response.consultation,
            "response": response,
            "link": link,
            "expires_days": RESUME_MAX_AGE.days,
        },
        response=response,
    )
