"""Sent responses with answers, for the reporting tests."""

import datetime
from typing import Any

from django.utils import timezone

from engagement.models import Answer, Consultation, EqualityMonitoring, Question, Response
from tests.engagement.factories import QuestionFactory, ResponseFactory


def sent(
    consultation: Consultation,
    answers: dict[Any, Any] | None = None,
    *,
    at: datetime.datetime | None = None,
    other: dict[Any, str] | None = None,
    **fields: Any,
) -> Response:
    """A sent (counted) response; `answers` maps a Question to its stored value, `other` to its "Other" text."""
    fields.setdefault("respondent_type", Response.RespondentType.INDIVIDUAL)
    response = ResponseFactory(
        consultation=consultation, state=Response.State.SUBMITTED, submitted_at=at or timezone.now(), **fields
    )
    other = other or {}
    Answer.objects.bulk_create(
        Answer(response=response, question=question, value=value, other_text=other.get(question, ""))
        for question, value in (answers or {}).items()
    )
    return response


def equality(consultation: Consultation, n: int, **fields: str) -> None:
    EqualityMonitoring.objects.bulk_create(EqualityMonitoring(consultation=consultation, **fields) for _ in range(n))


def export_questions(c: Consultation) -> dict[str, Question]:
    """One question of each kind an export treats apart: choice with "Other", multiple choice, text, email."""
    kind = Question.Kind
    return {
        "choice": QuestionFactory(consultation=c, order=1, kind=kind.SINGLE_CHOICE, choices=["A", "B"],
                                  allow_other=True, text="Which?"),
        "multi": QuestionFactory(consultation=c, order=2, kind=kind.MULTIPLE_CHOICE, choices=["Red", "Green"],
                                 text="Colours?"),
        "text": QuestionFactory(consultation=c, order=3, kind=kind.LONG_TEXT, text="Views?"),
        "email": QuestionFactory(consultation=c, order=4, kind=kind.EMAIL, text="Contact?"),
    }  # fmt: skip
