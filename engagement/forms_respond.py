"""Residents' forms, built from a consultation's questions at request time.

One `QuestionPageForm` per page (a section, or every question when there are no sections). Each question kind
becomes a Django field that `templates/includes/forms.html` renders as its NHS.UK component. Which questions are
visible is decided by the rules in `engagement/questions.py`. A question that depends on an answer on the same page
is revealed under that answer (the NHS.UK conditional reveal, shown by CSS alone, see static/css/portal.css); one
that depends on an earlier page is left out while that answer does not match. A hidden question is never required
and nothing chosen for it is kept; text typed into it is refused with a message rather than dropped.

Every field has a maximum length, and all input is validated before anything is stored.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from ics_portal.forms import CharacterCountInput, PlainErrorsMixin, Textarea

from .models import EqualityMonitoring, Question, Response
from .questions import (
    OTHER,
    OTHER_LABEL,
    TYPED_KINDS,
    answer_label,
    answer_parts,
    condition_text,
    condition_value,
    has_other,
    is_visible,
    question_choices,
    ruled_out,
    unmet_condition,
)
from .services.equality import EQUALITY_FIELDS

SHORT_TEXT_MAX = 500
# A short answer allowed more than this is asked for in a three-line box, so what is typed stays in view.
SHORT_TEXT_ONE_LINE = 100
LONG_TEXT_MAX = 10_000
OTHER_TEXT_MAX = 500  # Answer.other_text
HONEYPOT = "website"
REMOVE_HIDDEN = "remove_hidden"  # the box that confirms removing typed answers on other pages (QuestionPageForm)

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"


def field_name(question: Question) -> str:
    return f"q{question.pk}"


def other_field_name(question: Question) -> str:
    return f"q{question.pk}_other"


class HoneypotMixin(PlainErrorsMixin, forms.Form):
    """A field people never see (off-screen, hidden from assistive technology); bots fill it in."""

    website = forms.CharField(required=False, max_length=200, label="Leave this empty")

    def honeypot_filled(self) -> bool:
        return bool(str(self.data.get(HONEYPOT, "")).strip())

    def has_entries(self) -> bool:
        """Something was chosen or typed on the page (the honeypot aside): leaving without saving would lose it."""
        values = getattr(self.data, "getlist", lambda name: [self.data.get(name)])
        return any(str(v or "").strip() for name in self.fields if name != HONEYPOT for v in values(name))


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
    # Django %-formats the messages it raises with params (invalid_choice, max_length): a "%" a manager typed in
    # the question would break that formatting (a 500), so it is doubled there and only there.
    literal = question.text.replace("%", "%%")
    errors = {
        "required": _required_message(question),
        "invalid_choice": f"Select one of the options given for “{literal}”",
        "invalid_list": f"Select one of the options given for “{question.text}”",
        "null_characters_not_allowed": f"Remove the hidden control character from your answer to “{literal}”",
    }
    common: dict[str, Any] = {"label": label, "help_text": question.hint, "required": question.required}
    kind = question.kind
    if kind in {Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT}:
        ceiling = SHORT_TEXT_MAX if kind == Question.Kind.SHORT_TEXT else LONG_TEXT_MAX
        max_length = min(question.max_length or ceiling, ceiling)
        errors["max_length"] = (
            f"Your answer to “{literal}” must be {max_length:,} characters or fewer. You have typed %(show_value)d characters."
        )
        # Both show the limit and count as the resident types (NHS.UK character count): never a silent stop.
        if kind == Question.Kind.LONG_TEXT:
            widget: forms.Widget = Textarea(attrs={"rows": 6})
        elif max_length > SHORT_TEXT_ONE_LINE:
            widget = Textarea(attrs={"rows": 3})
        else:
            widget = CharacterCountInput()
        return forms.CharField(max_length=max_length, widget=widget, error_messages=errors, **common)
    if kind == Question.Kind.EMAIL:
        errors["invalid"] = EMAIL_FORMAT
        errors["max_length"] = "Email address must be 254 characters or fewer"
        return forms.EmailField(max_length=254, error_messages=errors, **common)
    choices = question_choices(question)
    if has_other(question):
        choices.append((OTHER, OTHER_LABEL))
    if kind == Question.Kind.MULTIPLE_CHOICE:
        hint = question.hint
        # The limit is said once: not again when the manager's own hint says it ("Choose up to 3.").
        if question.max_choices and f"up to {question.max_choices}" not in hint.lower():
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


def _typed(data: Any, name: str) -> str:
    """The text posted for a typed field, stripped ('' when none, or not text)."""
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


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
        # Question id -> its parent, for questions revealed by an answer on this page.
        self.parent_on_page: dict[int, Question] = {}
        # Field names of questions holding typed text that would not be kept (see clean).
        self.unapplied: set[str] = set()

        answers: dict[int, Any] = dict(known_answers)
        self.ruled_out = {q.pk for q in self.page_questions if ruled_out(q, known_answers, all_questions, page_ids)}
        for question in self.page_questions:
            name = field_name(question)
            self.fields[name] = question_field(question)
            if has_other(question):
                self.fields[other_field_name(question)] = forms.CharField(
                    required=False,
                    max_length=OTHER_TEXT_MAX,
                    label="Please specify",
                    widget=CharacterCountInput(),
                    error_messages={"max_length": f"Your other answer must be {OTHER_TEXT_MAX} characters or fewer"},
                )
            parent_id = question.show_if_question_id
            if parent_id in page_ids:
                self.parent_on_page[question.pk] = all_questions[parent_id]
            if self.is_bound:
                answers[question.pk] = _raw_value(self.data, question)
                if not is_visible(question, answers, all_questions):
                    self.hidden_ids.add(question.pk)
                    self.fields[name].required = False
            elif question.pk in self.ruled_out:
                self.hidden_ids.add(question.pk)
        self.seen_answers = answers  # stored answers, overlaid with this page's posted ones
        # Typed answers on other pages that this page's answers would hide (and saving would remove): never without
        # the resident's say-so (see clean).
        self.would_remove = [
            other
            for other in all_questions.values()
            if self.is_bound
            and other.pk not in page_ids
            and other.kind in TYPED_KINDS
            and str(known_answers.get(other.pk) or "").strip()
            and is_visible(other, known_answers, all_questions)
            and not is_visible(other, answers, all_questions)
        ]
        if self.would_remove:
            named = " and ".join(f"“{other.text}”" for other in self.would_remove)
            plural = "answers" if len(self.would_remove) > 1 else "answer"
            self.fields[REMOVE_HIDDEN] = forms.BooleanField(
                required=False, label=f"Remove my {plural} to {named} and continue"
            )

    # --- what the page shows ---
    def _shown(self, question: Question) -> bool:
        """Not ruled out by earlier pages, or holding typed text that would not be kept (shown with its error)."""
        return question.pk not in self.ruled_out or field_name(question) in self.unapplied

    def _nested(self, question: Question) -> bool:
        """Revealed under its parent's answer on this page (see `reveals`)."""
        parent = self.parent_on_page.get(question.pk)
        return (
            parent is not None and self._shown(parent) and condition_value(parent, question.show_if_value) is not None
        )

    def rendered_questions(self) -> list[Question]:
        """The questions rendered at the top level of the page, in order; the others shown are in `reveals`. A
        reveal holding an error stays open whatever is picked (static/css/portal.css)."""
        return [q for q in self.page_questions if self._shown(q) and not self._nested(q)]

    def reveals(self, question: Question) -> dict[str, list[Question | str]]:
        """Choice value -> what that answer reveals under it: the "Other" box (a field name) and the questions of
        this page that depend on that answer."""
        revealed: dict[str, list[Question | str]] = {}
        other = other_field_name(question)
        if other in self.fields:
            revealed[OTHER] = [other]
        for child in self.page_questions:
            if child.show_if_question_id == question.pk and self._shown(child) and self._nested(child):
                value = condition_value(question, child.show_if_value)
                revealed.setdefault(str(value), []).append(child)
        return revealed

    # --- validation ---
    def _unapplied_message(self, question: Question, typed: str) -> str:
        link = unmet_condition(question, self.seen_answers, self.all_questions) or question
        return (
            f"“{question.text}” applies only if you answer {condition_text(link, self.all_questions)}. "
            f"Change that answer to keep the {len(typed):,} characters you typed here, or delete them"
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for question in self.page_questions:
            name = field_name(question)
            other_name = other_field_name(question)
            if question.pk in self.hidden_ids:
                # Hidden: nothing chosen for it is kept or complained about, but typed text is never dropped
                # without saying so (the resident may have typed at length before changing the earlier answer).
                self.errors.pop(name, None)
                self.errors.pop(other_name, None)
                cleaned[name] = None
                cleaned.pop(other_name, None)
                typed = _typed(self.data, name) if question.kind in TYPED_KINDS else _typed(self.data, other_name)
                if typed:
                    self.unapplied.add(name)
                    target = name if question.kind in TYPED_KINDS else other_name
                    self.add_error(target, self._unapplied_message(question, typed))
                continue
            if other_name in self.fields:
                # As posted, so an "Other" box is not refused because another part of the answer has an error.
                chosen_other = OTHER in answer_parts(self.seen_answers.get(question.pk))
                other_text = (cleaned.get(other_name) or "").strip()
                if chosen_other and not other_text and other_name not in self.errors:
                    self.add_error(other_name, f"Enter your other answer for “{question.text}”")
                if not chosen_other:
                    typed = _typed(self.data, other_name)
                    if typed and other_name not in self.errors:
                        self.add_error(
                            other_name,
                            f"You typed an “Other” answer for “{question.text}” but did not choose “Other”. "
                            "Choose “Other” to keep it, or delete the text",
                        )
                    cleaned[other_name] = ""
        if self.would_remove and not cleaned.get(REMOVE_HIDDEN):
            page_ids = {q.pk for q in self.page_questions}
            for other in self.would_remove:
                link = unmet_condition(other, self.seen_answers, self.all_questions) or other
                parent_id = link.show_if_question_id
                typed = str(self.seen_answers.get(other.pk) or "").strip()
                self.add_error(
                    field_name(self.all_questions[parent_id]) if parent_id in page_ids else None,
                    f"Your answer to “{other.text}” ({len(typed):,} characters) applies only if you answer "
                    f"{condition_text(link, self.all_questions)}. Keep that answer, or tick the box to remove it",
                )
        return cleaned

    def has_unsaved_text(self) -> bool:
        """After validation: some typed text has an error, so saving only the valid answers would lose it (or a
        changed answer would remove typed answers elsewhere without the resident's say-so)."""
        if self.would_remove and not getattr(self, "cleaned_data", {}).get(REMOVE_HIDDEN):
            return True
        for question in self.page_questions:
            names = [other_field_name(question)]
            if question.kind in TYPED_KINDS:
                names.append(field_name(question))
            if any(name in self.errors and _typed(self.data, name) for name in names):
                return True
        return False

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


RESPONDENT_TYPE_MISSING = "Select whether you are responding as an individual or for an organisation"


class AboutYouForm(HoneypotMixin):
    respondent_type = forms.ChoiceField(
        label="Are you responding as an individual or on behalf of an organisation?",
        choices=Response.RespondentType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": RESPONDENT_TYPE_MISSING, "invalid_choice": RESPONDENT_TYPE_MISSING},
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
        widget=CharacterCountInput,
        error_messages={"max_length": "Name of your organisation must be 200 characters or fewer"},
    )
    organisation_role = forms.CharField(
        label="Your role in the organisation (optional)",
        required=False,
        max_length=200,
        widget=CharacterCountInput,
        error_messages={"max_length": "Your role must be 200 characters or fewer"},
    )
    area = forms.ChoiceField(
        label="Where do you live or work? (optional)",
        required=False,
        error_messages={"invalid_choice": "Choose an area from the list"},
    )
    email = forms.EmailField(
        label="Email address (optional)",
        help_text="We will email you a receipt with a copy of your answers and a link to change them until it closes. "
        "We will not share your email address. We will email you about the outcome only if you tick the box below.",
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
            # Both: which one is meant cannot be guessed, and keeping only the choice would drop the typed name.
            if cleaned.get("organisation") and (cleaned.get("organisation_name") or "").strip():
                self.add_error(
                    "organisation_name",
                    "You chose an organisation from the list and typed a name. Delete the name to keep your "
                    "choice, or choose “Choose an organisation” to keep the name",
                )
        else:
            # Typed for an organisation, then "As an individual" picked: said, not dropped (the box stays in view:
            # a reveal holding an error is never hidden, see static/css/portal.css).
            for name, what in (("organisation_name", "an organisation's name"), ("organisation_role", "a role")):
                if _typed(self.data, name) and name not in self.errors:
                    self.add_error(
                        name,
                        f"You typed {what} but chose “As an individual”. Choose “On behalf of an organisation” "
                        "to keep it, or delete it",
                    )
            cleaned["organisation"] = ""
            cleaned["organisation_name"] = ""
            cleaned["organisation_role"] = ""
        if cleaned.get("consent_to_contact") and not cleaned.get("email") and "email" not in self.errors:
            self.add_error("email", "Enter your email address so we can contact you about the outcome")
        return cleaned


class EqualityForm(HoneypotMixin, forms.ModelForm):
    class Meta:
        model = EqualityMonitoring
        fields = EQUALITY_FIELDS  # what the equality service holds and releases, in the order asked
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


# Posted fields never shown back (see posted_answers): tokens, the honeypot, which button was pressed.
NOT_SHOWN_BACK = frozenset({"csrfmiddlewaretoken", HONEYPOT, "action", "submission_token", "reference", "proof"})


def posted_answers(data: Any, questions: Iterable[Question]) -> list[tuple[str, str]]:
    """(label, text) for what a resident posted to a responding page, in the page's order, to show back when it
    could not be saved (a lost session: ics_portal.views.csrf_failure). Answers are labelled by their question and
    read as on the check-answers page; about-you fields by their labels. Unknown fields and tokens are left out."""
    shown: list[tuple[str, str]] = []
    for question in questions:
        value = _raw_value(data, question)
        other = _typed(data, other_field_name(question))
        label = (
            answer_label(question, value, other)
            if question.kind not in TYPED_KINDS
            else _typed(data, field_name(question))
        )
        if label:
            shown.append((question.text, label))
        elif other:
            shown.append((f"{question.text} (other)", other))
    for form_class in (AboutYouForm, SaveForLaterForm):
        for name, field in form_class.base_fields.items():
            text = _typed(data, name)
            if name in NOT_SHOWN_BACK or not text:
                continue
            if isinstance(field, forms.BooleanField):
                text = "Yes"
            elif isinstance(field, forms.ChoiceField):  # lists filled per consultation hold ids: not worth showing
                text = str(dict(field.choices).get(text, ""))  # type: ignore[arg-type]
            if text:
                shown.append((str(field.label), text))
    return shown
