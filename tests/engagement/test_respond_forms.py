"""Every question kind and rule of the residents' forms, and the reference format."""

import re
from typing import Any

import pytest
from django.http import QueryDict
from django.template import engines
from django.test import RequestFactory

from engagement.forms_respond import AboutYouForm, EqualityForm, QuestionPageForm, posted_answers
from engagement.models import Question
from engagement.questions import AGREE_SCALE, OTHER, answer_label, answer_matches, is_visible
from engagement.references import ALPHABET, is_reference, new_reference, normalise
from tests.engagement.factories import ConsultationFactory, QuestionFactory
from tests.html import parse

pytestmark = pytest.mark.django_db


def page_form(questions: list[Question], data: dict[str, Any] | None = None, known: Any = None) -> QuestionPageForm:
    by_id = {q.pk: q for q in questions}
    return QuestionPageForm(data, questions=questions, all_questions=by_id, known_answers=known or {})


def render(form: QuestionPageForm) -> str:
    """The page's questions through the flow's own macro (field() and the NHS.UK components)."""
    template = engines["jinja2"].from_string(
        '{% from "engagement/respond/_macros.html" import question %}'
        "{% for q in form.rendered_questions() %}{{ question(form, q) }}{% endfor %}"
    )
    return template.render({"form": form}, RequestFactory().get("/"))


@pytest.fixture
def consultation() -> Any:
    return ConsultationFactory()


def q(consultation: Any, **kwargs: Any) -> Question:
    return QuestionFactory(consultation=consultation, **kwargs)


# --- each kind: field, component, validation ---
def test_short_text_is_an_input_with_a_character_count(consultation: Any) -> None:
    question = q(consultation, kind="short_text", text="Your name", max_length=20, required=True, hint="As you like")
    doc = parse(render(page_form([question])))
    box = doc.by_id(f"id_q{question.pk}")
    assert box.tag == "input"
    assert "nhsuk-js-character-count" in box.attrs["class"]
    # No maxlength: the browser would stop typing (or cut a paste) at the limit without a word.
    assert "maxlength" not in box.attrs
    wrapper = doc.one(class_="nhsuk-character-count")
    assert wrapper.attrs["data-module"] == "nhsuk-character-count"
    assert wrapper.attrs["data-maxlength"] == "20"
    # The limit is said without JavaScript, and the input is described by it.
    assert doc.by_id(f"id_q{question.pk}-info").text == "You can enter up to 20 characters"
    assert f"id_q{question.pk}-info" in box.attrs["aria-describedby"].split()
    assert "As you like" in doc.text
    form = page_form([question], {f"q{question.pk}": "x" * 21})
    assert not form.is_valid()
    assert form.errors[f"q{question.pk}"] == [
        "Your answer to “Your name” must be 20 characters or fewer. You have typed 21 characters."
    ]
    form = page_form([question], {})
    assert form.errors[f"q{question.pk}"] == ["Enter your answer to “Your name”"]
    form = page_form([question], {f"q{question.pk}": "  Ann  "})
    assert form.is_valid()
    assert form.answers() == {question.pk: ("Ann", "")}


@pytest.mark.parametrize(("limit", "tag"), [(100, "input"), (101, "textarea"), (None, "textarea")])
def test_a_short_answer_allowed_more_than_a_line_gets_a_three_line_box(consultation: Any, limit: Any, tag: str) -> None:
    """Up to 100 characters fit a one-line box; a longer limit (none given means 500) is a three-line box with
    the same count, so a long answer is not typed out of sight."""
    question = q(consultation, kind="short_text", text="Your group", max_length=limit)
    doc = parse(render(page_form([question])))
    box = doc.by_id(f"id_q{question.pk}")
    assert box.tag == tag
    if tag == "textarea":
        assert box.attrs["rows"] == "3"
    wrapper = doc.one(class_="nhsuk-character-count")
    assert wrapper.attrs["data-maxlength"] == str(limit or 500)


def test_long_text_is_a_character_count(consultation: Any) -> None:
    question = q(consultation, kind="long_text", max_length=300)
    html = render(page_form([question]))
    assert 'data-module="nhsuk-character-count"' in html
    assert 'data-maxlength="300"' in html
    assert "(optional)" in html
    assert not page_form([question], {f"q{question.pk}": "x" * 301}).is_valid()
    form = page_form([question], {f"q{question.pk}": ""})
    assert form.is_valid()
    assert form.answers() == {question.pk: None}


def test_text_has_a_ceiling_even_without_a_max_length(consultation: Any) -> None:
    question = q(consultation, kind="long_text", max_length=None)
    assert not page_form([question], {f"q{question.pk}": "x" * 10_001}).is_valid()


def test_single_choice_radios_with_other(consultation: Any) -> None:
    question = q(consultation, kind="single_choice", choices=["A", "B"], allow_other=True, required=True)
    name = f"q{question.pk}"
    html = render(page_form([question]))
    assert 'type="radio"' in html
    assert "Other, please specify" in html
    # The other box is always in the page, in the NHS.UK conditional reveal under "Other" (CSS hides it until
    # "Other" is picked, so it works without JavaScript).
    doc = parse(html)
    other_radio = doc.one("input", value=OTHER)
    reveal = doc.by_id(other_radio.attrs["data-aria-controls"])
    assert "nhsuk-radios__conditional" in reveal.attrs["class"]
    assert reveal.one("input", name=f"{name}_other")
    # Other picked: its text is required.
    form = page_form([question], {name: OTHER, f"{name}_other": " "})
    assert not form.is_valid()
    assert form.errors[f"{name}_other"] == [f"Enter your other answer for “{question.text}”"]
    form = page_form([question], {name: OTHER, f"{name}_other": "C"})
    assert form.is_valid()
    assert form.answers() == {question.pk: (OTHER, "C")}
    assert answer_label(question, OTHER, "C") == "Other: C"
    # Not picked: the text is not required; an empty box is ignored, typed text is not dropped without a word.
    form = page_form([question], {name: "A", f"{name}_other": " "})
    assert form.is_valid()
    assert form.answers() == {question.pk: ("A", "")}
    form = page_form([question], {name: "A", f"{name}_other": "stray"})
    assert not form.is_valid()
    assert form.errors[f"{name}_other"] == [
        f"You typed an “Other” answer for “{question.text}” but did not choose “Other”. "
        "Choose “Other” to keep it, or delete the text"
    ]
    # Shown again in its reveal, which holds the error, so CSS keeps it open whatever is picked.
    doc = parse(render(form))
    reveal = doc.by_id(doc.one("input", value=OTHER).attrs["data-aria-controls"])
    assert reveal.one(class_="nhsuk-form-group--error")
    assert reveal.by_id(f"id_{name}_other").attrs["value"] == "stray"
    form = page_form([question], {name: "Z"})
    assert form.errors[name] == [f"Select one of the options given for “{question.text}”"]


def test_single_choice_without_other_has_no_box(consultation: Any) -> None:
    question = q(consultation, kind="single_choice", choices=["A", "B"])
    html = render(page_form([question]))
    assert "_other" not in html
    assert not page_form([question], {f"q{question.pk}": OTHER}).is_valid()


def test_choices_as_value_label_objects(consultation: Any) -> None:
    question = q(consultation, kind="single_choice", choices=[{"value": "one", "label": "Option one"}])
    form = page_form([question], {f"q{question.pk}": "one"})
    assert form.is_valid()
    assert answer_label(question, "one") == "Option one"


def test_multiple_choice_checkboxes_with_maximum(consultation: Any) -> None:
    question = q(consultation, kind="multiple_choice", choices=["A", "B", "C"], max_choices=2, required=True)
    name = f"q{question.pk}"
    html = render(page_form([question]))
    assert 'type="checkbox"' in html
    assert "Select up to 2." in html
    form = page_form([question], {name: ["A", "B", "C"]})
    assert form.errors[name] == [f"Select no more than 2 options for “{question.text}”"]
    form = page_form([question], {})
    assert form.errors[name] == [f"Select at least one option for “{question.text}”"]
    form = page_form([question], {name: ["A", "C"]})
    assert form.is_valid()
    assert form.answers() == {question.pk: (["A", "C"], "")}
    assert answer_label(question, ["A", "C"]) == "A, C"


def test_the_limit_is_said_once_when_the_hint_already_says_it(consultation: Any) -> None:
    question = q(consultation, kind="multiple_choice", choices=["A", "B", "C"], max_choices=2, hint="Choose up to 2.")
    html = render(page_form([question]))
    assert "Choose up to 2." in html
    assert "Select up to 2." not in html


def test_multiple_choice_with_other(consultation: Any) -> None:
    question = q(consultation, kind="multiple_choice", choices=["A"], allow_other=True)
    name = f"q{question.pk}"
    assert not page_form([question], {name: ["A", OTHER]}).is_valid()
    form = page_form([question], {name: ["A", OTHER], f"{name}_other": "B"})
    assert form.is_valid()
    assert answer_label(question, ["A", OTHER], "B") == "A, Other: B"


def test_yes_no_radios(consultation: Any) -> None:
    question = q(consultation, kind="yes_no", required=True)
    html = render(page_form([question]))
    assert re.findall(r'type="radio" value="(\w+)"', html) == ["yes", "no"]
    assert page_form([question], {f"q{question.pk}": "yes"}).is_valid()
    assert not page_form([question], {f"q{question.pk}": "maybe"}).is_valid()
    assert answer_label(question, "no") == "No"


def test_agree_scale_five_points(consultation: Any) -> None:
    question = q(consultation, kind="agree_scale")
    html = render(page_form([question]))
    labels = [label for _value, label in AGREE_SCALE]
    assert labels == ["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"]
    positions = [html.index(label) for label in labels]
    assert positions == sorted(positions)
    assert page_form([question], {f"q{question.pk}": "strongly_disagree"}).is_valid()


def test_email_question(consultation: Any) -> None:
    question = q(consultation, kind="email", required=True)
    html = render(page_form([question]))
    assert 'type="email"' in html
    form = page_form([question], {f"q{question.pk}": "not-an-email"})
    assert form.errors[f"q{question.pk}"] == ["Enter an email address in the correct format, like name@example.com"]
    assert page_form([question], {f"q{question.pk}": "a@example.org"}).is_valid()


def test_wrong_types_are_errors_not_crashes(consultation: Any) -> None:
    text = q(consultation, kind="short_text", required=True)
    multi = q(consultation, kind="multiple_choice", choices=["A"])
    form = page_form([text, multi], {f"q{text.pk}": ["a", "b"], f"q{multi.pk}": "A"})
    form.is_valid()  # no exception whatever the shape


def test_a_percent_sign_in_a_question_is_shown_in_its_errors_not_a_crash(consultation: Any) -> None:
    text = q(consultation, kind="short_text", text="What % of your day (50% or more)?", max_length=5, required=True)
    single = q(consultation, kind="single_choice", text="100% sure?", choices=["A"], required=True)
    multi = q(consultation, kind="multiple_choice", text="Tick 1% of these", choices=["A"], max_choices=1)
    form = page_form([text, single, multi], {f"q{text.pk}": "toolong", f"q{single.pk}": "Z", f"q{multi.pk}": ["Z"]})
    assert not form.is_valid()
    assert form.errors[f"q{text.pk}"] == [
        "Your answer to “What % of your day (50% or more)?” must be 5 characters or fewer. You have typed 7 characters."
    ]
    assert form.errors[f"q{single.pk}"] == ["Select one of the options given for “100% sure?”"]
    assert form.errors[f"q{multi.pk}"] == ["Select one of the options given for “Tick 1% of these”"]
    form = page_form([text], {})
    assert form.errors[f"q{text.pk}"] == ["Enter your answer to “What % of your day (50% or more)?”"]


# --- conditions ---
def test_condition_matches_value_or_label_any_case(consultation: Any) -> None:
    parent = q(consultation, kind="yes_no")
    assert answer_matches(parent, "yes", "Yes")
    assert answer_matches(parent, "yes", "yes")
    assert not answer_matches(parent, "no", "Yes")
    assert not answer_matches(parent, None, "Yes")
    multi = q(consultation, kind="multiple_choice", choices=["A", "B"])
    assert answer_matches(multi, ["A", "B"], "b")


def test_chained_conditions(consultation: Any) -> None:
    a = q(consultation, kind="yes_no")
    b = q(consultation, kind="yes_no", show_if_question=a, show_if_value="yes")
    c = q(consultation, kind="short_text", show_if_question=b, show_if_value="yes")
    by_id = {x.pk: x for x in (a, b, c)}
    assert is_visible(c, {a.pk: "yes", b.pk: "yes"}, by_id)
    assert not is_visible(c, {a.pk: "no", b.pk: "yes"}, by_id), "a hidden parent hides its children"


def test_hidden_required_question_is_not_required(consultation: Any) -> None:
    parent = q(consultation, kind="yes_no", required=True)
    child = q(consultation, kind="short_text", required=True, show_if_question=parent, show_if_value="yes")
    form = page_form([parent, child], {f"q{parent.pk}": "no", f"q{child.pk}": "  "})
    assert form.is_valid(), form.errors
    assert form.answers() == {parent.pk: ("no", ""), child.pk: None}
    form = page_form([parent, child], {f"q{parent.pk}": "yes"})
    assert not form.is_valid()
    assert f"q{child.pk}" in form.errors


def test_hidden_question_with_a_choice_is_ignored(consultation: Any) -> None:
    parent = q(consultation, kind="yes_no")
    child = q(consultation, kind="single_choice", choices=["A", "B"], show_if_question=parent, show_if_value="yes")
    form = page_form([parent, child], {f"q{parent.pk}": "no", f"q{child.pk}": "Z"})
    assert form.is_valid(), form.errors
    assert form.answers() == {parent.pk: ("no", ""), child.pk: None}


def test_question_ruled_out_by_an_earlier_page_is_not_shown(consultation: Any) -> None:
    earlier = q(consultation, kind="yes_no")
    later = q(
        consultation,
        kind="short_text",
        max_length=50,
        text="Only for yes",
        show_if_question=earlier,
        show_if_value="yes",
    )
    by_id = {earlier.pk: earlier, later.pk: later}
    form = QuestionPageForm(questions=[later], all_questions=by_id, known_answers={earlier.pk: "no"})
    assert "Only for yes" not in render(form)
    form = QuestionPageForm(questions=[later], all_questions=by_id, known_answers={earlier.pk: "yes"})
    assert "Only for yes" in render(form)
    # Posted anyway while ruled out (a page kept open while the earlier answer changed): refused, and shown.
    form = QuestionPageForm(
        {f"q{later.pk}": "typed in another tab"},
        questions=[later],
        all_questions=by_id,
        known_answers={earlier.pk: "no"},
    )
    assert not form.is_valid()
    assert form.errors[f"q{later.pk}"] == [
        f"“Only for yes” applies only if you answer “Yes” to “{earlier.text}”. "
        "Change that answer to keep the 20 characters you typed here, or delete them"
    ]
    assert parse(render(form)).by_id(f"id_q{later.pk}").attrs["value"] == "typed in another tab"
    form = QuestionPageForm({}, questions=[later], all_questions=by_id, known_answers={earlier.pk: "no"})
    assert form.is_valid()
    assert form.answers() == {later.pk: None}


def test_same_page_condition_is_revealed_under_its_answer(consultation: Any) -> None:
    parent = q(consultation, kind="yes_no", text="Any views?")
    child = q(consultation, kind="long_text", text="Your views", show_if_question=parent, show_if_value="Yes")
    doc = parse(render(page_form([parent, child])))
    yes = doc.one("input", name=f"q{parent.pk}", value="yes")
    reveal = doc.by_id(yes.attrs["data-aria-controls"])
    # In the page (so it works without JavaScript), inside the reveal of "Yes" only, hidden until "Yes" is picked.
    assert reveal.by_id(f"id_q{child.pk}").tag == "textarea"
    assert "nhsuk-radios__conditional--hidden" in reveal.attrs["class"]
    assert "data-aria-controls" not in doc.one("input", name=f"q{parent.pk}", value="no").attrs
    assert len(doc.find_all("textarea")) == 1
    # "Yes" already given: the reveal starts open.
    form = QuestionPageForm(
        questions=[parent, child],
        all_questions={parent.pk: parent, child.pk: child},
        known_answers={},
        initial={f"q{parent.pk}": "yes"},
    )
    doc = parse(render(form))
    reveal = doc.by_id(doc.one("input", value="yes").attrs["data-aria-controls"])
    assert "nhsuk-radios__conditional--hidden" not in reveal.attrs["class"]


def test_text_for_a_question_whose_condition_does_not_hold_is_refused_not_dropped(consultation: Any) -> None:
    parent = q(consultation, kind="yes_no", text="Do you use the service?")
    child = q(
        consultation, kind="long_text", text="What would you change?", show_if_question=parent, show_if_value="yes"
    )
    typed = ("I have used this clinic for years and " * 50)[:1747]
    form = page_form([parent, child], {f"q{parent.pk}": "no", f"q{child.pk}": typed})
    assert not form.is_valid()
    assert form.errors[f"q{child.pk}"] == [
        "“What would you change?” applies only if you answer “Yes” to “Do you use the service?”. "
        "Change that answer to keep the 1,747 characters you typed here, or delete them"
    ]
    assert form.has_unsaved_text()
    # Shown again with every character and its error, in the reveal of "Yes", which the error keeps open.
    doc = parse(render(form))
    reveal = doc.by_id(doc.one("input", value="yes").attrs["data-aria-controls"])
    assert reveal.one(class_="nhsuk-form-group--error")
    box = reveal.by_id(f"id_q{child.pk}")
    assert box.text == typed
    assert f"id_q{child.pk}-error" in box.attrs["aria-describedby"].split()
    # Either way out works: the earlier answer changed (kept), or the text deleted (nothing to keep).
    form = page_form([parent, child], {f"q{parent.pk}": "yes", f"q{child.pk}": typed})
    assert form.is_valid()
    assert form.answers()[child.pk] == (typed, "")
    form = page_form([parent, child], {f"q{parent.pk}": "no", f"q{child.pk}": ""})
    assert form.is_valid()
    assert form.answers() == {parent.pk: ("no", ""), child.pk: None}


def test_chained_condition_names_the_answer_that_hides_it(consultation: Any) -> None:
    a = q(consultation, kind="yes_no", text="A?")
    b = q(consultation, kind="single_choice", text="B?", choices=["X", "Y"], show_if_question=a, show_if_value="yes")
    c = q(consultation, kind="short_text", text="C?", show_if_question=b, show_if_value="Y")
    form = page_form([a, b, c], {f"q{a.pk}": "no", f"q{b.pk}": "Y", f"q{c.pk}": "abc"})
    assert not form.is_valid()
    assert form.errors[f"q{c.pk}"][0].startswith("“C?” applies only if you answer “Yes” to “A?”.")
    # Nested reveals: C under "Y" of B, B under "Yes" of A.
    doc = parse(render(page_form([a, b, c])))
    reveal_a = doc.by_id(doc.one("input", name=f"q{a.pk}", value="yes").attrs["data-aria-controls"])
    reveal_b = reveal_a.by_id(reveal_a.one("input", name=f"q{b.pk}", value="Y").attrs["data-aria-controls"])
    assert reveal_b.by_id(f"id_q{c.pk}")


def test_hidden_choice_question_with_other_text_is_refused(consultation: Any) -> None:
    parent = q(consultation, kind="yes_no", text="P?")
    child = q(
        consultation,
        kind="multiple_choice",
        text="Which?",
        choices=["A"],
        allow_other=True,
        show_if_question=parent,
        show_if_value="yes",
    )
    form = page_form([parent, child], {f"q{parent.pk}": "no", f"q{child.pk}_other": "my own words"})
    assert not form.is_valid()
    assert list(form.errors) == [f"q{child.pk}_other"]
    assert parse(render(form)).by_id(f"id_q{child.pk}_other").attrs["value"] == "my own words"


def test_a_condition_on_a_checkbox_is_revealed_under_it(consultation: Any) -> None:
    parent = q(consultation, kind="multiple_choice", choices=["A", "B"], allow_other=True)
    child = q(consultation, kind="short_text", text="Why B?", show_if_question=parent, show_if_value="b")
    doc = parse(render(page_form([parent, child])))
    reveal = doc.by_id(doc.one("input", value="B").attrs["data-aria-controls"])
    assert "nhsuk-checkboxes__conditional" in reveal.attrs["class"]
    assert reveal.by_id(f"id_q{child.pk}")
    other = doc.by_id(doc.one("input", value=OTHER).attrs["data-aria-controls"])
    assert other.one("input", name=f"q{parent.pk}_other")
    form = page_form([parent, child], {f"q{parent.pk}": ["A", "B"], f"q{child.pk}": "because"})
    assert form.is_valid()
    assert form.answers()[child.pk] == ("because", "")


def test_posted_answers_read_as_on_check_answers_and_leave_tokens_out(consultation: Any) -> None:
    choice = q(consultation, kind="single_choice", text="Pick", choices=["A", "B"], allow_other=True)
    multi = q(consultation, kind="multiple_choice", text="Many", choices=["A", "B"])
    text = q(consultation, kind="long_text", text="Why?")
    data = QueryDict(mutable=True)
    data.update({f"q{choice.pk}": OTHER, f"q{choice.pk}_other": "C", f"q{text.pk}": " Because "})
    data.setlist(f"q{multi.pk}", ["A", "B"])
    data.update({"respondent_type": "organisation", "organisation": "12", "organisation_name": "Friends of X"})
    data.update({"consent_to_contact": "on", "csrfmiddlewaretoken": "t", "submission_token": "s", "website": "w"})
    assert posted_answers(data, [choice, multi, text]) == [
        ("Pick", "Other: C"),
        ("Many", "A, B"),
        ("Why?", "Because"),
        ("Are you responding as an individual or on behalf of an organisation?", "On behalf of an organisation"),
        ("Name of your organisation", "Friends of X"),
        ("You may contact me by email about the outcome of this consultation", "Yes"),
    ]


# --- about you, equality ---
def about_form(data: dict[str, Any]) -> AboutYouForm:
    return AboutYouForm(data, organisations=[(1, "NCL ICB")], areas=[(5, "Barnet")])


def test_about_you_individual_clears_organisation() -> None:
    form = about_form({"respondent_type": "individual", "organisation": "1", "area": "5"})
    assert form.is_valid()
    assert form.cleaned_data["organisation"] == ""
    # A typed organisation name or role is not dropped without a word.
    form = about_form({"respondent_type": "individual", "organisation_name": "X", "organisation_role": "Chair"})
    assert not form.is_valid()
    assert form.errors["organisation_name"] == [
        "You typed an organisation's name but chose “As an individual”. "
        "Choose “On behalf of an organisation” to keep it, or delete it"
    ]
    assert form.errors["organisation_role"][0].startswith("You typed a role but chose “As an individual”.")


def test_about_you_organisation_needs_one() -> None:
    assert not about_form({"respondent_type": "organisation"}).is_valid()
    assert about_form({"respondent_type": "organisation", "organisation_name": "Friends of X"}).is_valid()
    assert about_form({"respondent_type": "organisation", "organisation": "1"}).is_valid()
    assert not about_form({"respondent_type": "organisation", "organisation": "2"}).is_valid()


def test_about_you_rules() -> None:
    assert not about_form({}).is_valid()
    assert not about_form({"respondent_type": "individual", "area": "999"}).is_valid()
    assert not about_form({"respondent_type": "individual", "consent_to_contact": "on"}).is_valid()
    assert about_form({"respondent_type": "individual", "consent_to_contact": "on", "email": "a@b.org"}).is_valid()
    long_role = {"respondent_type": "organisation", "organisation_name": "X", "organisation_role": "x" * 201}
    assert not about_form(long_role).is_valid()


def test_equality_every_question_has_prefer_not_to_say_and_is_optional() -> None:
    form = EqualityForm({})
    assert form.is_valid()
    for name in form.Meta.fields:
        values = [v for v, _label in form.fields[name].choices]
        assert "prefer_not_to_say" in values, name
    assert not EqualityForm({"ethnicity": "martian"}).is_valid()


# --- references ---
def test_reference_format_and_alphabet() -> None:
    refs = {new_reference() for _ in range(2000)}
    assert len(refs) == 2000
    for ref in refs:
        assert is_reference(ref)
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", ref)
        assert not set(ref) & set("01OIL")
    assert not set(ALPHABET) & set("01OIL")
    assert set("".join(refs).replace("-", "")) == set(ALPHABET), "every character is used"


def test_reference_normalise() -> None:
    assert normalise("k7qx 3mpa") == "K7QX-3MPA"
    assert normalise("K7QX3MPA") == "K7QX-3MPA"
    assert normalise("K7QX-3MP0") is None
    assert normalise("short") is None


def test_a_line_break_counts_as_one_character_as_the_pages_count_says() -> None:
    """Browsers send each line break as CRLF; the NHS.UK character count (and the limit it shows) counts one."""
    question = QuestionFactory.build(pk=41, kind=Question.Kind.LONG_TEXT, text="Your views", max_length=20)
    typed = "first line\r\nsecond ln"  # 20 characters as the box counts them, 21 as sent
    form = page_form([question], {"q41": typed})
    assert form.is_valid(), form.errors
    assert form.answers() == {41: ("first line\nsecond ln", "")}
    form = page_form([question], {"q41": typed + "x"})
    assert form.errors["q41"] == [
        "Your answer to “Your views” must be 20 characters or fewer. You have typed 21 characters."
    ]


def test_about_you_an_organisation_chosen_and_one_typed_is_asked_about_not_dropped() -> None:
    form = about_form({"respondent_type": "organisation", "organisation": "1", "organisation_name": "Adult care team"})
    assert not form.is_valid()
    assert form.errors["organisation_name"] == [
        "You chose an organisation from the list and typed a name. Delete the name to keep your choice, "
        "or choose “Choose an organisation” to keep the name"
    ]


def test_messages_name_a_question_by_quoting_it() -> None:
    """A field labelled by a question is quoted in its messages, not spliced in as if it were a noun."""
    question = QuestionFactory.build(pk=42, kind=Question.Kind.SHORT_TEXT, text="In a few words, what would help?")
    assert page_form([question], {"q42": "a\x00b"}).errors["q42"] == [
        "Remove the hidden control character from your answer to “In a few words, what would help?”"
    ]
    assert about_form({"respondent_type": "robot"}).errors["respondent_type"] == [
        "Select whether you are responding as an individual or for an organisation"
    ]
