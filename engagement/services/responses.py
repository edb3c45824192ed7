"""Writes for the responding flow: drafts, answers, about you, submitting, save-and-return links.

A response is a draft row from the first page on, so nothing is lost on refresh or back. Saving answers keeps
only the answers that are visible (an answer hidden by a changed earlier answer is deleted then); saving answers
or "About you" changes the draft's submission token, so a check-answers form shown before the change sends
nothing. There is one way to send: `response_submit`, a conditional update in one short transaction that checks
every required step (`selectors.responses.response_missing`) and queues the receipt, with the request's single
timestamp for the deadline.
"""

import dataclasses
import datetime
import enum
import secrets
from typing import Any

from django.db import IntegrityError, transaction

from ..links import RESUME_MAX_AGE
from ..models import Answer, Consultation, Question, Response
from ..references import new_reference
from ..selectors.responses import (
    Missing,
    answer_values,
    hidden_answers,
    responding_structure,
    response_answers,
    response_missing,
)
from .emails import receipt_queue, resume_link_queue
from .equality import equality_clear


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
    """Attach an anonymous draft to the user who signs in part-way, unless they already have a response.

    Only a draft: a response someone sent from this browser before (a shared computer) is never taken over. The
    claim is conditional on the row still being an anonymous draft, so a send racing it leaves it unclaimed."""
    if response.user_id or not user.is_authenticated or response.state != Response.State.DRAFT:
        return response
    if Response.objects.filter(consultation_id=response.consultation_id, user=user).exists():
        return response
    # A new token too: a check-answers form shown before signing in no longer sends (it would skip the account).
    Response.objects.filter(pk=response.pk, user__isnull=True, state=Response.State.DRAFT).update(
        user=user, submission_token=_new_token()
    )
    response.refresh_from_db()
    return response


def response_is_editable(*, response: Response, user: Any, now: datetime.datetime, reopened: bool = False) -> bool:
    """A draft while the consultation accepts responses; a submitted one until then by its signed-in owner, or,
    sent without an account, when `reopened` (this browser followed the receipt's signed change link)."""
    if not response.consultation.accepts_responses_at(now=now):
        return False
    if response.state == Response.State.DRAFT:
        return True
    # A sent response, until the deadline and not into a late grace period: a change must not turn an on-time
    # response late (sending it again marks it late after closing), with or without an account.
    if now > response.consultation.closes_at:
        return False
    if response.user_id is None:
        return reopened
    return user.is_authenticated and response.user_id == user.pk


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
    hidden = hidden_answers(structure=structure, stored=response_answers(response=response))
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
    response.submission_token = _new_token()  # a check-answers form shown before this change no longer sends
    response.save(
        update_fields=[
            "submission_token",
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
    if response.for_organisation:
        # Equality monitoring is about people: an organisation's response holds none (answers given before
        # switching to "on behalf of an organisation" are dropped; a sent response's were already set apart).
        equality_clear(response=response)


class SubmitOutcome(enum.Enum):
    SUBMITTED = "submitted"
    ALREADY_SUBMITTED = "already_submitted"
    STALE = "stale"  # the token is not this draft's: a form from an earlier visit
    INCOMPLETE = "incomplete"


@dataclasses.dataclass(frozen=True)
class SubmitResult:
    outcome: SubmitOutcome
    response: Response
    missing: list[Missing] = dataclasses.field(default_factory=list)  # INCOMPLETE: what is left, in order


# --- Sending ---
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
    matches and the others find ALREADY_SUBMITTED. The claim, the check of every required step (each visible
    required question and "About you": `response_missing`, INCOMPLETE naming what is left) and the receipt are one
    transaction, so an incomplete draft rolls back to a draft and nothing is half-sent. "About you" is read from
    `response` as loaded: saving it changes the token, so if the claim matched, it is still what was saved.
    Equality answers were held when given (services/equality.py) and count once the response is sent.
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
    # First sending sets when it was sent and whether late; sending changes (only before closing) records when.
    sent: dict[str, Any] = {"submitted_at": now, "is_late": is_late} if first_time else {"changed_at": now}
    with transaction.atomic():
        claimed = Response.objects.filter(pk=response.pk, submission_token=response.submission_token).update(
            state=Response.State.SUBMITTED,
            submission_token=new_token,
            updated_at=now,
            **sent,
        )
        if not claimed:  # another request submitted it (or changed it) first
            current = Response.objects.select_related("consultation").get(pk=response.pk)
            outcome = SubmitOutcome.ALREADY_SUBMITTED if current.state == "submitted" else SubmitOutcome.STALE
            return SubmitResult(outcome, current)
        stored = response_answers(response=response)
        missing = response_missing(structure=structure, response=response, answers=answer_values(stored))
        if missing:
            transaction.set_rollback(True)
            return SubmitResult(SubmitOutcome.INCOMPLETE, response, missing)
        hidden = hidden_answers(structure=structure, stored=stored)
        if hidden:  # the questions changed since the answers were saved
            Answer.objects.filter(response=response, question_id__in=hidden).delete()
        response.state = Response.State.SUBMITTED
        for name, value in sent.items():
            setattr(response, name, value)
        response.submission_token = new_token
        response.updated_at = now
        if response.email:
            receipt_queue(response=response, site_url=site_url, changed=not first_time)
        return SubmitResult(SubmitOutcome.SUBMITTED, response)


# --- Changing a sent response, and cancelling the changes ---
# Changes to a reopened sent response are saved on its row as they are typed (the same pages and services as a
# draft), so cancelling them puts back a copy of what was sent, taken when it was reopened.
SENT_FIELDS = (
    "respondent_type",
    "organisation_id",
    "organisation_name",
    "organisation_role",
    "area_id",
    "email",
    "consent_to_contact",
)


def response_sent_copy(*, response: Response) -> dict[str, Any]:
    """What a sent response says (about you and its answers), JSON-safe, to put back with
    `response_changes_cancel`."""
    return {
        "fields": {name: getattr(response, name) for name in SENT_FIELDS},
        "answers": [[a.question_id, a.value, a.other_text] for a in response.answers.order_by("pk")],
    }


@transaction.atomic
def response_changes_cancel(*, response: Response, sent: dict[str, Any], now: datetime.datetime) -> None:
    """Put a sent response back as `sent` (its `response_sent_copy`) says, with a new submission token, so a
    check-answers page shown during the changes cannot send them. Its state, sent time and reference stay; no
    receipt is sent (nothing the resident sent has changed). An answer to a question removed since is left out."""
    locked = Response.objects.select_for_update().get(pk=response.pk)
    if locked.state != Response.State.SUBMITTED:
        raise ValueError("Only a sent response has sent answers to put back.")
    questions = set(Question.objects.filter(consultation_id=locked.consultation_id).values_list("pk", flat=True))
    Answer.objects.filter(response=locked).delete()
    Answer.objects.bulk_create(
        Answer(response=locked, question_id=question_id, value=value, other_text=other)
        for question_id, value, other in sent["answers"]
        if question_id in questions
    )
    fields = {name: sent["fields"][name] for name in SENT_FIELDS}
    Response.objects.filter(pk=locked.pk).update(**fields, submission_token=_new_token(), updated_at=now)


@transaction.atomic
def response_send_resume_link(*, response: Response, email: str, link: str, now: datetime.datetime) -> None:
    """Email a link to come back to the draft (through the outbox); remember the address for the receipt."""
    if not response.email:
        Response.objects.filter(pk=response.pk).update(email=email)
    resume_link_queue(
        response=response,
        to=email,
        context={
            "consultation": response.consultation,
            "response": response,
            "link": link,
            "expires_days": RESUME_MAX_AGE.days,
            "reply_to": response.consultation.contact_email,
        },
    )
