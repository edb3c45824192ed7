"""Forms for the matrix pages. The filters are a GET form: a filtered view is a plain link."""

from typing import Any, ClassVar, cast

from django import forms

from governance.models import Level
from ics_portal.forms import PlainErrorsMixin

from .models import Body, Category, MatrixVersion
from .selectors import RELATIONSHIPS


class MatrixFilterForm(PlainErrorsMixin, forms.Form):
    q = forms.CharField(label="Search the functions", required=False, max_length=200)
    level = forms.ChoiceField(label="Level", required=False)
    relationship = forms.ChoiceField(
        label="Relationship to the level", required=False, choices=[("", "Any relationship"), *RELATIONSHIPS]
    )
    category = forms.ChoiceField(label="Category", required=False)
    body = forms.ChoiceField(label="Body or workstream", required=False)

    error_names: ClassVar[dict[str, str]] = {
        "q": "Search",
        "level": "a level",
        "relationship": "owned by, influenced by or supports",
        "category": "a category",
        "body": "a body or workstream",
    }

    def __init__(
        self, *args: Any, levels: list[Level], bodies: list[Body], categories: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.levels = {level.slug: level for level in levels}
        self.bodies = {str(body.pk): body for body in bodies}
        self._choice_field("level").choices = [("", "Any level"), *((level.slug, level.name) for level in levels)]
        self._choice_field("body").choices = [("", "Any body or workstream"), *((str(b.pk), b.name) for b in bodies)]
        # Only categories some function is in: an empty one would only ever show "no functions".
        labels = dict(Category.choices)
        self._choice_field("category").choices = [("", "Any category"), *((c, labels[c]) for c in categories)]
        self.offers_categories = len(categories) > 1

    def _choice_field(self, name: str) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields[name])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Every function has exactly one owner, so "owned by" alone would match them all and mean nothing.
        if data.get("relationship") == "owns" and not data.get("level"):
            self.add_error("level", "Choose a level to see the functions it owns")
        return data


class PublishVersionForm(PlainErrorsMixin, forms.Form):
    name = forms.CharField(
        label="Version name",
        max_length=200,
        help_text="For example 'Agreed at the partnership board, March 2026'.",
        error_messages={"required": "Enter a name for the version", "max_length": "Use 200 characters or fewer"},
    )


class DiffForm(PlainErrorsMixin, forms.Form):
    old = forms.ChoiceField(label="From version")
    new = forms.ChoiceField(label="To version")

    def __init__(self, *args: Any, versions: list[MatrixVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(v.pk), v.name) for v in versions]
        cast(forms.ChoiceField, self.fields["old"]).choices = choices
        cast(forms.ChoiceField, self.fields["new"]).choices = [("current", "The matrix as it is now"), *choices]
        for name in ("old", "new"):
            self.fields[name].error_messages.update(
                {"required": "Choose two versions to compare", "invalid_choice": "Choose a version from the list"}
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("old") and data.get("old") == data.get("new"):
            raise forms.ValidationError("Choose two different versions to compare")
        return data
