"""The summary's filters (GET parameters, so a filtered page can be shared) and the export request."""

from typing import Any, ClassVar

from django import forms
from django.utils.text import Truncator

from engagement.models import Consultation, Response
from governance.models import Area
from ics_portal.forms import NHSDateField, PlainErrorsMixin, Textarea

from .models import Theme
from .selectors import ReportFilters

LATE_CHOICES = [("", "Late or not"), ("yes", "Late only"), ("no", "Not late only")]


class FilterForm(PlainErrorsMixin, forms.Form):
    area = forms.TypedChoiceField(
        label="Area (including the areas below it)", required=False, coerce=int, empty_value=None
    )
    respondent_type = forms.ChoiceField(
        label="Responding",
        required=False,
        choices=[("", "Everyone"), *Response.RespondentType.choices, ("none", "Not given")],
    )
    submitted_from = NHSDateField(label="Sent on or after", required=False, help_text="For example 4 1 2021")
    submitted_to = NHSDateField(label="Sent on or before", required=False, help_text="For example 8 1 2021")
    late = forms.ChoiceField(label="Late responses", required=False, choices=LATE_CHOICES)
    theme = forms.TypedChoiceField(
        label="Theme (responses with an answer tagged with it)", required=False, coerce=int, empty_value=None
    )

    error_names: ClassVar[dict[str, str]] = {
        "area": "an area",
        "respondent_type": "who is responding",
        "late": "an option for late responses",
    }

    def __init__(self, *args: Any, consultation: Consultation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.areas = {
            area.pk: area
            for area in Area.objects.filter(system_id=consultation.system_id)
            .select_related("level")
            .order_by("-level__rank", "name")
        }
        self.fields["area"].choices = [("", "All areas")] + [  # type: ignore[attr-defined]
            (pk, area.label) for pk, area in self.areas.items()
        ]
        self.themes = {theme.pk: theme for theme in Theme.objects.filter(consultation=consultation).order_by("name")}
        self.fields["theme"].choices = [("", "Any theme")] + [  # type: ignore[attr-defined]
            (pk, theme.name) for pk, theme in self.themes.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and start > end:
            self.add_error("submitted_to", "The end date must be the same as or after the start date")
        return data

    def filters(self) -> ReportFilters:
        """The valid filters; a field with an error is left out (the page says so)."""
        data = self.cleaned_data if self.is_bound else {}
        late = data.get("late") or ""
        return ReportFilters(
            area=self.areas.get(data.get("area") or 0),
            respondent_type=data.get("respondent_type") or "",
            submitted_from=data.get("submitted_from"),
            submitted_to=data.get("submitted_to") if "submitted_to" not in self.errors else None,
            late={"yes": True, "no": False}.get(late),
            theme=self.themes.get(data.get("theme") or 0),
        )


class ExportForm(PlainErrorsMixin, forms.Form):
    format = forms.ChoiceField(
        label="Format",
        choices=[
            ("csv", "CSV (opens in Excel)"),
            ("xlsx", "Excel workbook (XLSX): responses, summary, questions and themes"),
            ("docx", "Summary pack (Word, DOCX): the summary's figures to edit into the ICS's response"),
        ],
        initial="csv",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose CSV, XLSX or a summary pack"},
    )
    personal_data = forms.BooleanField(
        label="Include personal data (email addresses, names and contact details)",
        required=False,
        help_text="Only if you need to contact respondents. Every export is logged.",
    )
    reason = forms.CharField(
        label="Why do you need the personal data?",
        required=False,
        max_length=2000,
        widget=Textarea(attrs={"rows": 3}),
        help_text="Needed if you include personal data. It is kept in the export log.",
    )


# --- Themes ---
class ThemeForm(PlainErrorsMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=100, error_messages={"required": "Enter a name for the theme"})
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        max_length=2000,
        widget=Textarea(attrs={"rows": 3}),
        help_text="What answers under this theme say, so everyone tags alike.",
    )
    question = forms.TypedChoiceField(label="Question", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, questions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = {q.pk: q for q in questions}
        choices = [("", "Any question")] + [(q.pk, Truncator(q.text).chars(80)) for q in questions]
        self.fields["question"].choices = choices  # type: ignore[attr-defined]


class ThemeChoiceForm(PlainErrorsMixin, forms.Form):
    """One theme of the consultation, chosen from a list (tagging, merging)."""

    theme = forms.TypedChoiceField(label="Theme", coerce=int, error_messages={"required": "Choose a theme"})

    def __init__(self, *args: Any, themes: list[Any], label: str = "Theme", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.themes = {t.pk: t for t in themes}
        self.fields["theme"].label = label
        self.fields["theme"].choices = [("", "Choose a theme")] + [  # type: ignore[attr-defined]
            (t.pk, t.name) for t in themes
        ]
        self.fields["theme"].error_messages["invalid_choice"] = "Choose one of the themes in the list"

    def chosen(self) -> Any:
        return self.themes[self.cleaned_data["theme"]]


class SuggestForm(PlainErrorsMixin, forms.Form):
    question = forms.TypedChoiceField(
        label="Question", coerce=int, error_messages={"required": "Choose a question to read"}
    )
    k = forms.IntegerField(
        label="How many themes to suggest",
        min_value=2,
        max_value=30,
        initial=8,
        help_text="Between 2 and 30. A few more than you expect: merging is quicker than splitting.",
        error_messages={
            "required": "Enter how many themes to suggest",
            "invalid": "Enter a whole number, like 8",
            "min_value": "Choose between 2 and 30 suggestions",
            "max_value": "Choose between 2 and 30 suggestions",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, questions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = {q.pk: q for q in questions}
        self.fields["question"].choices = [(q.pk, Truncator(q.text).chars(80)) for q in questions]  # type: ignore[attr-defined]
        self.fields["question"].error_messages["invalid_choice"] = "Choose one of the questions in the list"


class AcceptForm(PlainErrorsMixin, forms.Form):
    name = forms.CharField(
        label="Name the theme", max_length=100, error_messages={"required": "Enter a name for the theme"}
    )
