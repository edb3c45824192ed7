"""Responses that arrived by email or on paper, recorded from a CSV file with the same columns as the CSV export
(exports.response_columns, personal columns included), so a file exported from one consultation can be imported
into another with the same questions.

Every row is checked first and every problem is listed with its line; only a file without problems is written,
in one transaction, so nothing is half-imported. Cells go through `restore_cell` (undoing the export's formula
guard). Imported responses are sent (counted like online ones), with a fresh reference and their channel.
Required questions are not enforced: a letter or a paper form may leave any question out.
"""

import csv
import dataclasses
import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from engagement.models import Answer, Consultation, Question, Response
from engagement.questions import OTHER, condition_text, condition_value, has_other, is_visible, question_choices
from engagement.selectors.consultations import organisations_for
from governance.models import Area
from ics_portal.spreadsheets import restore_cell

from .exports import Column, response_columns
from .selectors import LONDON, report_questions
from .synthetic import unused_references

DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%d/%m/%Y")
YES, NO = {"yes", "y", "x", "true", "1"}, {"no", "n", "false", "0", ""}
NAME_REFUSED = "a name cannot be recorded on an imported response (leave Name empty)"


@dataclasses.dataclass
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


class ImportRefusedError(Exception):
    """The file has problems: nothing was imported."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


@dataclasses.dataclass
class _Parsed:
    response: Response
    answers: list[Answer]


class _Reader:
    """Reads one consultation's rows; `problems` collects the current row's errors."""

    def __init__(self, consultation: Consultation, header: list[str], now: datetime.datetime) -> None:
        self.consultation = consultation
        self.now = now
        self.questions = report_questions(consultation=consultation)
        self.by_id = {question.pk: question for question in self.questions}
        columns = {column.header: column for column in response_columns(questions=self.questions, personal=True)}
        self.header_errors: list[str] = []
        self.columns: list[Column] = []
        for index, name in enumerate(header):
            if name in header[:index]:
                self.header_errors.append(f"the column “{name}” appears twice")
            elif name not in columns:
                self.header_errors.append(
                    f"“{name}” is not a column of this consultation's export (check the question's number and text)"
                )
            else:
                self.columns.append(columns[name])
        areas: dict[str, list[Area]] = {}
        for area in Area.objects.filter(system_id=consultation.system_id):
            areas.setdefault(area.name.casefold(), []).append(area)
        self.areas = areas
        self.organisations = {org.name.casefold(): org for org in organisations_for(consultation=consultation)}
        self.types = {
            key.casefold(): value for value, label in Response.RespondentType.choices for key in (value, str(label))
        }

    def row(self, cells: list[str], problems: list[str]) -> _Parsed:
        values = dict.fromkeys((c.header for c in self.columns), "")
        for column, cell in zip(self.columns, cells, strict=True):
            values[column.header] = restore_cell(cell).strip()
        response = Response(
            consultation=self.consultation, state=Response.State.SUBMITTED, channel=Response.Channel.EMAIL
        )
        response.submitted_at = self._sent_at(values.get("Sent at (London time)", ""), problems)
        late = values.get("Late", "").casefold()
        if late and late not in YES | NO:
            problems.append(f"Late must be Yes or No, not “{values['Late']}”")
        response.is_late = late in YES if late else bool(response.submitted_at > self.consultation.closes_at)
        kind = values.get("Respondent type", "")
        if kind and kind.casefold() not in self.types:
            problems.append(f"“{kind}” is not a respondent type (As an individual, On behalf of an organisation)")
        response.respondent_type = self.types.get(kind.casefold(), "")
        organisation = values.get("Organisation", "")
        response.organisation = self.organisations.get(organisation.casefold())
        if response.organisation is None:
            response.organisation_name = self._limited("Organisation", organisation, 200, problems)
        area = values.get("Area", "")
        if area:
            found = self.areas.get(area.casefold(), [])
            if len(found) != 1:
                problems.append(
                    f"no area of {self.consultation.system} is called “{area}”"
                    if not found
                    else f"more than one area is called “{area}”"
                )
            else:
                response.area = found[0]
        response.email = self._email("Email", values.get("Email", ""), problems)
        response.organisation_role = self._limited(
            "Role in the organisation", values.get("Role in the organisation", ""), 200, problems
        )
        consent = values.get("Agreed to be contacted", "").casefold()
        if consent not in YES | NO:
            problems.append(f"Agreed to be contacted must be Yes or No, not “{values['Agreed to be contacted']}”")
        response.consent_to_contact = consent in YES
        if values.get("Name"):
            problems.append(NAME_REFUSED)
        return _Parsed(response, self._answers(values, problems))

    def _sent_at(self, text: str, problems: list[str]) -> datetime.datetime:
        if not text:
            return self.now
        for fmt in DATE_FORMATS:
            try:
                value = datetime.datetime.strptime(text, fmt).replace(tzinfo=LONDON)
            except ValueError:
                continue
            if value > self.now:
                problems.append(f"“Sent at” {text} is in the future")
            return value
        problems.append(f"“Sent at” must be a date and time like 2021-01-04 14:30, not “{text}”")
        return self.now

    def _limited(self, name: str, text: str, limit: int, problems: list[str]) -> str:
        if len(text) > limit:
            problems.append(f"{name} is {len(text)} characters long; the most it can be is {limit}")
        return text

    def _email(self, name: str, text: str, problems: list[str]) -> str:
        if text:
            try:
                validate_email(text)
            except ValidationError:
                problems.append(f"{name} “{text}” is not an email address")
        return text

    def _answers(self, values: dict[str, str], problems: list[str]) -> list[Answer]:
        answer: dict[int, Any] = {}
        other: dict[int, str] = {}
        chosen: dict[int, list[str]] = {}
        for column in self.columns:
            question, text = column.question, values[column.header]
            if question is None or not text:
                continue
            title = f"“{question.text}”"
            if column.part == OTHER:
                other[question.pk] = self._limited(f"The “Other” text for {title}", text, 500, problems)
            elif question.kind == Question.Kind.MULTIPLE_CHOICE:
                if text.casefold() in YES:
                    chosen.setdefault(question.pk, []).append(column.part)
                elif text.casefold() not in NO:
                    problems.append(f"{column.header} must be Yes or empty, not “{text}”")
            elif question.kind in (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT):
                answer[question.pk] = self._limited(
                    f"The answer to {title}", text, question.max_length or 10**6, problems
                )
            elif question.kind == Question.Kind.EMAIL:
                answer[question.pk] = self._email(f"The answer to {title}", text, problems)
            else:
                value = condition_value(question, text)
                if value is None:
                    labels = ", ".join(label for _value, label in question_choices(question))
                    problems.append(f"“{text}” is not an answer to {title} (the answers are: {labels})")
                else:
                    answer[question.pk] = value
        for question_id, options in chosen.items():
            answer[question_id] = options
        for question_id in other:
            question = self.by_id[question_id]
            if question.kind == Question.Kind.MULTIPLE_CHOICE:
                answer.setdefault(question_id, []).append(OTHER)
            elif answer.get(question_id) != OTHER:
                problems.append(f"an “Other” text is given for “{question.text}”, but the answer is not “Other”")
        answers = []
        for question_id, value in answer.items():
            question = self.by_id[question_id]
            limit = question.max_choices
            if isinstance(value, list) and limit and len(value) > limit:
                problems.append(f"“{question.text}” has {len(value)} options chosen; the most is {limit}")
            if not is_visible(question, answer, self.by_id):
                problems.append(
                    f"“{question.text}” is answered, but it is only asked after {condition_text(question, self.by_id)}"
                )
            kept_other = other.get(question_id, "") if has_other(question) else ""
            answers.append(Answer(question=question, value=value, other_text=kept_other))
        return answers


def responses_import(
    *, consultation: Consultation, lines: Iterable[str], channel: str, now: datetime.datetime
) -> list[Response]:
    """Record every row of the CSV text `lines` as a sent response with `channel`; ImportRefusedError, writing
    nothing, if any row has a problem."""
    if channel not in (Response.Channel.EMAIL, Response.Channel.PAPER):
        raise ImportRefusedError([RowError(0, "the channel must be email or paper")])
    reader = csv.reader(lines)
    header = [restore_cell(name).strip() for name in next(reader, [])]
    if not any(header):
        raise ImportRefusedError([RowError(1, "the file is empty: the first line must be the export's header")])
    parser = _Reader(consultation, header, timezone.localtime(now, LONDON))
    if parser.header_errors:  # the rows cannot be read against a header that is wrong
        raise ImportRefusedError([RowError(1, message) for message in parser.header_errors])
    errors: list[RowError] = []
    parsed: list[_Parsed] = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                problems: list[str] = []
                if len(cells) != len(header):
                    problems.append(f"it has {len(cells)} cells, but the header has {len(header)}")
                elif any("\x00" in cell for cell in cells):
                    problems.append("it holds a NUL character, which cannot be stored")
                else:
                    parsed.append(parser.row(cells, problems))
                errors += [RowError(line, message) for message in problems]
            line = reader.line_num + 1
    except csv.Error as error:
        errors.append(RowError(line, f"the file cannot be read as CSV from here ({error})"))
    if not errors and not parsed:
        errors.append(RowError(line, "there are no responses after the header"))
    if errors:
        raise ImportRefusedError(errors)
    with transaction.atomic():
        references = unused_references(len(parsed))
        for item in parsed:
            item.response.channel = channel
            item.response.reference = next(references)
        Response.objects.bulk_create([item.response for item in parsed])
        for item in parsed:
            for answer in item.answers:
                answer.response = item.response
        Answer.objects.bulk_create([answer for item in parsed for answer in item.answers])
    return [item.response for item in parsed]
