from typing import ClassVar

from django import forms

from ics_portal.forms import PlainErrorsMixin


class SearchForm(PlainErrorsMixin, forms.Form):
    q = forms.CharField(
        label="Search by name or code",
        help_text="For example Camden, E09000007 or QMJ.",
        max_length=100,
        required=False,
    )

    error_names: ClassVar[dict[str, str]] = {"q": "Search"}
