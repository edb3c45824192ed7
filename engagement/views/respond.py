"""Residents answering a consultation: question pages, about you, equality, check answers, submit, confirmation.

Thin views: forms validate, services write, selectors read. Each request takes one timestamp (`now`) and every
open/closed decision in it uses that. The draft is a Response row (state=draft) found through the session for
anonymous residents and through the user for signed-in ones, so refresh and back lose nothing. Sending is the
exception: the check-answers form names its draft (reference, token, proof) and a resident who is not signed in is
served without the session (`respond_submit`, `svc.response_submit_checked`).
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import ratelimit
from ..forms_respond import AboutYouForm, EqualityForm, QuestionPageForm, SaveForLaterForm, SubmitForm, initial_for
from ..models import Consultation, Response
from ..references import normalise
from ..selectors import responses as sel
from ..services import equality as equality_svc
from ..services import responses as svc

DRAFTS = "engagement.drafts"
# The references this browser has sent, so it (and only it) may see their confirmation pages: a signed cookie, not
# the session, so that submitting writes nothing but the response itself.
SENT_COOKIE = "engagement_sent"
SENT_SALT = "engagement.sent"
SENT_KEEP = 20


# --- helpers ---
def _consultation(slug: str) -> Consultation:
    consultation = sel.consultation_for_responding(slug=slug)
    if consultation is None:
        raise Http404
    return consultation


def _closed(request: HttpRequest, consultation: Consultation, now: Any, *, refused: bool = False) -> HttpResponse:
    """No form: when it closed (or when it opens). `refused`: a response arrived too late and was not sent."""
    status = consultation.status_at(now=now)
    return render(
        request,
        "engagement/respond/closed.html",
        {"consultation": consultation, "status": status, "refused": refused},
        status=409 if refused else 200,
    )


def _current(request: HttpRequest, consultation: Consultation) -> Response | None:
    """The respondent's response to this consultation: the user's, or the one this session started."""
    drafts = request.session.get(DRAFTS, {})
    pk = drafts.get(str(consultation.pk))
    session_response = (
        Response.objects.filter(pk=pk, consultation=consultation).order_by().first() if isinstance(pk, int) else None
    )
    if session_response is not None:
        session_response.consultation = consultation  # the row this request already holds: no second query
    if request.user.is_authenticated:
        own = Response.objects.filter(consultation=consultation, user=request.user).first()
        if own:
            return own
        if session_response is not None and session_response.user_id is None:
            return svc.response_claim(response=session_response, user=request.user)
        return None
    if session_response is not None and session_response.user_id is not None:
        return None  # started while signed in: only that account may continue it
    return session_response


def retire_forms_on_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """`user_logged_in` receiver (connected in apps.py): this browser's anonymous drafts get new tokens, so a
    check-answers page shown before signing in, in this tab or another, no longer sends without the account."""
    if request is None or not hasattr(request, "session"):
        return
    ids = [pk for pk in request.session.get(DRAFTS, {}).values() if isinstance(pk, int)]
    if ids:
        svc.responses_retire_anonymous_forms(response_ids=ids)


def _remember(request: HttpRequest, response: Response) -> None:
    drafts = dict(request.session.get(DRAFTS, {}))
    drafts[str(response.consultation_id)] = response.pk
    request.session[DRAFTS] = drafts


def _sent(request: HttpRequest) -> list[str]:
    """References sent from this browser (see SENT_COOKIE); a missing, old or tampered cookie is none."""
    value = request.get_signed_cookie(SENT_COOKIE, default="", salt=SENT_SALT, max_age=settings.SESSION_COOKIE_AGE)
    return [ref for ref in str(value).split(",") if ref]


def _mark_sent(request: HttpRequest, http_response: HttpResponse, reference: str) -> HttpResponse:
    sent = [ref for ref in _sent(request) if ref != reference] + [reference]
    http_response.set_signed_cookie(
        SENT_COOKIE,
        ",".join(sent[-SENT_KEEP:]),
        salt=SENT_SALT,
        max_age=settings.SESSION_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return http_response


def _done_url(response: Response) -> str:
    return reverse("engagement:respond_done", args=[response.consultation.slug, response.reference])


def _done_url_for(consultation: Consultation, reference: str) -> str:
    return reverse("engagement:respond_done", args=[consultation.slug, reference])


def _flow(request: HttpRequest, slug: str) -> tuple[Consultation, Any, Response | None, HttpResponse | None]:
    """Common entry for the steps: (consultation, now, response, early exit page or None)."""
    now = timezone.now()
    consultation = _consultation(slug)
    if not consultation.accepts_responses_at(now=now):
        return consultation, now, None, _closed(request, consultation, now)
    response = _current(request, consultation)
    if response is None:
        return consultation, now, None, redirect("engagement:respond_start", consultation.slug)
    if not svc.response_is_editable(response=response, user=request.user, now=now):
        if response.reference in _sent(request):
            return consultation, now, response, redirect(_done_url(response))
        return consultation, now, response, redirect("engagement:respond_start", consultation.slug)
    return consultation, now, response, None


def _context(consultation: Consultation, response: Response | None, **extra: Any) -> dict[str, Any]:
    return {
        "consultation": consultation,
        "response": response,
        "editing": response is not None and response.state == Response.State.SUBMITTED,
        **extra,
    }


def _questions_state(consultation: Consultation, response: Response) -> tuple[list[Any], dict[int, Any], Any, Any]:
    structure = sel.responding_structure(consultation=consultation)
    stored = sel.response_answers(response=response)
    return structure.pages, structure.by_id, stored, sel.answer_values(stored)


def _next_page_url(consultation: Consultation, response: Response, after: int) -> str:
    pages, by_id, _stored, values = _questions_state(consultation, response)
    for page in pages:
        if page.number > after and not sel.page_is_hidden(page=page, answers=values, questions_by_id=by_id):
            return reverse("engagement:respond_page", args=[consultation.slug, page.number])
    return reverse("engagement:respond_about_you", args=[consultation.slug])


def _previous_page_url(consultation: Consultation, response: Response, before: int) -> str:
    pages, by_id, _stored, values = _questions_state(consultation, response)
    for page in reversed(pages):
        if page.number < before and not sel.page_is_hidden(page=page, answers=values, questions_by_id=by_id):
            return reverse("engagement:respond_page", args=[consultation.slug, page.number])
    return reverse("engagement:respond_start", args=[consultation.slug])


def _check_url(consultation: Consultation) -> str:
    return reverse("engagement:respond_check", args=[consultation.slug])


def _neutral(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    """What a filled honeypot gets: a calm page, and nothing stored."""
    return render(request, "engagement/respond/neutral.html", {"consultation": consultation})


# --- start ---
@require_http_methods(["GET", "POST"])
def respond_start(request: HttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    consultation = _consultation(slug)
    if not consultation.accepts_responses_at(now=now):
        return _closed(request, consultation, now)
    response = _current(request, consultation)
    if request.method == "POST":
        if request.POST.get("action") == "new" and response is not None and response.user_id is None:
            # An anonymous resident who already sent one and wants to send another (e.g. for an organisation).
            drafts = dict(request.session.get(DRAFTS, {}))
            drafts.pop(str(consultation.pk), None)
            request.session[DRAFTS] = drafts
            response = None
        if response is None:
            response = svc.response_start(consultation=consultation, user=request.user, now=now)
            _remember(request, response)
        if response.state == Response.State.SUBMITTED and not svc.response_is_editable(
            response=response, user=request.user, now=now
        ):
            return redirect(_done_url(response))
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
            editable=response is not None and svc.response_is_editable(response=response, user=request.user, now=now),
        ),
    )


# --- question pages ---
@require_http_methods(["GET", "POST"])
def respond_page(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    consultation, now, response, early = _flow(request, slug)
    if early is not None:
        return early
    assert response is not None
    pages, by_id, stored, values = _questions_state(consultation, response)
    page = next((p for p in pages if p.number == number), None)
    if page is None:
        raise Http404
    changing = request.GET.get("change") == "1"
    if sel.page_is_hidden(page=page, answers=values, questions_by_id=by_id) and request.method == "GET":
        return redirect(_check_url(consultation) if changing else _next_page_url(consultation, response, number))
    kwargs: dict[str, Any] = {"questions": page.questions, "all_questions": by_id, "known_answers": values}
    if request.method == "POST":
        form = QuestionPageForm(request.POST, **kwargs)
        if form.honeypot_filled():
            return _neutral(request, consultation)
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
    back = _check_url(consultation) if changing else _previous_page_url(consultation, response, number)
    visible_pages = [p for p in pages if not sel.page_is_hidden(page=p, answers=values, questions_by_id=by_id)]
    return render(
        request,
        "engagement/respond/page.html",
        _context(
            consultation,
            response,
            form=form,
            page=page,
            page_count=len(visible_pages),
            page_index=next((i for i, p in enumerate(visible_pages, 1) if p.number == number), number),
            back_url=back,
            changing=changing,
        ),
    )


# --- about you ---
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
        if form.honeypot_filled():
            return _neutral(request, consultation)
        if request.POST.get("action") == "save_later":
            return redirect("engagement:respond_save", consultation.slug)
        if form.is_valid():
            data = form.cleaned_data
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
            if changing or response.state == Response.State.SUBMITTED:
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
    pages = sel.responding_structure(consultation=consultation).pages
    last = max((p.number for p in pages), default=0)
    back = _check_url(consultation) if changing else _previous_page_url(consultation, response, last + 1)
    return render(
        request,
        "engagement/respond/about_you.html",
        _context(consultation, response, form=form, back_url=back, changing=changing),
    )


# --- equality monitoring (optional; held apart from the answers, see services/equality.py) ---
@require_http_methods(["GET", "POST"])
def respond_equality(request: HttpRequest, slug: str) -> HttpResponse:
    consultation, _now, response, early = _flow(request, slug)
    if early is not None:
        return early
    assert response is not None
    if response.state == Response.State.SUBMITTED:
        return redirect(_check_url(consultation))  # counted once, with the first submission
    if request.method == "POST":
        form = EqualityForm(request.POST)
        if form.honeypot_filled():
            return _neutral(request, consultation)
        if request.POST.get("action") == "skip":
            equality_svc.equality_clear(response=response)
            return redirect(_check_url(consultation))
        if request.POST.get("action") == "save_later":
            return redirect("engagement:respond_save", consultation.slug)
        if form.is_valid():
            equality_svc.equality_save(response=response, answers=form.answers())
            return redirect(_check_url(consultation))
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
def _check_context(request: HttpRequest, consultation: Consultation, response: Response, **extra: Any) -> Any:
    structure = sel.responding_structure(consultation=consultation)
    pages, by_id = structure.pages, structure.by_id
    stored = sel.response_answers(response=response)
    values = sel.answer_values(stored)
    missing = sel.missing_required(questions=structure.questions, answers=values, questions_by_id=by_id)
    page_of = {q.pk: p.number for p in pages for q in p.questions}
    token = response.submission_token or ""
    initial = {"submission_token": token, "reference": response.reference}
    if not missing and response.state == Response.State.DRAFT and not response.user_id:
        # Complete as shown: sign that, so sending it needs no second look at the answers (see services).
        initial["proof"] = svc.submit_proof(
            consultation=consultation, structure=structure, reference=response.reference, token=token
        )
    return _context(
        consultation,
        response,
        summary=sel.answer_summary(pages=pages, stored=stored),
        missing=[(q, page_of.get(q.pk, 1)) for q in missing],
        equality_given=response.state == Response.State.DRAFT and bool(sel.held_equality(response=response)),
        form=SubmitForm(initial=initial),
        **extra,
    )


@require_GET
def respond_check(request: HttpRequest, slug: str) -> HttpResponse:
    consultation, _now, response, early = _flow(request, slug)
    if early is not None:
        return early
    assert response is not None
    return render(request, "engagement/respond/check.html", _check_context(request, consultation, response))


@require_POST
def respond_submit(request: HttpRequest, slug: str) -> HttpResponse:
    """Send the draft the check-answers form names. A resident who is not signed in, posting a form whose proof
    and token still hold, is served by `response_submit_checked` without touching the session or the answers;
    anything else (or its False) goes the general way, `_submit_general`."""
    now = timezone.now()
    consultation = _consultation(slug)
    form = SubmitForm(request.POST)
    if form.honeypot_filled():
        return _neutral(request, consultation)
    counted = False
    if form.is_valid() and form.cleaned_data["proof"] and consultation.accepts_responses_at(now=now):
        if not ratelimit.allow(request, "submit"):
            return render(request, "429.html", status=429)
        counted = True
        reference = form.cleaned_data["reference"]
        if svc.response_submit_checked(
            consultation=consultation,
            reference=reference,
            token=form.cleaned_data["submission_token"],
            proof=form.cleaned_data["proof"],
            now=now,
            site_url=request.build_absolute_uri("/").rstrip("/"),
        ):
            return _mark_sent(request, redirect(_done_url_for(consultation, reference)), reference)
    return _submit_general(request, consultation, form, now=now, counted=counted)


def _submit_general(
    request: HttpRequest, consultation: Consultation, form: SubmitForm, *, now: Any, counted: bool
) -> HttpResponse:
    response = _current(request, consultation)
    if response is None:
        return redirect("engagement:respond_start", consultation.slug)
    if not form.is_valid():
        if response.state == Response.State.SUBMITTED and response.reference in _sent(request):
            return redirect(_done_url(response))
        return redirect(_check_url(consultation))
    if response.state == Response.State.SUBMITTED and not svc.response_is_editable(
        response=response, user=request.user, now=now
    ):
        if response.reference in _sent(request) or response.user_id:
            return redirect(_done_url(response))  # a second press or a late one: already sent
        return redirect("engagement:respond_start", consultation.slug)
    if not counted and not ratelimit.allow(request, "submit"):
        return render(request, "429.html", status=429)
    try:
        result = svc.response_submit(
            response=response,
            token=form.cleaned_data["submission_token"],
            now=now,
            site_url=request.build_absolute_uri("/").rstrip("/"),
        )
    except svc.ResponsesClosedError:
        return _closed(request, consultation, now, refused=True)
    if result.outcome in {svc.SubmitOutcome.SUBMITTED, svc.SubmitOutcome.ALREADY_SUBMITTED}:
        return _mark_sent(request, redirect(_done_url(result.response)), result.response.reference)
    return redirect(_check_url(consultation))


@require_GET
def respond_done(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    consultation = _consultation(slug)
    reference = normalise(reference) or ""
    response = Response.objects.filter(
        consultation=consultation, reference=reference, state=Response.State.SUBMITTED
    ).first()
    if response is None:
        raise Http404
    own = request.user.is_authenticated and response.user_id == request.user.pk
    if not own and reference not in _sent(request):
        raise Http404  # only the session that sent it, or its signed-in owner, sees it
    return render(request, "engagement/respond/done.html", _context(consultation, response))


# --- save and come back later ---
@require_http_methods(["GET", "POST"])
def respond_save(request: HttpRequest, slug: str) -> HttpResponse:
    consultation, now, response, early = _flow(request, slug)
    if early is not None:
        return early
    assert response is not None
    if request.method == "POST":
        form = SaveForLaterForm(request.POST)
        if form.honeypot_filled():
            return _neutral(request, consultation)
        if form.is_valid():
            if not ratelimit.allow(request, "resume_email"):
                return render(request, "429.html", status=429)
            token = svc.resume_token_make(response=response)
            link = request.build_absolute_uri(reverse("engagement:respond_resume", args=[consultation.slug, token]))
            svc.response_send_resume_link(response=response, email=form.cleaned_data["email"], link=link, now=now)
            return render(
                request,
                "engagement/respond/save_sent.html",
                _context(consultation, response, email=form.cleaned_data["email"], days=svc.RESUME_MAX_AGE.days),
            )
    else:
        form = SaveForLaterForm(initial={"email": response.email})
    return render(
        request,
        "engagement/respond/save.html",
        _context(consultation, response, form=form, days=svc.RESUME_MAX_AGE.days),
    )


@require_GET
def respond_resume(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    now = timezone.now()
    consultation = _consultation(slug)
    try:
        response = svc.resume_token_read(token=token)
    except svc.ResumeLinkError as exc:
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
        # A signed-in resident's draft: they continue it by signing in.
        return redirect(f"{reverse('account_request_login_code')}?next={request.path}")
    _remember(request, response)
    has_answers = response.answers.exists() or bool(response.respondent_type)
    return redirect(_check_url(consultation) if has_answers else _next_page_url(consultation, response, 0))


# --- signed-in residents ---
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
        ),
    )


# --- benchmark floor: one POST inserting one row, through the same middleware (BENCH or DEBUG only) ---
_floor_ready = False


@csrf_exempt
def bench_floor_post(request: HttpRequest) -> HttpResponse:
    if not (settings.DEBUG or getattr(settings, "BENCH", False)):
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    global _floor_ready
    if not _floor_ready:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, body text)")
        except DatabaseError:
            pass  # another worker created it at the same moment
        _floor_ready = True
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_floor (body) VALUES (%s)", [request.POST.get("body", "")[:200]])
    return HttpResponse("ok", content_type="text/plain")
