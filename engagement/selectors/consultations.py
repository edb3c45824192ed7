"""Reads for consultation pages: one query per page where possible, `now` passed in."""

import dataclasses
import datetime
from typing import Any

from django.db import models
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from functions.models import Function
from governance.models import Area, Organisation

from ..feeds import status_sentence
from ..models import Answer, Consultation, Document, Question, Response, Section
from ..permissions import manageable_areas_filter, manageable_consultations_filter
from ..querysets import ConsultationQuerySet
from .responses import SummaryRow, answer_summary, consultation_pages


def consultation_public_qs() -> ConsultationQuerySet:
    return Consultation.objects.published().select_related(
        "system", "owner_area", "owner_area__level", "owner_area__system", "lead_organisation"
    )


def consultation_get_public(*, slug: str) -> Consultation:
    """A published consultation with what its page shows (404 for drafts and unknown slugs)."""
    return get_object_or_404(
        consultation_public_qs().prefetch_related(
            Prefetch("documents", queryset=Document.objects.order_by("order", "title")),
            "target_areas",
            Prefetch("functions", queryset=Function.objects.select_related("owner").order_by("position", "pk")),
        ),
        slug=slug,
    )


def consultation_get_for_preview(*, slug: str) -> Consultation:
    """Any consultation (drafts too) with sections and questions, for the manager's preview."""
    return get_object_or_404(
        Consultation.objects.select_related(
            "system", "owner_area", "owner_area__level", "lead_organisation"
        ).prefetch_related(
            Prefetch("documents", queryset=Document.objects.order_by("order", "title")),
            Prefetch("functions", queryset=Function.objects.select_related("owner").order_by("position", "pk")),
            Prefetch("sections", queryset=Section.objects.order_by("order")),
            # In the responding structure's order (consultation_questions), so the preview's pages are made from it.
            Prefetch(
                "questions",
                queryset=Question.objects.order_by("section__order", "order").select_related(
                    "section", "show_if_question"
                ),
            ),
        ),
        slug=slug,
    )


def consultations_for_manager(*, user: Any) -> ConsultationQuerySet:
    """What this user may manage, drafts included, newest closing date first."""
    return (
        Consultation.objects.filter(manageable_consultations_filter(user))
        .select_related("owner_area", "owner_area__level", "system")
        .annotate(question_count=Count("questions", distinct=True))
        .with_response_counts()
        .order_by("-closes_at", "title")
    )


def areas_for_manager(*, user: Any) -> list[Area]:
    return list(
        Area.objects.filter(manageable_areas_filter(user))
        .select_related("level", "system")
        .order_by("system__name", "-level__rank", "name")
    )


def target_areas_for_manager(*, user: Any) -> list[Area]:
    """Areas a consultation may be aimed at: any area above the most local level in the manager's systems."""
    system_ids = {a.system_id for a in areas_for_manager(user=user)}
    return list(
        Area.objects.filter(system_id__in=system_ids, level__rank__gt=1)
        .select_related("level", "system")
        .order_by("system__name", "-level__rank", "name")
    )


def consultation_get_managed(
    *, slug: str, user: Any, perm: str = "engagement.manage_consultation", counts: bool = True
) -> Consultation:
    """The consultation at `slug` if `user` may manage it (`perm` on it: its managers, by default), for every
    managers' page here and in outcomes/. Else 404, as for no such consultation: other areas' drafts stay unseen.
    `counts`: with its responses counted (`with_response_counts`), for the pages that show them."""
    found = Consultation.objects.select_related("system", "owner_area", "owner_area__level", "lead_organisation")
    consultation = get_object_or_404(found.with_response_counts() if counts else found, slug=slug)
    if not user.has_perm(perm, consultation):
        raise Http404("No consultation you manage has that address.")
    return consultation


def answered_question_ids(*, consultation: Consultation) -> set[int]:
    return set(
        Answer.objects.filter(question__consultation=consultation).values_list("question_id", flat=True).distinct()
    )


@dataclasses.dataclass(frozen=True)
class HeldResponse:
    response: Response
    summary: list[tuple[Any, list[SummaryRow]]]


def suspected_responses(*, consultation: Consultation) -> list[HeldResponse]:
    """Sent responses held as suspected automated, oldest first, each with its answers as the resident saw them."""
    pages = consultation_pages(consultation=consultation)
    held = (
        Response.objects.filter(consultation=consultation)
        .sent()
        .suspected()
        .select_related("organisation", "area")
        .prefetch_related("answers")
        .order_by("submitted_at", "pk")
    )
    return [
        HeldResponse(
            r, answer_summary(pages=pages, stored={a.question_id: (a.value, a.other_text) for a in r.answers.all()})
        )
        for r in held
    ]


STATUS_FILTERS = {"open": "Open", "forthcoming": "Forthcoming", "closed": "Closed"}


def consultation_listing(
    *, now: datetime.datetime, status: str = "", area: Area | None = None, steps: int | None = None
) -> list[Consultation]:
    """Published consultations for the public list, in listing order, optionally filtered: one query.

    For an area ("where you live"): consultations run by the area, by an area above it (NCL-wide ones for
    Camden) or below it (its neighbourhoods), or aimed at any of those. `steps` (the system's depth, from
    `listing_filter_areas`) saves the tree walks reading the ranks.
    """
    qs = consultation_public_qs()
    if status == "open":
        qs = qs.open(now=now)
    elif status == "forthcoming":
        qs = qs.forthcoming(now=now)
    elif status == "closed":
        qs = qs.closed(now=now)
    if area is not None:
        above = Area.objects.ancestors_of([area.pk], include_self=True, steps=steps).values("pk")
        below = Area.objects.descendants_of([area.pk], steps=steps).values("pk")
        match = Q(owner_area_id__in=above) | Q(owner_area_id__in=below)
        ids = qs.filter(match | Q(target_areas__in=above) | Q(target_areas__in=below)).values("pk")
        qs = qs.filter(pk__in=ids)
    return list(qs.for_listing(now=now))


@dataclasses.dataclass(frozen=True)
class AreaGroup:
    """One level of one system in the area list: an `<optgroup>`."""

    label: str  # "North Central London: Borough Partnership"
    areas: list[Area]


@dataclasses.dataclass(frozen=True)
class FilterAreas:
    groups: list[AreaGroup]
    by_id: dict[str, Area]
    depth: int  # the most levels any system has, less one: enough steps for any walk of the tree


def listing_filter_areas() -> FilterAreas:
    """Every area of every system, grouped by system and level (top level first), whether or not it has
    consultations: residents pick where they live. One query."""
    areas = list(Area.objects.select_related("level", "system").order_by("system__name", "-level__rank", "name", "pk"))
    groups: list[AreaGroup] = []
    for area in areas:
        label = f"{area.system.name}: {area.level.singular}"
        if not groups or groups[-1].label != label:
            groups.append(AreaGroup(label=label, areas=[]))
        groups[-1].areas.append(area)
    depth = max((a.level.rank for a in areas), default=1) - 1
    return FilterAreas(groups=groups, by_id={str(a.pk): a for a in areas}, depth=depth)


@dataclasses.dataclass(frozen=True)
class AreaConsultations:
    open: list[tuple[Consultation, str]]  # (consultation, "Open: closes at 11:59pm on ...")
    forthcoming: list[tuple[Consultation, str]]
    area_id: int


def consultations_for_area_page(*, area_ids: list[int], now: datetime.datetime) -> AreaConsultations:
    """Open and forthcoming consultations run by, or aimed at, the given areas: an area page passes its area first
    and then the ancestors it has already walked to. One query."""
    current = consultation_public_qs().filter(Q(opens_at__gt=now) | Q(closes_at__gte=now))
    ids = current.filter(Q(owner_area_id__in=area_ids) | Q(target_areas__in=area_ids)).values("pk")
    found = list(consultation_public_qs().filter(pk__in=ids).for_listing(now=now))
    by_status: dict[str, list[tuple[Consultation, str]]] = {"open": [], "forthcoming": []}
    for c in found:
        state = c.status_at(now=now)  # an outcome published early is neither
        if state in by_status:
            by_status[state].append((c, status_sentence(c, now=now)))
    return AreaConsultations(open=by_status["open"], forthcoming=by_status["forthcoming"], area_id=area_ids[0])


def organisations_for(*, consultation: Consultation) -> "models.QuerySet[Organisation]":
    """The organisations an invite list's typed names are matched against: the consultation's system's, and
    those of no system."""
    return Organisation.objects.filter(Q(system_id=consultation.system_id) | Q(system__isnull=True))
