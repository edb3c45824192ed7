"""Writes for the responding flow: drafts, answers, about you, submitting, save-and-return links.

A response is a draft row from the first page on, so nothing is lost on refresh or back. Saving answers keeps
only the answers that are visible (an answer hidden by a changed earlier answer is deleted then); saving answers
or "About you" changes the draft's submission token, so a check-answers form shown before the change sends
nothing. There is one way to send: `response_submit`, a conditional update in one short transaction that checks
every required step (`selectors.responses.response_missing`) and queues the receipt, with the request's single
timestamp for the deadline. Changing a sent response works on a copy of it (`response_changes_start`), so
what was sent stays in every count until the changes are sent, and cancelling them is deleting the copy.
"""

import dataclasses
import datetime
import enum
import json
import secrets
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Case, F, Value, When

from ..links import RESUME_MAX_AGE
from ..models import Answer, Consultation, Response
from ..references import new_reference
from ..selectors.responses import (
    Missing,
    Structure,
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
    signed_in = user is not None and user.is_authenticated
    if signed_in:
        existing = Response.objects.filter(consultation=consultation, user=user).first()
        if existing:
            return existing
    try:
        return _create_with_reference(
            consultation=consultation,
            user=user if signed_in else None,
            email=(getattr(user, "email", "") or "") if signed_in else "",
        )
    except IntegrityError:
        existing = Response.objects.filter(consultation=consultation, user=user).first() if signed_in else None
        if existing:  # a parallel request created it first
            return existing
        raise


def _create_with_reference(**fields: Any) -> Response:
    """A new Response row with a fresh submission token and a reference drawn until one is free. Any other
    conflict (an account's one response, made by a parallel request) is the caller's to handle."""
    for _attempt in range(10):
        reference = new_reference()
        try:
            with transaction.atomic():
                return Response.objects.create(reference=reference, submission_token=_new_token(), **fields)
        except IntegrityError:
            if not Response.objects.filter(reference=reference).exists():
                raise
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
    # No address typed yet: the account's, as for a response begun signed in; one typed is kept.
    Response.objects.filter(pk=response.pk, user__isnull=True, state=Response.State.DRAFT).update(
        user=user,
        submission_token=_new_token(),
        email=Case(When(email="", then=Value(user.email or "")), default=F("email"), output_field=models.EmailField()),
    )
    response.refresh_from_db()
    return response


def response_is_editable(*, response: Response, user: Any, now: datetime.datetime, reopened: bool = False) -> bool:
    """A draft while the consultation accepts responses; a sent one (or changes to it) until then by its signed-in
    owner, or, sent without an account, when `reopened` (this browser followed the receipt's signed change link)."""
    if not response.consultation.accepts_responses_at(now=now):
        return False
    if response.state == Response.State.DRAFT:
        return True
    # A sent response, until the deadline and not into a late grace period: a change must not turn an on-time
    # response late (sending it again marks it late after closing), with or without an account.
    if now > response.consultation.closes_at:
        return False
    sent = response.replaces if response.is_changes else response
    assert sent is not None
    if sent.user_id is None:
        return reopened
    return user.is_authenticated and sent.user_id == user.pk


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
    """Submit a draft once, or send changes to a sent response (a CHANGES copy: `_send_changes`).

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
    if response.is_changes:
        return _send_changes(changes=response, now=now, site_url=site_url)
    structure = responding_structure(consultation=consultation)
    new_token = _new_token()
    is_late = now > consultation.closes_at
    with transaction.atomic():
        claimed = Response.objects.filter(
            pk=response.pk, submission_token=response.submission_token, state=Response.State.DRAFT
        ).update(
            state=Response.State.SUBMITTED,
            submission_token=new_token,
            updated_at=now,
            submitted_at=now,
            is_late=is_late,
        )
        if not claimed:  # another request submitted it (or changed it) first
            current = Response.objects.select_related("consultation").get(pk=response.pk)
            outcome = SubmitOutcome.ALREADY_SUBMITTED if current.state == "submitted" else SubmitOutcome.STALE
            return SubmitResult(outcome, current)
        hidden, incomplete = _checked(structure=structure, response=response)
        if incomplete:
            return incomplete
        if hidden:  # the questions changed since the answers were saved
            Answer.objects.filter(response=response, question_id__in=hidden).delete()
        response.state = Response.State.SUBMITTED
        response.submitted_at, response.is_late = now, is_late
        response.submission_token = new_token
        response.updated_at = now
        if response.email:
            receipt_queue(response=response, site_url=site_url, changed=False)
        return SubmitResult(SubmitOutcome.SUBMITTED, response)


def _checked(*, structure: Structure, response: Response) -> tuple[list[int], SubmitResult | None]:
    """The questions whose stored answers are hidden now, and INCOMPLETE (the transaction rolled back) if a
    required answer is missing: the one check a draft and a copy of changes both pass before they are sent."""
    stored = response_answers(response=response)
    missing = response_missing(structure=structure, response=response, answers=answer_values(stored))
    if missing:
        transaction.set_rollback(True)
        return [], SubmitResult(SubmitOutcome.INCOMPLETE, response, missing)
    return hidden_answers(structure=structure, stored=stored), None


def _as_given(answers: "models.QuerySet[Answer]") -> set[tuple[int, str, str]]:
    """Each answer as (question, value, other text), comparable across two responses (a value may be a list)."""
    rows = answers.values_list("question_id", "value", "other_text")
    return {(question, json.dumps(value, sort_keys=True), other) for question, value, other in rows}


def _send_changes(*, changes: Response, now: datetime.datetime, site_url: str) -> SubmitResult:
    """Apply changes (a CHANGES copy, checked like a draft) to the sent response they replace, then delete them,
    in one transaction. The sent response keeps its reference, `submitted_at` and lateness (the day it counts on);
    `changed_at` records this. Changes are only sent before the closing date: they must not make it late."""
    if now > changes.consultation.closes_at:
        raise ResponsesClosedError
    structure = responding_structure(consultation=changes.consultation)
    with transaction.atomic():
        # Locking the sent response orders two presses: the second finds the changes gone, ALREADY_SUBMITTED.
        assert changes.replaces_id is not None
        sent = (
            Response.objects.select_for_update(of=("self",)).select_related("consultation").get(pk=changes.replaces_id)
        )
        claimed = Response.objects.filter(pk=changes.pk, submission_token=changes.submission_token).update(
            submission_token=_new_token()
        )
        if not claimed:
            still = Response.objects.filter(pk=changes.pk).exists()
            return SubmitResult(SubmitOutcome.STALE if still else SubmitOutcome.ALREADY_SUBMITTED, sent)
        hidden, incomplete = _checked(structure=structure, response=changes)
        if incomplete:
            return incomplete
        # An answer the changes left as it was keeps its row, and so what staff filed it under (themes, suggested
        # themes); a changed or removed answer is replaced, and its tags go with the words they were given for.
        copy = Answer.objects.filter(response=changes).exclude(question_id__in=hidden)
        unchanged = [given[0] for given in _as_given(Answer.objects.filter(response=sent)) & _as_given(copy)]
        Answer.objects.filter(response=sent).exclude(question_id__in=unchanged).delete()
        copy.exclude(question_id__in=unchanged).update(response=sent)
        for name in SENT_FIELDS:
            setattr(sent, name, getattr(changes, name))
        sent.changed_at = sent.updated_at = now
        sent.submission_token = _new_token()
        sent.save(update_fields=[*SENT_FIELDS, "changed_at", "updated_at", "submission_token"])
        changes.delete()
        if sent.email:
            receipt_queue(response=sent, site_url=site_url, changed=True)
        return SubmitResult(SubmitOutcome.SUBMITTED, sent)


# --- Changing a sent response, and cancelling the changes ---
# Changes are made on a copy (State.CHANGES) with the same pages and services as a draft; the sent response is
# untouched until `response_submit` applies them, and cancelling deletes the copy.
SENT_FIELDS = (
    "respondent_type",
    "organisation_id",
    "organisation_name",
    "organisation_role",
    "area_id",
    "email",
    "consent_to_contact",
)


@transaction.atomic
def response_changes_start(*, response: Response, fresh: bool = False) -> Response:
    """The changes to a sent response: the ones already begun, or a new copy of what was sent (its about you and
    answers). `fresh` starts again from what was sent (a change link followed in a browser that holds none)."""
    sent = Response.objects.select_for_update(of=("self",)).select_related("consultation").get(pk=response.pk)
    if sent.state != Response.State.SUBMITTED:
        raise ValueError("Only a sent response can be changed.")
    existing = Response.objects.filter(replaces=sent).select_related("consultation", "replaces").first()
    if existing is not None and not fresh:
        return existing
    if existing is not None:
        existing.delete()
    changes = _create_with_reference(
        consultation=sent.consultation,
        state=Response.State.CHANGES,
        replaces=sent,
        channel=sent.channel,
        **{name: getattr(sent, name) for name in SENT_FIELDS},
    )
    Answer.objects.bulk_create(
        Answer(response=changes, question_id=a.question_id, value=a.value, other_text=a.other_text)
        for a in sent.answers.order_by("pk")
    )
    return changes


def response_changes_cancel(*, changes: Response) -> bool:
    """Forget changes not sent yet (what was sent never changed); False when there were none (sent or
    cancelled already)."""
    deleted, _ = Response.objects.filter(pk=changes.pk, state=Response.State.CHANGES).delete()
    return bool(deleted)


@transaction.atomic
def response_send_resume_link(*, response: Response, email: str, link: str, now: datetime.datetime) -> None:
    """Email a link to come back to the draft (through the outbox); its address is the receipt's from now on, as
    the save page promises (a resident who corrects the address there means the new one)."""
    Response.objects.filter(pk=response.pk).exclude(email=email).update(email=email)
    response.email = email
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
