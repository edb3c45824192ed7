"""Responses as CSV or XLSX: one row per response, one column per question (a multiple choice question has one
column per option), plus reference, sent at (London time), late, respondent type, organisation and area.

Rows are read with `iterator()` in chunks (each chunk's answers in one query, as plain values: building an Answer
model per answer was most of an export's time) and written as they come: the CSV is streamed and the XLSX written
by openpyxl's write-only mode, so memory does not grow with the number of responses.
Every cell goes through ics_portal.spreadsheets, so nothing a resident typed runs as a formula. Personal data
(email, name, role, consent, and answers to email questions) is included only when asked for, with a reason (the
service records it); equality answers are never exported per response (they are not linked to responses).
"""

import csv
import dataclasses
import datetime
import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from django.db import models
from django.db.models import Case, F, When
from django.utils import timezone

from engagement.models import Answer, Consultation, Question, Response
from engagement.querysets import ResponseQuerySet
from engagement.questions import OTHER, OTHER_LABEL, answer_parts, has_other, parts_label, question_choices
from ics_portal.spreadsheets import safe_cell, safe_xlsx_row

from .selectors import (
    LONDON,
    ReportFilters,
    consultation_summary,
    report_questions,
    responses_for_report,
    theme_breakdown,
)

CHUNK = 2000
FILE_FORMATS = ("csv", "xlsx")  # what write_export (so a background job) can make


# What an export reads of an answer: its chosen values (answer_parts, worked out once for all its columns) and its
# "Other" text.
AnswerParts = tuple[list[str], str]

# A column's value from the response's row (`_response_values`: plain values, not a model) and its answers.
Value = Callable[[Any, dict[int, AnswerParts]], Any]


@dataclasses.dataclass(frozen=True)
class Column:
    header: str
    value: Value
    # What an answer column holds, so imports.py reads back the same columns: the answer (""), one option of a
    # multiple choice question (its value), or the "Other, please specify" text (OTHER).
    question: Question | None = None
    part: str = ""


def export_responses(
    *, consultation: Consultation, filters: ReportFilters, until: datetime.datetime
) -> ResponseQuerySet:
    """What an export holds: the page's filtered responses sent up to the export's time, so the count recorded in
    the log is the number of rows written even while responses arrive."""
    return responses_for_report(consultation=consultation, filters=filters).filter(submitted_at__lte=until)


def _answer(question: Question) -> Value:
    labels = dict(question_choices(question))  # once per export, not once per cell
    pk = question.pk

    def value(response: Any, answers: dict[int, AnswerParts]) -> str:
        found = answers.get(pk)
        return parts_label(found[0], labels=labels) if found else ""  # the "Other" text has a column of its own

    return value


def _option(question: Question, option: str) -> Value:
    pk = question.pk

    def value(response: Any, answers: dict[int, AnswerParts]) -> str:
        found = answers.get(pk)
        return "Yes" if found and option in found[0] else ""

    return value


def _other(question: Question) -> Value:
    pk = question.pk

    def value(response: Any, answers: dict[int, AnswerParts]) -> str:
        found = answers.get(pk)
        return found[1] if found and OTHER in found[0] else ""

    return value


def _sent_at(response: Any) -> datetime.datetime | None:
    # Naive London time: what the PMO reads, and what openpyxl can store (it refuses aware datetimes).
    return timezone.localtime(response.submitted_at, LONDON).replace(tzinfo=None) if response.submitted_at else None


def response_columns(*, questions: list[Question], personal: bool) -> list[Column]:
    kinds = dict(Response.RespondentType.choices)
    columns = [
        Column("Reference", lambda r, a: r.reference),
        Column("Sent at (London time)", lambda r, a: _sent_at(r)),
        Column("Late", lambda r, a: "Yes" if r.is_late else "No"),
        Column("Respondent type", lambda r, a: kinds.get(r.respondent_type, "")),
        Column("Organisation", lambda r, a: r.organisation_shown),
        Column("Area", lambda r, a: r.area_name or ""),
    ]
    if personal:
        columns += [
            Column("Email", lambda r, a: r.email),
            Column("Name", lambda r, a: r.account_name or ""),
            Column("Role in the organisation", lambda r, a: r.organisation_role),
            Column("Agreed to be contacted", lambda r, a: "Yes" if r.consent_to_contact else "No"),
        ]
    for number, question in enumerate(questions, start=1):
        title = f"Q{number}. {question.text}"
        if question.kind == Question.Kind.EMAIL and not personal:
            continue
        if question.kind == Question.Kind.MULTIPLE_CHOICE:
            columns += [
                Column(f"{title}: {label}", _option(question, value), question, value)
                for value, label in question_choices(question)
            ]
            if has_other(question):
                columns.append(Column(f"{title}: {OTHER_LABEL}", _other(question), question, OTHER))
            continue
        columns.append(Column(title, _answer(question), question))
        if has_other(question):
            columns.append(Column(f"{title}: {OTHER_LABEL}", _other(question), question, OTHER))
    return columns


def response_rows(
    *,
    consultation: Consultation,
    responses: ResponseQuerySet,
    personal: bool,
    progress: Callable[[int], None] | None = None,
    questions: list[Question] | None = None,
) -> Iterator[list[Any]]:
    """The header, then one row per response, read in chunks. `progress` (an export job's) is told how many
    responses have been read after each one; `questions`, the report's questions if the caller has read them."""
    if questions is None:
        questions = report_questions(consultation=consultation)
    columns = response_columns(questions=questions, personal=personal)
    yield [column.header for column in columns]
    ordered = _response_values(responses, personal=personal).order_by("submitted_at", "pk").iterator(CHUNK)
    done = 0
    while chunk := list(itertools.islice(ordered, CHUNK)):
        answers: dict[int, dict[int, AnswerParts]] = {response.pk: {} for response in chunk}
        read = Answer.objects.filter(response__in=list(answers)).values_list(
            "response_id", "question_id", "value", "other_text"
        )
        for response_id, question_id, value, other_text in read:
            answers[response_id][question_id] = (answer_parts(value), other_text)
        for response in chunk:
            yield [column.value(response, answers[response.pk]) for column in columns]
            done += 1
            if progress is not None:
                progress(done)


def _response_values(responses: ResponseQuerySet, *, personal: bool) -> "models.QuerySet[Any]":
    """The responses as named tuples of what the columns read (a model instance per row, with its organisation and
    area, cost more than the cells): the organisation's name as shown, the area's name, the account's name."""
    shown: dict[str, Any] = {
        "organisation_shown": Case(
            When(organisation__isnull=False, then=F("organisation__name")), default=F("organisation_name")
        ),
        "area_name": F("area__name"),
    }
    names = ["pk", "reference", "submitted_at", "is_late", "respondent_type"]
    if personal:
        shown["account_name"] = F("user__full_name")
        names += ["email", "organisation_role", "consent_to_contact"]
    return responses.annotate(**shown).values_list(*names, *shown, named=True)


def _csv_cell(value: Any) -> Any:
    return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, datetime.datetime) else safe_cell(value)


def csv_lines(rows: Iterable[list[Any]]) -> Iterator[str]:
    """UTF-8 text with a byte order mark first, so Excel opens non-ASCII characters right; CHUNK rows a piece."""
    yield "\ufeff"
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, CHUNK)):
        text = io.StringIO()
        csv.writer(text, lineterminator="\r\n").writerows([_csv_cell(value) for value in row] for row in chunk)
        yield text.getvalue()


def write_xlsx(
    out: IO[bytes],
    *,
    consultation: Consultation,
    filters: ReportFilters,
    responses: ResponseQuerySet,
    personal: bool,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Four sheets: responses (one row each), summary (the page's figures), questions, themes."""
    from openpyxl import Workbook

    questions = report_questions(consultation=consultation)  # for the Responses, Questions and Themes sheets
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Responses")
    for row in response_rows(
        consultation=consultation, responses=responses, personal=personal, progress=progress, questions=questions
    ):
        sheet.append(safe_xlsx_row(row))

    summary = consultation_summary(consultation=consultation, filters=filters)
    sheet = workbook.create_sheet("Summary")
    for row in _summary_rows(consultation, filters, summary):
        sheet.append(safe_xlsx_row(row))

    sheet = workbook.create_sheet("Questions")
    sheet.append(["Number", "Question", "Kind", "Required", "Options"])
    for number, question in enumerate(questions, start=1):
        options = "; ".join(label for _value, label in question_choices(question))
        if has_other(question):
            options = f"{options}; {OTHER_LABEL}" if options else OTHER_LABEL
        sheet.append(
            safe_xlsx_row(
                [number, question.text, question.get_kind_display(), "Yes" if question.required else "No", options]
            )
        )

    # The codebook's themes with their counts (the summary page's, following the same filters).
    breakdown = theme_breakdown(consultation=consultation, filters=filters)
    sheet = workbook.create_sheet("Themes")
    sheet.append(["Theme", "Description", "Question", "Answers"])
    texts = {q.pk: q.text for q in questions}
    for theme in breakdown.themes:
        asked = texts.get(theme.question_id or 0, "Any question")
        sheet.append(safe_xlsx_row([theme.name, theme.description, asked, theme.count]))
    sheet.append([])
    sheet.append(["Breakdown", "Group", "Theme", "Answers"])
    for question_id, rows in breakdown.by_question.items():
        for figure in rows:
            sheet.append(safe_xlsx_row(["Question", texts.get(question_id, ""), figure.label, figure.count]))
    for kind, groups in (("Area", breakdown.by_area), ("Respondent type", breakdown.by_type)):
        for name, rows in groups:
            for figure in rows:
                sheet.append(safe_xlsx_row([kind, name, figure.label, figure.count]))
    workbook.save(out)


def write_export(
    out: IO[bytes],
    *,
    fmt: str,
    consultation: Consultation,
    filters: ReportFilters,
    responses: ResponseQuerySet,
    personal: bool,
    progress: Callable[[int], None] | None = None,
) -> None:
    """The export as a file (one of FILE_FORMATS), for a background job and the command's --output."""
    if fmt not in FILE_FORMATS:
        raise ValueError(f"No file writer for the format {fmt!r}")
    if fmt == "xlsx":
        write_xlsx(
            out, consultation=consultation, filters=filters, responses=responses, personal=personal, progress=progress
        )
        return
    rows = response_rows(consultation=consultation, responses=responses, personal=personal, progress=progress)
    for line in csv_lines(rows):
        out.write(line.encode("utf-8"))


def _summary_rows(consultation: Consultation, filters: ReportFilters, summary: Any) -> Iterator[list[Any]]:
    yield [consultation.title]
    yield ["Filters", "; ".join(filters.describe()) or "None"]
    yield []
    yield ["Responses", summary.total]
    yield ["Individuals", summary.individuals]
    yield ["Organisations", summary.organisations]
    yield ["Late", summary.late]
    for title, rows in (
        ("By area", summary.by_area),
        ("By respondent type", summary.by_type),
        ("By channel", summary.by_channel),
        ("Per day", summary.per_day),
    ):
        yield []
        with_percent = any(row.percent is not None for row in rows)  # per day has none: no empty column
        yield [title, "Responses", "Percentage"] if with_percent else [title, "Responses"]
        for row in rows:
            yield [row.label, row.count, row.percent] if with_percent else [row.label, row.count]
    for number, question_summary in enumerate(summary.questions, start=1):
        yield []
        yield [f"Q{number}. {question_summary.question.text}", "Responses", "Of those who answered (%)"]
        yield ["Answered", question_summary.answered]
        for row in question_summary.rows:
            yield [row.label, row.count, row.percent]
