from django import forms

from ics_portal.forms import PlainErrorsMixin


class FollowByEmailForm(PlainErrorsMixin, forms.Form):
    email = forms.EmailField(
        label="Your email address",
        max_length=320,
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
