from typing import Any

from django import forms
from django.db.models import QuerySet

from functions.models import Function
from ics_portal.forms import PlainErrorsMixin, Textarea

from .models import POINT_MAX, POINTS_MAX, TEXT_MAX


class OutcomeForm(PlainErrorsMixin, forms.Form):
    what_we_heard = forms.CharField(
        label="What we heard",
        max_length=TEXT_MAX,
        widget=Textarea(attrs={"rows": 6}),
        help_text="A summary in your words of what residents and organisations told you.",
        error_messages={"required": "Enter what you heard"},
    )
    # No max_length: its character count would say "up to 10020 characters", beside a hint of 20 points of 500
    # characters. clean_points checks the number of points and each point's length, and says which is wrong.
    points = forms.CharField(
        label="Headline points (optional)",
        required=False,
        widget=Textarea(attrs={"rows": 5}),
        help_text=f"One point a line, at most {POINTS_MAX} points of {POINT_MAX} characters each.",
    )
    decision = forms.CharField(
        label="What we decided",
        max_length=TEXT_MAX,
        widget=Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter what was decided"},
    )
    decided_function = forms.ModelChoiceField(
        label="The function the decision falls under (optional)",
        queryset=Function.objects.none(),
        required=False,
        empty_label="None: the consultation's owner decided",
        help_text="From the function matrix: the level that owns it is shown as the level that decided.",
        error_messages={"invalid_choice": "Choose a function from the list"},
    )

    def __init__(self, *args: object, functions: "QuerySet[Function]", complete: bool = True, **kwargs: object) -> None:
        """`complete`: both texts are needed (publishing, or editing what residents already see); a draft may be
        saved with either."""
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.complete = complete
        self.fields["what_we_heard"].required = self.fields["decision"].required = complete
        field = self.fields["decided_function"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = functions
        field.label_from_instance = lambda f: f"{f.title} (owned by {f.owner.name})"  # type: ignore[method-assign,assignment]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        texts = ("what_we_heard", "decision")
        if not self.complete and not any(cleaned.get(name, "").strip() for name in texts) and not self.errors:
            self.add_error("what_we_heard", "Enter what you heard or what was decided to save a draft")
        return cleaned

    def clean_points(self) -> list[str]:
        if len(self.cleaned_data["points"]) > POINTS_MAX * (POINT_MAX + 1):  # the most 20 full points take
            raise forms.ValidationError(f"Enter at most {POINTS_MAX} headline points of {POINT_MAX} characters each")
        lines = [line.strip() for line in self.cleaned_data["points"].splitlines() if line.strip()]
        if len(lines) > POINTS_MAX:
            raise forms.ValidationError(f"Enter at most {POINTS_MAX} headline points (you entered {len(lines)})")
        long = [i for i, line in enumerate(lines, 1) if len(line) > POINT_MAX]
        if long:
            raise forms.ValidationError(
                f"Headline point {long[0]} is longer than {POINT_MAX} characters: shorten it or split it"
            )
        return lines
