"""The PMO's pages: the consultations a user may report on (/pmo/), each one's summary, its typed answers, its
exports and the export log.

Access (permissions.py): anonymous people are sent to sign in; signed-in people who may see no summary get 403;
a consultation the user may not see is a 404, so guessing addresses reveals nothing. Every page works without
JavaScript: filters are a GET form, so a filtered summary's address can be shared.
"""

import tempfile
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from engagement.questions import answer_label
from ics_portal.forms import add_service_errors
from ics_portal.paging import page_of

from . import exports, pack, selectors, services
from .forms import ExportForm, FilterForm
from .models import ExportJob, ExportLog
from .permissions import export_log_filter

View = Callable[..., HttpResponse]
ANSWERS_PER_PAGE = 25
ORGANISATIONS_PER_PAGE = 20  # organisations' responses in full on the summary, a page at a time
BIGINT_MAX = 2**63 - 1
REFRESH_SECONDS = 3  # an export job's page, while its file is made


def reports_required(view: View) -> View:
    """Signed in (else sent to sign in) and allowed some summary (else 403)."""
    return login_required(permission_required("reporting.view_reports", raise_exception=True)(view))


@require_safe
@reports_required
def index(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    consultations = list(selectors.reportable_consultations(user=request.user))
    rows = [(c, c.status_at(now=now), c.get_status_display_at(now=now)) for c in consultations]
    return render(
        request,
        "reporting/index.html",
        {
            "rows": rows,
            "can_read_log": request.user.has_perm("reporting.view_export_log"),
            "can_see_outbox": request.user.has_perm("notifications.view_outbox"),
        },
    )


def _filters(request: HttpRequest, consultation: Any) -> tuple[FilterForm, selectors.ReportFilters]:
    form = FilterForm(request.GET or None, consultation=consultation)
    if form.is_bound:
        form.is_valid()
    return form, form.filters()


@require_safe
@reports_required
def summary(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = selectors.consultation_get_reportable(user=request.user, slug=slug)
    form, filters = _filters(request, consultation)
    organisations = selectors.organisation_responses(consultation=consultation, filters=filters)
    # A page at a time on screen (12,000 organisations' responses in full made a 30 MB page that took 20 s); the
    # printable summary holds them all, as the pack does.
    per_page = (organisations.count() or 1) if request.GET.get("print") == "1" else ORGANISATIONS_PER_PAGE
    equality = selectors.equality_summary(consultation=consultation)
    context = {
        "consultation": consultation,
        "form": form,
        "filters": filters,
        "summary": selectors.consultation_summary(consultation=consultation, filters=filters),
        "organisations": page_of(request, organisations, per_page=per_page, param="organisations_page"),
        "equality": equality,
        "reach": selectors.population_reach(consultation=consultation, filters=filters, equality=equality),
        "themes": selectors.theme_breakdown(consultation=consultation, filters=filters),
        "now": timezone.now(),
        "answer_label": answer_label,
    }
    return render(request, "reporting/summary.html", context)


@require_safe
@reports_required
def question_answers(request: HttpRequest, slug: str, question: int) -> HttpResponse:
    consultation = selectors.consultation_get_reportable(user=request.user, slug=slug)
    found = consultation.questions.filter(pk=question).first()
    if found is None or not selectors.QuestionSummary(found).has_texts:
        raise Http404("That question has no typed answers to read.")
    form, filters = _filters(request, consultation)
    search = request.GET.get("q", "")[:200].replace("\x00", "")  # PostgreSQL text cannot hold NUL
    answers = selectors.question_texts(consultation=consultation, question=found, filters=filters, search=search)
    page = page_of(request, answers, per_page=ANSWERS_PER_PAGE)
    context = {
        "consultation": consultation,
        "question": found,
        "form": form,
        "filters": filters,
        "search": search,
        "page": page,
        "highlighted": selectors.highlighted,
        "full_text": selectors.full_text_search_available(),
        "themes": selectors.themes_of(consultation=consultation, question=found),
        "answer_themes": selectors.answer_themes(answer_ids=[a.pk for a in page]),
    }
    return render(request, "reporting/answers.html", context)


@require_safe
@login_required
@permission_required("reporting.view_export_log", raise_exception=True)
def export_log(request: HttpRequest) -> HttpResponse:
    entries = (
        ExportLog.objects.filter(export_log_filter(request.user))
        .select_related("consultation")
        .prefetch_related("downloads")
    )
    page = page_of(request, entries, per_page=50)
    return render(request, "reporting/export_log.html", {"page": page})


@require_http_methods(["GET", "HEAD", "POST"])
@reports_required
def export(request: HttpRequest, slug: str) -> HttpResponse:
    """The export form (GET, carrying the summary's filters in its address) and the download (POST). Filters with
    a problem stop the export: leaving them out would export more than the person asked for."""
    consultation = selectors.consultation_get_reportable(user=request.user, slug=slug)
    filter_form, filters = _filters(request, consultation)
    form = ExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not filter_form.errors and form.is_valid():
        now = timezone.now()
        try:
            log, job = services.export_start(
                consultation=consultation,
                user=request.user,
                fmt=form.cleaned_data["format"],
                filters=filters,
                personal_data=form.cleaned_data["personal_data"],
                reason=form.cleaned_data["reason"],
                now=now,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if job is not None:  # too many responses to make while the person waits: a background job
                return redirect("reporting:export_job", job.pk)
            return _download(log, consultation, filters, now)
    rows = exports.export_responses(consultation=consultation, filters=filters, until=timezone.now()).count()
    context = {
        "consultation": consultation,
        "form": form,
        "filter_form": filter_form,
        "filters": filters,
        "rows": rows,
        "in_background": rows > settings.REPORTING_EXPORT_INLINE_MAX,
        "ttl_hours": settings.REPORTING_EXPORT_TTL_HOURS,
        "jobs": selectors.export_jobs_of(user=request.user, consultation=consultation),
        "now": timezone.now(),
    }
    return render(request, "reporting/export.html", context)


def _download(log: ExportLog, consultation: Any, filters: selectors.ReportFilters, now: Any) -> HttpResponse:
    if log.format == ExportLog.Format.DOCX:
        return _download_pack(consultation, filters, now)  # type: ignore[return-value]
    responses = exports.export_responses(consultation=consultation, filters=filters, until=now)
    name = f"{consultation.slug}-responses-{timezone.localtime(now):%Y%m%d-%H%M}.{log.format}"
    response: HttpResponse | StreamingHttpResponse | FileResponse
    if log.format == ExportLog.Format.CSV:
        rows = exports.response_rows(consultation=consultation, responses=responses, personal=log.personal_data)
        response = StreamingHttpResponse(exports.csv_lines(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    else:
        out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
        exports.write_xlsx(
            out, consultation=consultation, filters=filters, responses=responses, personal=log.personal_data
        )
        out.seek(0)
        response = FileResponse(
            out,
            as_attachment=True,
            filename=name,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Cache-Control"] = "private, no-store"  # responses may hold personal data
    return response  # type: ignore[return-value]


def _download_pack(consultation: Any, filters: selectors.ReportFilters, now: Any) -> FileResponse:
    """The summary pack (pack.py): the page's figures as a Word document."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    pack.write_docx(out, consultation=consultation, filters=filters, now=now)
    out.seek(0)
    response = FileResponse(
        out, as_attachment=True, filename=pack.docx_filename(consultation, now), content_type=pack.DOCX_CONTENT_TYPE
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _export_job(request: HttpRequest, pk: int) -> ExportJob:
    """The job, or 404 for one this user may not see (permissions.py), so guessing ids reveals nothing."""
    if pk > BIGINT_MAX:  # PostgreSQL would refuse the query (a 500): no job has such an id
        raise Http404("No export you may see has that address.")
    job = ExportJob.objects.select_related("consultation", "log").filter(pk=pk).first()
    if job is None or not request.user.has_perm("reporting.view_export_job", job):
        raise Http404("No export you may see has that address.")
    return job


@require_safe
@reports_required
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A background export's page: it refreshes itself (no JavaScript needed) until the file is ready or failed."""
    job = _export_job(request, pk)
    return _job_page(request, job)


def _job_page(request: HttpRequest, job: ExportJob, status: int = 200) -> HttpResponse:
    now = timezone.now()
    expired = job.is_expired(now=now)
    # Reloads itself while the file is made, so the progress shows without JavaScript, unless the person turns it
    # off (WCAG 2.2.1). The Refresh header does what <meta http-equiv="refresh"> does; axe fails that element
    # outright, as it cannot see the way to turn it off.
    running = job.status in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)
    refresh = running and request.GET.get("refresh") != "off"
    context = {
        "job": job,
        "consultation": job.consultation,
        "expired": expired,
        "refresh": refresh,
        "ttl_hours": settings.REPORTING_EXPORT_TTL_HOURS,
    }
    response = render(request, "reporting/export_job.html", context, status=status)
    response["Cache-Control"] = "private, no-store"  # the progress must be read afresh on each refresh
    if refresh:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@require_safe
@reports_required
def export_job_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's file, streamed, after the same permission check as its page; an expired one is gone (410)."""
    job = _export_job(request, pk)
    storage = services.export_storage()
    expired = job.is_expired(now=timezone.now())
    if job.status != ExportJob.Status.DONE or expired or not storage.exists(job.file_name):
        return _job_page(request, job, status=410 if expired else 404)
    name = f"{job.consultation.slug}-responses-{timezone.localtime(job.created_at):%Y%m%d-%H%M}.{job.format}"
    types: dict[str, str] = {
        ExportLog.Format.CSV: "text/csv; charset=utf-8",
        ExportLog.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    response = FileResponse(
        storage.open(job.file_name, "rb"), as_attachment=True, filename=name, content_type=types[job.format]
    )
    if request.method == "GET":  # a HEAD sends no file, so takes no copy
        services.export_download_record(job=job, user=request.user, now=timezone.now())
    response["Cache-Control"] = "private, no-store"  # may hold personal data
    return response  # type: ignore[return-value]
