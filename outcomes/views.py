"""The outcome's page for the consultation's managers: write it, save a draft, publish it, withdraw it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from engagement.selectors.consultations import consultation_get_managed
from ics_portal.forms import add_service_errors

from . import selectors, services
from .forms import OutcomeForm


@login_required
def outcome_edit(request: HttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    consultation = consultation_get_managed(slug=slug, user=request.user, counts=False)
    outcome = selectors.outcome_for_editing(consultation=consultation)
    initial = {}
    if outcome is not None:
        initial = {
            "what_we_heard": outcome.what_we_heard,
            "points": "\n".join(outcome.points),
            "decision": outcome.decision,
            "decided_function": outcome.decided_function_id,
        }
    functions = selectors.decision_functions(consultation=consultation)
    publishing = request.POST.get("action") == "publish"
    complete = publishing or (outcome is not None and outcome.is_published)
    form = OutcomeForm(request.POST or None, initial=initial, functions=functions, complete=complete)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.outcome_save(consultation=consultation, by=request.user, **form.cleaned_data)
            if publishing:
                queued = services.outcome_publish(outcome=outcome, by=request.user, now=now)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if publishing:
                messages.success(request, f"Outcome published. {_told(queued)}")
            elif outcome.is_published:
                messages.success(request, "Published outcome updated.")
            else:
                messages.success(request, "Draft saved: residents cannot see it until you publish it.")
            return redirect("outcomes:edit", consultation.slug)
    context = {
        "form": form,
        "consultation": consultation,
        "outcome": outcome,
        "closed": now > consultation.closes_at,
        "themes": selectors.outcome_themes(consultation=consultation),
    }
    return render(request, "outcomes/edit.html", context)


def _told(queued: int) -> str:
    if queued == 0:
        return "No respondent is waiting to be emailed about it."
    return f"{queued} respondent{'s' if queued != 1 else ''} who asked to hear about it will be emailed."


@require_POST
@login_required
def outcome_withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = consultation_get_managed(slug=slug, user=request.user, counts=False)
    outcome = selectors.outcome_for_editing(consultation=consultation)
    if outcome is None or not outcome.is_published:
        raise Http404("This consultation has no published outcome.")
    services.outcome_withdraw(outcome=outcome, by=request.user)
    messages.success(request, "Outcome withdrawn: residents no longer see it. It is kept as a draft.")
    return redirect("outcomes:edit", consultation.slug)
