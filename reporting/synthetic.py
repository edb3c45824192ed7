"""Synthetic responses for demos, benchmarks and tests: `manage.py generate_responses SLUG --count N [--seed S]`.

Realistic enough to exercise every figure: every question kind answered (conditions respected, optional ones
sometimes skipped, "Other" sometimes typed), respondents spread over the consultation's respondent areas, some on
behalf of organisations, a few late, and equality answers for most (kept apart, as the real flow does). Written
with bulk_create in batches, so a hundred thousand take seconds, not hours. The same seed gives the same answers.
"""

import datetime
import random
from collections.abc import Iterator
from typing import Any

from django.db import transaction

from engagement.models import Answer, Consultation, EqualityMonitoring, Question, Response
from engagement.questions import OTHER, TEXT_KINDS, is_visible, question_choices
from engagement.references import new_reference
from engagement.selectors.responses import respondent_areas
from governance.models import Organisation

BATCH = 1000
WORDS = [
    "waiting",
    "times",
    "access",
    "GP",
    "appointments",
    "local",
    "services",
    "travel",
    "community",
    "care",
    "mental",
    "health",
    "support",
    "carers",
    "pharmacy",
    "hospital",
    "discharge",
    "prevention",
    "young",
    "people",
    "older",
    "people",
    "housing",
    "transport",
    "digital",
    "online",
    "booking",
    "phone",
    "interpreters",
    "staff",
    "nurses",
    "continuity",
    "trust",
    "information",
    "clear",
    "decisions",
    "borough",
]
OPENINGS = ["I think", "We feel", "In my experience", "Please consider", "It matters that", "My concern is that"]
OTHER_TEXTS = ["A mix of both", "Neither option", "Something more local", "It depends on the service", "Not sure"]
ORGANISATION_NAMES = ["Residents' association", "Carers' network", "Patient participation group", "Youth forum"]


def _sentence(rng: random.Random, words: int) -> str:
    return f"{rng.choice(OPENINGS)} {' '.join(rng.choice(WORDS) for _ in range(words))}."


def _value(rng: random.Random, question: Question, n: int) -> tuple[Any, str]:
    """A stored answer value and its "Other" text."""
    if question.kind in TEXT_KINDS:
        length = rng.randint(3, 12) if question.kind == Question.Kind.SHORT_TEXT else rng.randint(8, 60)
        text = _sentence(rng, length)
        return (text[: question.max_length] if question.max_length else text), ""
    if question.kind == Question.Kind.EMAIL:
        return f"respondent{n}@example.org", ""
    values = [value for value, _label in question_choices(question)]
    other = bool(question.allow_other) and rng.random() < 0.08
    if question.kind == Question.Kind.MULTIPLE_CHOICE:
        most = min(question.max_choices or len(values), len(values))
        chosen = rng.sample(values, rng.randint(1, most)) if values and most else []
        if other or not chosen:
            chosen = [*chosen[: max(most - 1, 0)], OTHER] if question.allow_other else chosen
        return chosen, rng.choice(OTHER_TEXTS) if OTHER in chosen else ""
    if other or not values:
        return OTHER, rng.choice(OTHER_TEXTS)
    # Earlier options a little more often, as real answers lean.
    return rng.choices(values, weights=range(len(values) + 1, 1, -1))[0], ""


def _equality(rng: random.Random, consultation: Consultation) -> EqualityMonitoring:
    def pick(choices: list[tuple[str, str]]) -> str:
        return "" if rng.random() < 0.1 else rng.choice(choices)[0]

    model = EqualityMonitoring
    return model(
        consultation=consultation, age_band=pick(model.AGE_BANDS), sex=pick(model.SEXES),
        gender_identity=pick(model.GENDER_IDENTITY), ethnicity=pick(model.ETHNICITIES),
        disability=pick(model.DISABILITY), sexual_orientation=pick(model.SEXUAL_ORIENTATION),
        religion=pick(model.RELIGION), carer=pick(model.CARER),
    )  # fmt: skip


def unused_references(count: int) -> Iterator[str]:
    """Fresh references, none already used (checked in one query per batch)."""
    made: set[str] = set()
    while len(made) < count:
        batch = {new_reference() for _ in range(min(count - len(made), BATCH) + 8)} - made
        batch -= set(Response.objects.filter(reference__in=batch).values_list("reference", flat=True))
        made |= set(list(batch)[: count - len(made)])
    yield from sorted(made)


@transaction.atomic
def responses_generate(*, consultation: Consultation, count: int, seed: int, now: datetime.datetime) -> int:
    """Add `count` sent responses (and equality answers for about 60% of them); returns how many were made."""
    rng = random.Random(seed)
    questions = list(consultation.questions.order_by("section__order", "order"))
    by_id = {q.pk: q for q in questions}
    areas = [pk for pk, _name in respondent_areas(consultation=consultation)]
    organisations = list(
        Organisation.objects.filter(system_id=consultation.system_id).values_list("pk", flat=True)[:50]
    )
    start = consultation.opens_at
    end = min(consultation.closes_at, now)
    if end <= start:
        end = start + datetime.timedelta(hours=1)
    late_until = consultation.closes_at + (consultation.late_grace or datetime.timedelta(days=2))
    can_be_late = consultation.closes_at < now

    references = unused_references(count)
    made = 0
    while made < count:
        size = min(BATCH, count - made)
        responses, answer_sets, equality = [], [], []
        for offset in range(size):
            n = made + offset
            kind = rng.choices(["individual", "organisation", ""], weights=[85, 12, 3])[0]
            late = can_be_late and rng.random() < 0.04
            span = (min(late_until, now) - consultation.closes_at) if late else (end - start)
            at = (consultation.closes_at if late else start) + span * rng.random()
            org = rng.choice(organisations) if kind == "organisation" and organisations else None
            responses.append(
                Response(
                    consultation=consultation,
                    reference=next(references),
                    state=Response.State.SUBMITTED,
                    respondent_type=kind,
                    organisation_id=org,
                    organisation_name="" if org or kind != "organisation" else rng.choice(ORGANISATION_NAMES),
                    area_id=rng.choice(areas) if areas and rng.random() < 0.95 else None,
                    is_late=late,
                    submitted_at=at,
                    consent_to_contact=rng.random() < 0.3,
                    is_synthetic=True,
                )
            )
            given: dict[int, Any] = {}
            answers = []
            for question in questions:
                if not is_visible(question, given, by_id) or (not question.required and rng.random() < 0.15):
                    continue
                value, other_text = _value(rng, question, n)
                given[question.pk] = value
                answers.append((question, value, other_text))
            answer_sets.append(answers)
            if kind != "organisation" and rng.random() < 0.6:  # about people, as the flow asks only individuals
                equality.append(_equality(rng, consultation))
        Response.objects.bulk_create(responses)
        Answer.objects.bulk_create(
            (
                Answer(response=response, question=question, value=value, other_text=other_text)
                for response, answers in zip(responses, answer_sets, strict=True)
                for question, value, other_text in answers
            ),
            batch_size=5000,
        )
        rng.shuffle(equality)  # no order to line up with the responses
        EqualityMonitoring.objects.bulk_create(equality)
        made += size
    return made
