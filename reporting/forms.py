"""The summary's filters (GET parameters, so a filtered page can be shared) and the export request."""

from typing import Any, ClassVar

from django import forms

from engagement.models import Consultation, Response
from governance.models import Area
from ics_portal.forms import NHSDateField, PlainErrorsMixin

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
            (pk, f"{area.name} ({area.level.name})") for pk, area in self.areas.items()
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
        )


class ExportForm(PlainErrorsMixin, forms.Form):
    format = forms.ChoiceField(
        label="Format",
        choices=[
            ("csv", "CSV (opens in Excel)"),
            ("xlsx", "Excel workbook (XLSX): responses, summary and questions"),
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
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed if you include personal data. It is kept in the export log.",
    )

    error_names: ClassVar[dict[str, str]] = {"reason": "The reason"}
