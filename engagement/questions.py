"""The question rules, in one place: choice values and labels, the agree scale, "Other", and conditions.

A question may depend on an earlier one (`show_if_question`, `show_if_value`): it is visible when its parent is
visible and the parent's answer has that value. Forms (what a page shows and keeps), selectors (which pages to
skip, what is still missing), services (what a manager may set, which stored answers a change hides) and views all
use these functions, so the page a resident sees and what the server keeps cannot disagree.

No database access here: a question's rules depend only on the question rows and the answers given.
"""

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from .models import Question

OTHER = "__other__"  # the value stored for "Other, please specify"; its text is Answer.other_text
OTHER_LABEL = "Other, please specify"
OTHER_CONDITION_LABEL = "Other"

YES_NO = [("yes", "Yes"), ("no", "No")]
AGREE_SCALE = [
    ("strongly_agree", "Strongly agree"),
    ("agree", "Agree"),
    ("neither", "Neither agree nor disagree"),
    ("disagree", "Disagree"),
    ("strongly_disagree", "Strongly disagree"),
]

CHOICE_KINDS = frozenset({Question.Kind.SINGLE_CHOICE, Question.Kind.MULTIPLE_CHOICE})
TEXT_KINDS = frozenset({Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT})
# Kinds whose answers are typed (never dropped without telling the resident, see forms_respond).
TYPED_KINDS = TEXT_KINDS | {Question.Kind.EMAIL}
# Kinds a question may depend on: those with a fixed set of answers.
CONDITION_KINDS = CHOICE_KINDS | {Question.Kind.YES_NO, Question.Kind.AGREE_SCALE}


def has_other(question: Question) -> bool:
    return bool(question.allow_other) and question.kind in CHOICE_KINDS


def question_choices(question: Question) -> list[tuple[str, str]]:
    """(value, label) pairs, without "Other". Choices are stored as strings (the label is the value) or as
    {"value", "label"}."""
    if question.kind == Question.Kind.YES_NO:
        return list(YES_NO)
    if question.kind == Question.Kind.AGREE_SCALE:
        return list(AGREE_SCALE)
    pairs: list[tuple[str, str]] = []
    for choice in question.choices or []:
        if isinstance(choice, dict):
            label = str(choice.get("label") or choice.get("text") or choice.get("value") or "")
            value = str(choice.get("value") or label)
        else:
            label = value = str(choice)
        if value:
            pairs.append((value, label))
    return pairs


def condition_values(question: Question) -> dict[str, str]:
    """The answers (value -> label) a dependent question may wait for, "Other" included when offered."""
    values = dict(question_choices(question))
    if has_other(question):
        values[OTHER] = OTHER_CONDITION_LABEL
    return values


def condition_value(question: Question, expected: str) -> str | None:
    """The stored value that `expected` names (a value or a label, in any case), or None if it names none."""
    target = (expected or "").strip().casefold()
    if has_other(question) and target == OTHER_LABEL.casefold():
        return OTHER
    for value, label in condition_values(question).items():
        if target in {value.casefold(), label.casefold()}:
            return value
    return None


def answer_parts(value: Any) -> list[str]:
    """One answer as a list of chosen values (a multiple choice is a list; nothing given is [])."""
    if value in (None, "", []):
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def answer_label(question: Question, value: Any, other_text: str = "") -> str:
    """How an answer reads on the check-answers page and in the receipt."""
    return parts_label(answer_parts(value), other_text, labels=dict(question_choices(question)))


def parts_label(parts: Iterable[str], other_text: str = "", *, labels: Mapping[str, str]) -> str:
    """answer_label for an answer already split by answer_parts (an export splits each answer once for all its
    columns)."""
    return ", ".join(
        (f"Other: {other_text}" if other_text else "Other") if v == OTHER else labels.get(v, v) for v in parts
    )


def answer_matches(question: Question, value: Any, expected: str) -> bool:
    """True when `value` (an answer to `question`) has the value a dependent question waits for."""
    wanted = condition_value(question, expected)
    return wanted is not None and wanted in answer_parts(value)


def unmet_condition(
    question: Question, answers: Mapping[int, Any], questions: Mapping[int, Question]
) -> Question | None:
    """The question in `question`'s chain (itself or an ancestor) whose condition does not hold, or None when
    `question` is visible. Knowing which link fails lets a message name the answer that hides it."""
    seen: set[int] = set()
    current = question
    while current.show_if_question_id:
        if current.pk in seen:  # a cycle cannot be made through the services, but never loop
            return current
        seen.add(current.pk)
        parent = questions.get(current.show_if_question_id)
        if parent is None or not answer_matches(parent, answers.get(parent.pk), current.show_if_value):
            return current
        current = parent
    return None


def is_visible(question: Question, answers: Mapping[int, Any], questions: Mapping[int, Question]) -> bool:
    """The one visibility rule: the parent is visible and its answer matches (chains are followed up)."""
    return unmet_condition(question, answers, questions) is None


def condition_text(question: Question, questions: Mapping[int, Question]) -> str:
    """“Yes” to “Do you use the service?”: the answer `question` waits for, as a resident reads it."""
    parent = questions.get(question.show_if_question_id or 0)
    if parent is None:
        return ""
    value = condition_value(parent, question.show_if_value)
    label = condition_values(parent).get(value or "", question.show_if_value)
    return f"“{label}” to “{parent.text}”"


def ruled_out(
    question: Question, answers: Mapping[int, Any], questions: Mapping[int, Question], page_ids: Collection[int]
) -> bool:
    """Hidden whatever is answered on its own page: a condition on a question of another page does not hold.

    Conditions on questions of the same page (`page_ids`) are left to the page, which reveals the question when
    the answer there is given (see forms_respond)."""
    seen: set[int] = set()
    current = question
    while current.show_if_question_id and current.pk not in seen:
        seen.add(current.pk)
        parent = questions.get(current.show_if_question_id)
        if parent is None:
            return True
        if parent.pk not in page_ids and not answer_matches(parent, answers.get(parent.pk), current.show_if_value):
            return True
        current = parent
    return False


def page_ruled_out(
    page_questions: Iterable[Question], answers: Mapping[int, Any], questions: Mapping[int, Question]
) -> bool:
    """A page is skipped when every one of its questions is ruled out by answers on other pages."""
    page = list(page_questions)
    page_ids = {q.pk for q in page}
    return all(ruled_out(q, answers, questions, page_ids) for q in page)
