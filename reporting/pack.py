"""The summary pack: the summary page as an editable Word document (DOCX), which the PMO edits into the ICS's
response.

Every figure comes from the same selectors as the page (`consultation_summary`, `population_reach`,
`equality_summary`, `organisation_responses`, `question_texts`), with the same filters and the same suppression, so the pack and the
page cannot disagree. It never holds personal data: no emails or names, no answers to email questions, and
equality figures in aggregate only.
"""

import datetime
from typing import IO, Any

from django.utils import timezone

from engagement.models import Consultation, Question, Response
from engagement.questions import TEXT_KINDS, answer_label
from ics_portal.jinja2 import london, london_time
from ics_portal.spreadsheets import xml_text

from .selectors import (
    EqualitySummary,
    Reach,
    ReportFilters,
    Row,
    consultation_summary,
    equality_summary,
    organisation_responses,
    population_reach,
    question_texts,
    report_questions,
    theme_breakdown,
)
from .suppression import THRESHOLD

# Enough typed answers to give the flavour of each question; the portal's answers page lists them all.
TEXT_SAMPLE = 10
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _percent(percent: int | None) -> str:
    return "-" if percent is None else f"{percent}%"


def _when(value: datetime.datetime) -> str:
    return f"{london_time(value)} on {london(value)}"


class _Pack:
    def __init__(self) -> None:
        from docx import Document

        self.document = Document()
        # Style ids looked up once: python-docx looks a style name up among every style on each use, which made
        # a pack with a thousand organisations' responses take seconds.
        names = ["Title", "Heading 1", "Heading 2", "Heading 3", "List Bullet", "Table Grid"]
        self.style_ids = {name: self.document.styles[name].style_id for name in names}

    def heading(self, text: str, level: int) -> None:
        self.para(text, "Title" if level == 0 else f"Heading {level}")

    def para(self, text: str, style: str | None = None) -> None:
        paragraph = self.document.add_paragraph(xml_text(text))
        if style:
            paragraph._p.style = self.style_ids[style]

    def table(self, header: list[str], rows: list[list[Any]]) -> None:
        table = self.document.add_table(rows=1 + len(rows), cols=len(header))
        table._tbl.tblStyle_val = self.style_ids["Table Grid"]  # borders: legible in black and white
        cells = iter(table._cells)
        for text in header:
            cell = next(cells)
            cell.text = xml_text(text)
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for row in rows:
            for value in row:
                next(cells).text = xml_text(str(value))
        self.para("")

    def figures(self, first: str, rows: list[Row], *, percent: str | None = "Percentage") -> None:
        if percent is None:
            self.table([first, "Responses"], [[row.label, row.count] for row in rows])
        else:
            self.table([first, "Responses", percent], [[row.label, row.count, _percent(row.percent)] for row in rows])


def write_docx(out: IO[bytes], *, consultation: Consultation, filters: ReportFilters, now: datetime.datetime) -> None:
    """Write the pack of the page's filtered figures, as at `now`, to `out`."""
    summary = consultation_summary(consultation=consultation, filters=filters)
    equality = equality_summary(consultation=consultation)  # read once: the equality section and the age bands
    pack = _Pack()
    pack.heading(f"Summary of responses: {consultation.title}", 0)
    pack.para(
        f"Prepared from the portal at {_when(now)}, from sent responses only (leaving out any held as suspected "
        "automated). A draft for the programme office to edit into the ICS's response."
    )

    pack.heading("The consultation", 1)
    details = [
        ["Title", consultation.title],
        ["Owned by", consultation.owner_area.name],
        ["Opened", _when(consultation.opens_at)],
        ["Closes", _when(consultation.closes_at)],
    ]
    if consultation.onward_deadline:
        onward = london(consultation.onward_deadline)
        if consultation.onward_deadline_text:
            onward = f"{onward} ({consultation.onward_deadline_text})"
        details.append(["Onward deadline", onward])
    details.append(["Filters", "; ".join(filters.describe()) or "None: every sent response"])
    pack.table(["", ""], details)
    if consultation.summary:
        pack.para(consultation.summary)

    pack.heading("Responses", 1)
    pack.table(
        ["", "Responses"],
        [
            ["Total", summary.total],
            ["Individuals", summary.individuals],
            ["Organisations", summary.organisations],
            ["Late", summary.late],
        ],
    )
    if summary.total:
        pack.heading("By area", 2)
        pack.figures("Area", summary.by_area)
        pack.heading("By respondent type", 2)
        pack.figures("Responding", summary.by_type)
        pack.heading("By channel", 2)
        pack.figures("How it arrived", summary.by_channel)
        pack.heading("Responses per day", 2)
        pack.figures("Day", summary.per_day, percent=None)

    _reach(pack, population_reach(consultation=consultation, filters=filters, equality=equality), filters)

    pack.heading("Questions", 1)
    for number, question_summary in enumerate(summary.questions, start=1):
        question = question_summary.question
        pack.heading(f"{number}. {question.text}", 2)
        pack.para(
            f"{question.get_kind_display()}. {question_summary.answered} of {summary.total} responses answered "
            "this question."
        )
        if question_summary.is_choice:
            if question_summary.is_multiple:
                pack.para(
                    "A respondent may pick several options, so the percentages (of those who answered) can add up "
                    "to more than 100%."
                )
            pack.figures("Answer", question_summary.rows, percent="Of those who answered")
        if question_summary.has_texts and (question.kind in TEXT_KINDS or question_summary.other_count):
            _text_sample(pack, consultation, question, filters)
        if question.kind == Question.Kind.EMAIL:
            pack.para("Email addresses are personal data: they are not listed here.")
    if not summary.questions:
        pack.para("This consultation has no questions.")

    _themes(pack, consultation, filters)
    _organisations(pack, consultation, filters)
    _equality(pack, equality)
    pack.document.save(out)


def _per_10k(value: float | None) -> str:
    return "not shown" if value is None else f"{value:.1f}"


def _reach(pack: _Pack, reach: Reach, filters: ReportFilters) -> None:
    """Who we have not heard from: the summary page's section (templates/reporting/_reach.html), in its words."""
    pack.heading("Who we have not heard from", 1)
    if not reach.rows:
        within = " within the area chosen" if filters.area else ""
        pack.para(f"No population figures are recorded for the areas this consultation is for{within}.")
        return
    following = ", following the filters" if filters.describe() else ""
    pack.para(
        f"Responses from each {reach.level_name.lower()} (and the areas within it) for every 10,000 people who live "
        f"there{following}. Across these areas: {_per_10k(reach.rate)} per 10,000 residents."
    )
    if reach.below:
        pack.heading("Furthest below that rate", 2)
        for row in reach.below:
            pack.para(
                f"{row.label}: {_per_10k(row.per_10k)} per 10,000 ({row.shown} responses from {row.population:,} "
                "residents)",
                style="List Bullet",
            )
    pack.table(
        ["Area", "Residents", "Responses", "Per 10,000"],
        [[row.label, f"{row.population:,}", row.shown, _per_10k(row.per_10k)] for row in reach.rows],
    )
    first, others = reach.rows[0], len({row.source for row in reach.rows}) > 1
    pack.para(
        f"Residents: {first.source} ({first.year}){' and other sources per area' if others else ''}. A response "
        "counts for an area when the respondent chose it or an area within it; responses without an area, or "
        "naming a wider area, are not in these figures."
    )
    if reach.age_rows:
        pack.heading("By age band", 2)
        pack.para(
            "From the equality monitoring answers, which are kept apart from responses: the filters do not apply, "
            "and any count from 1 to 4 is shown as “fewer than 5”."
        )
        pack.table(
            ["Age band", "Residents", "People", "Per 10,000"],
            [[row.label, f"{row.population:,}", row.shown, _per_10k(row.per_10k)] for row in reach.age_rows],
        )


def _themes(pack: _Pack, consultation: Consultation, filters: ReportFilters) -> None:
    """The codebook's themes with their counts (the summary page's), per question, area and respondent type."""
    pack.heading("Themes", 1)
    breakdown = theme_breakdown(consultation=consultation, filters=filters)
    if not breakdown.themes:
        pack.para("No themes have been recorded for this consultation.")
        return
    pack.para("Typed answers tagged with the codebook's themes. An answer may carry several themes.")
    pack.table(["Theme", "Description", "Answers"], [[t.name, t.description, t.count] for t in breakdown.themes])
    questions = {q.pk: q for q in report_questions(consultation=consultation)}
    for question_id, rows in breakdown.by_question.items():
        if question_id in questions:
            pack.heading(f"Themes in the answers to: {questions[question_id].text}", 2)
            pack.table(["Theme", "Answers"], [[row.label, row.count] for row in rows])
    for title, groups in (("By area", breakdown.by_area), ("By respondent type", breakdown.by_type)):
        pack.heading(f"Themes {title.lower()}", 2)
        pack.table(
            [title.removeprefix("By ").capitalize(), "Theme", "Answers"],
            [[name, row.label, row.count] for name, rows in groups for row in rows],
        )


def _text_sample(pack: _Pack, consultation: Consultation, question: Question, filters: ReportFilters) -> None:
    texts = question_texts(consultation=consultation, question=question, filters=filters)
    total = texts.count()
    label = "answers" if question.kind in TEXT_KINDS else "“Other, please specify” answers"
    if not total:
        return
    shown = list(texts[:TEXT_SAMPLE])
    pack.para(
        f"All {total} {label}:"
        if total <= TEXT_SAMPLE
        else f"The first {len(shown)} of {total} {label} (the portal lists and searches them all):"
    )
    for answer in shown:
        text = answer.text  # type: ignore[attr-defined]  # annotated by question_texts
        pack.para(f"{text} ({answer.response.reference})", style="List Bullet")


def _organisations(pack: _Pack, consultation: Consultation, filters: ReportFilters) -> None:
    pack.heading("Responses from organisations", 1)
    organisations = list(organisation_responses(consultation=consultation, filters=filters))
    if not organisations:
        pack.para("No responses on behalf of an organisation" + (" match the filters." if filters.describe() else "."))
        return
    pack.para("In full, apart from individuals' responses.")
    for response in organisations:
        pack.heading(f"{_organisation_name(response)} ({response.reference})", 2)
        sent = f"{_when(response.submitted_at)}{' (late)' if response.is_late else ''}" if response.submitted_at else ""
        rows: list[list[Any]] = [["Sent", sent]]
        if response.area:
            rows.append(["Area", response.area.name])
        for answer in sorted(response.answers.all(), key=lambda a: a.question.order):
            if answer.question.kind != Question.Kind.EMAIL:
                text = answer_label(answer.question, answer.value, answer.other_text)
                rows.append([answer.question.text, text or "Not answered"])
        pack.table(["", ""], rows)


def _organisation_name(response: Response) -> str:
    return response.organisation.name if response.organisation else (response.organisation_name or "An organisation")


def _equality(pack: _Pack, equality: EqualitySummary) -> None:
    pack.heading("Equality monitoring", 1)
    pack.para(
        "Equality answers are kept apart from responses, with no link to them, so the filters do not apply here: "
        "these figures are for the whole consultation. Any count from 1 to 4 is shown as “fewer than 5”, and "
        "another count is “not shown” where it would let a hidden one be worked out from the total."
    )
    if equality.total == 0:
        pack.para("No equality monitoring answers.")
        return
    if equality.total < THRESHOLD:
        pack.para("Fewer than 5 people answered the equality questions: the figures are not shown.")
        return
    pack.para(f"{equality.total} people answered the equality questions.")
    for title, table in equality.tables:
        pack.heading(title, 3)
        if table.withheld:
            rows = [["Not shown: the numbers are too small to show without someone being picked out.", ""]]
        else:
            rows = [[cell.label, cell.shown] for cell in table.cells]
        pack.table(["Answer", "People"], [*rows, ["Total", table.total]])


def docx_filename(consultation: Consultation, now: datetime.datetime) -> str:
    return f"{consultation.slug}-summary-{timezone.localtime(now):%Y%m%d-%H%M}.docx"
