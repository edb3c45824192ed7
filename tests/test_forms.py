"""Django form fields rendered as NHS.UK components through templates/includes/forms.html.

Each test renders the real macro and checks the HTML a screen reader and the error summary rely on: label for=,
hint and error ids in aria-describedby, the summary linking to the first input, and values kept after an error.
"""

import datetime

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template import engines

from ics_portal.forms import CharacterCountInput, NHSDateField, error_list, field_params
from tests.html import parse

TEMPLATE = (
    '{% from "includes/forms.html" import field, error_summary %}'
    "{{ error_summary(form) }}{% for bf in form %}{{ field(bf) }}{% endfor %}"
)


class KitchenSinkForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=50, help_text="As it appears on letters")
    email = forms.EmailField(label="Email address")
    summary = forms.CharField(label="Summary of your views", widget=forms.Textarea, max_length=500)
    notes = forms.CharField(label="Anything else", widget=forms.Textarea, required=False)
    option = forms.ChoiceField(
        label="Which governance option do you prefer?",
        choices=[("1", "Option 1"), ("2", "Option 2")],
        widget=forms.RadioSelect,
    )
    themes = forms.MultipleChoiceField(
        label="Themes",
        choices=[("inequalities", "Inequalities"), ("accountability", "Public accountability")],
        widget=forms.CheckboxSelectMultiple,
    )
    agree = forms.BooleanField(label="I agree to the privacy notice")
    borough = forms.ChoiceField(label="Borough", choices=[("", "Choose a borough"), ("camden", "Camden")])
    meeting = NHSDateField(label="Date of the meeting")
    document = forms.FileField(
        label="Upload a document", required=False, widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx"})
    )


def render(form: forms.Form):
    return parse(engines["jinja2"].from_string(TEMPLATE).render({"form": form}))


VALID = {
    "name": "Alex Smith",
    "email": "alex@example.com",
    "summary": "Neighbourhoods should own more.",
    "option": "2",
    "themes": ["accountability"],
    "agree": "on",
    "borough": "camden",
    "meeting-day": "4",
    "meeting-month": "1",
    "meeting-year": "2021",
}


def invalid_form() -> KitchenSinkForm:
    data = {
        **VALID,
        "name": "",
        "email": "not-an-email",
        "summary": "x" * 501,
        "option": "",
        "themes": [],
        "agree": "",
        "borough": "",
        "meeting-day": "31",
        "meeting-month": "2",
    }
    form = KitchenSinkForm(data=data)
    assert not form.is_valid()
    return form


def described_by(el) -> list[str]:
    return el.attrs.get("aria-describedby", "").split()


def test_valid_data_is_valid_and_renders_no_error_summary():
    form = KitchenSinkForm(data=VALID)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["meeting"] == datetime.date(2021, 1, 4)
    doc = render(form)
    assert doc.find_all(class_="nhsuk-error-summary") == []
    assert doc.find_all(class_="nhsuk-error-message") == []


def test_every_widget_maps_to_its_nhs_component():
    form = KitchenSinkForm()
    components = {bf.name: field_params(bf)["component"] for bf in form}
    assert components == {
        "name": "input",
        "email": "input",
        "summary": "characterCount",
        "notes": "textarea",
        "option": "radios",
        "themes": "checkboxes",
        "agree": "checkboxes",
        "borough": "select",
        "meeting": "dateInput",
        "document": "fileUpload",
    }


def test_text_input_has_label_hint_and_kept_value():
    doc = render(KitchenSinkForm(data={**VALID, "email": "bad"}))
    label = doc.one("label", for_="id_name")
    assert label.text == "Your name"
    field = doc.by_id("id_name")
    assert field.attrs["value"] == "Alex Smith"
    assert field.attrs["maxlength"] == "50"
    assert described_by(field) == ["id_name-hint"]
    assert doc.by_id("id_name-hint").text == "As it appears on letters"


def test_email_input_is_typed_for_email_with_autocomplete():
    field = render(KitchenSinkForm()).by_id("id_email")
    assert field.attrs["type"] == "email"
    assert field.attrs["autocomplete"] == "email"
    assert field.attrs["spellcheck"] == "false"


def test_error_summary_links_to_the_first_input_of_each_field_in_order():
    doc = render(invalid_form())
    summary = doc.one(class_="nhsuk-error-summary")
    assert summary.one("h2").text == "There is a problem"
    links = [(a.attrs["href"], a.text) for a in summary.find_all("a")]
    assert [href for href, _ in links] == [
        "#id_name",
        "#id_email",
        "#id_summary",
        "#id_option",
        "#id_themes",
        "#id_agree",
        "#id_borough",
        "#id_meeting-day",
    ]
    for href, _ in links:
        assert doc.find_all(id=href[1:]), f"{href} points at nothing"
    assert ("#id_email", "Enter a valid email address.") in links


@pytest.mark.parametrize(
    ("input_id", "error_id"),
    [
        ("id_name", "id_name-error"),
        ("id_email", "id_email-error"),
        ("id_summary", "id_summary-error"),
        ("id_agree", "id_agree-error"),
        ("id_borough", "id_borough-error"),
    ],
)
def test_each_input_is_described_by_its_error_message(input_id, error_id):
    doc = render(invalid_form())
    assert error_id in described_by(doc.by_id(input_id))
    message = doc.by_id(error_id)
    assert "nhsuk-error-message" in message.attrs["class"]
    assert message.text.startswith("Error: ")


@pytest.mark.parametrize(
    ("fieldset_error", "legend"), [("id_option-error", "Which governance option"), ("id_themes-error", "Themes")]
)
def test_radios_and_checkboxes_errors_sit_in_the_fieldset(fieldset_error, legend):
    doc = render(invalid_form())
    fieldset = next(f for f in doc.find_all("fieldset") if f.one("legend").text.startswith(legend))
    assert fieldset_error in described_by(fieldset)
    assert fieldset.find_all(id=fieldset_error)


def test_values_are_kept_after_an_error():
    data = {**VALID, "email": "bad"}
    doc = render(KitchenSinkForm(data=data))
    assert doc.by_id("id_summary").text == "Neighbourhoods should own more."
    checked_radios = [i.attrs["value"] for i in doc.find_all("input", name="option") if "checked" in i.attrs]
    assert checked_radios == ["2"]
    checked_boxes = [i.attrs["value"] for i in doc.find_all("input", name="themes") if "checked" in i.attrs]
    assert checked_boxes == ["accountability"]
    assert "checked" in doc.one("input", name="agree").attrs
    selected = [o.attrs["value"] for o in doc.by_id("id_borough").find_all("option") if "selected" in o.attrs]
    assert selected == ["camden"]
    assert [doc.by_id(f"id_meeting-{p}").attrs["value"] for p in ("day", "month", "year")] == ["4", "1", "2021"]


def test_textarea_with_max_length_is_a_character_count():
    doc = render(KitchenSinkForm())
    wrapper = doc.one(class_="nhsuk-character-count")
    assert wrapper.attrs["data-module"] == "nhsuk-character-count"
    assert wrapper.attrs["data-maxlength"] == "500"
    textarea = doc.by_id("id_summary")
    assert textarea.tag == "textarea"
    assert "id_summary-info" in described_by(textarea)
    assert doc.one("label", for_="id_summary").text == "Summary of your views"


def test_plain_textarea_without_max_length():
    doc = render(KitchenSinkForm())
    notes = doc.by_id("id_notes")
    assert notes.tag == "textarea"
    assert "nhsuk-js-character-count" not in notes.attrs["class"]
    assert "aria-required" not in notes.attrs


def test_radios_and_checkboxes_have_a_legend_and_labels_for_each_item():
    doc = render(KitchenSinkForm())
    legends = [legend.text for legend in doc.find_all("legend")]
    assert "Which governance option do you prefer?" in legends
    assert "Themes" in legends
    for item in doc.find_all("input", type="radio") + doc.find_all("input", type="checkbox"):
        assert doc.one("label", for_=item.attrs["id"])


def test_ids_are_unique():
    doc = render(invalid_form())
    ids = [el.attrs["id"] for el in doc.iter() if "id" in el.attrs]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_single_checkbox_has_no_fieldset_and_its_own_label():
    doc = render(KitchenSinkForm())
    box = doc.one("input", name="agree")
    assert box.attrs["type"] == "checkbox"
    assert doc.one("label", for_=box.attrs["id"]).text == "I agree to the privacy notice"


def test_select_lists_its_options_with_the_label():
    doc = render(KitchenSinkForm())
    assert doc.one("label", for_="id_borough").text == "Borough"
    options = [(o.attrs["value"], o.text) for o in doc.by_id("id_borough").find_all("option")]
    assert options == [("", "Choose a borough"), ("camden", "Camden")]


def test_file_upload_accepts_the_allowed_types():
    doc = render(KitchenSinkForm())
    upload = doc.by_id("id_document")
    assert upload.attrs["type"] == "file"
    assert upload.attrs["accept"] == ".pdf,.docx"
    assert doc.one("label", for_="id_document").text == "Upload a document"


def test_date_input_has_day_month_year_in_a_fieldset_with_error():
    doc = render(invalid_form())
    for part in ("day", "month", "year"):
        assert doc.one("label", for_=f"id_meeting-{part}").text == part.capitalize()
        assert doc.by_id(f"id_meeting-{part}").attrs["inputmode"] == "numeric"
    fieldset = next(f for f in doc.find_all("fieldset") if f.one("legend").text == "Date of the meeting")
    assert fieldset.attrs["role"] == "group"
    assert "id_meeting-error" in described_by(fieldset)
    assert doc.by_id("id_meeting-error").text == "Error: Enter a real date, for example 4 1 2021"


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("4", "1", "2021"), datetime.date(2021, 1, 4)),
        ((" 25 ", "10", "2019"), datetime.date(2019, 10, 25)),
        (("29", "2", "2024"), datetime.date(2024, 2, 29)),
    ],
)
def test_date_field_valid(parts, expected):
    bound = type("F", (forms.Form,), {"d": NHSDateField(label="Date")})(
        data=dict(zip(("d-day", "d-month", "d-year"), parts, strict=True))
    )
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["d"] == expected


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("31", "2", "2021"), "Enter a real date, for example 4 1 2021"),
        (("29", "2", "2023"), "Enter a real date, for example 4 1 2021"),
        (("a", "b", "c"), "Enter a real date, for example 4 1 2021"),
        (("1", "1", "21"), "Enter a real date, for example 4 1 2021"),
        # Too big for a C long: datetime.date raised OverflowError, a 500 (found by tests/test_bad_input.py).
        (("1", "9" * 30, "2021"), "Enter a real date, for example 4 1 2021"),
        (("9" * 30, "1", "2021"), "Enter a real date, for example 4 1 2021"),
        (("", "1", "2021"), "Enter a date that includes a day, month and year"),
        (("4", "1", ""), "Enter a date that includes a day, month and year"),
        (("", "", ""), "Enter a date"),
    ],
)
def test_date_field_invalid_or_incomplete(parts, message):
    form = type("F", (forms.Form,), {"d": NHSDateField(label="Date")})(
        data=dict(zip(("d-day", "d-month", "d-year"), parts, strict=True))
    )
    assert not form.is_valid()
    assert form.errors["d"] == [message]
    # The summary links to the day box whatever part is wrong.
    assert error_list(form) == [{"text": message, "href": "#id_d-day"}]


def test_optional_date_field_may_be_left_empty():
    field = NHSDateField(label="Date", required=False)
    assert field.clean(["", "", ""]) is None
    with pytest.raises(ValidationError):
        field.clean(["1", "", ""])


def test_non_field_errors_link_to_the_summary():
    class Both(forms.Form):
        a = forms.CharField(required=False)

        def clean(self):
            raise ValidationError("Answer at least one question")

    form = Both(data={})
    assert not form.is_valid()
    assert error_list(form) == [{"text": "Answer at least one question", "href": "#error-summary-title"}]


class CountedForm(forms.Form):
    group = forms.CharField(label="Your group", max_length=40, widget=CharacterCountInput, help_text="Its name")
    choice = forms.ChoiceField(label="Pick", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    many = forms.MultipleChoiceField(
        label="Many", choices=[("x", "X"), ("y", "Y")], widget=forms.CheckboxSelectMultiple
    )


def test_character_count_input_shows_the_limit_and_never_cuts_text():
    doc = render(CountedForm(data={"group": "g" * 45}))
    box = doc.by_id("id_group")
    assert box.tag == "input"
    assert "maxlength" not in box.attrs, "a browser would stop typing at the limit without a word"
    assert box.attrs["value"] == "g" * 45, "what was typed comes back whole"
    assert "nhsuk-js-character-count" in box.attrs["class"].split()
    wrapper = doc.one(class_="nhsuk-character-count")
    assert wrapper.attrs["data-module"] == "nhsuk-character-count"
    assert wrapper.attrs["data-maxlength"] == "40"
    assert doc.by_id("id_group-info").text == "You can enter up to 40 characters"
    assert set(described_by(box)) == {"id_group-hint", "id_group-error", "id_group-info"}
    assert "Ensure this value has at most 40 characters" in doc.by_id("id_group-error").text


def test_conditionals_are_revealed_under_their_choice():
    template = engines["jinja2"].from_string(
        '{% from "includes/forms.html" import field %}'
        '{{ field(form.choice, conditionals={"b": "<p>for b</p>"|safe}) }}'
        '{{ field(form.many, conditionals={"y": "<p>for y</p>"|safe}) }}'
    )
    doc = parse(template.render({"form": CountedForm(initial={"many": ["y"]})}))
    b = doc.one("input", name="choice", value="b")
    reveal = doc.by_id(b.attrs["data-aria-controls"])
    assert reveal.text == "for b"
    assert "nhsuk-radios__conditional--hidden" in reveal.attrs["class"], "not picked: hidden to start with"
    assert "data-aria-controls" not in doc.one("input", name="choice", value="a").attrs
    y = doc.one("input", name="many", value="y")
    reveal = doc.by_id(y.attrs["data-aria-controls"])
    assert reveal.text == "for y"
    assert "nhsuk-checkboxes__conditional--hidden" not in reveal.attrs["class"], "picked: open"
