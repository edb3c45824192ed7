"""Consultation managers' pages: list, create, edit, close early, questions, sections, documents, preview, publish,
invite lists, the responses held as suspected automated, and the consultation's reminders and other emails
(the outcome is in `outcomes/`).

Every page works without JavaScript: plain forms, one POST per action, redirect after success. Access: anonymous
people are sent to sign in; signed-in people without the role and an area get 403; a manager asking for a
consultation outside their areas gets 404 (drafts of other areas are not revealed).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ics_portal.forms import add_service_errors, message_service_errors
from ics_portal.paging import page_of
from notifications import reminders as reminder_services
from notifications import services as notification_services
from notifications.models import Invitee

from .. import (
    deadlines,
    permissions,  # noqa: F401  (registers the rules)
)
from ..forms_manage import (
    ConsultationForm,
    DocumentForm,
    InviteListForm,
    QuestionForm,
    ReorderForm,
    SectionForm,
)
from ..forms_respond import QuestionPageForm, initial_for
from ..models import Consultation, Document, Question, Response, Section
from ..questions import condition_values
from ..references import normalise
from ..selectors import consultations as selectors
from ..selectors import emails as email_selectors
from ..selectors import responses as respond_sel
from ..services import consultations as services
from ..services import suspected as suspected_services
from .consultations import detail_context
from .respond import PageSteps, session_get, session_pop, session_put

View = Callable[..., HttpResponse]


def manager_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm("engagement.access_management"):
            raise PermissionDenied("You need to be a consultation manager with an area to use this page.")
        return view(request, *args, **kwargs)

    return wrapped


def _managed(request: HttpRequest, slug: str) -> Consultation:
    return selectors.consultation_get_managed(slug=slug, user=request.user)


def _overview(consultation: Consultation) -> str:
    return reverse("engagement:manage_consultation", args=[consultation.slug])


@manager_required
def manage_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    consultations = list(selectors.consultations_for_manager(user=request.user))
    rows = [(c, c.status_at(now=now), c.get_status_display_at(now=now)) for c in consultations]
    return render(
        request,
        "engagement/manage/list.html",
        {"rows": rows, "can_add": request.user.has_perm("engagement.add_consultation")},
    )


@manager_required
def consultation_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("engagement.add_consultation"):
        raise PermissionDenied
    areas = selectors.areas_for_manager(user=request.user)
    targets = selectors.target_areas_for_manager(user=request.user)
    form = ConsultationForm(request.POST or None, areas=areas, target_choices=targets)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if not request.user.has_perm("engagement.manage_area", data["owner_area"]):
            raise PermissionDenied
        try:
            consultation = services.consultation_create(by=request.user, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Consultation created as a draft. Add questions, then publish it.")
            return redirect(_overview(consultation))
    return render(request, "engagement/manage/consultation_form.html", {"form": form, "consultation": None})


@manager_required
def consultation_edit(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = _managed(request, slug)
    areas = selectors.areas_for_manager(user=request.user)
    if consultation.owner_area not in areas:
        areas.insert(0, consultation.owner_area)
    targets = selectors.target_areas_for_manager(user=request.user)
    form = ConsultationForm(
        request.POST or None,
        initial=ConsultationForm.initial_for(consultation),
        areas=areas,
        target_choices=targets,
    )
    # "back" comes from the confirmation page: the form again, as the manager typed it, nothing saved.
    if request.method == "POST" and form.is_valid() and request.POST.get("action") != "back":
        data = form.service_data()
        if not request.user.has_perm("engagement.manage_area", data["owner_area"]):
            form.add_error("owner_area", "Choose an area you manage")
        else:
            try:
                services.consultation_update(
                    consultation=consultation,
                    by=request.user,
                    data=data,
                    now=timezone.now(),
                    confirm_closing=request.POST.get("confirm_closing") == "yes",
                )
            except services.ClosingNeedsConfirmation as pending:
                posted = [
                    (name, value)
                    for name, values in request.POST.lists()
                    if name not in {"csrfmiddlewaretoken", "confirm_closing", "action"}
                    for value in values
                ]
                return _confirm_closing(request, consultation, pending, posted=posted)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Consultation details saved.")
                return redirect(_overview(consultation))
    return render(request, "engagement/manage/consultation_form.html", {"form": form, "consultation": consultation})


def _confirm_closing(
    request: HttpRequest,
    consultation: Consultation,
    pending: services.ClosingNeedsConfirmation,
    *,
    posted: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    """Ask before a consultation stops taking responses. `posted`: the edit form's values, sent again on confirm."""
    return render(
        request,
        "engagement/manage/confirm_close.html",
        {"consultation": consultation, "drafts": pending.drafts, "posted": posted, "editing": posted is not None},
    )


@require_POST
@manager_required
def consultation_close(request: HttpRequest, slug: str) -> HttpResponse:
    """The "Close now" button: the first POST shows how many drafts are in progress; only "confirm" closes."""
    consultation = _managed(request, slug)
    try:
        services.consultation_close(
            consultation=consultation,
            by=request.user,
            now=timezone.now(),
            confirmed=request.POST.get("confirm_closing") == "yes",
        )
    except services.ClosingNeedsConfirmation as pending:
        return _confirm_closing(request, consultation, pending)
    except ValidationError as error:
        message_service_errors(request, error)
    else:
        messages.success(request, "Consultation closed: it no longer takes responses.")
    return redirect(_overview(consultation))


@manager_required
def consultation_manage(request: HttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    consultation = _managed(request, slug)
    sections = list(consultation.sections.order_by("order"))
    questions = list(consultation.questions.select_related("section", "show_if_question").order_by("order"))
    reorder = ReorderForm(items=questions, label=lambda q: f"Order of “{q.text}”")
    return render(
        request,
        "engagement/manage/consultation.html",
        {
            "consultation": consultation,
            "status": consultation.status_at(now=now),
            "accepting": consultation.accepts_responses_at(now=now),
            "sections": sections,
            "questions": questions,
            "answered": selectors.answered_question_ids(consultation=consultation),
            # The answer a condition waits for, as residents read it ("Yes"), not as stored ("yes").
            "condition_labels": {
                q.pk: condition_values(q.show_if_question).get(q.show_if_value, q.show_if_value)
                for q in questions
                if q.show_if_question
            },
            "documents": list(consultation.documents.order_by("order", "title")),
            "invitee_count": Invitee.objects.invited_to(consultation).count(),
            "over": consultation.is_over_at(now=now),
            # The services' own refusals, so the page says what a POST would be told.
            "closed_no_questions": services.CLOSED_NO_QUESTIONS,
            "closed_no_invites": services.CLOSED_NO_INVITES,
            "reorder_form": reorder,
            "section_reorder_form": ReorderForm(items=sections, label=lambda s: f"Order of “{s.title}”"),
            "now": now,
        },
    )


@manager_required
def consultation_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The public page as residents will see it, with the questions below it."""
    now = timezone.now()
    consultation = _managed(request, slug)
    preview = selectors.consultation_get_for_preview(slug=consultation.slug)
    context = detail_context(preview, now=now, preview=True)
    context["sections"] = list(preview.sections.all())
    context["questions"] = list(preview.questions.all())
    structure = respond_sel.preview_structure(
        consultation=preview, questions=context["questions"], sections=context["sections"]
    )
    context["first_page_url"] = (
        PREVIEW_STEPS.next_url(consultation, structure, {}, after=0) if structure.pages else None
    )
    return render(request, "engagement/manage/preview.html", context)


# --- The preview's responding pages: the residents' forms and templates, answers held in the session only ------
PREVIEW = "engagement.preview"
# The residents' walk through the pages (views/respond.py), under the preview's URLs.
PREVIEW_STEPS = PageSteps(
    page="engagement:manage_preview_page",
    check="engagement:manage_preview_check",
    after_last="engagement:manage_preview_check",
    before_first="engagement:manage_preview",
)


def _preview_stored(request: HttpRequest, consultation: Consultation) -> dict[int, tuple[Any, str]]:
    held = session_get(request, PREVIEW, consultation.pk) or {}
    return {int(qid): (value, other) for qid, (value, other) in held.items()}


def _preview_keep(request: HttpRequest, consultation: Consultation, stored: dict[int, tuple[Any, str]]) -> None:
    session_put(request, PREVIEW, consultation.pk, {str(qid): [value, other] for qid, (value, other) in stored.items()})


@manager_required
def preview_page(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """A question page exactly as residents get it (same form, rules and template), saving nothing: what the
    manager enters lives in their session, so conditional questions and skipped pages can be tried."""
    consultation = _managed(request, slug)
    structure = respond_sel.preview_structure(consultation=consultation)
    stored = _preview_stored(request, consultation)
    values = respond_sel.answer_values(stored)
    page = next((p for p in structure.pages if p.number == number), None)
    if page is None:
        raise Http404("The consultation has no page with that number.")
    changing = request.GET.get("change") == "1"
    hidden = respond_sel.page_is_hidden(page=page, answers=values, questions_by_id=structure.by_id)
    if hidden and request.method == "GET":
        return redirect(PREVIEW_STEPS.onward_url(consultation, structure, values, number=number, changing=changing))
    kwargs: dict[str, Any] = {"questions": page.questions, "all_questions": structure.by_id, "known_answers": values}
    if request.method == "POST":
        form = QuestionPageForm(request.POST, **kwargs)
        if form.is_valid():
            for question_id, answer in form.answers().items():
                if answer is None:
                    stored.pop(question_id, None)
                else:
                    stored[question_id] = answer
            # As saving does for residents (svc.response_save_answers): answers that the new ones hide are dropped.
            for question_id in respond_sel.hidden_answers(structure=structure, stored=stored):
                del stored[question_id]
            _preview_keep(request, consultation, stored)
            values = respond_sel.answer_values(stored)
            return redirect(PREVIEW_STEPS.onward_url(consultation, structure, values, number=number, changing=changing))
    else:
        form = QuestionPageForm(initial=initial_for(page.questions, stored), **kwargs)
    place = PREVIEW_STEPS.page_context(consultation, structure, values, page=page, changing=changing)
    return render(
        request,
        "engagement/respond/page.html",
        {"consultation": consultation, "response": None, "preview": True, "form": form, **place},
    )


@require_http_methods(["GET", "POST"])
@manager_required
def preview_check(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Check your answers" of the preview: what a resident would see, which required questions they would be
    asked to answer, and a way to start again. POST clears the preview's answers (nothing else is stored)."""
    consultation = _managed(request, slug)
    if request.method == "POST":
        session_pop(request, PREVIEW, consultation.pk)
        return redirect(reverse("engagement:manage_preview", args=[consultation.slug]))
    structure = respond_sel.preview_structure(consultation=consultation)
    stored = _preview_stored(request, consultation)
    values = respond_sel.answer_values(stored)
    return render(
        request,
        "engagement/manage/preview_check.html",
        {
            "consultation": consultation,
            "summary": respond_sel.answer_summary(pages=structure.pages, stored=stored),
            "missing": respond_sel.missing_questions(structure=structure, answers=values),
            "back_url": PREVIEW_STEPS.previous_url(consultation, structure, values, before=None),
            "steps": PREVIEW_STEPS,
        },
    )


def _state_change(request: HttpRequest, slug: str, action: Callable[..., Any], message: str) -> HttpResponse:
    consultation = _managed(request, slug)
    try:
        action(consultation=consultation, by=request.user)
    except ValidationError as error:
        message_service_errors(request, error)
    else:
        messages.success(request, message)
    return redirect(_overview(consultation))


@require_http_methods(["GET", "POST"])
@manager_required
def consultation_publish(request: HttpRequest, slug: str) -> HttpResponse:
    """Publishing asks first and says what residents will see; only a POST with confirm=yes publishes."""
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        return _state_change(request, slug, services.consultation_publish, "Consultation published.")
    now = timezone.now()
    consultation = _managed(request, slug)
    if consultation.is_published:
        return redirect(_overview(consultation))
    return render(
        request,
        "engagement/manage/confirm_publish.html",
        {
            "consultation": consultation,
            "status": consultation.status_at(now=now, as_published=True),
            "questions": consultation.questions.count(),
            "documents": consultation.documents.count(),
            "opening_text": deadlines.describe_opening(consultation.opens_at),
        },
    )


@require_POST
@manager_required
def consultation_unpublish(request: HttpRequest, slug: str) -> HttpResponse:
    return _state_change(
        request, slug, services.consultation_unpublish, "Consultation unpublished: residents can no longer see it."
    )


# --- Responses held as suspected automated ----------------------------------------------------------------------


@manager_required
def suspected_list(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = _managed(request, slug)
    return render(
        request,
        "engagement/manage/suspected.html",
        {"consultation": consultation, "held": selectors.suspected_responses(consultation=consultation)},
    )


@require_POST
@manager_required
def suspected_release(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    consultation = _managed(request, slug)
    response = get_object_or_404(Response, consultation=consultation, reference=normalise(reference) or "")
    try:
        suspected_services.response_release(response=response, by=request.user, now=timezone.now())
    except ValidationError as error:
        message_service_errors(request, error)
    else:
        messages.success(request, f"Response {response.reference} released: it now counts.")
    return redirect(reverse("engagement:manage_suspected", args=[consultation.slug]))


# --- Reminders and other emails about the consultation -----------------------------------------------------------
EMAILS_PER_PAGE = 50


@require_safe
@login_required
def consultation_emails(request: HttpRequest, slug: str) -> HttpResponse:
    """Its reminders, closing and onward-deadline emails: counts by kind and offset, then each email (planned,
    sent, not sent and why, failed), a page at a time. Its managers and the PMO of its system; others 404."""
    consultation = selectors.consultation_get_managed(
        slug=slug, user=request.user, perm="engagement.view_consultation_emails"
    )
    now = timezone.now()
    page = page_of(request, email_selectors.consultation_emails(consultation=consultation), per_page=EMAILS_PER_PAGE)
    context = {
        "consultation": consultation,
        "counts": email_selectors.consultation_email_counts(consultation=consultation),
        "columns": [email_selectors.STATUS_WORDS[s] for s in email_selectors.COLUMNS],
        "page": page,
        "label": email_selectors.email_label,
        "address": email_selectors.masked_address,
        "status_words": email_selectors.STATUS_WORDS,
        "can_manage": request.user.has_perm("engagement.manage_consultation", consultation),
        "status": consultation.status_at(now=now),
        "over": consultation.is_over_at(now=now),
        "next_reminder": reminder_services.next_reminder_at(consultation, now=now),
    }
    return render(request, "engagement/manage/emails.html", context)


# --- Sections ----------------------------------------------------------------------------------------------------


@manager_required
def section_form(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    consultation = _managed(request, slug)
    section = get_object_or_404(Section, pk=pk, consultation=consultation) if pk else None
    initial = {"title": section.title, "intro": section.intro} if section else None
    form = SectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if section:
                services.section_update(section=section, **form.cleaned_data)
            else:
                services.section_create(consultation=consultation, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Section saved.")
            return redirect(_overview(consultation))
    return render(
        request,
        "engagement/manage/section_form.html",
        {"form": form, "consultation": consultation, "section": section},
    )


@manager_required
def section_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    consultation = _managed(request, slug)
    section = get_object_or_404(Section, pk=pk, consultation=consultation)
    return _confirm_delete(
        request, consultation, f"section “{section.title}”", lambda: services.section_delete(section=section)
    )


@require_POST
@manager_required
def sections_reorder(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = _managed(request, slug)
    form = ReorderForm(request.POST, items=list(consultation.sections.order_by("order")))
    return _reorder(request, consultation, form, services.sections_reorder)


# --- Questions ---------------------------------------------------------------------------------------------------


@manager_required
def question_form(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    consultation = _managed(request, slug)
    question = get_object_or_404(Question, pk=pk, consultation=consultation) if pk else None
    sections = list(consultation.sections.order_by("order"))
    earlier = list(consultation.questions.order_by("order"))
    if question:
        earlier = [q for q in earlier if q.order < question.order]
    form = QuestionForm(
        request.POST or None,
        initial=QuestionForm.initial_for(question) if question else {"kind": Question.Kind.LONG_TEXT},
        sections=sections,
        earlier=earlier,
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        try:
            if question:
                services.question_update(question=question, data=data)
            else:
                services.question_create(consultation=consultation, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Question saved.")
            return redirect(_overview(consultation) + "#questions")
    answered = bool(question and question.pk in selectors.answered_question_ids(consultation=consultation))
    return render(
        request,
        "engagement/manage/question_form.html",
        {"form": form, "consultation": consultation, "question": question, "answered": answered},
    )


@manager_required
def question_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    consultation = _managed(request, slug)
    question = get_object_or_404(Question, pk=pk, consultation=consultation)
    return _confirm_delete(
        request, consultation, f"question “{question.text}”", lambda: services.question_delete(question=question)
    )


@require_POST
@manager_required
def questions_reorder(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = _managed(request, slug)
    form = ReorderForm(request.POST, items=list(consultation.questions.order_by("order")))
    return _reorder(request, consultation, form, services.questions_reorder)


def _reorder(
    request: HttpRequest, consultation: Consultation, form: ReorderForm, action: Callable[..., Any]
) -> HttpResponse:
    if not form.is_valid():
        messages.error(request, "Enter an order number of 1 to 999 for each item. Nothing was changed.")
    else:
        try:
            action(consultation=consultation, order=form.order())
        except ValidationError as error:
            message_service_errors(request, error)
        else:
            messages.success(request, "New order saved.")
    return redirect(_overview(consultation))


# --- Documents ---------------------------------------------------------------------------------------------------


@manager_required
def document_add(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = _managed(request, slug)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_add(
                consultation=consultation, title=form.cleaned_data["title"], file=form.cleaned_data["file"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Document added.")
            return redirect(_overview(consultation))
    return render(request, "engagement/manage/document_form.html", {"form": form, "consultation": consultation})


@manager_required
def document_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    consultation = _managed(request, slug)
    document = get_object_or_404(Document, pk=pk, consultation=consultation)
    return _confirm_delete(
        request, consultation, f"document “{document.title}”", lambda: services.document_delete(document=document)
    )


# --- Invite list ---------------------------------------------------------------------------------------------

INVITEES_PER_PAGE = 50


@manager_required
def invitees(request: HttpRequest, slug: str) -> HttpResponse:
    """The invite list: upload a CSV (all of it or nothing), see who is on it, a page at a time."""
    consultation = _managed(request, slug)
    form = InviteListForm(request.POST or None, request.FILES or None)
    now = timezone.now()
    if request.method == "POST" and form.is_valid():
        try:
            result = services.invitees_import(consultation=consultation, rows=form.rows, by=request.user, now=now)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            text = f"{result.added} {'person' if result.added == 1 else 'people'} added to the invite list."
            if result.already_listed:
                text += f" {result.already_listed} already on it were left as they were."
            messages.success(request, text)
            return redirect(reverse("engagement:manage_invitees", args=[consultation.slug]))
    listed = Invitee.objects.invited_to(consultation).select_related("organisation")
    page = page_of(request, listed, per_page=INVITEES_PER_PAGE)
    context = {
        "form": form,
        "consultation": consultation,
        "page": page,
        "over": consultation.is_over_at(now=now),
        "closed_no_invites": services.CLOSED_NO_INVITES,
    }
    return render(request, "engagement/manage/invitees.html", context)


@manager_required
def invitee_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    consultation = _managed(request, slug)
    # Looked up within this consultation's list: another list's id is a 404, whoever guesses it.
    invitee = get_object_or_404(Invitee.objects.invited_to(consultation), pk=pk)
    if request.method == "POST":
        notification_services.invitee_remove(invitee=invitee)
        messages.success(request, f"Removed {invitee.name} ({invitee.email}) from the invite list.")
        return redirect(reverse("engagement:manage_invitees", args=[consultation.slug]))
    return render(request, "engagement/manage/invitee_remove.html", {"consultation": consultation, "invitee": invitee})


def _confirm_delete(
    request: HttpRequest, consultation: Consultation, what: str, action: Callable[[], Any]
) -> HttpResponse:
    error_text: list[str] = []
    if request.method == "POST":
        try:
            action()
        except ValidationError as error:
            error_text = error.messages
        else:
            messages.success(request, f"Deleted the {what}.")
            return redirect(_overview(consultation))
    return render(
        request,
        "engagement/manage/confirm_delete.html",
        {"consultation": consultation, "what": what, "errors": error_text, "has_errors": bool(error_text)},
    )
