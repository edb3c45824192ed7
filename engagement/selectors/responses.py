"""Reads for the responding flow: the pages of a consultation, a respondent's draft and answers, summaries."""

import dataclasses
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Q, QuerySet

from governance.models import Area, Organisation

from ..models import Consultation, PendingEquality, Question, Response, Section
from ..questions import answer_label, is_visible, page_ruled_out


@dataclasses.dataclass(frozen=True)
class Page:
    number: int
    title: str
    intro: str
    questions: list[Question]


T = TypeVar("T")

# Per worker process, for at most ENGAGEMENT_RESPONDING_CACHE_SECONDS (default 1 s; 0 turns it off, as in tests):
# the consultation a resident is answering and its questions and pages. Every step of the responding flow needs
# both and under load they are the same rows each time; a manager's edit reaches residents within that time.
# Managers' own pages (edit, preview) never use this cache.
_responding_cache: dict[tuple[Any, ...], tuple[float, Any]] = {}
_RESPONDING_CACHE_MAX = 256  # slugs come from URLs: bound what a scan for missing ones can hold


def _cached(key: tuple[Any, ...], load: Callable[[], T]) -> T:
    ttl = float(getattr(settings, "ENGAGEMENT_RESPONDING_CACHE_SECONDS", 1.0))
    if ttl <= 0:
        return load()
    now = time.monotonic()
    hit = _responding_cache.get(key)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]  # type: ignore[no-any-return]
    value = load()
    if len(_responding_cache) >= _RESPONDING_CACHE_MAX:
        _responding_cache.clear()
    _responding_cache[key] = (now, value)
    return value


def consultation_for_responding(*, slug: str) -> Consultation | None:
    """A published consultation by slug (drafts are not found by residents); cached per worker, see above."""
    return _cached(
        ("consultation", slug),
        lambda: Consultation.objects.select_related("system").filter(slug=slug, is_published=True).first(),
    )


def consultation_questions(*, consultation: Consultation) -> list[Question]:
    return list(consultation.questions.select_related("section").order_by("section__order", "order"))


def consultation_pages(
    *, consultation: Consultation, questions: list[Question] | None = None, sections: list[Section] | None = None
) -> list[Page]:
    """One page per section in section order; questions outside any section come first; no sections: one page.
    `questions` (as consultation_questions orders them) and `sections` (in order): when the caller has them."""
    questions = questions if questions is not None else consultation_questions(consultation=consultation)
    sections = sections if sections is not None else list(consultation.sections.order_by("order"))
    if not sections:
        return [Page(1, "Your views", "", questions)] if questions else []
    pages: list[Page] = []
    loose = [q for q in questions if q.section_id is None]
    if loose:
        pages.append(Page(1, "Your views", "", loose))
    for section in sections:
        in_section = [q for q in questions if q.section_id == section.pk]
        if in_section:
            pages.append(Page(len(pages) + 1, section.title, section.intro, in_section))
    return pages


@dataclasses.dataclass(frozen=True)
class Structure:
    """A consultation's questions in order, by id, and as pages: what every responding step works from."""

    questions: list[Question]
    by_id: dict[int, Question]
    pages: list[Page]


def responding_structure(*, consultation: Consultation) -> Structure:
    """The questions and pages a resident answers; cached per worker like consultation_for_responding."""
    return _cached(("structure", consultation.pk), lambda: preview_structure(consultation=consultation))


def preview_structure(
    *, consultation: Consultation, questions: list[Question] | None = None, sections: list[Section] | None = None
) -> Structure:
    """The same structure read afresh: a manager previewing sees the edit they have just made. From `questions`
    and `sections` when the caller has just read them (consultation_pages)."""
    questions = questions if questions is not None else consultation_questions(consultation=consultation)
    pages = consultation_pages(consultation=consultation, questions=questions, sections=sections)
    return Structure(questions, {q.pk: q for q in questions}, pages)


def response_answers(*, response: Response) -> dict[int, tuple[Any, str]]:
    """Question id -> (value, other text) for the stored answers."""
    rows = response.answers.order_by().values_list("question_id", "value", "other_text")
    return {question_id: (value, other) for question_id, value, other in rows}


def answer_values(stored: dict[int, tuple[Any, str]]) -> dict[int, Any]:
    return {qid: value for qid, (value, _other) in stored.items()}


def page_is_hidden(*, page: Page, answers: dict[int, Any], questions_by_id: dict[int, Question]) -> bool:
    """A page whose every question is hidden by answers on other pages is skipped."""
    return page_ruled_out(page.questions, answers, questions_by_id)


def hidden_answers(*, structure: Structure, stored: dict[int, tuple[Any, str]]) -> list[int]:
    """Stored answers to questions that other answers now hide: dropped when answers are saved (a resident's
    draft, services/responses.py) or held (the managers' preview, in its session)."""
    values = answer_values(stored)
    return [
        qid
        for qid in stored
        if qid in structure.by_id and not is_visible(structure.by_id[qid], values, structure.by_id)
    ]


def missing_required(
    *, questions: list[Question], answers: dict[int, Any], questions_by_id: dict[int, Question]
) -> list[Question]:
    """Visible required questions without an answer (a draft cannot be sent until they are answered)."""
    return [
        q
        for q in questions
        if q.required and is_visible(q, answers, questions_by_id) and answers.get(q.pk) in (None, "", [])
    ]


@dataclasses.dataclass(frozen=True)
class Missing:
    """A required step not done yet: a question (`step` "page", on page `page_number`) or "About you"."""

    step: str
    label: str
    question: Question | None = None
    page_number: int = 0


def missing_questions(*, structure: Structure, answers: dict[int, Any]) -> list[Missing]:
    """The visible required questions not answered yet, in order, each with its page (to link to): for a
    resident's draft (response_missing) and the managers' preview, which has no "About you"."""
    page_of = {q.pk: p.number for p in structure.pages for q in p.questions}
    return [
        Missing("page", f"Answer “{q.text}”", q, page_of.get(q.pk, 1))
        for q in missing_required(questions=structure.questions, answers=answers, questions_by_id=structure.by_id)
    ]


def response_missing(*, structure: Structure, response: Response, answers: dict[int, Any]) -> list[Missing]:
    """Everything that must be done before `response` can be sent, in the order the resident meets it: the
    check-answers page lists it and `response_submit` refuses while any is left, however the resident arrived
    (a save-and-return link lands on check answers, past "About you")."""
    missing = missing_questions(structure=structure, answers=answers)
    if not response.respondent_type:
        missing.append(Missing("about_you", "Say whether you are responding as an individual or for an organisation"))
    elif response.for_organisation and not response.organisation_id and not response.organisation_name.strip():
        missing.append(Missing("about_you", "Choose your organisation or type its name"))
    return missing


@dataclasses.dataclass(frozen=True)
class SummaryRow:
    question: Question
    answer: str
    page_number: int


def answer_summary(*, pages: list[Page], stored: dict[int, tuple[Any, str]]) -> list[tuple[Page, list[SummaryRow]]]:
    """The visible questions and their answers, page by page (check answers, the receipt, my responses)."""
    questions_by_id = {q.pk: q for page in pages for q in page.questions}
    values = answer_values(stored)
    summary = []
    for page in pages:
        rows = []
        for question in page.questions:
            if not is_visible(question, values, questions_by_id):
                continue
            value, other = stored.get(question.pk, (None, ""))
            rows.append(SummaryRow(question, answer_label(question, value, other), page.number))
        if rows:
            summary.append((page, rows))
    return summary


def respondent_areas(*, consultation: Consultation) -> list[tuple[int, str]]:
    """Areas a respondent can say they live or work in: the borough / place level of the consultation's system.

    By default the level just under the whole system; ENGAGEMENT_RESPONDENT_AREA_LEVEL maps a system slug to
    another level slug (NEL's places are two ranks under the top).
    """
    system = consultation.system
    configured = getattr(settings, "ENGAGEMENT_RESPONDENT_AREA_LEVEL", {}).get(system.slug)
    areas = Area.objects.filter(system=system)
    if configured:
        areas = areas.filter(level__slug=configured)
    else:
        top = system.levels.order_by("-rank").values_list("rank", flat=True).first() or 0
        areas = areas.filter(level__rank=max(top - 1, 1))
    return list(areas.order_by("name").values_list("pk", "name"))


def respondent_organisations(*, consultation: Consultation) -> list[tuple[int, str]]:
    return list(
        Organisation.objects.filter(system=consultation.system).order_by("name").values_list("pk", "name")[:500]
    )


def response_of_user(*, consultation: Consultation, user: Any) -> Response | None:
    """The account's response to it (one per account and consultation: a draft, or sent), if any."""
    if not user.is_authenticated:
        return None
    return Response.objects.filter(consultation=consultation, user=user).first()


def changes_of(*, response: Response) -> Response | None:
    """The changes to a sent response not sent yet (State.CHANGES), if its resident has begun some."""
    return Response.objects.filter(replaces=response).select_related("consultation", "replaces").first()


def responses_for_user(*, user: Any) -> QuerySet[Response]:
    return (
        Response.objects.filter(user=user)
        .filter(Q(state=Response.State.SUBMITTED) | Q(state=Response.State.DRAFT))
        .select_related("consultation")
        .order_by("-updated_at")
    )


def held_equality(*, response: Response) -> dict[str, str]:
    """The equality answers held for a draft (see services/equality.py); empty when none were given."""
    row = PendingEquality.objects.filter(response=response).values_list("answers", flat=True).first()
    return dict(row) if row else {}
