"""One way to render Django form fields as NHS.UK components.

`field_params(bound_field)` turns a bound field into the component name and the params its nhsuk-frontend-jinja
macro expects (label, hint, errorMessage, items, value); `templates/includes/forms.html` calls the macro. Errors
from Django go into the component's errorMessage, and `error_list(form)` builds the error summary, whose links
point at the first input of each field. Radios and checkboxes take `conditionals` (choice value -> HTML): the
NHS.UK conditional reveal, shown by CSS alone while that choice is picked (static/css/portal.css). A service's
ValidationError goes on the form (`add_service_errors`) or, for a button with no form, into the page's messages
(`message_service_errors`).
"""

import datetime
import functools
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


@functools.cache
def _django_defaults(field_class: type) -> dict[str, str]:
    """The messages Django itself gives this kind of field (not ones a project field class chose); the same for
    every field of a class, so worked out once per class rather than on every form of every request."""
    defaults: dict[str, str] = {}
    for klass in reversed(field_class.__mro__):
        if klass.__module__.startswith("django."):
            defaults.update({code: str(text) for code, text in getattr(klass, "default_error_messages", {}).items()})
    return defaults


def _plain_messages(field: forms.Field, name: str) -> dict[str, str]:
    """GOV.UK / NHS.UK style: name the field and say what to do. `%(limit_value)s` is filled in by Django."""
    if name.endswith("?"):  # a question as the label: "Select your answer to “What is your age?”"
        the, name = f"your answer to “{name}”", f"Your answer to “{name}”"
    else:
        the = name if name[1:2].isupper() else name[:1].lower() + name[1:]  # "NHS number" keeps its capitals
        name = name[:1].upper() + name[1:]
    the, name = the.replace("%", "%%"), name.replace("%", "%%")
    choosing = isinstance(field, forms.ChoiceField | forms.ModelChoiceField | forms.BooleanField | forms.FileField)
    messages = {
        "required": f"Select {the}" if choosing else f"Enter {the}",
        "invalid_choice": f"Choose {the} from the list",
        "invalid_pk_value": f"Choose {the} from the list",
    }
    # Only where Django's validators use these codes with `limit_value` (a file's max_length has other params).
    if isinstance(field, forms.CharField):
        messages["max_length"] = f"{name} must be %(limit_value)d characters or fewer"
        messages["min_length"] = f"{name} must be %(limit_value)d characters or more"
        messages["null_characters_not_allowed"] = f"Remove the hidden control character from {the}"
    if isinstance(field, forms.IntegerField | forms.DateField):
        messages["min_value"] = f"{name} must be %(limit_value)s or more"
        messages["max_value"] = f"{name} must be %(limit_value)s or less"
    if isinstance(field, forms.EmailField):
        messages["invalid"] = f"Enter {the} in the correct format, like name@example.com"
    elif isinstance(field, forms.URLField):
        messages["invalid"] = f"Enter {the} in the correct format, like https://www.nhs.uk"
    elif isinstance(field, forms.DecimalField | forms.FloatField):  # before IntegerField: they subclass it
        messages["invalid"] = f"{name} must be a number"
    elif isinstance(field, forms.IntegerField):
        messages["invalid"] = f"{name} must be a whole number"
    elif isinstance(field, forms.DateField | forms.DateTimeField):
        messages["invalid"] = f"{name} must be a real date"
    elif isinstance(field, forms.TimeField):
        messages["invalid"] = f"{name} must be a real time, like 9:30 or 17:00"
    return messages


class PlainErrorsMixin:
    """Every portal form says what went wrong in plain English, naming the field: "Search must be 100 characters
    or fewer", not "Ensure this value has at most 100 characters (it has 5000)". The one place for this: forms
    inherit it, and a message a form or field class chose itself is kept.

    The field is named by `error_names[field name]`, else by its label. Applied in full_clean, so fields a form
    adds in its own __init__ are covered too."""

    error_names: ClassVar[dict[str, str]] = {}
    fields: dict[str, forms.Field]

    def full_clean(self) -> None:
        for field_name, field in self.fields.items():
            label = str(field.label or field_name.replace("_", " ")).removesuffix(" (optional)")
            name = self.error_names.get(field_name) or label
            field_class: type = type(field)
            defaults = _django_defaults(field_class)
            for code, text in _plain_messages(field, name).items():
                current = field.error_messages.get(code)
                if current is None or str(current) == defaults.get(code):
                    field.error_messages[code] = text
        super().full_clean()  # type: ignore[misc]


class NHSDateWidget(forms.MultiWidget):
    """Day, month and year boxes, posted as <name>-day, <name>-month, <name>-year (the NHS date input)."""

    parts = ("day", "month", "year")

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__([forms.TextInput(), forms.TextInput(), forms.TextInput()], attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        return [str(data.get(f"{name}-{part}", "")).strip() for part in self.parts]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not any(f"{name}-{part}" in data for part in self.parts)


class Textarea(forms.Textarea):
    """The portal's text box: a line break counts as one character, as the NHS.UK character count counts it.
    Browsers send each as CRLF, which Django would count as two and refuse text the page had said fitted."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        value = super().value_from_datadict(data, files, name)
        return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class CharacterCountInput(forms.TextInput):
    """A one-line text box that shows its field's limit and counts as people type (the NHS.UK character count,
    which also works on inputs). It carries no `maxlength`: a browser would stop typing or cut pasted text at the
    limit without a word; the form says so instead."""


class NHSDateField(forms.MultiValueField):
    """Day, month and year. Its errors say "date" and give the example 4 1 2021, unless the field is given its own
    `noun` ("opening date": "Enter a real opening date, ...") and `example`, so two dates on one form are told
    apart; `error_messages` still overrides any of them."""

    widget = NHSDateWidget

    def __init__(self, *, noun: str = "date", example: str = "4 1 2021", **kwargs: Any) -> None:
        a = "an" if noun[:1].lower() in "aeiou" else "a"
        kwargs["error_messages"] = {
            "required": f"Enter {a} {noun}",
            "invalid": f"Enter a real {noun}, for example {example}",
            "incomplete": f"Enter {a} {noun} that includes a day, month and year",
            **(kwargs.get("error_messages") or {}),
        }
        fields = (
            forms.CharField(max_length=2),
            forms.CharField(max_length=2),
            forms.CharField(max_length=4),
        )
        kwargs.setdefault("require_all_fields", False)
        super().__init__(fields, **kwargs)

    def clean(self, value: Any) -> Any:
        if not isinstance(value, list | tuple) or not any(value):
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        if not all(value):
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        return self.compress(list(value))

    def compress(self, data_list: list[Any]) -> datetime.date | None:
        if not data_list:
            return None
        try:
            day, month, year = (int(str(p)) for p in data_list)
            if year < 1900 or year > 2200:
                raise ValueError
            return datetime.date(year, month, day)
        except (TypeError, ValueError, OverflowError):  # a 30-digit day or month overflows a C long
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


def field_anchor(bf: BoundField) -> str:
    """The id the error summary links to: the first input of the field."""
    if isinstance(bf.field.widget, NHSDateWidget):
        return f"{bf.auto_id}-day"
    return str(bf.auto_id)


def error_list(form: forms.BaseForm) -> list[dict[str, str]]:
    items = [{"text": str(e), "href": "#error-summary-title"} for e in form.non_field_errors()]
    for bf in form:
        for error in bf.errors:
            items.append({"text": str(error), "href": f"#{field_anchor(bf)}"})
    return items


def _choice_items(bf: BoundField, multiple: bool, conditionals: dict[str, Any]) -> list[dict[str, Any]]:
    value = bf.value()
    selected = {str(v) for v in value} if multiple and value else {str(value)} if value not in (None, "") else set()
    items = []
    for choice_value, label in bf.field.choices:  # type: ignore[attr-defined]
        if choice_value in (None, ""):
            continue
        choice_value = getattr(choice_value, "value", choice_value)
        hint = getattr(bf.field, "choice_hints", {}).get(str(choice_value))
        item: dict[str, Any] = {
            "value": str(choice_value),
            "text": str(label),
            "checked": str(choice_value) in selected,
        }
        if hint:
            item["hint"] = {"text": hint}
        if conditionals.get(str(choice_value)):
            item["conditional"] = {"html": conditionals[str(choice_value)]}
        items.append(item)
    return items


def _is_grouped(bf: BoundField) -> bool:
    return any(isinstance(options, list | tuple) for _label, options in bf.field.choices)  # type: ignore[attr-defined]


def _choice_groups(bf: BoundField, *, open_all: bool) -> list[dict[str, Any]]:
    """[{label, open, idPrefix, items}] for grouped choices; the first input takes the field's id."""
    value = bf.value() or []
    selected = {str(v) for v in value}
    groups = []
    for index, (label, options) in enumerate(bf.field.choices):  # type: ignore[attr-defined]
        items = [{"value": str(v), "text": str(t), "checked": str(v) in selected} for v, t in options]
        groups.append(
            {
                "label": f"{label} ({len(items)})",
                "open": open_all or any(item["checked"] for item in items),
                "idPrefix": bf.auto_id if index == 0 else f"{bf.auto_id}-group{index + 1}",
                "items": items,
            }
        )
    return groups


def _character_count(params: dict[str, Any], id_: str, max_length: int) -> None:
    """The character count component's wrapper around an NHS.UK input (its macro only wraps a textarea): the
    same module, classes and message, so the limit shows without JavaScript and the count with it."""
    params["classes"] = " ".join(filter(None, [params.get("classes"), "nhsuk-js-character-count"]))
    params["describedBy"] = f"{id_}-info"
    params["formGroup"] = {
        "classes": "nhsuk-character-count",
        "attributes": {"data-module": "nhsuk-character-count", "data-maxlength": str(max_length)},
        "afterInput": {
            "html": format_html(
                '<div class="nhsuk-hint nhsuk-character-count__message" id="{}-info">'
                "You can enter up to {} characters</div>",
                id_,
                max_length,
            )
        },
    }


def field_params(bf: BoundField, **overrides: Any) -> dict[str, Any]:
    """Return {"component": name, "params": {...}} for one bound field."""
    widget = bf.field.widget
    label = str(bf.label)
    hint = str(bf.help_text) if bf.help_text else None
    # Each of a field's errors on its own line (an invite list's bad rows, say), escaped: not run together.
    error = format_html_join(mark_safe("<br>"), "{}", ((str(e),) for e in bf.errors)) if bf.errors else None
    params: dict[str, Any] = {"id": bf.auto_id, "name": bf.html_name}
    if hint:
        params["hint"] = {"text": hint}
    if error:
        params["errorMessage"] = {"html": error}
    legend = {
        "text": label,
        "size": overrides.pop("legend_size", "s"),
        "isPageHeading": overrides.pop("is_page_heading", False),
    }
    label_params = {"text": label}
    conditionals = overrides.pop("conditionals", None) or {}

    if isinstance(widget, forms.HiddenInput):
        component = "hidden"
        params["value"] = bf.value() or ""
    elif isinstance(widget, NHSDateWidget):
        component = "dateInput"
        values = widget.decompress(bf.value()) if not isinstance(bf.value(), list) else bf.value()
        params["fieldset"] = {"legend": legend}
        params["items"] = [
            {
                "id": f"{bf.auto_id}-{part}",
                "name": f"{bf.html_name}-{part}",
                "label": part.capitalize(),
                "value": values[i] or "",
                "classes": "nhsuk-input--width-4" if part == "year" else "nhsuk-input--width-2",
                "inputmode": "numeric",
            }
            for i, part in enumerate(NHSDateWidget.parts)
        ]
    elif isinstance(widget, forms.CheckboxSelectMultiple) and _is_grouped(bf):
        # A long list in groups (Django's grouped choices): each group a details element, open when it holds a
        # choice or the field an error, so the form stays short and works without JavaScript.
        component = "groupedCheckboxes"
        params["fieldset"] = {"legend": legend}
        params["groups"] = _choice_groups(bf, open_all=bool(error))
        params.pop("id")
    elif isinstance(widget, forms.CheckboxSelectMultiple):  # before RadioSelect: it is a subclass of it
        component = "checkboxes"
        params["idPrefix"] = bf.auto_id
        params["fieldset"] = {"legend": legend}
        params["items"] = _choice_items(bf, multiple=True, conditionals=conditionals)
        params.pop("id")  # the first input takes the field's id (label and error summary targets), not the group
    elif isinstance(widget, forms.RadioSelect):
        component = "radios"
        params["idPrefix"] = bf.auto_id
        params["fieldset"] = {"legend": legend}
        params["items"] = _choice_items(bf, multiple=False, conditionals=conditionals)
        params.pop("id")  # the first input takes the field's id (label and error summary targets), not the group
    elif isinstance(widget, forms.CheckboxInput):
        component = "checkboxes"
        params["idPrefix"] = bf.auto_id
        params["items"] = [{"value": "on", "text": label, "checked": bool(bf.value())}]
        if hint:
            params["items"][0]["hint"] = params.pop("hint")
    elif isinstance(widget, forms.Select):
        component = "select"
        params["label"] = label_params
        value = bf.value()
        params["items"] = [
            {
                "value": "" if v is None else str(getattr(v, "value", v)),
                "text": str(t),
                "selected": str(getattr(v, "value", v)) == str(value),
            }
            for v, t in bf.field.choices  # type: ignore[attr-defined]
        ]
    elif isinstance(widget, forms.Textarea):
        params["label"] = label_params
        params["value"] = bf.value() or ""
        max_length = getattr(bf.field, "max_length", None)
        if max_length:
            component = "characterCount"
            params["maxlength"] = max_length
        else:
            component = "textarea"
        params["rows"] = widget.attrs.get("rows", 5)
    elif isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        component = "fileUpload"
        params["label"] = label_params
        if widget.attrs.get("accept"):
            params["attributes"] = {"accept": widget.attrs["accept"]}
    else:
        component = "input"
        params["label"] = label_params
        value = bf.value()
        params["value"] = "" if value is None else value
        input_type = getattr(widget, "input_type", "text")
        params["type"] = input_type
        if input_type == "email":
            params["autocomplete"] = "email"
            params["spellcheck"] = False
        if "autocomplete" in widget.attrs:
            params["autocomplete"] = widget.attrs["autocomplete"]
        if "class" in widget.attrs:
            params["classes"] = widget.attrs["class"]
        max_length = getattr(bf.field, "max_length", None)
        if max_length and isinstance(widget, CharacterCountInput):
            _character_count(params, str(bf.auto_id), max_length)
        elif max_length:
            params.setdefault("attributes", {})["maxlength"] = max_length
    if component in {"radios", "checkboxes"}:
        # The first input takes the field's id (idPrefix); an id on the wrapper too would be a duplicate.
        params.pop("id", None)
    if bf.field.required and component in {"input", "textarea", "characterCount", "select", "fileUpload"}:
        params.setdefault("attributes", {})["aria-required"] = "true"
    params.update(overrides)
    return {"component": component, "params": params}


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the named field if the form has it, else at the top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def message_service_errors(request: HttpRequest, error: ValidationError) -> None:
    """A service's ValidationError as error messages on the next page, for an action with no form to show them
    (a button: close, publish, reorder, release, merge)."""
    for text in error.messages:
        messages.error(request, text)
