"""Every portal form refuses input in plain English, naming the field and saying what to do
(ics_portal.forms.PlainErrorsMixin): one mechanism, checked on its own and on forms of several apps."""

import importlib
import pkgutil
from http import HTTPStatus

import pytest
from django import forms

from engagement.forms_manage import ReorderForm, SectionForm
from functions.forms import MatrixFilterForm
from ics_portal.forms import NHSDateField, PlainErrorsMixin
from ics_portal.search import SiteSearchForm
from notifications.forms import FollowByEmailForm
from tests.functions.factories import FunctionFactory, make_system

PORTAL_PACKAGES = ("accounts", "engagement", "functions", "governance", "notifications", "reporting", "ics_portal")


class EveryKind(PlainErrorsMixin, forms.Form):
    name = forms.CharField(label="Full name", max_length=10, min_length=2)
    email = forms.EmailField(label="Email address")
    colour = forms.ChoiceField(label="Colour", choices=[("red", "Red")])
    when = forms.DateField(label="Date of birth")
    count = forms.IntegerField(label="Number of people", min_value=1, max_value=9)
    nhs = forms.CharField(label="NHS number", max_length=10)
    note = forms.CharField(label="Note (optional)", max_length=5, required=False)
    amount = forms.DecimalField(label="Amount")
    own = forms.CharField(label="Own", max_length=3, error_messages={"max_length": "Keep it short"})
    date = NHSDateField(label="Start date")


def errors(form: forms.Form) -> dict[str, list[str]]:
    form.is_valid()
    return {name: list(messages) for name, messages in form.errors.items()}


def test_each_kind_of_refusal_names_the_field_and_says_what_to_do():
    assert errors(EveryKind({})) == {
        "name": ["Enter full name"],
        "email": ["Enter email address"],
        "colour": ["Select colour"],
        "when": ["Enter date of birth"],
        "count": ["Enter number of people"],
        "nhs": ["Enter NHS number"],
        "amount": ["Enter amount"],
        "own": ["Enter own"],
        "date": ["Enter a date"],  # the project's own field keeps its own words
    }
    found = errors(
        EveryKind(
            {
                "name": "x" * 5000,
                "email": "not an address",
                "colour": "blue",
                "when": "31/02/2026",
                "count": "0",
                "nhs": "1" * 11,
                "note": "too long",
                "amount": "lots",
                "own": "long",
                "date-day": "31",
                "date-month": "2",
                "date-year": "2026",
            }
        )
    )
    assert found == {
        "name": ["Full name must be 10 characters or fewer"],
        "email": ["Enter email address in the correct format, like name@example.com"],
        "colour": ["Choose colour from the list"],
        "when": ["Date of birth must be a real date"],
        "count": ["Number of people must be 1 or more"],
        "nhs": ["NHS number must be 10 characters or fewer"],
        "note": ["Note must be 5 characters or fewer"],
        "amount": ["Amount must be a number"],
        "own": ["Keep it short"],  # a message the form chose is kept
        "date": ["Enter a real date, for example 4 1 2021"],
    }
    assert errors(EveryKind({"name": "x", "count": "10"}))["name"] == ["Full name must be 2 characters or more"]
    assert errors(EveryKind({"count": "10"}))["count"] == ["Number of people must be 9 or less"]
    assert errors(EveryKind({"count": "1.5"}))["count"] == ["Number of people must be a whole number"]
    assert errors(EveryKind({"name": "a\x00b"}))["name"] == ["Remove the hidden control character from full name"]


def test_django_wording_never_reaches_a_portal_form():
    for form in (EveryKind({"name": "x" * 5000, "colour": "?", "email": "@", "when": "x", "count": "x"}),):
        words = " ".join(m for messages in errors(form).values() for m in messages)
        for django_words in ("Ensure this value", "Select a valid choice", "Enter a valid", "This field is required"):
            assert django_words not in words


def test_forms_of_several_apps():
    # functions: the matrix's search and filters
    form = MatrixFilterForm({"q": "x" * 5000, "level": "nowhere"}, levels=[], bodies=[], categories=[])
    assert errors(form) == {"q": ["Search must be 200 characters or fewer"], "level": ["Choose a level from the list"]}
    # the home page's search
    assert errors(SiteSearchForm({"q": "x" * 5000})) == {"q": ["Search must be 100 characters or fewer"]}
    # engagement: managers' forms (a chosen message kept, "(optional)" left out of the field's name)
    assert errors(SectionForm({"title": "", "intro": "x" * 5001})) == {
        "title": ["Enter a title for the section"],
        "intro": ["Introduction must be 5000 characters or fewer"],
    }
    assert errors(ReorderForm({}, items=[])) == {}
    # notifications: its own wording kept
    assert errors(FollowByEmailForm({"email": "nope"})) == {
        "email": ["Enter an email address in the correct format, like name@example.com"]
    }


def _portal_form_classes() -> set[type]:
    for package in PORTAL_PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            if not any(part in info.name for part in (".migrations", ".management", ".settings")):
                importlib.import_module(info.name)
    found: set[type] = set()
    todo: list[type] = [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in PORTAL_PACKAGES:
                found.add(sub)
    return found


def test_every_portal_form_uses_the_one_mechanism():
    classes = _portal_form_classes()
    assert len(classes) >= 15  # the walk found the portal's forms
    missing = sorted(f"{c.__module__}.{c.__name__}" for c in classes if not issubclass(c, PlainErrorsMixin))
    assert missing == []


@pytest.mark.django_db
def test_long_searches_are_refused_in_plain_english_on_the_pages(client):
    FunctionFactory(system=make_system())  # the matrix shows its form once it has a function
    for url, limit in (("/ics/search/", 100), ("/search/", 100), ("/functions/", 200)):
        response = client.get(url, {"q": "x" * 5000})
        assert response.status_code == HTTPStatus.OK
        body = response.content.decode()
        assert f"Search must be {limit} characters or fewer" in body, url
        assert "Ensure this value" not in body


@pytest.mark.django_db
def test_sign_up_and_sign_in_forms_say_it_plainly_too(client):
    for url in ("/accounts/signup/", "/accounts/login/code/"):
        page = client.post(url, {"email": "not-an-email"}).content.decode()
        assert "Enter an email address in the correct format, like name@example.com" in page, url
        assert "Enter a valid email address" not in page
        assert "Enter an email address" in client.post(url, {"email": ""}).content.decode()


def test_a_question_as_the_label_is_quoted_not_spliced_in() -> None:
    """'Choose where do you live? from the list' is not English: a label that asks a question is quoted."""

    class Asked(PlainErrorsMixin, forms.Form):
        where = forms.ChoiceField(label="Where do you live?", choices=[("a", "A")])
        why = forms.CharField(label="Why?", max_length=3)

    form = Asked({"where": "z", "why": "four"})
    assert form.errors["where"] == ["Choose your answer to “Where do you live?” from the list"]
    assert form.errors["why"] == ["Your answer to “Why?” must be 3 characters or fewer"]
    assert Asked({}).errors == {
        "where": ["Select your answer to “Where do you live?”"],
        "why": ["Enter your answer to “Why?”"],
    }
