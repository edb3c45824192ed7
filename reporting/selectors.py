"""Reads for the PMO's pages and exports: which consultations a user may see, the filtered responses, and the
summary's aggregates.

Every figure starts from `Response.objects.counted()` (sent, not held as suspected automated) narrowed by the
page's filters (`responses_for_report`), and is computed by aggregate queries in the database: the summary takes
the same number of queries whatever the number of responses or questions.
"""

import dataclasses
import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Func, Prefetch, Q, QuerySet, TextField
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from engagement.models import Answer, Consultation, EqualityMonitoring, Question, Response
from engagement.querysets import ConsultationQuerySet, ResponseQuerySet
from engagement.questions import (
    CHOICE_KINDS,
    CONDITION_KINDS,
    OTHER,
    OTHER_LABEL,
    TEXT_KINDS,
    answer_parts,
    has_other,
    question_choices,
)
from governance.models import Area
from ics_portal.textsearch import full_text_search_available

from .permissions import reportable_consultations_filter
from .suppression import Table, suppress

LONDON = ZoneInfo("Europe/London")
NOT_GIVEN = "Not given"


@dataclasses.dataclass
class ReportFilters:
    """The filters every figure on a summary (and every export) follows."""

    area: Area | None = None
    respondent_type: str = ""  # "", a Response.RespondentType value, or "none" (not given)
    submitted_from: datetime.date | None = None
    submitted_to: datetime.date | None = None
    late: bool | None = None
    theme: Any = None  # a Theme: responses with at least one answer tagged with it

    @functools.cached_property
    def areas(self) -> QuerySet[Area]:
        """The area and every area below it (the one tree walk), built once for every query of a page."""
        assert self.area is not None
        return Area.objects.descendants_of([self.area.pk], include_self=True)

    def query(self) -> dict[str, str]:
        """As the summary page's GET parameters (for links, exports and the export log)."""
        params: dict[str, str] = {}
        if self.area:
            params["area"] = str(self.area.pk)
        if self.respondent_type:
            params["respondent_type"] = self.respondent_type
        for name in ("submitted_from", "submitted_to"):
            value = getattr(self, name)
            if value:
                params.update({f"{name}-day": str(value.day), f"{name}-month": str(value.month)})
                params[f"{name}-year"] = str(value.year)
        if self.late is not None:
            params["late"] = "yes" if self.late else "no"
        if self.theme is not None:
            params["theme"] = str(self.theme.pk)
        return params

    def describe(self) -> list[str]:
        """In words, for the page and the export log."""
        words = []
        if self.area:
            words.append(f"Area: {self.area.name} and the areas below it")
        if self.respondent_type:
            labels = dict(Response.RespondentType.choices) | {"none": NOT_GIVEN}
            words.append(f"Responding: {labels.get(self.respondent_type, self.respondent_type)}")
        if self.submitted_from:
            words.append(f"Sent on or after {self.submitted_from:%-d %B %Y}")
        if self.submitted_to:
            words.append(f"Sent on or before {self.submitted_to:%-d %B %Y}")
        if self.late is not None:
            words.append("Late responses only" if self.late else "Responses that were not late only")
        if self.theme is not None:
            words.append(f"Theme: {self.theme.name}")
        return words


def reportable_consultations(*, user: Any) -> ConsultationQuerySet:
    """What this user may see summaries of, with counted and late responses; most recently closing first."""
    return (
        Consultation.objects.filter(reportable_consultations_filter(user))
        .select_related("owner_area", "owner_area__level", "system")
        .with_response_counts()
        .order_by("-closes_at", "title")
    )


def consultation_get_reportable(*, user: Any, slug: str) -> Consultation:
    """The consultation, or 404 for one the user may not see (so its existence is not revealed)."""
    consultation = (
        Consultation.objects.select_related("system", "owner_area", "owner_area__level").filter(slug=slug).first()
    )
    if consultation is None or not user.has_perm("reporting.view_consultation_report", consultation):
        raise Http404("No consultation you may report on has that address.")
    return consultation


def _london_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=LONDON)


def responses_for_report(*, consultation: Consultation, filters: ReportFilters) -> ResponseQuerySet:
    responses = Response.objects.counted().filter(consultation=consultation)
    if filters.area:
        responses = responses.filter(area__in=filters.areas)
    if filters.respondent_type == "none":
        responses = responses.filter(respondent_type="")
    elif filters.respondent_type:
        responses = responses.filter(respondent_type=filters.respondent_type)
    if filters.submitted_from:
        responses = responses.filter(submitted_at__gte=_london_midnight(filters.submitted_from))
    if filters.submitted_to:
        end = _london_midnight(filters.submitted_to + datetime.timedelta(days=1))
        responses = responses.filter(submitted_at__lt=end)
    if filters.late is not None:
        responses = responses.filter(is_late=filters.late)
    if filters.theme is not None:
        from .models import ThemeTag

        responses = responses.filter(pk__in=ThemeTag.objects.filter(theme=filters.theme).values("answer__response_id"))
    return responses


def report_questions(*, consultation: Consultation) -> list[Question]:
    return list(consultation.questions.select_related("section").order_by("section__order", "order"))


@dataclasses.dataclass
class Row:
    label: str
    count: int
    percent: int | None = None


@dataclasses.dataclass
class QuestionSummary:
    question: Question
    answered: int = 0
    rows: list[Row] = dataclasses.field(default_factory=list)  # choice kinds: one per option, "Other" last
    other_count: int = 0  # answers giving "Other, please specify" text

    @property
    def is_choice(self) -> bool:
        return self.question.kind in CONDITION_KINDS

    @property
    def is_multiple(self) -> bool:
        return self.question.kind == Question.Kind.MULTIPLE_CHOICE

    @property
    def has_texts(self) -> bool:
        """Answers worth reading one by one: free text, or "Other" texts. Email answers are personal data."""
        return self.question.kind in TEXT_KINDS or has_other(self.question)


@dataclasses.dataclass
class Summary:
    total: int
    individuals: int
    organisations: int
    not_given: int
    late: int
    by_area: list[Row]
    by_type: list[Row]
    per_day: list[Row]
    questions: list[QuestionSummary]
    by_channel: list[Row] = dataclasses.field(default_factory=list)  # online, by email, on paper (imported)
    synthetic: int = 0  # made up for the demo or a benchmark (generate_responses): the page says so


def _percent(count: int, of: int) -> int | None:
    return round(100 * count / of) if of else None


AREA_GROUP = ("area__name", "area__parent_id", "area__system__name")  # a response's area, for _area_group


def _area_group(name: str | None, parent_id: int | None, system_name: str | None) -> str:
    """An area breakdown's group: the top area is the system itself, often named by its short name ("NCL"), so
    it reads "North Central London as a whole" rather than as one more area beside the boroughs."""
    if name is None:
        return NOT_GIVEN
    return f"{system_name} as a whole" if parent_id is None else name


def _per_day(responses: ResponseQuerySet) -> list[Row]:
    counts = dict(
        responses.annotate(day=TruncDate("submitted_at", tzinfo=LONDON))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
        .order_by()
    )
    if not counts:
        return []
    day, last = min(counts), max(counts)
    rows = []
    while day <= last:  # every day between the first and the last, quiet days included
        rows.append(Row(f"{day:%-d %b %Y}", counts.get(day, 0)))
        day += datetime.timedelta(days=1)
    return rows


def _question_summaries(responses: ResponseQuerySet, questions: list[Question]) -> list[QuestionSummary]:
    """Two queries for every question together: answered/"Other" counts per question, and answers grouped by
    value for the choice kinds. A multiple choice answer is a list, grouped by the whole list (at most one group
    per combination of options, however many responses), then added up per option here."""
    answers = Answer.objects.filter(response__in=responses).order_by()
    given = ~Q(value="") & ~Q(value=[])
    per_question: dict[int, dict[str, Any]] = {
        row["question_id"]: dict(row)
        for row in answers.values("question_id").annotate(
            answered=Count("pk", filter=given), others=Count("pk", filter=~Q(other_text=""))
        )
    }
    groups: dict[int, list[tuple[Any, int]]] = defaultdict(list)
    for question_id, value, n in (
        answers.filter(question__kind__in=CONDITION_KINDS)
        .values("question_id", "value")
        .annotate(n=Count("pk"))
        .values_list("question_id", "value", "n")
    ):
        groups[question_id].append((value, n))

    summaries = []
    for question in questions:
        counts = per_question.get(question.pk, {})
        summary = QuestionSummary(question, answered=counts.get("answered", 0), other_count=counts.get("others", 0))
        if summary.is_choice:
            chosen: dict[str, int] = defaultdict(int)
            for value, n in groups.get(question.pk, []):
                for part in set(answer_parts(value)):
                    chosen[part] += n
            options = question_choices(question)
            if has_other(question):
                options.append((OTHER, OTHER_LABEL))
            known = {value for value, _label in options}
            # An answer to an option removed since (kept, so nothing a resident said is hidden).
            options += [(value, f"{value} (no longer an option)") for value in sorted(chosen) if value not in known]
            summary.rows = [
                Row(label, chosen.get(value, 0), _percent(chosen.get(value, 0), summary.answered))
                for value, label in options
            ]
        summaries.append(summary)
    return summaries


def consultation_summary(*, consultation: Consultation, filters: ReportFilters) -> Summary:
    responses = responses_for_report(consultation=consultation, filters=filters)
    kinds = Response.RespondentType
    totals = responses.aggregate(
        total=Count("pk"),
        individuals=Count("pk", filter=Q(respondent_type=kinds.INDIVIDUAL)),
        organisations=Count("pk", filter=Q(respondent_type=kinds.ORGANISATION)),
        late=Count("pk", filter=Q(is_late=True)),
        synthetic=Count("pk", filter=Q(is_synthetic=True)),
        **{f"channel_{value}": Count("pk", filter=Q(channel=value)) for value in Response.Channel.values},
    )
    by_area = [
        Row(_area_group(name, parent, system), n, _percent(n, totals["total"]))
        for name, parent, system, n in responses.values(*AREA_GROUP)
        .annotate(n=Count("pk"))
        .order_by("-n", "area__name")
        .values_list(*AREA_GROUP, "n")
    ]
    not_given = totals["total"] - totals["individuals"] - totals["organisations"]
    by_type = [
        Row("Individuals", totals["individuals"], _percent(totals["individuals"], totals["total"])),
        Row("Organisations", totals["organisations"], _percent(totals["organisations"], totals["total"])),
    ]
    if not_given:
        by_type.append(Row(NOT_GIVEN, not_given, _percent(not_given, totals["total"])))
    return Summary(
        total=totals["total"],
        individuals=totals["individuals"],
        organisations=totals["organisations"],
        not_given=not_given,
        late=totals["late"],
        synthetic=totals["synthetic"],
        by_area=by_area,
        by_type=by_type,
        per_day=_per_day(responses),
        questions=_question_summaries(responses, report_questions(consultation=consultation)),
        by_channel=[
            Row(str(label), totals[f"channel_{value}"], _percent(totals[f"channel_{value}"], totals["total"]))
            for value, label in Response.Channel.choices
        ],
    )


def organisation_responses(*, consultation: Consultation, filters: ReportFilters) -> QuerySet[Response]:
    """Responses on behalf of an organisation, with their answers: read in full, apart from individuals'."""
    return (
        responses_for_report(consultation=consultation, filters=filters)
        .filter(respondent_type=Response.RespondentType.ORGANISATION)
        .select_related("organisation", "area")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("question")))
        .order_by("submitted_at", "pk")
    )


# --- Free text: listed, searched and highlighted ---
class JSONText(Func):
    """A JSON string value as plain text (a text answer is stored as a JSON string)."""

    output_field = TextField()

    def as_postgresql(self, compiler: Any, conn: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, conn, template="(%(expressions)s #>> '{}')", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template="json_extract(%(expressions)s, '$')", **extra_context)


# Private-use characters mark a match inside the database's headline; the text is escaped before they become
# <mark>, so a resident's text can never inject markup.
_START, _STOP = "\ue000", "\ue001"


def question_texts(
    *, consultation: Consultation, question: Question, filters: ReportFilters, search: str = ""
) -> QuerySet[Answer]:
    """The typed answers to one question (free text, or the "Other" texts of a choice question), oldest first,
    each annotated `text` and, when searching on PostgreSQL, `headline` with the matches between markers.
    Searching is PostgreSQL full-text search (English stemming); elsewhere (SQLite, `make run`) a plain
    case-insensitive contains, without highlighting."""
    answers = Answer.objects.filter(
        question=question, response__in=responses_for_report(consultation=consultation, filters=filters)
    )
    if question.kind in CHOICE_KINDS:
        answers = answers.exclude(other_text="").annotate(text=F("other_text"))
    else:
        answers = answers.annotate(text=JSONText("value")).exclude(text="").exclude(text__isnull=True)
    answers = answers.select_related("response", "response__area").order_by("response__submitted_at", "pk")
    search = search.strip()
    if not search:
        return answers
    if not full_text_search_available():
        return answers.filter(text__icontains=search)
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchVector

    query = SearchQuery(search, search_type="websearch", config="english")
    return (
        answers.annotate(document=SearchVector("text", config="english"))
        .filter(document=query)
        .annotate(
            headline=SearchHeadline(
                "text", query, config="english", start_sel=_START, stop_sel=_STOP, highlight_all=True
            )
        )
    )


def highlighted(headline: str) -> SafeString:
    """A database headline as HTML: the text escaped, the matches in <mark>."""
    html = str(escape(headline)).replace(_START, "<mark>").replace(_STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 (escaped above; only our markers become tags)


# --- Equality monitoring: aggregate only, small numbers suppressed ---
EQUALITY_FIELDS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("age_band", "Age", EqualityMonitoring.AGE_BANDS),
    ("sex", "Sex", EqualityMonitoring.SEXES),
    ("gender_identity", "Gender identity same as sex registered at birth", EqualityMonitoring.GENDER_IDENTITY),
    ("ethnicity", "Ethnic group", EqualityMonitoring.ETHNICITIES),
    ("disability", "Disability", EqualityMonitoring.DISABILITY),
    ("sexual_orientation", "Sexual orientation", EqualityMonitoring.SEXUAL_ORIENTATION),
    ("religion", "Religion or belief", EqualityMonitoring.RELIGION),
    ("carer", "Unpaid carer", EqualityMonitoring.CARER),
]


@dataclasses.dataclass
class EqualitySummary:
    total: int
    tables: list[tuple[str, Table]]
    left_out: int = 0  # deleted unreleased: too few remained after closing to be released anonymously


def equality_summary(*, consultation: Consultation) -> EqualitySummary:
    """Every characteristic's counts in one aggregate query, then suppressed (suppression.py). The records are
    not linked to responses, so no filter can apply to them, nor narrow them below the threshold."""
    records = EqualityMonitoring.objects.filter(consultation=consultation)
    aggregates: dict[str, Any] = {"total": Count("pk")}
    for name, _title, choices in EQUALITY_FIELDS:
        for index, (value, _label) in enumerate([*choices, ("", "")]):
            aggregates[f"{name}__{index}"] = Count("pk", filter=Q(**{name: value}))
    counts: dict[str, int] = records.aggregate(**aggregates)
    tables = []
    for name, title, choices in EQUALITY_FIELDS:
        labels = [label for _value, label in choices] + ["Not answered"]
        cells = [counts[f"{name}__{index}"] for index in range(len(labels))]
        tables.append((title, suppress(labels, cells, total=counts["total"])))
    return EqualitySummary(total=counts["total"], tables=tables, left_out=consultation.equality_left_out)


def export_jobs_of(*, user: Any, consultation: Consultation, limit: int = 10) -> list[Any]:
    """The person's own recent background exports of this consultation, newest first (for the export page)."""
    from .models import ExportJob

    return list(ExportJob.objects.filter(user=user, consultation=consultation).order_by("-created_at", "-pk")[:limit])


# --- Who we have not heard from: responses against the areas' populations ---------------------------------------
PER = 10_000
FURTHEST_BELOW = 3


@dataclasses.dataclass
class ReachRow:
    label: str
    population: int
    responses: int | None  # None when suppressed (age bands: equality data)
    shown: str  # the count as shown: digits, or the suppression's words
    per_10k: float | None
    source: str = ""
    year: int | None = None


@dataclasses.dataclass
class Reach:
    rows: list[ReachRow]  # areas, most local level with populations, by name
    rate: float | None  # responses per 10,000 residents across those areas
    below: list[ReachRow]  # the areas furthest below that rate, worst first
    level_name: str = ""
    age_rows: list[ReachRow] = dataclasses.field(default_factory=list)


def _per_10k(count: int, population: int) -> float:
    return round(PER * count / population, 1)


def population_reach(
    *, consultation: Consultation, filters: ReportFilters, equality: EqualitySummary | None = None
) -> Reach:
    """Responses per 10,000 residents for each area the consultation is for (its target areas, else its owner
    area, and the areas below them) with a recorded population (the most local level that has them, latest year;
    within the area filter), the rate across them, and the areas furthest below it. The counts follow the
    summary's filters; each area counts the responses from it and every area below it (the one tree walk). The
    same few queries whatever the number of areas or responses."""
    from governance.models import AreaPopulation
    from governance.selectors import newest_populations

    # A Camden consultation is not measured against Barnet's residents.
    audience = list(consultation.target_areas.values_list("pk", flat=True)) or [consultation.owner_area_id]
    figures = AreaPopulation.objects.filter(
        area__in=Area.objects.descendants_of(audience, include_self=True)
    ).select_related("area__level")
    if filters.area is not None:
        figures = figures.filter(area__in=filters.areas)
    latest = newest_populations(figures)
    totals = [f for (_area, band), f in latest.items() if not band]
    if not totals:
        return Reach(rows=[], rate=None, below=[])
    # The most local level with figures (boroughs, say), so no resident is counted twice.
    rank = min(f.area.level.rank for f in totals)
    chosen = sorted((f for f in totals if f.area.level.rank == rank), key=lambda f: f.area.name)
    responses = responses_for_report(consultation=consultation, filters=filters)
    # The chosen areas share one rank, so the walk's number of steps is known: no query per area to find it.
    below_each = {
        f"a{f.area_id}": Count(
            "pk", filter=Q(area__in=Area.objects.descendants_of([f.area_id], include_self=True, steps=rank - 1))
        )
        for f in chosen
    }
    counts = responses.aggregate(**below_each)
    rows = [
        ReachRow(
            label=f.area.name,
            population=f.population,
            responses=counts[f"a{f.area_id}"],
            shown=f"{counts[f'a{f.area_id}']:,}",
            per_10k=_per_10k(counts[f"a{f.area_id}"], f.population),
            source=f.source,
            year=f.year,
        )
        for f in chosen
    ]
    heard, people = sum(r.responses or 0 for r in rows), sum(r.population for r in rows)
    rate = _per_10k(heard, people)
    # Compared before rounding: 3 responses among 2 million residents shows as 0.0 per 10,000, yet an area with
    # none is still below it.
    below = sorted(
        (r for r in rows if (r.responses or 0) * people < heard * r.population),
        key=lambda r: ((r.responses or 0) / r.population, r.label),
    )
    reach = Reach(rows=rows, rate=rate, below=below[:FURTHEST_BELOW], level_name=chosen[0].area.level.singular)
    _age_bands(reach, consultation=consultation, areas={f.area_id for f in chosen}, latest=latest, equality=equality)
    return reach


def _age_bands(
    reach: Reach,
    *,
    consultation: Consultation,
    areas: set[int],
    latest: dict[Any, Any],
    equality: EqualitySummary | None,
) -> None:
    """By age band, when the chosen areas have figures by band: the equality form's age answers against the
    residents of each band. The counts are the equality section's own age table, cell for cell, so the page hides
    the same small numbers in both places (suppression.py) and nothing can be worked out from the two together.
    Equality answers are never linked to a response, so the summary's filters cannot narrow them."""
    population: dict[str, int] = {}
    for (area_id, band), figure in latest.items():
        if area_id in areas and band:
            population[band] = population.get(band, 0) + figure.population
    if not population:
        return
    # The summary page has read the equality figures already; pass them (`equality`) rather than read them twice.
    equality = equality or equality_summary(consultation=consultation)
    age_title = next(title for name, title, _choices in EQUALITY_FIELDS if name == "age_band")
    table = dict(equality.tables)[age_title]
    labels = dict(EqualityMonitoring.AGE_BANDS)
    cells = {cell.label: cell.shown for cell in table.cells}
    for value, label in EqualityMonitoring.AGE_BANDS:
        if value not in population:
            continue
        shown = "not shown" if table.withheld else cells.get(labels[value], "0")
        count = int(shown) if shown.isdigit() else None
        reach.age_rows.append(
            ReachRow(
                label=label,
                population=population[value],
                responses=count,
                shown=shown,
                per_10k=_per_10k(count, population[value]) if count is not None else None,
            )
        )


# --- Themes: the codebook, its counts, and the answers behind them ---
@dataclasses.dataclass
class ThemeCount:
    """A codebook theme with how many answers carry it (for "you said, we did" outcomes and the summary)."""

    pk: int
    name: str
    description: str
    count: int
    question_id: int | None = None


def theme_counts(*, consultation: Consultation, filters: ReportFilters | None = None) -> list[ThemeCount]:
    """Every codebook theme with the number of counted answers tagged with it (following the summary's filters
    when given), most first. One query, whatever the number of themes or answers."""
    from .models import Theme

    responses = responses_for_report(consultation=consultation, filters=filters or ReportFilters())
    themes = (
        Theme.objects.filter(consultation=consultation)
        .annotate(n=Count("tags", filter=Q(tags__answer__response__in=responses)))
        .order_by("-n", "name")
        .values_list("pk", "name", "description", "n", "question_id")
    )
    return [ThemeCount(*row) for row in themes]


def theme_counts_of(*, consultations: "Iterable[Consultation]") -> dict[int, list[ThemeCount]]:
    """`theme_counts` without filters for several consultations at once (a page of outcomes, the feed), by
    consultation pk: one query, whatever the number of consultations, themes or answers."""
    from .models import Theme

    # Tagged answers of the theme's own consultation's counted responses, as theme_counts counts them.
    counted = Q(
        tags__answer__response__in=Response.objects.counted(),
        tags__answer__response__consultation=F("consultation"),
    )
    themes = (
        Theme.objects.filter(consultation__in=list(consultations))
        .annotate(n=Count("tags", filter=counted))
        .order_by("consultation_id", "-n", "name")
        .values_list("consultation_id", "pk", "name", "description", "n", "question_id")
    )
    found: dict[int, list[ThemeCount]] = defaultdict(list)
    for consultation_id, pk, name, description, n, question_id in themes:
        found[consultation_id].append(ThemeCount(pk, name, description, n, question_id))
    return found


@dataclasses.dataclass
class ThemeBreakdown:
    """Theme counts per question, per area and per respondent type, for the summary page."""

    themes: list[ThemeCount]
    by_question: dict[int, list[Row]]  # question id -> a row per theme with answers to it
    by_area: list[tuple[str, list[Row]]]  # area name -> a row per theme
    by_type: list[tuple[str, list[Row]]]


def theme_breakdown(*, consultation: Consultation, filters: ReportFilters) -> ThemeBreakdown:
    """Three aggregate queries over the tags (plus theme_counts' one), whatever the number of themes or answers."""
    from .models import ThemeTag

    themes = theme_counts(consultation=consultation, filters=filters)
    names = {t.pk: t.name for t in themes}
    tags = ThemeTag.objects.filter(
        theme__consultation=consultation,
        answer__response__in=responses_for_report(consultation=consultation, filters=filters),
    ).order_by()

    def grouped(*fields: str) -> dict[Any, dict[int, int]]:
        """Tag counts per theme, keyed by the field's value (a tuple of the values for several fields)."""
        table: dict[Any, dict[int, int]] = defaultdict(dict)
        for *key, theme_id, n in (
            tags.values(*fields, "theme_id").annotate(n=Count("pk")).values_list(*fields, "theme_id", "n")
        ):
            table[key[0] if len(fields) == 1 else tuple(key)][theme_id] = n
        return table

    def rows(counts: dict[int, int]) -> list[Row]:
        total = sum(counts.values())
        return [
            Row(names[pk], counts[pk], _percent(counts[pk], total))
            for pk in sorted(counts, key=lambda pk: (-counts[pk], names[pk]))
        ]

    kinds = Response.RespondentType
    types = {kinds.INDIVIDUAL: "Individuals", kinds.ORGANISATION: "Organisations", "": NOT_GIVEN}  # as the summary
    return ThemeBreakdown(
        themes=themes,
        by_question={q: rows(c) for q, c in grouped("answer__question_id").items()},
        by_area=sorted(
            (_area_group(*key), rows(c))
            for key, c in grouped(*(f"answer__response__{field}" for field in AREA_GROUP)).items()
        ),
        by_type=[
            (str(types.get(t, t)), rows(c)) for t, c in sorted(grouped("answer__response__respondent_type").items())
        ],
    )


def themes_of(*, consultation: Consultation, question: Question | None = None, counts: bool = False) -> list[Any]:
    """The codebook (for one question: its own themes and those for every question). With `counts`, each with its
    number of tags (`n`): only the codebook page shows it, and counting joins every tag."""
    from .models import Theme

    themes = Theme.objects.filter(consultation=consultation).select_related("question", "created_by")
    if question is not None:
        themes = themes.filter(Q(question=question) | Q(question__isnull=True))
    if counts:
        themes = themes.annotate(n=Count("tags"))
    return list(themes.order_by("name", "pk"))


def answer_themes(*, answer_ids: list[int]) -> dict[int, list[Any]]:
    """For a page of answers, each answer's themes (one query)."""
    from .models import ThemeTag

    found: dict[int, list[Any]] = defaultdict(list)
    for tag in ThemeTag.objects.filter(answer_id__in=answer_ids).select_related("theme").order_by("theme__name"):
        found[tag.answer_id].append(tag.theme)
    return found


def theme_answers_text(*, answer_ids: list[int]) -> list[tuple[int, str]]:
    """(answer id, typed text) for these answers: free text, or the "Other" text of a choice question."""
    answers = Answer.objects.filter(pk__in=answer_ids).select_related("question")
    return [
        (a.pk, a.other_text if a.question.kind in CHOICE_KINDS else (a.value if isinstance(a.value, str) else ""))
        for a in answers
    ]


def similar_answers(*, answer: Answer, limit: int = 25) -> list[tuple[int, float]]:
    """The answers to the same question most like this one (vectors stored by a suggestion job, cosine), as
    (answer id, similarity), best first, this one left out. Empty until a suggestion job has read the question."""
    import numpy as np

    from .models import AnswerEmbedding
    from .themes.vectors import vector_from_bytes, vectors_from_bytes

    stored = dict(
        AnswerEmbedding.objects.filter(
            answer__question_id=answer.question_id,
            answer__response__in=Response.objects.counted().filter(consultation_id=answer.response.consultation_id),
        ).values_list("answer_id", "vector")
    )
    if answer.pk not in stored:
        return []
    ids = [pk for pk in stored if pk != answer.pk]
    if not ids:
        return []
    mine = vector_from_bytes(stored[answer.pk])
    matrix = vectors_from_bytes(stored[pk] for pk in ids)
    similarity = matrix @ mine
    order = np.argsort(-similarity)[:limit]
    return [(ids[i], float(similarity[i])) for i in order]


def suggestion_job_get(*, consultation: Consultation, pk: int) -> Any:
    """A suggestion job of this consultation, or 404 (a job of another consultation reveals nothing)."""
    from .models import SuggestionJob

    job = SuggestionJob.objects.filter(consultation=consultation, pk=pk).select_related("question").first()
    if job is None:
        raise Http404("No theme suggestions you may see have that address.")
    return job


def suggestion_rows(*, job: Any, representatives: int = 3) -> list[tuple[Any, list[str]]]:
    """The job's suggestions, each with its representative answers' texts (the nearest its centre). Two
    queries, whatever the number of suggestions."""
    from .models import SuggestionAnswer

    suggestions = list(job.suggestions.select_related("theme").order_by("number"))
    nearest: dict[int, list[int]] = defaultdict(list)
    for suggestion_id, answer_id in (
        SuggestionAnswer.objects.filter(suggestion__job=job)
        .order_by("suggestion_id", "distance", "pk")
        .values_list("suggestion_id", "answer_id")
    ):
        if len(nearest[suggestion_id]) < representatives:
            nearest[suggestion_id].append(answer_id)
    texts = dict(theme_answers_text(answer_ids=[a for ids in nearest.values() for a in ids]))
    return [(s, [texts.get(a, "") for a in nearest.get(s.pk, [])]) for s in suggestions]


def suggestion_jobs_of(*, consultation: Consultation, limit: int = 10) -> list[Any]:
    """The consultation's recent theme suggestion jobs, newest first (for the codebook page)."""
    from .models import SuggestionJob

    jobs = SuggestionJob.objects.filter(consultation=consultation).select_related("question", "user")
    return list(jobs.order_by("-created_at", "-pk")[:limit])


def theme_guesses(*, job: Any, limit: int) -> list[Any]:
    """The model's theme for answers that still carry none (an answer tagged since drops out), most confident
    first."""
    from .models import ThemeSuggestion, ThemeTag

    tagged = ThemeTag.objects.filter(answer__question=job.question).values("answer")
    guesses = ThemeSuggestion.objects.filter(job=job).exclude(answer__in=tagged)
    return list(guesses.select_related("theme", "answer__response").order_by("-confidence", "pk")[:limit])
