"""Residents' forms, built from a consultation's questions at request time.

One `QuestionPageForm` per page (a section, or every question when there are no sections). Each question kind
becomes a Django field that `templates/includes/forms.html` renders as its NHS.UK component. Conditional
questions follow one rule, used both to decide what a page shows and what the server keeps: a question is
visible when its parent question is visible and its answer has the given value. A hidden question is never
required, and whatever was posted for it is discarded.

Every field has a maximum length, and all input is validated before anything is stored.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from .models import EqualityMonitoring, Question, Response

OTHER = "__other__"
OTHER_LABEL = "Other, please specify"
SHORT_TEXT_MAX = 500
LONG_TEXT_MAX = 10_000
OTHER_TEXT_MAX = 500  # Answer.other_text
HONEYPOT = "website"

YES_NO = [("yes", "Yes"), ("no", "No")]
AGREE_SCALE = [
    ("strongly_agree", "Strongly agree"),
    ("agree", "Agree"),
    ("neither", "Neither agree nor disagree"),
    ("disagree", "Disagree"),
    ("strongly_disagree", "Strongly disagree"),
]
EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"


def question_choices(question: Question) -> list[tuple[str, str]]:
    """(value, label) pairs. Choices are stored as strings (the label is the value) or as {"value", "label"}."""
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


def field_name(question: Question) -> str:
    return f"q{question.pk}"


def other_field_name(question: Question) -> str:
    return f"q{question.pk}_other"


def answer_label(question: Question, value: Any, other_text: str = "") -> str:
    """How an answer reads on the check-answers page and in the receipt."""
    if value in (None, "", []):
        return ""
    labels = dict(question_choices(question))
    values = value if isinstance(value, list) else [value]
    parts = []
    for v in values:
        if v == OTHER:
            parts.append(f"Other: {other_text}" if other_text else "Other")
        else:
            parts.append(labels.get(str(v), str(v)))
    return ", ".join(parts)


def answer_matches(question: Question, value: Any, expected: str) -> bool:
    """True when `value` (an answer to `question`) has the value a dependent question waits for.

    The expected value may be written as the stored value or as its label, in any case ("Yes", "yes").
    """
    if value in (None, "", []):
        return False
    target = (expected or "").strip().casefold()
    labels = dict(question_choices(question))
    values = value if isinstance(value, list) else [value]
    for v in values:
        v = str(v)
        if v.casefold() == target or labels.get(v, "").casefold() == target:
            return True
        if v == OTHER and target in {"other", OTHER_LABEL.casefold()}:
            return True
    return False


def is_visible(question: Question, answers: Mapping[int, Any], questions: Mapping[int, Question]) -> bool:
    """The one visibility rule: the parent is visible and its answer matches (chains are followed up)."""
    seen: set[int] = set()
    current = question
    while current.show_if_question_id:
        if current.pk in seen:  # a cycle cannot be made through the forms, but never loop
            return False
        seen.add(current.pk)
        parent = questions.get(current.show_if_question_id)
        if parent is None:
            return False
        if not answer_matches(parent, answers.get(parent.pk), current.show_if_value):
            return False
        current = parent
    return True


class HoneypotMixin(forms.Form):
    """A field people never see (off-screen, hidden from assistive technology); bots fill it in."""

    website = forms.CharField(required=False, max_length=200, label="Leave this empty")

    def honeypot_filled(self) -> bool:
        return bool(str(self.data.get(HONEYPOT, "")).strip())


class _MaxChoicesField(forms.MultipleChoiceField):
    def __init__(self, *, max_choices: int | None = None, question_text: str = "", **kwargs: Any) -> None:
        self.max_choices = max_choices
        self.question_text = question_text
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if self.max_choices and len(value) > self.max_choices:
            raise ValidationError(
                f"Select no more than {self.max_choices} options for “{self.question_text}”", code="max_choices"
            )


def _required_message(question: Question) -> str:
    text = question.text
    if question.kind in {Question.Kind.SINGLE_CHOICE, Question.Kind.YES_NO, Question.Kind.AGREE_SCALE}:
        return f"Select an answer for “{text}”"
    if question.kind == Question.Kind.MULTIPLE_CHOICE:
        return f"Select at least one option for “{text}”"
    if question.kind == Question.Kind.EMAIL:
        return f"Enter an email address for “{text}”"
    return f"Enter your answer to “{text}”"


def question_field(question: Question) -> forms.Field:
    """The Django field for one question (required is decided per request, see QuestionPageForm)."""
    label = question.text if question.required else f"{question.text} (optional)"
    errors = {
        "required": _required_message(question),
        "invalid_choice": f"Select one of the options given for “{question.text}”",
        "invalid_list": f"Select one of the options given for “{question.text}”",
    }
    common: dict[str, Any] = {"label": label, "help_text": question.hint, "required": question.required}
    kind = question.kind
    if kind in {Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT}:
        ceiling = SHORT_TEXT_MAX if kind == Question.Kind.SHORT_TEXT else LONG_TEXT_MAX
        max_length = min(question.max_length or ceiling, ceiling)
        errors["max_length"] = f"Your answer to “{question.text}” must be {max_length:,} characters or fewer"
        widget = forms.TextInput() if kind == Question.Kind.SHORT_TEXT else forms.Textarea(attrs={"rows": 6})
        return forms.CharField(max_length=max_length, widget=widget, error_messages=errors, **common)
    if kind == Question.Kind.EMAIL:
        errors["invalid"] = EMAIL_FORMAT
        errors["max_length"] = "Email address must be 254 characters or fewer"
        return forms.EmailField(max_length=254, error_messages=errors, **common)
    choices = question_choices(question)
    if question.allow_other and kind in {Question.Kind.SINGLE_CHOICE, Question.Kind.MULTIPLE_CHOICE}:
        choices.append((OTHER, OTHER_LABEL))
    if kind == Question.Kind.MULTIPLE_CHOICE:
        hint = question.hint
        if question.max_choices:
            hint = f"{hint} Select up to {question.max_choices}." if hint else f"Select up to {question.max_choices}."
        common["help_text"] = hint
        return _MaxChoicesField(
            choices=choices,
            widget=forms.CheckboxSelectMultiple,
            max_choices=question.max_choices,
            question_text=question.text,
            error_messages=errors,
            **common,
        )
    return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, error_messages=errors, **common)


def _raw_value(data: Any, question: Question) -> Any:
    name = field_name(question)
    if question.kind == Question.Kind.MULTIPLE_CHOICE:
        getlist = getattr(data, "getlist", None)
        values = getlist(name) if getlist else data.get(name)
        if isinstance(values, str):
            return [values]
        return [str(v) for v in values] if isinstance(values, list | tuple) else []
    value = data.get(name)
    return value if isinstance(value, str) else None


class QuestionPageForm(HoneypotMixin):
    """The questions of one page.

    `known_answers` holds the stored answers to every question (question id -> value), so questions that depend
    on an earlier page are shown or hidden by the same rule the server keeps answers by.
    """

    def __init__(
        self,
        *args: Any,
        questions: Iterable[Question],
        all_questions: Mapping[int, Question],
        known_answers: Mapping[int, Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.all_questions = all_questions
        self.page_questions = list(questions)
        page_ids = {q.pk for q in self.page_questions}
        self.hidden_ids: set[int] = set()
        self.depends_on_page: dict[int, Question] = {}

        answers: dict[int, Any] = dict(known_answers)
        self.ruled_out = {q.pk for q in self.page_questions if self._ruled_out(q, known_answers, page_ids)}
        for question in self.page_questions:
            name = field_name(question)
            self.fields[name] = question_field(question)
            if question.allow_other and question.kind in {
                Question.Kind.SINGLE_CHOICE,
                Question.Kind.MULTIPLE_CHOICE,
            }:
                self.fields[other_field_name(question)] = forms.CharField(
                    required=False,
                    max_length=OTHER_TEXT_MAX,
                    label="Please specify",
                    error_messages={"max_length": f"Your other answer must be {OTHER_TEXT_MAX} characters or fewer"},
                )
            parent_id = question.show_if_question_id
            if parent_id in page_ids:
                parent = all_questions[parent_id]
                self.depends_on_page[question.pk] = parent
                note = f"Answer this only if you answered “{question.show_if_value}” to “{parent.text}”."
                field = self.fields[name]
                field.help_text = f"{note} {field.help_text}".strip()
            if self.is_bound:
                answers[question.pk] = _raw_value(self.data, question)
                if not is_visible(question, answers, all_questions):
                    self.hidden_ids.add(question.pk)
                    self.fields[name].required = False
            elif question.pk in self.ruled_out:
                self.hidden_ids.add(question.pk)

    def rendered_questions(self) -> list[Question]:
        """What the page shows: questions not ruled out by earlier pages. One that depends on an answer on this
        page is always shown (without JavaScript it cannot appear later); the server ignores it when hidden."""
        return [q for q in self.page_questions if q.pk not in self.ruled_out]

    def _ruled_out(self, question: Question, known: Mapping[int, Any], page_ids: set[int]) -> bool:
        current = question
        seen: set[int] = set()
        while current.show_if_question_id and current.pk not in seen:
            seen.add(current.pk)
            parent = self.all_questions.get(current.show_if_question_id)
            if parent is None:
                return True
            if parent.pk not in page_ids and not answer_matches(parent, known.get(parent.pk), current.show_if_value):
                return True
            current = parent
        return False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for question in self.page_questions:
            name = field_name(question)
            other_name = other_field_name(question)
            if question.pk in self.hidden_ids:
                # Hidden: nothing posted for it is kept or complained about.
                self.errors.pop(name, None)
                self.errors.pop(other_name, None)
                cleaned[name] = None
                cleaned.pop(other_name, None)
                continue
            value = cleaned.get(name)
            if other_name in self.fields:
                chosen_other = value == OTHER or (isinstance(value, list) and OTHER in value)
                other_text = (cleaned.get(other_name) or "").strip()
                if chosen_other and not other_text and other_name not in self.errors:
                    self.add_error(other_name, f"Enter your other answer for “{question.text}”")
                if not chosen_other:
                    cleaned[other_name] = ""
        return cleaned

    def answers(self) -> dict[int, tuple[Any, str] | None]:
        """Question id -> (value, other text), or None to clear the answer (empty, or hidden)."""
        result: dict[int, tuple[Any, str] | None] = {}
        for question in self.page_questions:
            value = self.cleaned_data.get(field_name(question))
            if question.pk in self.hidden_ids or value in (None, "", []):
                result[question.pk] = None
                continue
            other = self.cleaned_data.get(other_field_name(question)) or ""
            result[question.pk] = (value, other.strip())
        return result

    def valid_answers(self) -> dict[int, tuple[Any, str] | None]:
        """For 'save and come back later' on an invalid page: keep what is valid, ignore the rest."""
        result: dict[int, tuple[Any, str] | None] = {}
        cleaned = getattr(self, "cleaned_data", {})
        for question in self.page_questions:
            name = field_name(question)
            if name in self.errors or name not in cleaned:
                continue
            value = cleaned.get(name)
            if question.pk in self.hidden_ids or value in (None, "", []):
                result[question.pk] = None
            else:
                other = "" if other_field_name(question) in self.errors else cleaned.get(other_field_name(question))
                result[question.pk] = (value, (other or "").strip())
        return result


def initial_for(questions: Iterable[Question], stored: Mapping[int, tuple[Any, str]]) -> dict[str, Any]:
    """Form initial data from stored answers (question id -> (value, other text))."""
    initial: dict[str, Any] = {}
    for question in questions:
        if question.pk in stored:
            value, other = stored[question.pk]
            initial[field_name(question)] = value
            if other:
                initial[other_field_name(question)] = other
    return initial


class AboutYouForm(HoneypotMixin):
    respondent_type = forms.ChoiceField(
        label="Are you responding as an individual or on behalf of an organisation?",
        choices=Response.RespondentType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you are responding as an individual or for an organisation"},
    )
    organisation = forms.ChoiceField(
        label="Choose your organisation",
        help_text="If it is not in the list, type its name below.",
        required=False,
        error_messages={"invalid_choice": "Choose an organisation from the list"},
    )
    organisation_name = forms.CharField(
        label="Name of your organisation",
        required=False,
        max_length=200,
        error_messages={"max_length": "Name of your organisation must be 200 characters or fewer"},
    )
    organisation_role = forms.CharField(
        label="Your role in the organisation (optional)",
        required=False,
        max_length=200,
        error_messages={"max_length": "Your role must be 200 characters or fewer"},
    )
    area = forms.ChoiceField(
        label="Where do you live or work? (optional)",
        required=False,
        error_messages={"invalid_choice": "Choose an area from the list"},
    )
    email = forms.EmailField(
        label="Email address (optional)",
        help_text="We will send you a receipt with a copy of your answers. We will not share your email address.",
        required=False,
        max_length=254,
        error_messages={"invalid": EMAIL_FORMAT, "max_length": "Email address must be 254 characters or fewer"},
    )
    consent_to_contact = forms.BooleanField(
        label="You may contact me by email about the outcome of this consultation",
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        organisations: Iterable[tuple[int, str]],
        areas: Iterable[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", "Choose an organisation")] + [  # type: ignore[attr-defined]
            (str(pk), name) for pk, name in organisations
        ]
        self.fields["area"].choices = [("", "Choose an area")] + [  # type: ignore[attr-defined]
            (str(pk), name) for pk, name in areas
        ]
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("respondent_type") == Response.RespondentType.ORGANISATION:
            given = cleaned.get("organisation") or (cleaned.get("organisation_name") or "").strip()
            if not given and "organisation_name" not in self.errors and "organisation" not in self.errors:
                self.add_error("organisation_name", "Choose your organisation or type its name")
        else:
            cleaned["organisation"] = ""
            cleaned["organisation_name"] = ""
            cleaned["organisation_role"] = ""
        if cleaned.get("consent_to_contact") and not cleaned.get("email") and "email" not in self.errors:
            self.add_error("email", "Enter your email address so we can contact you about the outcome")
        return cleaned


class EqualityForm(HoneypotMixin, forms.ModelForm):
    class Meta:
        model = EqualityMonitoring
        fields = (
            "age_band",
            "sex",
            "gender_identity",
            "ethnicity",
            "disability",
            "sexual_orientation",
            "religion",
            "carer",
        )
        labels = {
            "age_band": "What is your age?",
            "sex": "What is your sex?",
            "gender_identity": "Is the gender you identify with the same as your sex registered at birth?",
            "ethnicity": "What is your ethnic group?",
            "disability": (
                "Do you have any physical or mental health conditions or illnesses lasting or expected to last "
                "12 months or more, that reduce your ability to carry out day-to-day activities?"
            ),
            "sexual_orientation": "Which of the following best describes your sexual orientation?",
            "religion": "What is your religion?",
            "carer": (
                "Do you look after, or give any help or support to, anyone because they have long-term physical "
                "or mental health conditions or illnesses, or problems related to old age?"
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField):
                field.widget = forms.RadioSelect(choices=field.choices)  # type: ignore[arg-type]
                field.required = False
                field.error_messages["invalid_choice"] = "Select one of the options given"

    def answers(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in self.Meta.fields}


class SaveForLaterForm(HoneypotMixin):
    email = forms.EmailField(
        label="Email address",
        help_text="We will send you a link to come back to your answers. It works for 7 days.",
        max_length=254,
        error_messages={
            "required": "Enter your email address",
            "invalid": EMAIL_FORMAT,
            "max_length": "Email address must be 254 characters or fewer",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"


class SubmitForm(HoneypotMixin):
    """The check-answers page's form: the draft's submission token makes a second press or a form shown before a
    change a no-op; the reference lets a second press, after the session forgot the sent draft, find its
    confirmation (views/respond.py `respond_submit`)."""

    submission_token = forms.CharField(max_length=64, widget=forms.HiddenInput)
    reference = forms.CharField(max_length=9, required=False, widget=forms.HiddenInput)


def valid_email(value: str) -> bool:
    try:
        EmailValidator()(value)
    except ValidationError:
        return False
    return True
