from django import forms


class FollowByEmailForm(forms.Form):
    email = forms.EmailField(
        label="Your email address",
        max_length=320,
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
