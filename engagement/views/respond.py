"""Residents answering a consultation: question pages, about you, equality, check answers, submit, confirmation.

Thin views: forms validate, services write, selectors read. Each request takes one timestamp (`now`) and every
open/closed decision in it uses that. The draft is a Response row (state=draft) found through the session for
anonymous residents and through the user for signed-in ones, so refresh and back lose nothing. Sending goes the
same way for everyone: the check-answers form carries the draft's submission token, the draft is found through
the session or the account (never through the form), and `svc.response_submit` checks every required step and
sends it. Sending forgets the draft from the session, and the session only ever names drafts (or a sent response
reopened with its receipt's signed change link, until the changes are sent), so the next person on a shared
computer neither sees nor takes over (by signing in) a response sent before them. Emailing a resume link ("Save
and come back later") forgets a signed-out resident's draft too: the link is how they come back. Changing a sent
response (by its account, with the "Change your response" button, a POST, or with the receipt's signed change
link in this browser) works on a copy of it
(State.CHANGES, services/responses.py): nothing that was sent changes until "Send your changes", and "Cancel
changes" deletes the copy and forgets it from the session. Every page here is
`Cache-Control: private, no-store`: a resident's answers are not kept by the browser or any cache on the way.
"""

import dataclasses
import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import deadlines, links, ratelimit
from ..forms_respond import (
    AboutYouForm,
    EqualityForm,
    HoneypotMixin,
    QuestionPageForm,
    SaveForLaterForm,
    SubmitForm,
    answer_label,
    initial_for,
    other_field_name,
)
from ..models import Consultation, Question, Response
from ..references import normalise
from ..selectors import responses as sel
from ..selectors.emails import mask_address
from ..services import equality as equality_svc
from ..services import responses as svc
from ..services import suspected

DRAFTS = "engagement.drafts"
# Changes to a sent response that this browser reopened with its receipt's signed change link ({consultation pk:
# pk of the changes}): held only until they are sent or cancelled (as a draft is), so the next person at the
# computer finds nothing of it.
REOPENED = "engagement.reopened"
# The reference this browser has just sent, so it (and only it) may see the confirmation page: a signed cookie
# bound to the session key, so signing in or out (which changes the key) forgets it. The reference is shown
# once; after that the page says the response was sent without the reference or the email address, so the next
# person at a shared computer pressing Back learns neither (the receipt email has the reference).
SENT_COOKIE = "engagement_sent"
SENT_SALT = "engagement.sent"
SENT_MAX_AGE = 3600
SHOWN = "shown"

# Responding pages hold residents' answers and email addresses: never stored by the browser or a shared cache.
private_no_store = cache_control(private=True, no_store=True)


# --- helpers ---
def _consultation(slug: str) -> Consultation:
    consultation = sel.consultation_for_responding(slug=slug)
    if consultation is None:
        raise Http404
    return consultation


def _closed(
    request: HttpRequest,
    consultation: Consultation,
    now: Any,
    *,
    refused: bool = False,
    kept: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    """No form: when it closed (or when it opens). `refused`: a response arrived too late and was not sent.
    `kept`: (label, text) pairs the resident sent or had saved, shown back so they can copy them."""
    status = consultation.status_at(now=now)
    return render(
        request,
        "engagement/respond/closed.html",
        {
            "consultation": consultation,
            "status": status,
            "refused": refused,
            "kept": kept or [],
            "opening_text": deadlines.describe_opening(consultation.opens_at),
        },
        status=409 if refused else 200,
    )


def _not_saved(request: HttpRequest, consultation: Consultation, kept: list[tuple[str, str]]) -> HttpResponse:
    """A step posted when this browser no longer holds the draft (saved for later in another tab, signed out,
    the session expired): nothing is saved, and what was typed is shown back so it can be copied."""
    return render(
        request, "engagement/respond/not_saved.html", {"consultation": consultation, "kept": kept}, status=409
    )


ABOUT_YOU_TYPED = {
    "organisation_name": "Name of your organisation",
    "organisation_role": "Your role in the organisation",
    "email": "Email address",
}


def _typed(request: HttpRequest, consultation: Consultation, page_number: int | None) -> list[tuple[str, str]]:
    """What a POST that could not be saved carried (after closing, or with no draft open), as (label, text): the
    page's answers (choices by their labels, "Other" text too) or the typed "About you" fields. Nothing is stored;
    it is only shown back."""
    if request.method != "POST":
        return []
    if page_number is None:
        return [
            (label, text) for name, label in ABOUT_YOU_TYPED.items() if (text := request.POST.get(name, "").strip())
        ]
    structure = sel.responding_structure(consultation=consultation)
    page = next((p for p in structure.pages if p.number == page_number), None)
    kept = []
    for question in page.questions if page else []:
        raw = [v for v in request.POST.getlist(f"q{question.pk}") if v.strip()]
        other = request.POST.get(other_field_name(question), "").strip()
        value: Any = raw if question.kind == Question.Kind.MULTIPLE_CHOICE else (raw[0] if raw else "")
        text = answer_label(question, value, other)
        if text:
            kept.append((question.text, text))
    return kept


def _kept_answers(consultation: Consultation, response: Response) -> list[tuple[str, str]]:
    """A draft's saved answers as (question, answer), for a resident whose response arrived too late."""
    structure = sel.responding_structure(consultation=consultation)
    summary = sel.answer_summary(pages=structure.pages, stored=sel.response_answers(response=response))
    return [(row.question.text, row.answer) for _page, rows in summary for row in rows if row.answer]


def _current(request: HttpRequest, consultation: Consultation) -> Response | None:
    """The respondent's response to this consultation: the user's, or the one this session started."""
    if (reopened := _reopened_response(request, consultation)) is not None:
        return reopened  # followed a receipt's change link in this browser: that response, until sent again
    pk = session_get(request, DRAFTS, consultation.pk)
    # Only ever a draft: sending forgets it, and a session from before that rule must not reopen a sent one.
    session_response = (
        Response.objects.filter(pk=pk, consultation=consultation, state=Response.State.DRAFT).order_by().first()
        if isinstance(pk, int)
        else None
    )
    if session_response is not None:
        session_response.consultation = consultation  # the row this request already holds: no second query
    if request.user.is_authenticated:
        own = sel.response_of_user(consultation=consultation, user=request.user)
        if own and own.state == Response.State.SUBMITTED:
            return sel.changes_of(response=own) or own  # changes begun and not sent, else what was sent
        if own:
            return own
        if session_response is not None and session_response.user_id is None:
            return svc.response_claim(response=session_response, user=request.user)
        return None
    if session_response is not None and session_response.user_id is not None:
        return None  # started while signed in: only that account may continue it
    return session_response


def _reopened_pk(request: HttpRequest, consultation_id: int) -> int | None:
    """The id of the response this session reopened with a change link for this consultation (REOPENED)."""
    pk = session_get(request, REOPENED, consultation_id)
    return pk if isinstance(pk, int) else None


def _is_reopened(request: HttpRequest, response: Response) -> bool:
    """Is `response` the one this session reopened? (Reopening is what lets a sent anonymous response change.)"""
    return _reopened_pk(request, response.consultation_id) == response.pk


def _reopened_response(request: HttpRequest, consultation: Consultation) -> Response | None:
    """The changes to a sent anonymous response that this session reopened with a change link, if not yet sent or
    cancelled (or started afresh from another browser with the link)."""
    pk = _reopened_pk(request, consultation.pk)
    if pk is None:
        return None
    response = (
        Response.objects.filter(
            pk=pk, consultation=consultation, state=Response.State.CHANGES, replaces__user__isnull=True
        )
        .select_related("replaces")
        .order_by()
        .first()
    )
    if response is not None:
        response.consultation = consultation
    return response


def _editable(request: HttpRequest, response: Response, now: Any) -> bool:
    return svc.response_is_editable(
        response=response, user=request.user, now=now, reopened=_is_reopened(request, response)
    )


def session_get(request: HttpRequest, key: str, consultation_id: int) -> Any:
    """What the session holds for this consultation under `key` (DRAFTS, REOPENED here, the
    managers' preview answers in views/manage.py), or None."""
    return request.session.get(key, {}).get(str(consultation_id))


def session_put(request: HttpRequest, key: str, consultation_id: int, value: Any) -> None:
    # A new dict, assigned back: the session saves only on assignment, not when a dict inside it changes.
    held = dict(request.session.get(key, {}))
    held[str(consultation_id)] = value
    request.session[key] = held


def _remember(request: HttpRequest, response: Response) -> None:
    session_put(request, DRAFTS, response.consultation_id, response.pk)


def session_pop(request: HttpRequest, key: str, consultation_id: int) -> None:
    held = dict(request.session.get(key, {}))
    if held.pop(str(consultation_id), None) is not None:
        request.session[key] = held


def _forget(request: HttpRequest, consultation: Consultation) -> None:
    for key in (DRAFTS, REOPENED):
        session_pop(request, key, consultation.pk)


def _sent_salt(request: HttpRequest) -> str:
    return f"{SENT_SALT}:{request.session.session_key or ''}"


def _sent(request: HttpRequest) -> tuple[str, bool]:
    """(reference this browser session just sent, whether its confirmation was shown already); ("", False) for a
    missing, old, tampered cookie or one from before signing in or out (see SENT_COOKIE)."""
    value = request.get_signed_cookie(SENT_COOKIE, default="", salt=_sent_salt(request), max_age=SENT_MAX_AGE)
    reference, _, shown = str(value).partition(":")
    return reference, shown == SHOWN


def _mark_sent(request: HttpRequest, http_response: HttpResponse, reference: str, *, shown: bool = False) -> None:
    http_response.set_signed_cookie(
        SENT_COOKIE,
        f"{reference}:{SHOWN}" if shown else reference,
        salt=_sent_salt(request),
        max_age=SENT_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _done_url(consultation: Consultation, reference: str, *, changed: bool = False) -> str:
    # `changed`: the page says "Changes sent" (only its words differ; who may see it is checked as ever).
    url = reverse("engagement:respond_done", args=[consultation.slug, reference])
    return url + "?changed=1" if changed else url


def _flow(
    request: HttpRequest, slug: str, *, page_number: int | None = None
) -> tuple[Consultation, Any, Response | None, HttpResponse | None]:
    """Common entry for the steps: (consultation, now, response, early exit page or None). Closed since the
    resident's last step (closed early, or its closing date moved): the closed page shows back what they posted."""
    now = timezone.now()
    consultation = _consultation(slug)
    if not consultation.accepts_responses_at(now=now):
        return (
            consultation,
            now,
            None,
            _closed(request, consultation, now, kept=_typed(request, consultation, page_number)),
        )
    response = _current(request, consultation)
    if response is None or not _editable(request, response, now):
        if kept := _typed(request, consultation, page_number):
            return consultation, now, response, _not_saved(request, consultation, kept)
        return consultation, now, response, redirect("engagement:respond_start", consultation.slug)
    if response.state == Response.State.SUBMITTED:  # its account changes it: on a copy, see services/responses.py
        if request.method != "POST":
            # Changes begin with the start page's "Change your response" button: a link or a prefetch writes nothing.
            return consultation, now, response, redirect("engagement:respond_start", consultation.slug)
        response = svc.response_changes_start(response=response)  # a page posted after the copy went: keep its text
    return consultation, now, response, None


def _context(consultation: Consultation, response: Response | None, **extra: Any) -> dict[str, Any]:
    return {
        "consultation": consultation,
        "response": response,
        "editing": response is not None and response.is_changes,
        **extra,
    }


@dataclasses.dataclass(frozen=True)
class PageSteps:
    """The walk through a consultation's question pages, skipping each page that the answers hide. One walk for the
    residents (RESIDENT_STEPS) and the managers' preview of their pages (views/manage.py): only the URLs differ."""

    page: str  # URL name of a question page (slug, number)
    check: str  # "check your answers", where a "Change" link returns to
    after_last: str  # where the last visible page goes on to
    before_first: str  # where the first visible page's back link goes

    def visible(self, structure: sel.Structure, values: dict[int, Any]) -> list[sel.Page]:
        return [
            p
            for p in structure.pages
            if not sel.page_is_hidden(page=p, answers=values, questions_by_id=structure.by_id)
        ]

    def next_url(
        self, consultation: Consultation, structure: sel.Structure, values: dict[int, Any], *, after: int
    ) -> str:
        """The first visible page after page `after` (0: the first page), else `after_last`."""
        page = next((p for p in self.visible(structure, values) if p.number > after), None)
        if page is None:
            return reverse(self.after_last, args=[consultation.slug])
        return reverse(self.page, args=[consultation.slug, page.number])

    def previous_url(
        self, consultation: Consultation, structure: sel.Structure, values: dict[int, Any], *, before: int | None
    ) -> str:
        """The last visible page before page `before` (None: the last of all, for the step after them), else
        `before_first`."""
        earlier = [p for p in self.visible(structure, values) if before is None or p.number < before]
        if not earlier:
            return reverse(self.before_first, args=[consultation.slug])
        return reverse(self.page, args=[consultation.slug, earlier[-1].number])

    def onward_url(
        self,
        consultation: Consultation,
        structure: sel.Structure,
        values: dict[int, Any],
        *,
        number: int,
        changing: bool,
    ) -> str:
        """Where page `number` goes on to: back to check answers when changing an answer, else the next page."""
        if changing:
            return reverse(self.check, args=[consultation.slug])
        return self.next_url(consultation, structure, values, after=number)

    def change_url(self, consultation: Consultation, page_number: int, question_id: int) -> str:
        """A "Change" link: the question's page, focused on the question, returning to check answers."""
        return reverse(self.page, args=[consultation.slug, page_number]) + f"?change=1#id_q{question_id}"

    def page_context(
        self,
        consultation: Consultation,
        structure: sel.Structure,
        values: dict[int, Any],
        *,
        page: sel.Page,
        changing: bool,
    ) -> dict[str, Any]:
        """What templates/engagement/respond/page.html needs to place the page: its position among the visible
        pages and its back link."""
        visible = self.visible(structure, values)
        back = (
            reverse(self.check, args=[consultation.slug])
            if changing
            else self.previous_url(consultation, structure, values, before=page.number)
        )
        return {
            "page": page,
            "page_count": len(visible),
            "page_index": next((i for i, p in enumerate(visible, 1) if p.number == page.number), page.number),
            "back_url": back,
            "changing": changing,
        }


RESIDENT_STEPS = PageSteps(
    page="engagement:respond_page",
    check="engagement:respond_check",
    after_last="engagement:respond_about_you",
    before_first="engagement:respond_start",
)


def _answers_state(consultation: Consultation, response: Response) -> tuple[sel.Structure, Any, dict[int, Any]]:
    """(structure, stored answers, their values) as the response holds them now."""
    structure = sel.responding_structure(consultation=consultation)
    stored = sel.response_answers(response=response)
    return structure, stored, sel.answer_values(stored)


def _next_page_url(consultation: Consultation, response: Response, after: int) -> str:
    """The next page for the answers the response holds now (read afresh: they may have just been saved)."""
    structure, _stored, values = _answers_state(consultation, response)
    return RESIDENT_STEPS.next_url(consultation, structure, values, after=after)


def _check_url(consultation: Consultation) -> str:
    return reverse("engagement:respond_check", args=[consultation.slug])


def _hold_if_trapped(
    form: HoneypotMixin, consultation: Consultation, now: Any, where: str, response: Response | None
) -> None:
    """A filled honeypot: a bot, or a person's form-filling extension. Nothing changes for them (the flow goes on
    and stores what they sent); the response is held out of counts for a manager to review (services/suspected.py)."""
    if response is None or not form.honeypot_filled():
        return
    held = response.replaces if response.is_changes else response  # changes: the sent response they will replace
    assert held is not None
    suspected.response_mark_suspected(
        consultation=consultation, now=now, reason=f"Hidden field filled in on {where}", response=held
    )


# --- start ---
@private_no_store
@require_http_methods(["GET", "POST"])
def respond_start(request: HttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    consultation = _consultation(slug)
    if not consultation.accepts_responses_at(now=now):
        return _closed(request, consultation, now)
    response = _current(request, consultation)
    if request.method == "POST":
        if response is None:
            response = svc.response_start(consultation=consultation, user=request.user, now=now)
            _remember(request, response)
        elif response.state == Response.State.DRAFT:  # "Continue your response": where it was left, as a link does
            return redirect(_resume_url(consultation, response))
        if response.state == Response.State.SUBMITTED:  # "Change your response": signed in, on a copy
            if not _editable(request, response, now):
                return redirect(_done_url(consultation, response.reference))
            svc.response_changes_start(response=response)
        if response.state in {Response.State.SUBMITTED, Response.State.CHANGES}:  # a second press too
            return redirect(_check_url(consultation))
        return redirect(_next_page_url(consultation, response, after=0))
    pages = sel.responding_structure(consultation=consultation).pages
    return render(
        request,
        "engagement/respond/start.html",
        _context(
            consultation,
            response,
            pages=pages,
            is_late=now > consultation.closes_at,
            editable=response is not None and _editable(request, response, now),
        ),
    )


# --- question pages ---
@private_no_store
@require_http_methods(["GET", "POST"])
def respond_page(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    consultation, now, response, early = _flow(request, slug, page_number=number)
    if early is not None:
        return early
    assert response is not None
    structure, stored, values = _answers_state(consultation, response)
    page = next((p for p in structure.pages if p.number == number), None)
    if page is None:
        raise Http404
    changing = request.GET.get("change") == "1"
    if sel.page_is_hidden(page=page, answers=values, questions_by_id=structure.by_id) and request.method == "GET":
        return redirect(RESIDENT_STEPS.onward_url(consultation, structure, values, number=number, changing=changing))
    kwargs: dict[str, Any] = {"questions": page.questions, "all_questions": structure.by_id, "known_answers": values}
    if request.method == "POST":
        form = QuestionPageForm(request.POST, **kwargs)
        _hold_if_trapped(form, consultation, now, f"question page {number}", response)
        if request.POST.get("action") == "save_later":
            form.is_valid()
            if not form.has_unsaved_text():  # else shown again with its errors: saving would leave that text out
                svc.response_save_answers(response=response, answers=form.valid_answers(), now=now)
                return redirect("engagement:respond_save", consultation.slug)
        if form.is_valid():
            svc.response_save_answers(response=response, answers=form.answers(), now=now)
            if changing:
                return redirect(_check_url(consultation))
            return redirect(_next_page_url(consultation, response, number))
    else:
        form = QuestionPageForm(initial=initial_for(page.questions, stored), **kwargs)
    # Nothing was saved on the way here (a save redirects), so the answers read above place the page.
    place = RESIDENT_STEPS.page_context(consultation, structure, values, page=page, changing=changing)
    return render(request, "engagement/respond/page.html", _context(consultation, response, form=form, **place))


# --- about you ---
@private_no_store
@require_http_methods(["GET", "POST"])
def respond_about_you(request: HttpRequest, slug: str) -> HttpResponse:
    consultation, now, response, early = _flow(request, slug)
    if early is not None:
        return early
    assert response is not None
    changing = request.GET.get("change") == "1"
    options = {
        "organisations": sel.respondent_organisations(consultation=consultation),
        "areas": sel.respondent_areas(consultation=consultation),
    }
    if request.method == "POST":
        form = AboutYouForm(request.POST, **options)
        _hold_if_trapped(form, consultation, now, "the About you page", response)
        save_later = request.POST.get("action") == "save_later"
        if save_later and not form.has_entries():
            return redirect("engagement:respond_save", consultation.slug)
        # Saved first when leaving to come back later, as a question page is; with an error, shown again.
        if form.is_valid():
            _save_about_you(response, form.cleaned_data, now=now)
            if save_later:
                return redirect("engagement:respond_save", consultation.slug)
            if changing or response.state == Response.State.SUBMITTED or response.for_organisation:
                return redirect(_check_url(consultation))
            return redirect("engagement:respond_equality", consultation.slug)
    else:
        form = AboutYouForm(
            initial={
                "respondent_type": response.respondent_type,
                "organisation": response.organisation_id or "",
                "organisation_name": response.organisation_name,
                "organisation_role": response.organisation_role,
                "area": response.area_id or "",
                "email": response.email,
                "consent_to_contact": response.consent_to_contact,
            },
            **options,
        )
    if changing:
        back = _check_url(consultation)
    else:
        structure, _stored, values = _answers_state(consultation, response)
        back = RESIDENT_STEPS.previous_url(consultation, structure, values, before=None)
    return render(
        request,
        "engagement/respond/about_you.html",
        _context(consultation, response, form=form, back_url=back, changing=changing),
    )


def _save_about_you(response: Response, data: dict[str, Any], *, now: datetime.datetime) -> None:
    svc.response_save_about_you(
        response=response,
        respondent_type=data["respondent_type"],
        organisation_id=int(data["organisation"]) if data.get("organisation") else None,
        organisation_name=data.get("organisation_name") or "",
        organisation_role=data.get("organisation_role") or "",
        area_id=int(data["area"]) if data.get("area") else None,
        email=data.get("email") or "",
        consent_to_contact=bool(data.get("consent_to_contact")),
        now=now,
    )


# --- equality monitoring (optional; held apart from the answers, see services/equality.py) ---
@private_no_store
@require_http_methods(["GET", "POST"])
def respond_equality(request: HttpRequest, slug: str) -> HttpResponse:
    consultation, now, response, early = _flow(request, slug)
    if early is not None:
        return early
    assert response is not None
    if response.is_changes or response.for_organisation:
        # Counted once, with the first submission; and about people, so not asked for an organisation.
        return redirect(_check_url(consultation))
    if request.method == "POST":
        form = EqualityForm(request.POST)
        _hold_if_trapped(form, consultation, now, "the equality page", response)
        if request.POST.get("action") == "skip":
            equality_svc.equality_clear(response=response)
            return redirect(_check_url(consultation))
        save_later = request.POST.get("action") == "save_later"
        if save_later and not form.has_entries():
            return redirect("engagement:respond_save", consultation.slug)
        if form.is_valid():  # as on About you: saved first when leaving to come back later
            equality_svc.equality_save(response=response, answers=form.answers())
            return (
                redirect("engagement:respond_save", consultation.slug)
                if save_later
                else redirect(_check_url(consultation))
            )
    else:
        form = EqualityForm(initial=sel.held_equality(response=response))
    return render(
        request,
        "engagement/respond/equality.html",
        _context(
            consultation,
            response,
            form=form,
            back_url=reverse("engagement:respond_about_you", args=[consultation.slug]),
        ),
    )


# --- check answers and submit ---
def _missing_links(consultation: Consultation, missing: list[sel.Missing]) -> list[tuple[str, str]]:
    """(text, where to fix it) for each required step not done yet."""
    links = []
    for item in missing:
        if item.step == "about_you":
            href = reverse("engagement:respond_about_you", args=[consultation.slug]) + "?change=1#id_respondent_type"
        else:
            assert item.question is not None
            href = RESIDENT_STEPS.change_url(consultation, item.page_number, item.question.pk)
        links.append((item.label, href))
    return links


def _check_context(request: HttpRequest, consultation: Consultation, response: Response, **extra: Any) -> Any:
    structure = sel.responding_structure(consultation=consultation)
    stored = sel.response_answers(response=response)
    missing = sel.response_missing(structure=structure, response=response, answers=sel.answer_values(stored))
    return _context(
        consultation,
        response,
        summary=sel.answer_summary(pages=structure.pages, stored=stored),
        missing=_missing_links(consultation, missing),
        steps=RESIDENT_STEPS,
        equality_given=response.state == Response.State.DRAFT and bool(sel.held_equality(response=response)),
        form=SubmitForm(
            initial={"submission_token": response.submission_token or "", "reference": response.sent_reference}
        ),
        **extra,
    )


@private_no_store
@require_GET
def respond_check(request: HttpRequest, slug: str) -> HttpResponse:
    consultation, _now, response, early = _flow(request, slug)
    if early is not None:
        return early
    assert response is not None
    return render(request, "engagement/respond/check.html", _check_context(request, consultation, response))


def _rate_limited(
    request: HttpRequest, consultation: Consultation, refused: ratelimit.Refusal, back_url: str
) -> HttpResponse:
    """What a resident refused by a rate limit sees: what happened, that the draft is kept, when to try again."""
    retry_at = datetime.datetime.fromtimestamp(refused.retry_at, tz=datetime.UTC)
    http_response = render(
        request,
        "engagement/respond/rate_limited.html",
        {
            "consultation": consultation,
            "refused": refused,
            "retry_at": retry_at,
            "minutes": max(1, -(-refused.retry_after // 60)),
            "window_minutes": max(1, refused.period // 60),
            "back_url": back_url,
        },
        status=429,
    )
    http_response["Retry-After"] = str(refused.retry_after)
    return http_response


@private_no_store
@require_POST
def respond_submit(request: HttpRequest, slug: str) -> HttpResponse:
    """Send the draft this browser's session (or the signed-in account) holds, if the form's submission token
    is still its token. The one way to send: `svc.response_submit` checks every required step, whichever way the
    resident arrived. Sending forgets the draft from the session."""
    now = timezone.now()
    consultation = _consultation(slug)
    form = SubmitForm(request.POST)
    response = _current(request, consultation)
    _hold_if_trapped(form, consultation, now, "check answers", response)
    if response is None:
        sent, _shown = _sent(request)
        if form.is_valid() and sent and form.cleaned_data["reference"] == sent:
            return redirect(_done_url(consultation, sent))  # a second press: already sent from here
        return redirect("engagement:respond_start", consultation.slug)
    if not consultation.accepts_responses_at(now=now):
        return _closed(request, consultation, now, refused=True, kept=_kept_answers(consultation, response))
    if not form.is_valid() or not _editable(request, response, now):
        return redirect(_check_url(consultation))
    refused = ratelimit.refusal(request, "submit")
    if refused is not None:
        return _rate_limited(request, consultation, refused, _check_url(consultation))
    changing = response.is_changes
    try:
        result = svc.response_submit(
            response=response,
            token=form.cleaned_data["submission_token"],
            now=now,
            site_url=request.build_absolute_uri("/").rstrip("/"),
        )
    except svc.ResponsesClosedError:  # closed between the check above and the service's own
        return _closed(request, consultation, now, refused=True, kept=_kept_answers(consultation, response))
    if result.outcome not in {svc.SubmitOutcome.SUBMITTED, svc.SubmitOutcome.ALREADY_SUBMITTED}:
        return redirect(_check_url(consultation))
    _forget(request, consultation)
    http_response = redirect(_done_url(consultation, result.response.reference, changed=changing))
    if not result.response.user_id:
        _mark_sent(request, http_response, result.response.reference)
    return http_response


@private_no_store
@require_GET
def respond_done(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    """The confirmation: for the signed-in owner, or the browser session that just sent it (see SENT_COOKIE),
    which sees the reference once."""
    consultation = _consultation(slug)
    reference = normalise(reference) or ""
    response = Response.objects.filter(
        consultation=consultation, reference=reference, state=Response.State.SUBMITTED
    ).first()
    if response is None:
        raise Http404
    own = request.user.is_authenticated and response.user_id == request.user.pk
    sent, shown = _sent(request)
    if not own and sent != reference:
        raise Http404  # only the session that sent it, or its signed-in owner, sees it
    hide = not own and shown
    http_response = render(
        request,
        "engagement/respond/done.html",
        _context(
            consultation,
            response,
            hide=hide,
            changed=request.GET.get("changed") == "1",
            change_until=consultation.closes_at,
            onward_text=deadlines.describe_onward(consultation, now=timezone.now()),
        ),
    )
    if not own and not shown:
        _mark_sent(request, http_response, reference, shown=True)
    return http_response


# --- save and come back later ---
@private_no_store
@require_http_methods(["GET", "POST"])
def respond_save(request: HttpRequest, slug: str) -> HttpResponse:
    consultation, now, response, early = _flow(request, slug)
    if early is not None:
        return early
    assert response is not None
    if response.is_changes:
        # Changes to a sent response are kept with it until sent; a resume link would only open "already sent".
        return redirect(_check_url(consultation))
    if request.method == "POST":
        form = SaveForLaterForm(request.POST)
        _hold_if_trapped(form, consultation, now, "the save for later page", response)
        if form.is_valid():
            refused = ratelimit.refusal(request, "resume_email", recipient=form.cleaned_data["email"])
            if refused is not None:
                return _rate_limited(request, consultation, refused, request.path)
            token = links.resume_token_make(response=response)
            link = request.build_absolute_uri(reverse("engagement:respond_resume", args=[consultation.slug, token]))
            email = form.cleaned_data["email"]
            svc.response_send_resume_link(response=response, email=email, link=link, now=now)
            signed_in = request.user.is_authenticated
            if not signed_in:
                # The emailed link is how they come back: the next person at a shared computer finds nothing.
                _forget(request, consultation)
            return render(
                request,
                "engagement/respond/save_sent.html",
                _context(
                    consultation,
                    response,
                    email=email if signed_in else mask_address(email),
                    signed_in=signed_in,
                    days=links.RESUME_MAX_AGE.days,
                ),
            )
    else:
        form = SaveForLaterForm(initial={"email": response.email})
    return render(
        request,
        "engagement/respond/save.html",
        _context(consultation, response, form=form, days=links.RESUME_MAX_AGE.days),
    )


@private_no_store
@require_GET
def respond_resume(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    now = timezone.now()
    consultation = _consultation(slug)
    try:
        response = links.resume_token_read(token=token)
    except links.ResumeLinkError as exc:
        if exc.reason == "expired":
            return render(request, "engagement/respond/resume_expired.html", {"consultation": consultation}, status=410)
        return render(request, "engagement/respond/resume_invalid.html", {"consultation": consultation}, status=400)
    if response.consultation_id != consultation.pk:
        return render(request, "engagement/respond/resume_invalid.html", {"consultation": consultation}, status=400)
    if not consultation.accepts_responses_at(now=now):
        return _closed(request, consultation, now)
    if response.state == Response.State.SUBMITTED:
        return render(request, "engagement/respond/already_sent.html", _context(consultation, response))
    if response.user_id and not (request.user.is_authenticated and request.user.pk == response.user_id):
        # A signed-in resident's draft: they continue it by signing in, and the sign-in page says so.
        messages.info(
            request,
            "This response was saved while signed in. Sign in with the same email address to carry on with it.",
        )
        return redirect(f"{reverse('account_request_login_code')}?next={request.path}")
    _remember(request, response)
    return redirect(_resume_url(consultation, response))


def _resume_url(consultation: Consultation, response: Response) -> str:
    """Where a saved draft picks up: past "About you", the check page; else the last question page holding an
    answer (saving on a page keeps its answers), so someone who saved on page 1 of 3 is not sent to a check page
    full of gaps; with no answers yet, the first page."""
    if response.respondent_type:
        return _check_url(consultation)
    structure, _stored, values = _answers_state(consultation, response)
    answered = [p.number for p in RESIDENT_STEPS.visible(structure, values) if any(q.pk in values for q in p.questions)]
    if not answered:
        return RESIDENT_STEPS.next_url(consultation, structure, values, after=0)
    return reverse(RESIDENT_STEPS.page, args=[consultation.slug, max(answered)])


# --- changing a sent response (sent without an account) with the receipt's signed link ---
@private_no_store
@require_GET
def respond_change(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """Reopen a sent response in this browser: "check your answers" with the sent answers, on a copy of them
    (svc.response_changes_start) sent through `respond_submit` (the one path), so the reference stays, the response
    counts once as sent until the changes are sent, and a changed receipt follows. Only this session holds the
    copy (REOPENED). Following the link in another browser starts again from what was sent, so changes left
    unsent on a shared computer are dropped, not shown to whoever opens the link next."""
    now = timezone.now()
    consultation = _consultation(slug)
    try:
        response = links.change_token_read(token=token)
    except links.ResumeLinkError:
        response = None
    if response is None or response.consultation_id != consultation.pk:
        return render(request, "engagement/respond/change_invalid.html", {"consultation": consultation}, status=400)
    if not consultation.accepts_responses_at(now=now) or now > consultation.closes_at:
        return _closed(request, consultation, now)  # "This consultation has closed", when, and nothing changed
    held = _reopened_response(request, consultation)
    if held is None or held.replaces_id != response.pk:
        held = svc.response_changes_start(response=response, fresh=True)
    session_put(request, REOPENED, consultation.pk, held.pk)
    return redirect(_check_url(consultation))


@private_no_store
@require_POST
def respond_change_cancel(request: HttpRequest, slug: str) -> HttpResponse:
    """Cancel changes to a sent response: delete them (what was sent never changed), and forget them from this
    browser, so the next person at the computer finds nothing of it (the receipt's link or the account opens the
    response again)."""
    consultation = _consultation(slug)
    response = _current(request, consultation)
    cancelled = response is not None and response.is_changes and svc.response_changes_cancel(changes=response)
    _forget(request, consultation)
    context = {"consultation": consultation, "cancelled": cancelled, "account": request.user.is_authenticated}
    return render(request, "engagement/respond/change_cancelled.html", context)


# --- signed-in residents ---
@private_no_store
@login_required
@require_GET
def my_responses(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [
        {
            "response": r,
            "status": r.consultation.status_at(now=now),
            "editable": svc.response_is_editable(response=r, user=request.user, now=now),
        }
        for r in sel.responses_for_user(user=request.user)
    ]
    return render(request, "engagement/respond/my_responses.html", {"rows": rows})


@private_no_store
@login_required
@require_GET
def my_response(request: HttpRequest, reference: str) -> HttpResponse:
    now = timezone.now()
    response = (
        Response.objects.select_related("consultation", "area", "organisation")
        .filter(reference=normalise(reference) or "", user_id=request.user.pk or 0)
        .first()
    )
    if response is None:
        raise Http404
    consultation = response.consultation
    pages = sel.consultation_pages(consultation=consultation)
    return render(
        request,
        "engagement/respond/my_response.html",
        _context(
            consultation,
            response,
            summary=sel.answer_summary(pages=pages, stored=sel.response_answers(response=response)),
            editable=svc.response_is_editable(response=response, user=request.user, now=now),
            changes=sel.changes_of(response=response) if response.state == Response.State.SUBMITTED else None,
            status=consultation.status_at(now=now),
        ),
    )
