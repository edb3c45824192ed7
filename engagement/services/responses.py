"""Writes for the responding flow: drafts, answers, about you, submitting, save-and-return links.

A response is a draft row from the first page on, so nothing is lost on refresh or back. Saving answers keeps
only the answers that are visible (an answer hidden by a changed earlier answer is deleted then) and changes the
draft's submission token. It becomes submitted in one of two ways, both checking the deadline with the request's
single timestamp and both idempotent through the token:

- `response_submit_checked`, the usual way for a resident who is not signed in: the check-answers page found the
  draft complete and signed that (`submit_proof`) with the token it showed; while the token is unchanged the
  answers are too, so sending is one PostgreSQL statement that marks the draft sent and queues its receipt.
- `response_submit`, for everything else (signed-in residents, resubmitted changes, a form without a valid
  proof, databases other than PostgreSQL): re-checks every answer inside one transaction.
"""

import dataclasses
import datetime
import enum
import json
import secrets
from typing import Any

from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from ..models import Answer, Consultation, Question, Response
from ..questions import is_visible
from ..references import new_reference
from ..selectors.responses import (
    Structure,
    answer_values,
    missing_required,
    responding_structure,
    response_answers,
)
from .emails import outbound_email_queue, outbox_kick, receipt_queue, receipt_render_payload

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
    # A new token too: a check-answers form shown before signing in no longer sends (it would skip the account).
    Response.objects.filter(pk=response.pk, user__isnull=True).update(user=user, submission_token=_new_token())
    response.refresh_from_db()
    return response


def responses_retire_anonymous_forms(*, response_ids: list[int]) -> int:
    """Give these anonymous drafts new submission tokens, so that a check-answers form shown before the browser
    signed in cannot send one around the account (the next step signed in attaches it: `response_claim`)."""
    drafts = Response.objects.filter(pk__in=response_ids, user__isnull=True, state=Response.State.DRAFT)
    return sum(
        Response.objects.filter(pk=pk).update(submission_token=_new_token())
        for pk in drafts.values_list("pk", flat=True)
    )


def response_is_editable(*, response: Response, user: Any, now: datetime.datetime) -> bool:
    """A draft while the consultation accepts responses; a submitted one by its signed-in owner until then."""
    if not response.consultation.accepts_responses_at(now=now):
        return False
    if response.state == Response.State.DRAFT:
        return True
    return bool(response.user_id) and user.is_authenticated and response.user_id == user.pk


def _hidden(structure: Structure, stored: dict[int, tuple[Any, str]]) -> list[int]:
    """Stored answers to questions that other answers now hide."""
    values = answer_values(stored)
    return [
        qid
        for qid in stored
        if qid in structure.by_id and not is_visible(structure.by_id[qid], values, structure.by_id)
    ]


@transaction.atomic
def response_save_answers(
    *, response: Response, answers: dict[int, tuple[Any, str] | None], now: datetime.datetime
) -> None:
    """Store one page's answers (None clears an answer: emptied, or now hidden), drop any stored answer that the
    new ones hide (on any page), and change the submission token: a check-answers page shown before this change
    can no longer send."""
    if not response.consultation.accepts_responses_at(now=now):
        raise ResponsesClosedError
    structure = responding_structure(consultation=response.consultation)
    for question_id, answer in answers.items():
        if question_id not in structure.by_id:
            continue
        if answer is None:
            Answer.objects.filter(response=response, question_id=question_id).delete()
        else:
            value, other = answer
            Answer.objects.update_or_create(
                response=response, question_id=question_id, defaults={"value": value, "other_text": other[:500]}
            )
    hidden = _hidden(structure, response_answers(response=response))
    if hidden:
        Answer.objects.filter(response=response, question_id__in=hidden).delete()
    response.submission_token = _new_token()
    Response.objects.filter(pk=response.pk).update(updated_at=now, submission_token=response.submission_token)


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


# --- Sending ---
PROOF_SALT = "engagement.response.submit-proof"


def submit_proof(*, consultation: Consultation, structure: Structure, reference: str, token: str) -> str:
    """What the check-answers page signs when it finds a draft complete: good only for this draft, this token
    (which any change to the answers replaces) and this set of questions (`Structure.fingerprint`)."""
    message = f"{consultation.pk}:{reference}:{token}:{structure.fingerprint}"
    return salted_hmac(PROOF_SALT, message, algorithm="sha256").hexdigest()


# One statement, so one round trip and atomic without a transaction: mark the anonymous draft sent if its token is
# still the one the proof was made for, and queue its receipt (rendered when sent) if it has an email address.
# Only columns no index covers change, and the table keeps room on its pages (migration 0005), so PostgreSQL
# updates the row in place (a HOT update). The ORM cannot say UPDATE ... RETURNING inside an INSERT.
_SUBMIT_CHECKED_SQL = """
WITH sent AS (
    UPDATE engagement_response
       SET state = 'submitted', submitted_at = %(now)s, updated_at = %(now)s, is_late = %(late)s
     WHERE reference = %(reference)s AND consultation_id = %(consultation)s AND submission_token = %(token)s
       AND state = 'draft' AND user_id IS NULL
 RETURNING id, email
), receipt AS (
    INSERT INTO engagement_outboundemail
           (kind, "to", subject, body_text, body_html, status, attempts, last_error, response_id, render, created_at)
    SELECT 'receipt', email, '', '', '', 'ready', 0, '', id, %(render)s::jsonb, %(now)s FROM sent WHERE email <> ''
 RETURNING id
)
SELECT (SELECT count(*) FROM sent), (SELECT count(*) FROM receipt)
"""


def response_submit_checked(
    *, consultation: Consultation, reference: str, token: str, proof: str, now: datetime.datetime, site_url: str
) -> bool:
    """Send an anonymous draft that its check-answers page proved complete; True if this call sent it.

    False, having changed nothing, when the proof is not good for the current questions, the token is no longer
    the draft's (changed answers, a second press, another tab), the draft is signed in or already sent, or the
    database is not PostgreSQL: the caller then uses `response_submit`, which works the outcome out. Raises
    ResponsesClosedError when the consultation does not accept responses at `now`; late in the grace period is
    marked late.
    """
    if not consultation.accepts_responses_at(now=now):
        raise ResponsesClosedError
    if connection.vendor != "postgresql":
        return False
    structure = responding_structure(consultation=consultation)
    expected = submit_proof(consultation=consultation, structure=structure, reference=reference, token=token)
    if not constant_time_compare(proof, expected):
        return False
    params: dict[str, Any] = {
        "now": now,
        "late": now > consultation.closes_at,
        "reference": reference,
        "consultation": consultation.pk,
        "token": token,
        "render": json.dumps(receipt_render_payload(site_url=site_url, changed=False)),
    }
    with connection.cursor() as cursor:
        cursor.execute(_SUBMIT_CHECKED_SQL, params)
        sent, receipts = cursor.fetchone()
    if receipts:
        if connection.in_atomic_block:
            transaction.on_commit(outbox_kick)
        else:
            outbox_kick()
    return bool(sent)


def response_submit(
    *,
    response: Response,
    now: datetime.datetime,
    token: str | None = None,
    site_url: str = "",
) -> SubmitResult:
    """Submit a draft (or resubmit a changed response) once.

    Raises ResponsesClosedError, storing nothing, when the consultation does not accept responses at `now`; a
    response inside the late grace period is marked late. The draft is claimed by one conditional UPDATE on its id
    and its current submission token, which the claim rotates: of two presses, two tabs or a refresh exactly one
    matches and the others find ALREADY_SUBMITTED. The claim, the check that every required visible question is
    answered and the receipt are one transaction, so an incomplete draft rolls back to a draft and nothing is
    half-sent. Equality answers were held when given (services/equality.py) and count once the response is sent.
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
        missing = missing_required(
            questions=structure.questions, answers=answer_values(stored), questions_by_id=structure.by_id
        )
        if missing:
            transaction.set_rollback(True)
            return SubmitResult(SubmitOutcome.INCOMPLETE, response, missing)
        hidden = _hidden(structure, stored)
        if hidden:  # the questions changed since the answers were saved
            Answer.objects.filter(response=response, question_id__in=hidden).delete()
        response.state = Response.State.SUBMITTED
        response.submitted_at = now
        response.is_late = is_late
        response.submission_token = new_token
        response.updated_at = now
        if response.email:
            receipt_queue(response=response, site_url=site_url, changed=not first_time)
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
