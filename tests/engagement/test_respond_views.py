"""The responding flow through the Django test client: pages, check answers, submit, receipt, the edges."""

import datetime
import re
from http import HTTPStatus
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from engagement import deadlines, links
from engagement.models import Answer, EqualityMonitoring, PendingEquality, Response
from engagement.references import is_reference
from engagement.selectors import responses as sel
from engagement.services import responses as svc
from engagement.services.equality import equality_release
from notifications.models import Email
from tests.engagement.factories import respond_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(db: Any) -> Any:
    return respond_survey()


def url(name: str, consultation: Any, *args: Any) -> str:
    return reverse(f"engagement:{name}", args=[consultation.slug, *args])


def start(client: Any, consultation: Any) -> Response:
    r = client.post(url("respond_start", consultation), {"action": "start"})
    assert r.status_code == HTTPStatus.FOUND
    assert r["Location"] == url("respond_page", consultation, 1)
    return Response.objects.get(pk=client.session["engagement.drafts"][str(consultation.pk)])


def page1(survey: Any, **extra: Any) -> dict[str, Any]:
    q = survey.q
    return {f"q{q['choice'].pk}": "Option 1", f"q{q['yes'].pk}": "no", "action": "continue", **extra}


def page2(survey: Any, **extra: Any) -> dict[str, Any]:
    q = survey.q
    return {
        f"q{q['multi'].pk}": ["Access", "Prevention"],
        f"q{q['agree'].pk}": "strongly_agree",
        f"q{q['follow'].pk}": "Because it is local & <simple>",
        "action": "continue",
        **extra,
    }


def about(survey: Any, **extra: Any) -> dict[str, Any]:
    return {
        "respondent_type": "individual",
        "area": str(survey.borough.pk),
        "email": "resident@example.org",
        "consent_to_contact": "on",
        "action": "continue",
        **extra,
    }


def walk_to_check(client: Any, survey: Any) -> Response:
    response = start(client, survey)
    r = client.post(url("respond_page", survey, 1), page1(survey))
    assert r["Location"] == url("respond_page", survey, 2)
    r = client.post(url("respond_page", survey, 2), page2(survey))
    assert r["Location"] == url("respond_about_you", survey)
    r = client.post(url("respond_about_you", survey), about(survey))
    assert r["Location"] == url("respond_equality", survey)
    r = client.post(url("respond_equality", survey), {"age_band": "35_44", "ethnicity": "white_irish"})
    assert r["Location"] == url("respond_check", survey)
    return response


def check_form(client: Any, survey: Any) -> dict[str, str]:
    """The hidden fields of the check-answers page's form, as a browser would send them."""
    body = client.get(url("respond_check", survey)).content.decode()
    form = re.search(r'<form method="post" action="[^"]*/respond/submit/".*?</form>', body, re.S)
    assert form, "the check-answers page has no form to send"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))


def submit(client: Any, survey: Any, response: Response, **extra: Any) -> Any:
    """Send what the check-answers page shows (when it shows a form), else the draft's current token alone."""
    response.refresh_from_db()
    page = client.get(url("respond_check", survey))
    fields = check_form(client, survey) if page.status_code == HTTPStatus.OK else {}
    fields = fields or {"submission_token": response.submission_token or ""}
    return client.post(url("respond_submit", survey), {**fields, **extra})


def test_start_page_shows_deadline_and_privacy_link(client: Any, survey: Any) -> None:
    r = client.get(url("respond_start", survey))
    assert r.status_code == HTTPStatus.OK
    body = r.content.decode()
    assert "This consultation closes at" in body
    assert reverse("privacy") in body
    assert not Response.objects.exists(), "a GET creates no draft"


def test_whole_walk_check_answers_submit_confirmation_and_receipt(
    client: Any, survey: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = walk_to_check(client, survey)
    assert response.state == Response.State.DRAFT
    assert is_reference(response.reference)

    check = client.get(url("respond_check", survey))
    body = check.content.decode()
    assert "Check your answers before sending" in body
    assert "Option 1" in body
    assert "Access, Prevention" in body
    assert "Strongly agree" in body
    assert "Because it is local &amp; &lt;simple&gt;" in body, "answers are escaped on output"
    assert f"{url('respond_page', survey, 1)}?change=1" in body
    assert f"{url('respond_about_you', survey)}?change=1" in body
    assert survey.borough.name in body
    assert reverse("privacy") in body

    with django_capture_on_commit_callbacks(execute=True):
        r = submit(client, survey, response)
    response.refresh_from_db()
    assert r.status_code == HTTPStatus.FOUND
    assert r["Location"] == url("respond_done", survey, response.reference)
    assert response.state == Response.State.SUBMITTED
    assert response.submitted_at is not None
    assert not response.is_late
    assert response.area == survey.borough
    assert response.consent_to_contact

    done = client.get(r["Location"])
    assert done.status_code == HTTPStatus.OK
    assert response.reference in done.content.decode()
    # With an address given, the reference is in the receipt too: no "we show it only on this page".
    assert "It is also in your receipt email." in done.content.decode()
    assert "we show it only on this page" not in done.content.decode()

    # The receipt: queued in the outbox and delivered (eager task) with a copy of the answers.
    email = Email.objects.about(response).get(kind="receipt")
    assert email.status == Email.Status.SENT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["resident@example.org"]
    assert response.reference in message.subject
    assert "Which governance option do you prefer?" in message.body
    assert "Option 1" in message.body
    assert "Because it is local & <simple>" in message.body, "the text part is not HTML-escaped"
    html = message.alternatives[0][0]
    assert "Because it is local &amp; &lt;simple&gt;" in html

    # Equality monitoring: held for the draft, then released in a batch without any link to the response.
    assert not EqualityMonitoring.objects.exists()
    assert PendingEquality.objects.get(consultation=survey).answers["age_band"] == "35_44"
    assert equality_release(now=timezone.now(), batch=1) == 1  # a batch of one, so this one response is a batch
    assert not PendingEquality.objects.exists()
    record = EqualityMonitoring.objects.get(consultation=survey)
    assert record.age_band == "35_44"
    assert record.ethnicity == "white_irish"
    assert record.sex == ""
    assert not [f for f in EqualityMonitoring._meta.get_fields() if f.is_relation and f.related_model is Response]


def test_confirmation_only_for_the_session_that_sent_it(client: Any, survey: Any, resident: Any) -> None:
    response = walk_to_check(client, survey)
    submit(client, survey, response)
    done = url("respond_done", survey, response.reference)
    from django.test import Client

    assert Client().get(done).status_code == HTTPStatus.NOT_FOUND
    other = Client()
    other.force_login(resident)
    assert other.get(done).status_code == HTTPStatus.NOT_FOUND


def test_confirmation_cookie_cannot_be_forged(client: Any, survey: Any) -> None:
    """The browser that sent a response keeps its reference in a signed cookie; a hand-made one is ignored."""
    response = walk_to_check(client, survey)
    r = submit(client, survey, response)
    assert "engagement_sent" in r.cookies
    assert r.cookies["engagement_sent"]["httponly"]
    assert r.cookies["engagement_sent"]["samesite"] == "Lax"
    from django.test import Client

    forger = Client()
    forger.cookies["engagement_sent"] = response.reference
    assert forger.get(url("respond_done", survey, response.reference)).status_code == HTTPStatus.NOT_FOUND
    forger.cookies["engagement_sent"] = client.cookies["engagement_sent"].value.replace(response.reference, "K7QX-3MPA")
    assert forger.get(url("respond_done", survey, response.reference)).status_code == HTTPStatus.NOT_FOUND


def test_submit_costs_a_fixed_number_of_queries(client: Any, survey: Any, settings: Any) -> None:
    """Read the session and the draft, then one short transaction (a savepoint here, as tests run inside one):
    claim the draft by its token, read its answers to check them, queue the receipt (in a savepoint). Then the session forgets the
    draft (its one write). With the per-worker cache on, the consultation and its questions are not read again."""
    response = start(client, survey)
    client.post(url("respond_page", survey, 1), page1(survey))
    client.post(url("respond_page", survey, 2), page2(survey))
    client.post(url("respond_about_you", survey), about(survey))
    client.post(url("respond_equality", survey), {"action": "skip"})
    settings.ENGAGEMENT_RESPONDING_CACHE_SECONDS = 60
    client.get(url("respond_check", survey))  # fills the per-worker cache
    response.refresh_from_db()
    with CaptureQueriesContext(connection) as captured:
        r = submit_without_refresh(client, survey, response)
    assert r["Location"] == url("respond_done", survey, response.reference)
    statements = [statement(q["sql"]) for q in captured.captured_queries]
    assert statements == [
        "SELECT django_session",
        "SELECT engagement_response",
        "SAVEPOINT",
        "UPDATE engagement_response",
        "SELECT engagement_answer",
        "SAVEPOINT",  # the receipt's dedup key: a duplicate must not abort the submission
        "INSERT notifications_email",
        "RELEASE",
        "RELEASE",
        "SAVEPOINT",
        "UPDATE django_session",
        "RELEASE",
    ], "\n".join(q["sql"] for q in captured.captured_queries)


def test_a_question_page_and_about_you_read_the_drafts_answers_once(client: Any, survey: Any, settings: Any) -> None:
    """The answers read to show a page also place it (page N of M) and give its back link: nothing is saved on a
    GET, so they are not read again."""
    start(client, survey)
    client.post(url("respond_page", survey, 1), page1(survey))
    settings.ENGAGEMENT_RESPONDING_CACHE_SECONDS = 60
    client.get(url("respond_page", survey, 2))  # fills the per-worker cache
    for step in (url("respond_page", survey, 2), url("respond_about_you", survey)):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(step).status_code == HTTPStatus.OK
        statements = [statement(q["sql"]) for q in captured.captured_queries]
        assert statements.count("SELECT engagement_answer") == 1, "\n".join(statements)


def statement(sql: str) -> str:
    """'UPDATE engagement_response' for an SQL statement: its verb and the first table it names."""
    verb = sql.split()[0]
    table = (
        re.search(r'(?:FROM|INTO|UPDATE) "(\w+)"', sql) if verb in {"SELECT", "INSERT", "UPDATE", "DELETE"} else None
    )
    return f"{verb} {table.group(1)}" if table else verb


def submit_without_refresh(client: Any, survey: Any, response: Response) -> Any:
    return client.post(url("respond_submit", survey), {"submission_token": response.submission_token})


def test_a_form_from_another_tab_is_stale_and_goes_back_to_check(client: Any, survey: Any) -> None:
    """Two check-answers pages: the first sends; the second, whose token the first rotated, sends nothing more."""
    response = walk_to_check(client, survey)
    response.refresh_from_db()
    old_token = response.submission_token
    assert submit_without_refresh(client, survey, response)["Location"] == url(
        "respond_done", survey, response.reference
    )
    result = svc.response_submit(response=response, token=old_token, now=timezone.now())
    assert result.outcome is svc.SubmitOutcome.ALREADY_SUBMITTED
    assert Email.objects.filter(kind="receipt").count() == 1


def test_required_errors_and_correction(client: Any, survey: Any) -> None:
    start(client, survey)
    q = survey.q
    r = client.post(url("respond_page", survey, 1), {"action": "continue"})
    assert r.status_code == HTTPStatus.OK
    body = r.content.decode()
    assert "There is a problem" in body
    assert "<title>Error: " in body
    assert "Select an answer for “Which governance option do you prefer?”" in body
    assert not Answer.objects.exists()
    r = client.post(url("respond_page", survey, 1), page1(survey))
    assert r.status_code == HTTPStatus.FOUND
    assert Answer.objects.get(question=q["choice"]).value == "Option 1"


def test_same_page_condition_required_only_when_shown(client: Any, survey: Any) -> None:
    start(client, survey)
    q = survey.q
    r = client.post(url("respond_page", survey, 1), page1(survey, **{f"q{q['yes'].pk}": "yes"}))
    assert r.status_code == HTTPStatus.OK
    assert "Enter your answer to “What are your other views?”" in r.content.decode()
    # Answered "no": the detail is hidden; text typed into it is refused with a message, never silently dropped.
    r = client.post(url("respond_page", survey, 1), page1(survey, **{f"q{q['detail'].pk}": "typed first"}))
    assert r.status_code == HTTPStatus.OK
    assert "“What are your other views?” applies only if you answer" in r.content.decode()
    assert "typed first" in r.content.decode()
    r = client.post(url("respond_page", survey, 1), page1(survey, **{f"q{q['detail'].pk}": ""}))
    assert r.status_code == HTTPStatus.FOUND
    assert not Answer.objects.filter(question=q["detail"]).exists()


def test_next_page_condition_skips_question_and_discards_answer(client: Any, survey: Any) -> None:
    q = survey.q
    response = walk_to_check(client, survey)
    assert Answer.objects.filter(question=q["follow"]).exists()
    # Change the first answer to Option 2: "Why option 1?" would be hidden, so the page asks before removing it.
    changed = page1(survey, **{f"q{q['choice'].pk}": "Option 2"})
    r = client.post(url("respond_page", survey, 1) + "?change=1", changed)
    assert r.status_code == HTTPStatus.OK
    assert "Your answer to “Why option 1?” (30 characters) applies only if you answer “Option 1”" in r.content.decode()
    assert Answer.objects.filter(question=q["follow"]).exists()
    r = client.post(url("respond_page", survey, 1) + "?change=1", {**changed, "remove_hidden": "on"})
    assert r["Location"] == url("respond_check", survey)
    page = client.get(url("respond_page", survey, 2)).content.decode()
    assert "Why option 1?" not in page
    submit(client, survey, response)
    response.refresh_from_db()
    assert response.state == Response.State.SUBMITTED
    assert not Answer.objects.filter(response=response, question=q["follow"]).exists()


def test_page_entirely_hidden_is_skipped(client: Any, survey: Any) -> None:
    from tests.engagement.factories import QuestionFactory, SectionFactory

    q = survey.q
    s3 = SectionFactory(consultation=survey, title="Only for option 2", order=3)
    QuestionFactory(
        consultation=survey, section=s3, order=9, text="Tell us about option 2", show_if_question=q["choice"],
        show_if_value="Option 2",
    )  # fmt: skip
    start(client, survey)
    client.post(url("respond_page", survey, 1), page1(survey))
    r = client.post(url("respond_page", survey, 2), page2(survey))
    assert r["Location"] == url("respond_about_you", survey), "page 3 is skipped: every question on it is hidden"
    r = client.get(url("respond_page", survey, 3))
    assert r.status_code == HTTPStatus.FOUND


def test_change_link_returns_to_check_answers(client: Any, survey: Any) -> None:
    walk_to_check(client, survey)
    page = client.get(url("respond_page", survey, 2) + "?change=1").content.decode()
    assert re.search(r'value="Access"\s+checked', page)
    assert re.search(r'value="Prevention"\s+checked', page)
    assert not re.search(r'value="Waiting times"\s+checked', page)
    assert f'action="{url("respond_page", survey, 2)}?change=1"' in page
    r = client.post(url("respond_page", survey, 2) + "?change=1", page2(survey))
    assert r["Location"] == url("respond_check", survey)
    r = client.post(url("respond_about_you", survey) + "?change=1", about(survey, email=""))
    assert r.status_code == HTTPStatus.OK, "consent without an email is an error"
    assert "Enter your email address so we can contact you about the outcome" in r.content.decode()
    # The field is "(optional)", so its hint says beforehand what it is for: the receipt, the change link, and the
    # outcome only with the box ticked.
    assert "a link to change them until it closes" in r.content.decode()
    assert "We will email you about the outcome only if you tick the box below." in r.content.decode()
    r = client.post(url("respond_about_you", survey) + "?change=1", about(survey, consent_to_contact="", email=""))
    assert r["Location"] == url("respond_check", survey)


def test_organisation_needs_a_name_or_a_known_organisation(client: Any, survey: Any) -> None:
    from tests.engagement.factories import OrganisationFactory

    org = OrganisationFactory(system=survey.system, name="NCL ICB")
    start(client, survey)
    r = client.post(url("respond_about_you", survey), about(survey, respondent_type="organisation"))
    assert "Choose your organisation or type its name" in r.content.decode()
    assert "NCL ICB" in r.content.decode()
    r = client.post(
        url("respond_about_you", survey),
        about(survey, respondent_type="organisation", organisation=str(org.pk), organisation_role="Chair"),
    )
    assert r.status_code == HTTPStatus.FOUND
    response = Response.objects.get()
    assert response.organisation == org
    assert response.organisation_role == "Chair"


def test_nothing_lost_on_refresh_and_back(client: Any, survey: Any) -> None:
    start(client, survey)
    client.post(url("respond_page", survey, 1), page1(survey))
    page = client.get(url("respond_page", survey, 1)).content.decode()
    assert re.search(r'value="Option 1"\s+checked', page)
    again = client.post(url("respond_start", survey), {"action": "start"})
    assert Response.objects.count() == 1, "starting again continues the same draft"
    assert again.status_code == HTTPStatus.FOUND


def test_double_submit_creates_one_response(
    client: Any, survey: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = walk_to_check(client, survey)
    form = check_form(client, survey)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url("respond_submit", survey), form)
        second = client.post(url("respond_submit", survey), form)
    assert first["Location"] == second["Location"] == url("respond_done", survey, response.reference)
    assert Response.objects.count() == 1
    assert Email.objects.filter(kind="receipt").count() == 1
    assert len(mail.outbox) == 1
    # Back to the check page after sending: the session forgot the draft, so there is no form to send again.
    r = client.get(url("respond_check", survey))
    assert r["Location"] == url("respond_start", survey)


def test_submit_missing_required_goes_back_to_check(client: Any, survey: Any) -> None:
    response = start(client, survey)
    r = submit(client, survey, response)
    assert r["Location"] == url("respond_check", survey)
    response.refresh_from_db()
    assert response.state == Response.State.DRAFT
    check = client.get(url("respond_check", survey)).content.decode()
    assert "You have not answered every question you need to" in check


def test_equality_answers_are_shown_again_and_skipping_forgets_them(client: Any, survey: Any) -> None:
    response = walk_to_check(client, survey)
    page = client.get(url("respond_equality", survey)).content.decode()
    assert re.search(r'value="35_44"[^>]*checked', page), "the held answer is shown when the page is visited again"
    assert re.search(r"Equality monitoring.*?Answered", client.get(url("respond_check", survey)).content.decode(), re.S)
    client.post(url("respond_equality", survey), {"action": "skip"})
    assert not PendingEquality.objects.filter(response=response).exists()
    assert re.search(
        r"Equality monitoring.*?Not answered", client.get(url("respond_check", survey)).content.decode(), re.S
    )
    assert not re.search(r'value="35_44"[^>]*checked', client.get(url("respond_equality", survey)).content.decode())


@pytest.mark.parametrize("way", ["check page form", "token only"])
def test_deadline_refusal_stores_nothing(client: Any, survey: Any, way: str) -> None:
    """The form shown while open, or the token alone, is refused once closed; the answers are shown back."""
    response = walk_to_check(client, survey)
    form = check_form(client, survey)
    survey.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    survey.save()
    response.refresh_from_db()
    sent = form if way == "check page form" else {"submission_token": response.submission_token}
    r = client.post(url("respond_submit", survey), sent)
    assert r.status_code == HTTPStatus.CONFLICT
    assert "Your response was not sent" in r.content.decode()
    assert "Because it is local &amp; &lt;simple&gt;</textarea>" in r.content.decode(), "kept to copy"
    response.refresh_from_db()
    assert response.state == Response.State.DRAFT
    assert response.submitted_at is None
    assert not Email.objects.exists()
    assert not EqualityMonitoring.objects.exists()
    assert equality_release(now=timezone.now()) == 0
    assert not EqualityMonitoring.objects.exists()
    assert not PendingEquality.objects.exists(), "held for a draft that can no longer be sent: dropped"


def test_grace_period_marks_late(client: Any, survey: Any) -> None:
    response = walk_to_check(client, survey)
    survey.closes_at = timezone.now() - datetime.timedelta(hours=1)
    survey.late_grace = datetime.timedelta(days=1)
    survey.save()
    r = submit(client, survey, response)
    assert r.status_code == HTTPStatus.FOUND
    response.refresh_from_db()
    assert response.state == Response.State.SUBMITTED
    assert response.is_late
    assert "marked as late" in client.get(r["Location"]).content.decode()


def test_submit_service_deadline_uses_the_given_timestamp(survey: Any) -> None:
    from tests.engagement.factories import ResponseFactory

    response = ResponseFactory(consultation=survey, respondent_type="individual")
    for q in (survey.q["choice"], survey.q["yes"], survey.q["follow"]):
        Answer.objects.create(response=response, question=q, value="Option 1" if q.kind != "yes_no" else "no")
    with pytest.raises(svc.ResponsesClosedError):
        svc.response_submit(response=response, now=survey.closes_at + datetime.timedelta(microseconds=1))
    response.refresh_from_db()
    assert response.state == Response.State.DRAFT
    result = svc.response_submit(response=response, now=survey.closes_at)
    assert result.outcome == svc.SubmitOutcome.SUBMITTED
    assert not result.response.is_late


@pytest.mark.parametrize("status", ["closed", "forthcoming"])
def test_closed_and_forthcoming_show_no_form(client: Any, status: str) -> None:
    from tests.engagement.factories import ConsultationFactory

    consultation = ConsultationFactory(**{status: True})
    for name in ("respond_start", "respond_about_you", "respond_check", "respond_page"):
        args = [1] if name == "respond_page" else []
        r = client.get(url(name, consultation, *args))
        body = r.content.decode()
        assert r.status_code == HTTPStatus.OK
        assert "<form" not in body.split("<main", 1)[1].split("</main>", 1)[0] if "<main" in body else True
        if status == "closed":
            assert "This consultation has closed" in body
            assert "closed at" in body
        else:
            assert "has not opened yet" in body
            assert "opens at" in body
    r = client.post(url("respond_start", consultation), {"action": "start"})
    assert not Response.objects.exists()


def test_rate_limit_on_submissions_keeps_the_draft_and_says_when(client: Any, survey: Any, settings: Any) -> None:
    settings.ENGAGEMENT_RATE_LIMITS = {"submit": "2/10m", "submit_per_address": "100/10m"}
    response = walk_to_check(client, survey)
    stale = {"submission_token": "x" * 10}
    for _ in range(2):
        assert client.post(url("respond_submit", survey), stale)["Location"] == url("respond_check", survey)
    r = submit(client, survey, response)
    assert r.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert r["Cache-Control"] == "private, no-store"
    assert 0 < int(r["Retry-After"]) <= 600
    body = r.content.decode()
    assert "Your response was not sent yet" in body
    assert "This browser has tried to send 2 responses in the last 10 minutes" in body
    assert "Your answers are saved" in body
    assert re.search(r"Try again after \d{1,2}(:\d\d)?[ap]m \(in about \d+ minutes?\)", body)
    assert f'href="{url("respond_check", survey)}"' in body
    response.refresh_from_db()
    assert response.state == Response.State.DRAFT
    assert Answer.objects.filter(response=response).count() == 5, "the draft and its answers are kept"


def test_many_people_behind_one_address_are_not_refused_at_the_21st(survey: Any, settings: Any) -> None:
    """An engagement event on one Wi-Fi: 25 browsers from one address each send a response (the old per-address
    limit refused the 21st); a per-address ceiling still stops a script that drops its session every time."""
    from django.test import Client

    settings.ENGAGEMENT_RATE_LIMITS = {"submit_per_address": "30/10m"}
    for _ in range(25):
        browser = Client(REMOTE_ADDR="198.51.100.20")
        response = walk_to_check(browser, survey)
        assert submit(browser, survey, response)["Location"] == url("respond_done", survey, response.reference)
    assert Response.objects.filter(state=Response.State.SUBMITTED).count() == 25
    for _ in range(5):
        browser = Client(REMOTE_ADDR="198.51.100.20")
        submit(browser, survey, walk_to_check(browser, survey))
    browser = Client(REMOTE_ADDR="198.51.100.20")
    response = walk_to_check(browser, survey)
    r = submit(browser, survey, response)
    assert r.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "from your network in the last 10 minutes" in r.content.decode()
    assert "Your answers are saved" in r.content.decode()
    response.refresh_from_db()
    assert response.state == Response.State.DRAFT
    other = Client(REMOTE_ADDR="198.51.100.21")
    response = walk_to_check(other, survey)
    assert submit(other, survey, response).status_code == HTTPStatus.FOUND, "another address is not affected"


def test_rate_limit_on_resume_emails(client: Any, survey: Any, settings: Any) -> None:
    settings.ENGAGEMENT_RATE_LIMITS = {"resume_email": "1/10m"}
    start(client, survey)
    assert client.post(url("respond_save", survey), {"email": "a@example.org"}).status_code == HTTPStatus.OK
    start(client, survey)  # sending the link forgot the first draft from this browser: a second one
    r = client.post(url("respond_save", survey), {"email": "a@example.org"})
    assert r.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "We have not sent the email yet" in r.content.decode()
    assert "Your answers are saved" in r.content.decode()
    assert Email.objects.filter(kind="resume_link").count() == 1


def test_save_and_return_emails_to_one_address_are_capped_from_any_browser_and_network(
    survey: Any, settings: Any
) -> None:
    """A stranger cannot fill someone's inbox from many browsers and networks; the person refused keeps their
    answers and is told they can carry on or sign in, and another address is not affected."""
    from django.test import Client

    settings.ENGAGEMENT_RATE_LIMITS = {"resume_email_per_recipient": "2/1d"}
    for n in range(2):
        browser = Client(REMOTE_ADDR=f"198.51.100.{n}")
        start(browser, survey)
        assert browser.post(url("respond_save", survey), {"email": "Victim@example.org"}).status_code == 200
    browser = Client(REMOTE_ADDR="198.51.100.9")
    start(browser, survey)
    r = browser.post(url("respond_save", survey), {"email": "victim@example.org"})
    assert r.status_code == HTTPStatus.TOO_MANY_REQUESTS
    page = r.content.decode()
    assert "already sent 2 save and return emails to this address in the last day" in page
    assert "Your answers are saved" in page
    assert Email.objects.filter(kind="resume_link").count() == 2
    assert browser.get(url("respond_check", survey)).status_code == HTTPStatus.OK, "the draft is still here"
    assert browser.post(url("respond_save", survey), {"email": "other@example.org"}).status_code == 200


# --- save and come back later ---
def resume_link(survey: Any) -> str:
    body = Email.objects.filter(kind="resume_link").latest("created_at").body_text
    match = re.search(r"http://testserver(/consultations/\S+/respond/resume/\S+/)", body)
    assert match, body
    return match.group(1)


def test_save_and_resume_link_valid(client: Any, survey: Any) -> None:
    from django.test import Client

    start(client, survey)
    r = client.post(url("respond_page", survey, 1), page1(survey, action="save_later"))
    assert r["Location"] == url("respond_save", survey)
    assert Answer.objects.count() == 2, "what was answered is kept"
    r = client.post(url("respond_save", survey), {"email": "later@example.org"})
    assert "Check your email" in r.content.decode()
    link = resume_link(survey)
    # The link lasts 7 days, which may be after the closing date: the email says when that is.
    closes = survey.closes_at
    when = f"{deadlines.format_time(closes)} on {deadlines.format_date(deadlines.london_date(closes))}"
    saved = Email.objects.filter(kind="resume_link").latest("created_at")
    assert f"The consultation closes at {when}: send your response before then." in saved.body_text
    assert f"The consultation closes at {when}: send your response before then." in saved.body_html

    other_device = Client()
    r = other_device.get(link)
    assert r.status_code == HTTPStatus.FOUND
    # Back on the page where they saved, with its answers, not on a check page full of unanswered questions.
    assert r["Location"] == url("respond_page", survey, 1)
    page = other_device.get(url("respond_page", survey, 1)).content.decode()
    assert re.search(r'value="Option 1"\s+checked', page)


def test_a_resumed_draft_picks_up_at_the_last_page_answered_or_the_check_page(client: Any, survey: Any) -> None:
    response = start(client, survey)
    resume = url("respond_resume", survey, links.resume_token_make(response=response))
    assert Client().get(resume)["Location"] == url("respond_page", survey, 1), "nothing answered yet"
    client.post(url("respond_page", survey, 1), page1(survey))
    client.post(url("respond_page", survey, 2), page2(survey))
    assert Client().get(resume)["Location"] == url("respond_page", survey, 2)
    client.post(url("respond_about_you", survey), about(survey, action="save_later"))
    assert Client().get(resume)["Location"] == url("respond_check", survey), "past About you: check the answers"


def test_save_for_later_leaves_nothing_for_the_next_person_at_the_browser(client: Any, survey: Any) -> None:
    """A shared computer: A saves for later with their email and walks away; B at the same browser finds neither
    A's answers nor A's email anywhere, and A comes back, with every answer, through the emailed link."""
    from django.test import Client

    start(client, survey)
    client.post(url("respond_page", survey, 1), page1(survey))
    client.post(url("respond_page", survey, 2), page2(survey))
    r = client.post(url("respond_about_you", survey), about(survey, action="save_later"))
    assert r["Location"] == url("respond_save", survey)
    assert "resident@example.org" in client.get(url("respond_save", survey)).content.decode(), "prefilled for A"
    r = client.post(url("respond_save", survey), {"email": "resident@example.org"})
    assert r.status_code == HTTPStatus.OK
    body = r.content.decode()
    assert "Your answers are saved" in body
    assert "r••••@example.org" in body
    assert "resident@example.org" not in body
    assert "no longer kept in this browser" in body
    assert "Continue with your response now" not in body
    assert url("respond_check", survey) not in body

    # B, at the same browser.
    assert not client.session.get("engagement.drafts")
    for name, args in [("respond_about_you", ()), ("respond_save", ()), ("respond_page", (1,)), ("respond_check", ())]:
        r = client.get(url(name, survey, *args))
        assert r.status_code == HTTPStatus.FOUND, name
        assert r["Location"] == url("respond_start", survey), name
    page = client.get(url("respond_start", survey)).content.decode()
    assert "Start now" in page
    assert "Continue your response" not in page
    start(client, survey)
    for name, args in [("respond_about_you", ()), ("respond_save", ()), ("respond_page", (1,)), ("respond_page", (2,))]:
        body = client.get(url(name, survey, *args)).content.decode()
        assert "resident@example.org" not in body, name
        assert not re.search(r'value="Option 1"\s+checked', body), name
        assert "Because it is local" not in body, name

    # A, on another device, with the link.
    other_device = Client()
    r = other_device.get(resume_link(survey))
    assert r["Location"] == url("respond_check", survey)
    check = other_device.get(url("respond_check", survey)).content.decode()
    answers = ["Option 1", "Access", "Prevention", "Because it is local &amp; &lt;simple&gt;", "resident@example.org"]
    for answer in answers:
        assert answer in check, answer
    assert re.search(r'value="Option 1"\s+checked', other_device.get(url("respond_page", survey, 1)).content.decode())


def test_save_for_later_signed_in_keeps_the_draft_in_the_account(client: Any, survey: Any, resident: Any) -> None:
    """A signed-in resident's draft belongs to the account: it stays, and the page says signing out leaves nothing."""
    client.force_login(resident)
    start(client, survey)
    client.post(url("respond_page", survey, 1), page1(survey, action="save_later"))
    r = client.post(url("respond_save", survey), {"email": resident.email})
    body = r.content.decode()
    assert "Your answers are saved" in body
    assert resident.email in body
    assert "sign out" in body
    assert "Continue with your response now" in body
    page = client.get(url("respond_page", survey, 1))
    assert page.status_code == HTTPStatus.OK
    assert re.search(r'value="Option 1"\s+checked', page.content.decode())


def test_a_sent_response_is_not_saved_for_later(client: Any, survey: Any, resident: Any) -> None:
    """Changes to a sent response are kept as they are typed; a resume link to it would only say "already sent"."""
    client.force_login(resident)
    response = walk_to_check(client, survey)
    submit(client, survey, response)
    # Opened, the page leads back to the start page's "Change your response" button, beginning nothing.
    assert client.get(url("respond_save", survey))["Location"] == url("respond_start", survey)
    assert not Response.objects.filter(replaces=response).exists()
    # Posted (a page from before the response was sent), it begins changes and shows them, sending no link.
    r = client.post(url("respond_save", survey), {"email": "a@b.org"})
    assert r["Location"] == url("respond_check", survey)
    assert not Email.objects.filter(kind="resume_link").exists()


def test_the_session_cookie_ends_when_the_browser_closes(client: Any, survey: Any) -> None:
    """The next person at a shared computer, after the browser is closed, gets a new session."""
    from django.conf import settings as django_settings

    r = client.post(url("respond_start", survey), {"action": "start"})
    cookie = r.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert not cookie["max-age"]
    assert not cookie["expires"]


def test_save_later_keeps_valid_answers_of_an_invalid_page(client: Any, survey: Any) -> None:
    start(client, survey)
    q = survey.q
    client.post(url("respond_page", survey, 1), {f"q{q['choice'].pk}": "Option 2", "action": "save_later"})
    assert Answer.objects.get().value == "Option 2"


def test_save_later_on_about_you_and_equality_keeps_what_was_entered(client: Any, survey: Any) -> None:
    """ "Save and come back later" saves About you and the equality answers first, as a question page does; what
    cannot be saved yet is shown again with its error, not left behind; an empty page just goes to saving."""
    response = start(client, survey)
    org = about(survey, respondent_type="organisation", organisation_name="", organisation_role="Chair")
    r = client.post(url("respond_about_you", survey), {**org, "action": "save_later"})
    assert r.status_code == HTTPStatus.OK, "shown again: leaving would lose the role typed"
    body = r.content.decode()
    assert "nhsuk-error-summary" in body
    assert 'value="Chair"' in body
    response.refresh_from_db()
    assert response.respondent_type == ""

    r = client.post(url("respond_about_you", survey), about(survey, action="save_later"))
    assert r["Location"] == url("respond_save", survey)
    response.refresh_from_db()
    assert (response.respondent_type, response.email) == ("individual", "resident@example.org")

    r = client.post(url("respond_equality", survey), {"age_band": "35_44", "action": "save_later"})
    assert r["Location"] == url("respond_save", survey)
    assert sel.held_equality(response=response)["age_band"] == "35_44"

    r = client.post(url("respond_equality", survey), {"action": "save_later"})
    assert r["Location"] == url("respond_save", survey)
    assert sel.held_equality(response=response)["age_band"] == "35_44", "an empty post changes nothing held"


def test_resume_link_tampered(client: Any, survey: Any) -> None:
    response = start(client, survey)
    token = links.resume_token_make(response=response)
    forged = token.replace(f"{response.pk}.", f"{response.pk + 1}.", 1)
    r = client.get(url("respond_resume", survey, forged))
    assert r.status_code == HTTPStatus.BAD_REQUEST
    assert "This link does not work" in r.content.decode()
    assert "nhsuk-header" in r.content.decode(), "a styled page"
    r = client.get(url("respond_resume", survey, token[:-2] + "xx"))
    assert r.status_code == HTTPStatus.BAD_REQUEST


def test_resume_link_expired(client: Any, survey: Any) -> None:
    response = start(client, survey)
    old = links.resume_token_make(response=response, now=timezone.now() - datetime.timedelta(days=8))
    r = client.get(url("respond_resume", survey, old))
    assert r.status_code == HTTPStatus.GONE
    body = r.content.decode()
    assert "This link has expired" in body
    assert url("respond_start", survey) in body
    fresh = links.resume_token_make(response=response, now=timezone.now() - datetime.timedelta(days=6))
    assert client.get(url("respond_resume", survey, fresh)).status_code == HTTPStatus.FOUND


# --- signed-in residents ---
def test_my_responses_and_changing_until_the_deadline(
    client: Any, survey: Any, resident: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(resident)
    response = walk_to_check(client, survey)
    assert response.user == resident
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, survey, response)
    listing = client.get(reverse("engagement:my_responses")).content.decode()
    assert survey.title in listing
    assert response.reference in listing

    # Change it: back into the flow, resubmit, same reference, still one response.
    q = survey.q
    r = client.post(url("respond_page", survey, 2) + "?change=1", page2(survey, **{f"q{q['agree'].pk}": "disagree"}))
    assert r["Location"] == url("respond_check", survey)
    check = client.get(url("respond_check", survey)).content.decode()
    assert "Send your changes" in check
    assert "Cancel changes" in check
    # Not sent yet: the response as sent stays, and the account's pages say changes are waiting.
    assert Answer.objects.get(response=response, question=q["agree"]).value == "strongly_agree"
    detail = client.get(reverse("engagement:my_response", args=[response.reference])).content.decode()
    assert "You have begun changes that you have not sent yet" in detail
    assert "Continue your changes" in detail
    assert "Continue your changes" in client.get(url("respond_start", survey)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = submit(client, survey, response)
    assert r["Location"] == url("respond_done", survey, response.reference) + "?changed=1"
    assert "Changes sent" in client.get(r["Location"]).content.decode()
    first_sent = response.submitted_at
    response.refresh_from_db()
    # It still counts from when it was first sent; when the changes came is recorded apart, and shown.
    assert response.submitted_at == first_sent
    assert response.changed_at is not None
    assert response.changed_at > first_sent
    assert ", changed " in client.get(reverse("engagement:my_responses")).content.decode()
    detail = client.get(reverse("engagement:my_response", args=[response.reference])).content.decode()
    assert "You last changed it on " in detail
    assert Response.objects.filter(user=resident).count() == 1
    assert Answer.objects.get(response=response, question=q["agree"]).value == "disagree"
    assert PendingEquality.objects.count() == 1, "equality is counted once"
    assert len(mail.outbox) == 2
    assert "changed response" in mail.outbox[1].subject

    # After the deadline: read-only.
    survey.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    survey.save()
    detail = client.get(reverse("engagement:my_response", args=[response.reference])).content.decode()
    assert "can no longer be changed" in detail
    assert "Change your response" not in detail
    r = client.post(url("respond_page", survey, 2), page2(survey, **{f"q{q['agree'].pk}": "agree"}))
    assert "This consultation has closed" in r.content.decode()
    assert Answer.objects.get(response=response, question=q["agree"]).value == "disagree"
    listed = client.get(reverse("engagement:my_responses")).content.decode()
    assert "Closed at " in listed
    assert "Closes at " not in listed
    assert "Read the outcome" not in listed

    # Once the outcome is published, the list and the response link to it.
    survey.outcome_published_at = timezone.now() - datetime.timedelta(seconds=1)
    survey.save()
    outcome_link = f"{reverse('engagement:consultation_detail', args=[survey.slug])}#outcome"
    listed = client.get(reverse("engagement:my_responses")).content.decode()
    assert f'<a href="{outcome_link}">Read the outcome' in listed
    detail = client.get(reverse("engagement:my_response", args=[response.reference])).content.decode()
    assert f'<a href="{outcome_link}">Read what we heard and what we decided</a>' in detail


def test_without_an_address_the_confirmation_says_to_write_the_reference_down(client: Any, survey: Any) -> None:
    response = start(client, survey)
    client.post(url("respond_page", survey, 1), page1(survey))
    client.post(url("respond_page", survey, 2), page2(survey))
    client.post(url("respond_about_you", survey), about(survey, email="", consent_to_contact=""))
    client.post(url("respond_equality", survey), {"action": "skip"})
    done = client.get(submit(client, survey, response)["Location"]).content.decode()
    assert response.reference in done
    assert "Write it down now: we show it only on this page." in done
    assert "receipt" not in done


def test_an_organisation_is_not_asked_the_equality_questions_and_holds_none(client: Any, survey: Any) -> None:
    """Equality monitoring is about people: someone responding for an organisation goes from About you to the check
    page, and answers given as an individual before switching are dropped."""
    response = walk_to_check(client, survey)  # as an individual, with equality answers held
    assert PendingEquality.objects.filter(response=response).exists()
    organisation = about(survey, respondent_type="organisation", organisation_name="Camden Carers Network")
    r = client.post(url("respond_about_you", survey), organisation)
    assert r["Location"] == url("respond_check", survey)
    assert not PendingEquality.objects.filter(response=response).exists()
    assert client.get(url("respond_equality", survey))["Location"] == url("respond_check", survey)
    check = client.get(url("respond_check", survey)).content.decode()
    assert "Equality monitoring" not in check
    assert f'href="{url("respond_about_you", survey)}"' in check, "Back goes to About you, not the equality page"


def test_a_signed_in_resident_cannot_turn_an_on_time_response_late_by_changing_it(
    client: Any, survey: Any, resident: Any
) -> None:
    """Closed but in a late grace period: a sent response keeps its answers and stays on time, as without an
    account; a draft can still be sent late."""
    client.force_login(resident)
    response = walk_to_check(client, survey)
    submit(client, survey, response)
    survey.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    survey.late_grace = datetime.timedelta(days=2)
    survey.save()
    q = survey.q
    before = Answer.objects.get(response=response, question=q["agree"]).value
    client.post(url("respond_page", survey, 2), page2(survey, **{f"q{q['agree'].pk}": "disagree"}))
    submit(client, survey, response)
    response.refresh_from_db()
    assert Answer.objects.get(response=response, question=q["agree"]).value == before
    assert not response.is_late
    detail = client.get(reverse("engagement:my_response", args=[response.reference])).content.decode()
    assert "can no longer be changed" in detail


def test_a_signed_in_resident_can_cancel_changes_and_keep_what_was_sent(
    client: Any, survey: Any, resident: Any
) -> None:
    client.force_login(resident)
    response = walk_to_check(client, survey)
    submit(client, survey, response)
    response.refresh_from_db()
    q, sent_token = survey.q, response.submission_token
    client.post(url("respond_page", survey, 2) + "?change=1", page2(survey, **{f"q{q['agree'].pk}": "disagree"}))
    assert Response.objects.filter(replaces=response, state=Response.State.CHANGES).exists()

    body = client.post(url("respond_change_cancel", survey)).content.decode()

    assert "Your changes were cancelled" in body
    assert f'href="{reverse("engagement:my_responses")}"' in body
    assert not Response.objects.filter(replaces=response).exists()
    response.refresh_from_db()
    assert (response.state, response.submission_token) == (Response.State.SUBMITTED, sent_token)
    assert Answer.objects.get(response=response, question=q["agree"]).value == "strongly_agree"
    detail = client.get(reverse("engagement:my_response", args=[response.reference])).content.decode()
    assert "You have begun changes" not in detail
    assert "Change your response" in detail


def test_a_signed_in_resident_begins_changes_only_by_pressing_the_button(
    client: Any, survey: Any, resident: Any
) -> None:
    """Opening the check page or a question page of a sent response (a link, a browser's prefetch) begins nothing;
    "Change your response" is a button on the start page and on "Your response", and pressing it makes one copy."""
    client.force_login(resident)
    response = walk_to_check(client, survey)
    submit(client, survey, response)
    for step in (url("respond_check", survey), url("respond_page", survey, 1), url("respond_about_you", survey)):
        assert client.get(step)["Location"] == url("respond_start", survey), step
    assert not Response.objects.filter(replaces=response).exists()
    button = re.compile(r'<form method="post"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken"[^>]*>\s*'
                        r'<button[^>]*name="action" value="change">Change your response</button>')  # fmt: skip
    assert button.search(client.get(url("respond_start", survey)).content.decode())
    detail = client.get(reverse("engagement:my_response", args=[response.reference])).content.decode()
    assert button.search(detail)
    assert f'action="{url("respond_start", survey)}"' in detail

    for _press in range(2):
        r = client.post(url("respond_start", survey), {"action": "change"})
        assert r["Location"] == url("respond_check", survey)
    changes = Response.objects.get(replaces=response)  # one copy, however often it is pressed
    assert changes.state == Response.State.CHANGES
    check = client.get(url("respond_check", survey)).content.decode()
    assert "Send your changes" in check
    assert "Continue your changes" in client.get(url("respond_start", survey)).content.decode()


def test_my_responses_needs_sign_in(client: Any) -> None:
    r = client.get(reverse("engagement:my_responses"))
    assert r.status_code == HTTPStatus.FOUND


def test_one_response_per_signed_in_user(client: Any, survey: Any, resident: Any) -> None:
    client.force_login(resident)
    start(client, survey)
    client.post(url("respond_start", survey), {"action": "start"})
    client.post(url("respond_start", survey), {"action": "new"})
    assert Response.objects.filter(user=resident).count() == 1


def test_anonymous_can_send_another_after_sending(client: Any, survey: Any) -> None:
    response = walk_to_check(client, survey)
    submit(client, survey, response)
    page = client.get(url("respond_start", survey)).content.decode()
    assert "Start now" in page, "sending forgot the draft: the browser starts afresh"
    assert response.reference not in page
    client.post(url("respond_start", survey), {"action": "start"})
    assert Response.objects.count() == 2


@pytest.mark.parametrize(
    "day",
    [
        datetime.date(2021, 1, 4),  # GMT (seed 001's deadline)
        datetime.date(2019, 10, 25),  # BST (seed 004's deadline)
        datetime.date(2021, 3, 28),  # clocks go forward
        datetime.date(2021, 10, 31),  # clocks go back
    ],
)
def test_submit_deadline_boundary_in_london_time(day: datetime.date) -> None:
    """A response at 23:59:59.999 London on the closing day is in time; one at 00:00:00 the next day is refused."""
    from zoneinfo import ZoneInfo

    from engagement.deadlines import closing_datetime
    from tests.engagement.factories import ResponseFactory

    london = ZoneInfo("Europe/London")
    survey = respond_survey()
    survey.opens_at = closing_datetime(day) - datetime.timedelta(days=30)
    survey.closes_at = closing_datetime(day)
    survey.save()
    last_moment = datetime.datetime.combine(day, datetime.time(23, 59, 59, 999_000), tzinfo=london)
    next_midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0, 0), tzinfo=london)

    def complete_draft() -> Response:
        response = ResponseFactory(consultation=survey, respondent_type="individual")
        Answer.objects.create(response=response, question=survey.q["choice"], value="Option 2")
        Answer.objects.create(response=response, question=survey.q["yes"], value="no")
        return response

    late = complete_draft()
    with pytest.raises(svc.ResponsesClosedError):
        svc.response_submit(response=late, now=next_midnight)
    late.refresh_from_db()
    assert late.state == Response.State.DRAFT

    in_time = complete_draft()
    result = svc.response_submit(response=in_time, now=last_moment)
    assert result.outcome == svc.SubmitOutcome.SUBMITTED
    assert not result.response.is_late


def test_reference_collision_draws_again(survey: Any, monkeypatch: Any) -> None:
    from tests.engagement.factories import ResponseFactory

    taken = ResponseFactory(consultation=survey).reference
    draws = iter([taken, taken, "K7QX-3MPA"])
    monkeypatch.setattr(svc, "new_reference", lambda: next(draws))
    response = svc.response_start(consultation=survey, now=timezone.now())
    assert response.reference == "K7QX-3MPA"
    assert Response.objects.count() == 2


# --- every responding page is private ---
def test_every_responding_page_is_private_and_not_stored(client: Any, survey: Any, resident: Any) -> None:
    response = walk_to_check(client, survey)
    token = links.resume_token_make(response=response)
    pages = {
        "start": client.get(url("respond_start", survey)),
        "page": client.get(url("respond_page", survey, 1)),
        "page posted": client.post(url("respond_page", survey, 1), {"action": "continue"}),
        "about you": client.get(url("respond_about_you", survey)),
        "equality": client.get(url("respond_equality", survey)),
        "check": client.get(url("respond_check", survey)),
        "save": client.get(url("respond_save", survey)),
        "resume": client.get(url("respond_resume", survey, token)),
    }
    sent = submit(client, survey, response)
    pages["submit"] = sent
    pages["done"] = client.get(sent["Location"])
    client.force_login(resident)
    pages["my responses"] = client.get(reverse("engagement:my_responses"))
    survey.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    survey.save()
    pages["closed"] = client.post(url("respond_page", survey, 1), page1(survey))
    for name, page in pages.items():
        assert page.status_code in {HTTPStatus.OK, HTTPStatus.FOUND}, name
        assert page["Cache-Control"] == "private, no-store", name


# --- closed while a resident was answering ---
def test_closed_early_mid_draft_shows_back_what_was_typed(client: Any, survey: Any) -> None:
    start(client, survey)
    q = survey.q
    survey.closes_at = timezone.now() - datetime.timedelta(minutes=1)  # a manager closed it early
    survey.save()
    typed = "Line one of my long answer\nwith <b>markup</b> & a second line"
    r = client.post(
        url("respond_page", survey, 1),
        page1(survey, **{f"q{q['yes'].pk}": "yes", f"q{q['detail'].pk}": typed, f"q{q['choice'].pk}": "__other__",
                         f"q{q['choice'].pk}_other": "A mix of both"}),
    )  # fmt: skip
    body = r.content.decode()
    assert r.status_code == HTTPStatus.OK
    for shown in (
        "This consultation has closed",
        "Here is what you typed, so you can copy anything you want to keep",
        "What are your other views?</label>",
        "Line one of my long answer\nwith &lt;b&gt;markup&lt;/b&gt; &amp; a second line</textarea>",  # escaped
        "Other: A mix of both</textarea>",
        "Yes</textarea>",
    ):
        assert shown in body
    assert not Answer.objects.exists(), "nothing stored after closing"


def test_closed_mid_draft_about_you_shows_back_what_was_typed(client: Any, survey: Any) -> None:
    start(client, survey)
    survey.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    survey.save()
    r = client.post(
        url("respond_about_you", survey),
        about(survey, respondent_type="organisation", organisation_name="Friends of Whittington", email="a@b.org"),
    )
    body = r.content.decode()
    assert "Friends of Whittington</textarea>" in body
    assert "a@b.org</textarea>" in body
    assert not Response.objects.exclude(organisation_name="").exists()


def test_a_step_posted_with_no_draft_open_shows_back_what_was_typed(client: Any, survey: Any) -> None:
    """Saved for later in another tab (or signed out, or the session gone), then a page sent from the first tab:
    nothing can be saved, and what was typed is shown back to copy, not thrown away by a redirect."""
    response = start(client, survey)
    client.post(url("respond_page", survey, 1), page1(survey))
    client.post(url("respond_save", survey), {"email": "tabs@example.org"})  # the other tab; forgets this browser
    r = client.post(url("respond_page", survey, 2), page2(survey, **{f"q{survey.q['short'].pk}": "Typed in tab 1"}))
    body = r.content.decode()
    assert r.status_code == HTTPStatus.CONFLICT
    assert "Your answers were not saved" in body
    assert "Typed in tab 1" in body
    assert "Because it is local &amp; &lt;simple&gt;" in body
    assert "use the link we emailed you" in body
    assert not Answer.objects.filter(response=response, question=survey.q["short"]).exists()
    about_you = client.post(
        url("respond_about_you", survey),
        about(survey, respondent_type="organisation", organisation_name="Camden Carers Centre"),
    )
    assert about_you.status_code == HTTPStatus.CONFLICT
    assert "Camden Carers Centre" in about_you.content.decode()
    # Nothing typed (a press of Continue on an empty page): back to the start, as before.
    assert client.post(url("respond_page", survey, 1), {"action": "continue"})["Location"] == url(
        "respond_start", survey
    )


def test_the_address_given_to_save_for_later_is_the_receipts(client: Any, survey: Any) -> None:
    """The save page promises the receipt goes to the address typed there: a corrected address replaces a typo."""
    response = start(client, survey)
    client.post(url("respond_page", survey, 1), page1(survey))
    client.post(url("respond_page", survey, 2), page2(survey))
    client.post(url("respond_about_you", survey), about(survey, email="first.typo@exmaple.com"))
    client.post(url("respond_save", survey), {"email": "corrected@example.org"})
    response.refresh_from_db()
    assert response.email == "corrected@example.org"


def test_a_consultation_opening_at_the_start_of_a_day_says_opens_on(client: Any) -> None:
    from tests.engagement.factories import ConsultationFactory

    consultation = ConsultationFactory(forthcoming=True)
    opens = deadlines.opening_datetime(timezone.localdate() + datetime.timedelta(days=10))
    type(consultation).objects.filter(pk=consultation.pk).update(opens_at=opens)
    body = client.get(url("respond_start", consultation)).content.decode()
    assert f"{consultation.title} opens on {opens.astimezone(deadlines.LONDON):%-d %B %Y}." in body
    assert "12am" not in body


def test_continue_your_response_picks_up_where_it_was_left(client: Any, survey: Any) -> None:
    """From the start page, 'Continue your response' goes where the resident had got to, as the emailed link does:
    the last page with an answer, or the check page once 'About you' is done."""
    start(client, survey)
    client.post(url("respond_page", survey, 1), page1(survey))
    client.post(url("respond_page", survey, 2), page2(survey))
    assert client.post(url("respond_start", survey), {"action": "start"})["Location"] == url("respond_page", survey, 2)
    client.post(url("respond_about_you", survey), about(survey))
    assert client.post(url("respond_start", survey), {"action": "start"})["Location"] == url("respond_check", survey)
    assert Response.objects.count() == 1


def test_a_signed_in_residents_resume_link_elsewhere_says_to_sign_in(client: Any, survey: Any, resident: Any) -> None:
    client.force_login(resident)
    response = start(client, survey)
    link = url("respond_resume", survey, links.resume_token_make(response=response))
    elsewhere = Client()
    r = elsewhere.get(link, follow=True)
    assert r.redirect_chain[0][0].startswith(reverse("account_request_login_code") + "?next=")
    assert "This response was saved while signed in. Sign in with the same email address" in r.content.decode()
