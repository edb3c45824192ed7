"""The question rules (engagement/questions.py), that they live only there, and what the responding flow does with
text typed for a question whose condition does not hold."""

import ast
import pathlib
from http import HTTPStatus
from typing import Any

import pytest
from django.urls import reverse

from engagement import questions as rules
from engagement.models import Answer, Question, Response
from engagement.services import consultations as consultation_svc
from tests.engagement.factories import ConsultationFactory, QuestionFactory, respond_survey

pytestmark = pytest.mark.django_db

ENGAGEMENT = pathlib.Path(rules.__file__).parent
RULES = {
    "is_visible",
    "answer_matches",
    "answer_label",
    "question_choices",
    "condition_values",
    "condition_value",
    "unmet_condition",
    "ruled_out",
}


def test_the_rules_are_defined_once_in_the_domain_module() -> None:
    """No other engagement module defines a rule function, the agree scale or the "Other" value."""
    offenders = []
    for path in ENGAGEMENT.rglob("*.py"):
        if path.name == "questions.py" or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.lstrip("_") in RULES:
                offenders.append(f"{path.name}: def {node.name}")
            if isinstance(node, ast.Constant) and node.value in {"__other__", "strongly_agree", "Strongly agree"}:
                offenders.append(f"{path.name}:{node.lineno} {node.value!r}")
    assert offenders == []


def test_condition_values_and_normalising(db: Any) -> None:
    consultation = ConsultationFactory()
    choice = QuestionFactory(consultation=consultation, kind="single_choice", choices=["A", "B"], allow_other=True)
    agree = QuestionFactory(consultation=consultation, kind="agree_scale")
    assert rules.condition_values(choice) == {"A": "A", "B": "B", rules.OTHER: "Other"}
    assert rules.condition_value(choice, " other ") == rules.OTHER
    assert rules.condition_value(choice, "Other, please specify") == rules.OTHER
    assert rules.condition_value(agree, "neither AGREE nor disagree") == "neither"
    assert rules.condition_value(agree, "maybe") is None
    # The manager's service stores the value the rules name, and refuses what they do not know.
    dependent = consultation_svc.question_create(
        consultation=consultation, kind="short_text", text="Why?", show_if_question=agree, show_if_value="Agree"
    )
    assert dependent.show_if_value == "agree"
    with pytest.raises(consultation_svc.ValidationError, match="Choose one of the answers to"):
        consultation_svc.question_create(
            consultation=consultation, kind="short_text", text="Why?", show_if_question=agree, show_if_value="Meh"
        )


def test_answer_parts_and_unmet_condition(db: Any) -> None:
    consultation = ConsultationFactory()
    a = QuestionFactory(consultation=consultation, kind="yes_no", order=1)
    b = QuestionFactory(
        consultation=consultation, kind="multiple_choice", choices=["X", "Y"], order=2, show_if_question=a,
        show_if_value="yes",
    )  # fmt: skip
    c = QuestionFactory(consultation=consultation, kind="short_text", order=3, show_if_question=b, show_if_value="Y")
    by_id = {x.pk: x for x in (a, b, c)}
    assert rules.answer_parts(None) == []
    assert rules.answer_parts(["X", "Y"]) == ["X", "Y"]
    assert rules.unmet_condition(c, {a.pk: "yes", b.pk: ["X", "Y"]}, by_id) is None
    assert rules.unmet_condition(c, {a.pk: "yes", b.pk: ["X"]}, by_id) == c
    assert rules.unmet_condition(c, {a.pk: "no", b.pk: ["Y"]}, by_id) == b, "the link that fails"
    assert rules.condition_text(b, by_id) == f"“Yes” to “{a.text}”"
    # A page of b and c is ruled out by a's answer on another page, whatever is answered on it.
    assert rules.page_ruled_out([b, c], {a.pk: "no"}, by_id)
    assert not rules.page_ruled_out([b, c], {a.pk: "yes"}, by_id)


# --- the flow ---
def url(name: str, consultation: Any, *args: Any) -> str:
    return reverse(f"engagement:{name}", args=[consultation.slug, *args])


@pytest.fixture
def survey(db: Any) -> Any:
    return respond_survey()


def started(client: Any, survey: Any) -> Response:
    client.post(url("respond_start", survey), {"action": "start"})
    return Response.objects.get(consultation=survey)


def test_long_text_typed_for_a_hidden_question_is_shown_again_not_dropped(client: Any, survey: Any) -> None:
    started(client, survey)
    q = survey.q
    Question.objects.filter(pk=q["detail"].pk).update(max_length=5000)
    typed = ("My views on the clinic move: " * 70)[:1747]
    data = {f"q{q['choice'].pk}": "Option 1", f"q{q['yes'].pk}": "no", f"q{q['detail'].pk}": typed}
    for action in ("continue", "save_later"):
        r = client.post(url("respond_page", survey, 1), {**data, "action": action})
        assert r.status_code == HTTPStatus.OK, action
        body = r.content.decode()
        assert body.count("applies only if you answer “Yes” to “Do you have other views?”") == 2, "summary + field"
        assert "keep the 1,747 characters you typed here" in body
        assert typed in body, "every character is shown again"
        assert not Answer.objects.exists(), "nothing is stored while it is unresolved"
    r = client.post(url("respond_page", survey, 1), {**data, f"q{q['yes'].pk}": "yes", "action": "continue"})
    assert r.status_code == HTTPStatus.FOUND
    assert Answer.objects.get(question=q["detail"]).value == typed


def test_save_later_with_text_over_the_limit_keeps_the_page(client: Any, survey: Any) -> None:
    started(client, survey)
    q = survey.q
    too_long = "x" * 51
    data = {f"q{q['multi'].pk}": "Access", f"q{q['short'].pk}": too_long, "action": "save_later"}
    r = client.post(url("respond_page", survey, 2), data)
    assert r.status_code == HTTPStatus.OK
    body = r.content.decode()
    assert "Your answer to “Your group” must be 50 characters or fewer. You have typed 51 characters." in body
    assert f'value="{too_long}"' in body
    assert "You can enter up to 50 characters" in body
    # Nothing typed is at risk: save and come back later goes ahead with what is valid.
    r = client.post(url("respond_page", survey, 2), {**data, f"q{q['short'].pk}": ""})
    assert r["Location"] == url("respond_save", survey)
    assert Answer.objects.get(question=q["multi"]).value == ["Access"]


def test_changing_an_earlier_answer_asks_before_removing_text_typed_on_a_later_page(client: Any, survey: Any) -> None:
    response = started(client, survey)
    q = survey.q
    Question.objects.filter(pk=q["follow"].pk).update(max_length=None, kind="long_text")
    typed = ("Option 1 keeps the borough boards, which residents know. " * 40)[:1747]
    Answer.objects.create(response=response, question=q["choice"], value="Option 1")
    Answer.objects.create(response=response, question=q["follow"], value=typed)
    changed = {f"q{q['choice'].pk}": "Option 2", f"q{q['yes'].pk}": "no", "action": "continue"}
    for action in ("continue", "save_later"):
        r = client.post(url("respond_page", survey, 1) + "?change=1", {**changed, "action": action})
        assert r.status_code == HTTPStatus.OK, action
        body = r.content.decode()
        assert (
            "Your answer to “Why option 1?” (1,747 characters) applies only if you answer “Option 1” to "
            "“Which governance option do you prefer?”. Keep that answer, or tick the box to remove it"
        ) in body
        assert "Remove my answer to “Why option 1?” and continue" in body
        assert Answer.objects.get(question=q["follow"]).value == typed, "nothing removed yet"
        assert Answer.objects.get(question=q["choice"]).value == "Option 1"
    # Keeping the earlier answer keeps everything; ticking the box removes it, as asked.
    r = client.post(url("respond_page", survey, 1) + "?change=1", {**changed, f"q{q['choice'].pk}": "Option 1"})
    assert r.status_code == HTTPStatus.FOUND
    assert Answer.objects.get(question=q["follow"]).value == typed
    r = client.post(url("respond_page", survey, 1) + "?change=1", {**changed, "remove_hidden": "on"})
    assert r.status_code == HTTPStatus.FOUND
    assert not Answer.objects.filter(question=q["follow"]).exists()
    assert Answer.objects.get(question=q["choice"]).value == "Option 2"
