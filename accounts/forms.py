"""allauth's sign-up and sign-in forms with the portal's plain-English refusals (ics_portal.forms.PlainErrorsMixin):
"Enter an email address in the correct format, like name@example.com", not "Enter a valid email address.".
Named in settings ACCOUNT_FORMS; allauth's own checks (an address already in use, a wrong code) keep its words."""

from typing import ClassVar

from allauth.account import forms as allauth_forms

from ics_portal.forms import PlainErrorsMixin


class SignupForm(PlainErrorsMixin, allauth_forms.SignupForm):
    error_names: ClassVar[dict[str, str]] = {"email": "an email address"}


class RequestLoginCodeForm(PlainErrorsMixin, allauth_forms.RequestLoginCodeForm):
    error_names: ClassVar[dict[str, str]] = {"email": "an email address"}


class ConfirmLoginCodeForm(PlainErrorsMixin, allauth_forms.ConfirmLoginCodeForm):
    error_names: ClassVar[dict[str, str]] = {"code": "the code from the email"}
