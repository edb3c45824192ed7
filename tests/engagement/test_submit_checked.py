"""Sending a draft the check-answers page proved complete: one statement, and every way that proof stops holding.

The check-answers page signs (services/responses.py `submit_proof`) the draft's reference, its submission token and
the consultation's questions. Saving answers replaces the token, so while the token holds the answers are the ones
the page checked. These tests post the page's own form, as a browser does.
"""

from http import HTTPStatus
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from engagement.models import Answer, OutboundEmail, PendingEquality, Response
from engagement.services.emails import outbox_drain
from tests.engagement.factories import QuestionFactory, ResponseFactory, respond_survey
from tests.engagement.test_respond_views import about, check_form, page1, page2, start, url, walk_to_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(db: Any) -> Any:
    return respond_survey()


def test_one_statement_no_session_and_the_receipt_is_rendered_when_sent(
    client: Any, survey: Any, django_assert_num_queries: Any, settings: Any
) -> None:
    settings.ENGAGEMENT_RESPONDING_CACHE_SECONDS = 60
    response = walk_to_check(client, survey)
    form = check_form(client, survey)  # also fills the per-worker cache
    response.refresh_from_db()
    assert form["reference"] == response.reference
    assert form["submission_token"] == response.submission_token
    with django_assert_num_queries(1) as captured:
        r = client.post(url("respond_submit", survey), form)
    assert r["Location"] == url("respond_done", survey, response.reference)
    assert "WITH sent AS" in captured.captured_queries[0]["sql"]
    response.refresh_from_db()
    assert response.state == Response.State.SUBMITTED
    assert response.submitted_at is not None
    assert not response.is_late
    assert client.get(r["Location"]).status_code == HTTPStatus.OK, "this browser may see its confirmation"
    receipt = OutboundEmail.objects.get(kind="receipt")
    assert receipt.to == "resident@example.org"
    assert receipt.response == response
    assert receipt.render == {"template": "receipt", "site_url": "http://testserver", "changed": False}
    assert receipt.body_text == ""
    assert outbox_drain(now=timezone.now()) == 1
    receipt.refresh_from_db()
    assert receipt.render is None
    assert receipt.status == OutboundEmail.Status.SENT
    (message,) = mail.outbox
    assert response.reference in message.subject + message.body
    assert "Because it is local & <simple>" in message.body, "a copy of the answers, read when sent"
    assert "http://testserver/consultations/next-steps/" in message.body
    assert PendingEquality.objects.get(response=response).answers["age_band"] == "35_44"


def test_no_email_no_receipt(client: Any, survey: Any) -> None:
    start(client, survey)
    client.post(url("respond_page", survey, 1), page1(survey))
    client.post(url("respond_page", survey, 2), page2(survey))
    client.post(url("respond_about_you", survey), about(survey, email="", consent_to_contact=""))
    r = client.post(url("respond_submit", survey), check_form(client, survey))
    assert r.status_code == HTTPStatus.FOUND
    assert Response.objects.get().state == Response.State.SUBMITTED
    assert not OutboundEmail.objects.exists()


def test_a_form_shown_before_the_answers_changed_does_not_send(client: Any, survey: Any) -> None:
    """Another tab changed an answer after this check page was shown: back to check answers, nothing sent."""
    response = walk_to_check(client, survey)
    old = check_form(client, survey)
    client.post(url("respond_page", survey, 2), page2(survey, **{f"q{survey.q['agree'].pk}": "disagree"}))
    r = client.post(url("respond_submit", survey), old)
    assert r["Location"] == url("respond_check", survey)
    response.refresh_from_db()
    assert response.state == Response.State.DRAFT
    assert not OutboundEmail.objects.exists()
    r = client.post(url("respond_submit", survey), check_form(client, survey))
    assert r["Location"] == url("respond_done", survey, response.reference)


def test_a_question_added_after_the_check_page_is_asked_first(client: Any, survey: Any) -> None:
    """The proof is for the questions as they were: a new required question sends the resident back."""
    response = walk_to_check(client, survey)
    form = check_form(client, survey)
    QuestionFactory(consultation=survey, section=None, order=9, kind="short_text", text="One more", required=True)
    r = client.post(url("respond_submit", survey), form)
    assert r["Location"] == url("respond_check", survey)
    response.refresh_from_db()
    assert response.state == Response.State.DRAFT
    assert "One more" in client.get(url("respond_check", survey)).content.decode()
    assert "proof" not in check_form(client, survey), "no proof while a required answer is missing"


def test_an_incomplete_draft_has_no_proof_and_is_not_sent(client: Any, survey: Any) -> None:
    response = start(client, survey)
    client.post(url("respond_page", survey, 1), page1(survey))
    form = check_form(client, survey)
    assert "proof" not in form
    forged = {**form, "proof": "0" * 64}
    assert client.post(url("respond_submit", survey), forged)["Location"] == url("respond_check", survey)
    response.refresh_from_db()
    assert response.state == Response.State.DRAFT


def test_a_proof_does_not_carry_to_another_draft(client: Any, survey: Any) -> None:
    """A stranger with this draft's proof but another draft's token (or reference) sends neither."""
    walk_to_check(client, survey)
    form = check_form(client, survey)
    theirs = ResponseFactory(consultation=survey, email="other@example.org")
    for swapped in ({"submission_token": theirs.submission_token}, {"reference": theirs.reference}):
        r = Client().post(url("respond_submit", survey), {**form, **swapped})
        assert r["Location"] == url("respond_start", survey)
    assert set(Response.objects.values_list("state", flat=True)) == {Response.State.DRAFT}


def test_hidden_answers_are_dropped_when_saved(client: Any, survey: Any) -> None:
    """Choosing Option 2 hides "Why option 1?" on the next page: its stored answer goes at once, not at sending."""
    walk_to_check(client, survey)
    follow = survey.q["follow"]
    assert Answer.objects.filter(question=follow).exists()
    changed = page1(survey, **{f"q{survey.q['choice'].pk}": "Option 2"}, remove_hidden="on")  # the resident agrees
    client.post(url("respond_page", survey, 1), changed)
    assert not Answer.objects.filter(question=follow).exists()
    assert "proof" in check_form(client, survey), "still complete: the hidden question is not required"


def test_signed_in_residents_go_the_general_way(client: Any, survey: Any, resident: Any) -> None:
    client.force_login(resident)
    response = walk_to_check(client, survey)
    form = check_form(client, survey)
    assert "proof" not in form
    r = client.post(url("respond_submit", survey), form)
    assert r["Location"] == url("respond_done", survey, response.reference)
    response.refresh_from_db()
    assert response.state == Response.State.SUBMITTED
    assert response.user == resident
    assert OutboundEmail.objects.get(kind="receipt").render == {
        "template": "receipt",
        "site_url": "http://testserver",
        "changed": False,
    }


def test_signing_in_after_the_check_page_retires_its_form(client: Any, survey: Any, resident: Any) -> None:
    """The draft joins the account; the anonymous form shown before no longer sends it around the account."""
    response = walk_to_check(client, survey)
    form = check_form(client, survey)
    client.force_login(resident)
    client.get(url("respond_check", survey))  # the first step signed in attaches the draft
    response.refresh_from_db()
    assert response.user == resident
    assert Client().post(url("respond_submit", survey), form)["Location"] == url("respond_start", survey)
    response.refresh_from_db()
    assert response.state == Response.State.DRAFT


def test_a_form_from_before_signing_in_does_not_send_around_the_account(
    client: Any, survey: Any, resident: Any
) -> None:
    """Signed in (in another tab, say) straight after the check page: the old form sends nothing; the resident is
    shown check answers again and sends as themselves."""
    response = walk_to_check(client, survey)
    form = check_form(client, survey)
    client.force_login(resident)
    r = client.post(url("respond_submit", survey), form)
    assert r["Location"] == url("respond_check", survey)
    response.refresh_from_db()
    assert response.state == Response.State.DRAFT
    fresh = check_form(client, survey)
    assert "proof" not in fresh
    assert client.post(url("respond_submit", survey), fresh)["Location"] == url(
        "respond_done", survey, response.reference
    )
    response.refresh_from_db()
    assert response.state == Response.State.SUBMITTED
    assert response.user == resident
