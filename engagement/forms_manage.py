"""Forms for consultation managers. They validate input and shape it for the services; they write nothing.

Dates are entered as London dates: an opening date means 00:00 and a closing date 11:59pm London time that day.
"""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from functions.models import Function
from governance.models import Area, Organisation
from ics_portal.forms import NHSDateField, PlainErrorsMixin, Textarea
from notifications.invites import MAX_BYTES, InviteFileRefusedError, InviteRow, invitees_parse
from notifications.reminders import MAX_OFFSET_DAYS, reminder_offsets

from . import deadlines
from .models import (
    DEFAULT_RETENTION_MONTHS,
    QUESTION_MAX_CHOICES,
    QUESTION_MAX_LENGTH,
    Consultation,
    Document,
    Question,
    Section,
)
from .questions import CONDITION_KINDS
from .services.consultations import MAX_CHOICES_RANGE, MAX_LENGTH_RANGE, document_type

SUMMARY_MAX = 1000
BODY_MAX = 50_000
# The dates' examples are in the coming year, not the past (worked out when the server starts).
_NEXT_YEAR = timezone.localdate().year + 1


def _target_group(area: Area) -> str:
    # Stand-in names (e.g. networks before the real list is imported) apart, so they are not chosen by mistake.
    kind = "placeholder names" if area.is_placeholder else area.level.name
    return f"{area.system.short_name}: {kind}"


def _grouped(pairs: Any) -> list[tuple[str, list[tuple[int, str]]]]:
    """Django's grouped choices from (group label, choice) pairs, groups in first-seen order, placeholders last."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for label, choice in pairs:
        groups.setdefault(label, []).append(choice)
    return sorted(groups.items(), key=lambda item: "placeholder names" in item[0])


class ConsultationForm(PlainErrorsMixin, forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title"})
    owner_area = forms.TypedChoiceField(
        label="Owning area",
        help_text="The area whose level decides. You can choose only areas you manage.",
        coerce=int,
        error_messages={"required": "Choose the owning area", "invalid_choice": "Choose an area you manage"},
    )
    lead_organisation = forms.TypedChoiceField(
        label="Lead organisation (optional)", coerce=int, required=False, empty_value=None
    )
    summary = forms.CharField(
        max_length=SUMMARY_MAX,
        widget=Textarea(attrs={"rows": 3}),
        help_text="One or two sentences shown in the list of consultations.",
        error_messages={"required": "Enter a summary"},
    )
    body = forms.CharField(
        label="Details (optional)",
        max_length=BODY_MAX,
        required=False,
        widget=Textarea(attrs={"rows": 12}),
        help_text=(
            "Leave a blank line between paragraphs. Start a line with - for a bulleted list. "
            "Write **bold** for bold text and [link text](https://example.org) for a link."
        ),
    )
    contact_email = forms.EmailField(
        label="Contact email (optional)",
        required=False,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.com"},
    )
    opens_on = NHSDateField(
        label="Opening date",
        noun="opening date",
        example=f"4 1 {_NEXT_YEAR}",
        help_text=f"It opens at the start of this day, London time. For example, 4 1 {_NEXT_YEAR}",
    )
    closes_on = NHSDateField(
        label="Closing date",
        noun="closing date",
        example=f"1 2 {_NEXT_YEAR}",
        help_text=f"It closes at 11:59pm London time on this day. For example, 1 2 {_NEXT_YEAR}",
    )
    late_grace_hours = forms.IntegerField(
        label="Late responses accepted for (hours, optional)",
        required=False,
        min_value=0,
        max_value=24 * 14,
        help_text="Responses in this period after closing are accepted and marked as late. Leave empty for none.",
        error_messages={
            "invalid": "Enter the number of hours as a whole number, like 24",
            "min_value": "The number of hours must be 0 or more",
            "max_value": "The number of hours must be 336 (14 days) or fewer",
        },
    )
    reminder_offsets = forms.CharField(
        label="Remind followers and invitees who have not responded (days before closing, optional)",
        max_length=100,
        required=False,
        initial="7, 1",
        help_text=(
            "Whole days, separated by commas, for example 7, 1. Reminders go at 9am on those days. "
            "Leave empty for no reminders."
        ),
    )
    retention_months = forms.IntegerField(
        label="Keep respondents' personal data for (months after closing)",
        min_value=1,
        max_value=120,
        initial=DEFAULT_RETENTION_MONTHS,
        required=False,
        help_text="Then email addresses and contact details are removed; the anonymous answers are kept. Leave "
        "empty for 24 months.",
        error_messages={
            "invalid": "Enter the number of months as a whole number, like 24",
            "min_value": "Keep personal data for at least 1 month",
            "max_value": "Keep personal data for 120 months (10 years) or fewer",
        },
    )
    onward_deadline = NHSDateField(
        label="Onward deadline (optional)",
        noun="onward deadline",
        example=f"1 4 {_NEXT_YEAR}",
        required=False,
        help_text="When you will pass on what you heard, for example to NHS England.",
    )
    onward_deadline_text = forms.CharField(
        label="Who you will respond to, and why (optional)",
        max_length=200,
        required=False,
        help_text="For example: so the ICS can respond to NHS England and NHS Improvement",
    )
    target_areas = forms.TypedMultipleChoiceField(
        label="Areas it is aimed at (optional)",
        help_text="Open a level to choose its areas.",
        coerce=int,
        required=False,
        error_messages={"invalid_choice": "Choose areas from the list: they must be in your systems"},
        widget=forms.CheckboxSelectMultiple,
    )

    functions = forms.TypedMultipleChoiceField(
        label="Functions it concerns (optional)",
        help_text="From the function matrix of the owning area's system: residents see which level decides.",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, areas: list[Area], target_choices: list[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.areas = {a.pk: a for a in areas}
        self.targets = {a.pk: a for a in target_choices}
        self.fields["owner_area"].choices = [("", "Choose an area")] + [(a.pk, a.label_in_system) for a in areas]  # type: ignore[attr-defined]
        system_ids = {a.system_id for a in areas}
        self.organisations = {o.pk: o for o in Organisation.objects.filter(system_id__in=system_ids).order_by("name")}
        self.fields["lead_organisation"].choices = [("", "None")] + [  # type: ignore[attr-defined]
            (o.pk, o.name) for o in self.organisations.values()
        ]
        self.fields["target_areas"].choices = _grouped(  # type: ignore[attr-defined]
            (_target_group(a), (a.pk, a.name)) for a in target_choices
        )
        self.function_objects = {
            f.pk: f
            for f in Function.objects.filter(system_id__in=system_ids)
            .exclude(status=Function.Status.RETIRED)
            .select_related("owner", "system")
            .order_by("system__name", "position", "pk")
        }
        self.fields["functions"].choices = _grouped(  # type: ignore[attr-defined]
            (f"{f.system.short_name}: owned by {f.owner.name}", (f.pk, f.title)) for f in self.function_objects.values()
        )

    @classmethod
    def initial_for(cls, consultation: Consultation) -> dict[str, Any]:
        grace = consultation.late_grace
        return {
            "title": consultation.title,
            "owner_area": consultation.owner_area_id,
            "lead_organisation": consultation.lead_organisation_id,
            "summary": consultation.summary,
            "body": consultation.body,
            "contact_email": consultation.contact_email,
            "opens_on": deadlines.london_date(consultation.opens_at),
            "closes_on": deadlines.london_date(consultation.closes_at),
            "late_grace_hours": int(grace.total_seconds() // 3600) if grace is not None else None,
            "reminder_offsets": ", ".join(str(d) for d in reversed(reminder_offsets(consultation))),
            "retention_months": consultation.retention_months,
            "onward_deadline": consultation.onward_deadline,
            "onward_deadline_text": consultation.onward_deadline_text,
            "target_areas": [a.pk for a in consultation.target_areas.all()],
            "functions": [f.pk for f in consultation.functions.all()],
        }

    def clean_reminder_offsets(self) -> list[int]:
        parts = [p.strip() for p in self.cleaned_data.get("reminder_offsets", "").split(",") if p.strip()]
        if not all(p.isdigit() and 1 <= int(p) <= MAX_OFFSET_DAYS for p in parts):
            raise forms.ValidationError(
                f"Enter whole numbers of days from 1 to {MAX_OFFSET_DAYS}, separated by commas, like 7, 1"
            )
        return sorted({int(p) for p in parts}, reverse=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens_on, closes_on = data.get("opens_on"), data.get("closes_on")
        if opens_on and closes_on and closes_on < opens_on:
            self.add_error("closes_on", "The closing date must be the same as or after the opening date")
        return data

    def service_data(self) -> dict[str, Any]:
        """The cleaned data in the services' terms (aware UTC datetimes, model instances)."""
        data = self.cleaned_data
        hours = data.get("late_grace_hours")
        lead = data.get("lead_organisation")
        return {
            "title": data["title"],
            "owner_area": self.areas[data["owner_area"]],
            "lead_organisation": self.organisations.get(lead) if lead else None,
            "summary": data["summary"],
            "body": data.get("body", ""),
            "contact_email": data.get("contact_email", ""),
            "opens_at": deadlines.opening_datetime(data["opens_on"]),
            "closes_at": deadlines.closing_datetime(data["closes_on"]),
            "late_grace": datetime.timedelta(hours=hours) if hours else None,
            "reminder_offsets": data.get("reminder_offsets", []),
            "retention_months": data.get("retention_months") or DEFAULT_RETENTION_MONTHS,
            "onward_deadline": data.get("onward_deadline"),
            "onward_deadline_text": data.get("onward_deadline_text", ""),
            "target_areas": [self.targets[pk] for pk in data.get("target_areas", []) if pk in self.targets],
            "functions": [self.function_objects[pk] for pk in data.get("functions", []) if pk in self.function_objects],
        }


class SectionForm(PlainErrorsMixin, forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title for the section"})
    intro = forms.CharField(
        label="Introduction (optional)", max_length=5000, required=False, widget=Textarea(attrs={"rows": 4})
    )


class QuestionForm(PlainErrorsMixin, forms.Form):
    text = forms.CharField(label="Question", max_length=500, error_messages={"required": "Enter the question"})
    hint = forms.CharField(label="Hint (optional)", max_length=500, required=False)
    kind = forms.ChoiceField(
        label="Type of question",
        choices=Question.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a type of question"},
    )
    required = forms.BooleanField(label="People must answer this question", required=False)
    choices = forms.CharField(
        label="Options (single and multiple choice only)",
        required=False,
        max_length=6000,
        widget=Textarea(attrs={"rows": 5}),
        help_text="One option on each line.",
    )
    allow_other = forms.BooleanField(label="Add “Other, please specify”", required=False)
    max_choices = forms.IntegerField(
        label="Most options a person may tick (multiple choice only, optional)",
        required=False,
        min_value=1,
        max_value=QUESTION_MAX_CHOICES,
        error_messages={
            "invalid": "Enter a whole number, like 3",
            "min_value": MAX_CHOICES_RANGE.format(options=QUESTION_MAX_CHOICES),
            "max_value": MAX_CHOICES_RANGE.format(options=QUESTION_MAX_CHOICES),
        },
    )
    max_length = forms.IntegerField(
        label="Maximum length in characters (text only, optional)",
        required=False,
        min_value=1,
        max_value=QUESTION_MAX_LENGTH,
        error_messages={
            "invalid": "Enter a whole number, like 500",
            "min_value": MAX_LENGTH_RANGE,
            "max_value": MAX_LENGTH_RANGE,
        },
    )
    section = forms.TypedChoiceField(label="Section", coerce=int, required=False, empty_value=None)
    show_if_question = forms.TypedChoiceField(
        label="Show only when an earlier question has a given answer (optional)",
        coerce=int,
        required=False,
        empty_value=None,
    )
    show_if_value = forms.CharField(
        label="The answer that shows this question",
        max_length=200,
        required=False,
        help_text="For example: Yes, or one of the earlier question's options",
    )

    def __init__(self, *args: Any, sections: list[Section], earlier: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sections = {s.pk: s for s in sections}
        self.earlier = {q.pk: q for q in earlier if q.kind in CONDITION_KINDS}
        self.fields["section"].choices = [("", "No section")] + [(s.pk, s.title) for s in sections]  # type: ignore[attr-defined]
        self.fields["show_if_question"].choices = [("", "Always show")] + [  # type: ignore[attr-defined]
            (q.pk, f"{q.order}. {q.text}") for q in self.earlier.values()
        ]
        if not sections:
            del self.fields["section"]

    @classmethod
    def initial_for(cls, question: Question) -> dict[str, Any]:
        return {
            "text": question.text,
            "hint": question.hint,
            "kind": question.kind,
            "required": question.required,
            "choices": "\n".join(str(c) for c in question.choices or []),
            "allow_other": question.allow_other,
            "max_choices": question.max_choices,
            "max_length": question.max_length,
            "section": question.section_id,
            "show_if_question": question.show_if_question_id,
            "show_if_value": question.show_if_value,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("show_if_question") and not (data.get("show_if_value") or "").strip():
            self.add_error("show_if_value", "Enter the answer that shows this question")
        return data

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        condition = data.get("show_if_question")
        return {
            "text": data["text"],
            "hint": data.get("hint", ""),
            "kind": data["kind"],
            "required": bool(data.get("required")),
            "choices": [line for line in (data.get("choices") or "").splitlines() if line.strip()],
            "allow_other": bool(data.get("allow_other")),
            "max_choices": data.get("max_choices"),
            "max_length": data.get("max_length"),
            "section": self.sections.get(data.get("section")) if data.get("section") else None,  # type: ignore[arg-type]
            "show_if_question": self.earlier.get(condition) if condition else None,
            "show_if_value": data.get("show_if_value", "") if condition else "",
        }


class ReorderForm(PlainErrorsMixin, forms.Form):
    """One order number per question (or section); the service renumbers them 1, 2, 3 ..."""

    def __init__(self, *args: Any, items: list[Any], label: Any = str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"order_{item.pk}"] = forms.IntegerField(
                label=label(item),
                min_value=1,
                max_value=999,
                initial=item.order,
                widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-3"}),
                error_messages={
                    "required": "Enter an order number",
                    "invalid": "Enter an order number, like 3",
                    "min_value": "Enter an order number of 1 or more",
                    "max_value": "Enter an order number of 999 or less",
                },
            )

    def order(self) -> dict[int, int]:
        return {item.pk: self.cleaned_data[f"order_{item.pk}"] for item in self.items}


class DocumentForm(PlainErrorsMixin, forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title for the document"})
    file = forms.FileField(
        label="File",
        help_text=f"A PDF, DOCX or ODT document, smaller than {Document.MAX_SIZE // (1024 * 1024)}MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.odt"}),
        error_messages={"required": "Select a file", "empty": "The selected file is empty"},
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            document_type(name=upload.name or "", stream=upload, size=int(upload.size or 0))
        except ValidationError as error:
            messages = (
                error.message_dict.get("file", error.messages) if hasattr(error, "error_dict") else error.messages
            )
            raise ValidationError(messages) from None
        return upload


class InviteListForm(PlainErrorsMixin, forms.Form):
    """An uploaded invite list, read whole: every bad row becomes one error naming its line, and `rows` is set
    only for a clean file (the service then imports all of it or nothing)."""

    file = forms.FileField(
        label="CSV file of people to invite",
        help_text=(
            "A header row with the columns name, email and organisation (organisation may be left empty), then one "
            f"row per person. Save it from Excel as “CSV UTF-8”. Smaller than {MAX_BYTES // (1024 * 1024)}MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={"required": "Select a CSV file", "empty": "The selected file is empty"},
    )

    rows: list[InviteRow]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_BYTES:
            raise ValidationError(f"The file must be smaller than {MAX_BYTES // (1024 * 1024)}MB.")
        try:
            self.rows = invitees_parse(data=upload.read())
        except InviteFileRefusedError as refused:
            raise ValidationError(
                ["Nobody was added. Correct the file and upload it again.", *refused.shown()]
            ) from None
        return upload
