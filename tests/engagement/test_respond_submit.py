"""Sending a response: one path (`svc.response_submit`), whichever way the resident arrived, on a shared computer.

The check-answers form names the draft's submission token; the draft itself is found through the session (not
signed in) or the account (signed in), never through the form. Saving answers or "About you" replaces the token,
so a form shown before a change sends nothing. These tests post the page's own form, as a browser does.
"""

import datetime
from http import HTTPStatus
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagement import deadlines, links
from engagement.models import Answer, PendingEquality, Response
from engagement.services import responses as svc
from notifications.models import Email
from notifications.services import email_send
from tests.engagement.factories import QuestionFactory, ResponseFactory, respond_survey
from tests.engagement.test_respond_views import about, check_form, page1, page2, start, url, walk_to_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(db: Any) -> Any:
    return respond_survey()


def test_sending_queues_the_receipt_rendered_when_sent(client: Any, survey: Any) -> None:
    response = walk_to_check(client, survey)
    form = check_form(client, survey)
    response.refresh_from_db()
    assert form["submission_token"] == response.submission_token
    r = client.post(url("respond_submit", survey), form)
    assert r["Location"] == url("respond_done", survey, response.reference)
    response.refresh_from_db()
    assert response.state == Response.State.SUBMITTED
    assert response.submitted_at is not None
    assert not response.is_late
    receipt = Email.objects.get(kind="receipt")
    assert (receipt.to, receipt.about) == ("resident@example.org", response)
    assert receipt.data == {"site_url": "http://testserver", "changed": False}
    assert receipt.body_text == ""
    assert email_send(email_id=receipt.pk) == "sent"
    receipt.refresh_from_db()
    assert response.reference in receipt.subject
    assert receipt.status == Email.Status.SENT
    (message,) = mail.outbox
    assert response.reference in message.subject + message.body
    assert "Because it is local & <simple>" in message.body, "a copy of the answers, read when sent"
    assert PendingEquality.objects.get(response=response).answers["age_band"] == "35_44"


def receipt_with_contact(client: Any, survey: Any, contact_email: str) -> Any:
    """Send a response to `survey` with this contact address and return the receipt as delivered."""
    survey.contact_email = contact_email
    survey.save(update_fields=["contact_email"])
    walk_to_check(client, survey)
    client.post(url("respond_submit", survey), check_form(client, survey))
    assert email_send(email_id=Email.objects.get(kind="receipt").pk) == "sent"
    (message,) = mail.outbox
    return message


def test_a_reply_to_the_receipt_reaches_the_team_running_the_consultation(client: Any, survey: Any) -> None:
    message = receipt_with_contact(client, survey, "camden.engagement@nhs.net")
    assert message.from_email.startswith(f"{settings.SERVICE_NAME} <"), "the sender is named as the email's bar is"
    assert message.reply_to == ["camden.engagement@nhs.net"]
    assert message.message()["Reply-To"] == "camden.engagement@nhs.net"
    assert "reply to this email or write to camden.engagement@nhs.net." in message.body
    assert "do not reply" not in message.body
    html, _ = message.alternatives[0]
    assert '<a href="mailto:camden.engagement@nhs.net">camden.engagement@nhs.net</a>' in html
    assert "do not reply" not in html


def test_an_organisations_receipt_names_it_and_says_what_happens_next(client: Any, survey: Any) -> None:
    survey.onward_deadline = timezone.localdate() + datetime.timedelta(days=40)
    survey.onward_deadline_text = "so the board can decide in March"
    survey.save(update_fields=["onward_deadline", "onward_deadline_text"])
    start(client, survey)
    client.post(url("respond_page", survey, 1), page1(survey))
    client.post(url("respond_page", survey, 2), page2(survey))
    organisation = about(
        survey,
        respondent_type="organisation",
        organisation_name="Camden Carers Network",
        organisation_role="Chair",
        consent_to_contact="",
    )
    client.post(url("respond_about_you", survey), organisation)
    client.post(url("respond_equality", survey), {"action": "skip"})
    client.post(url("respond_submit", survey), check_form(client, survey))
    assert email_send(email_id=Email.objects.get(kind="receipt").pk) == "sent"
    (message,) = mail.outbox
    html, _ = message.alternatives[0]
    for part in (message.body, html):
        assert "You responded on behalf of Camden Carers Network (Chair)." in part
        assert "You did not ask to hear about the outcome, so we will not email you about it." in part
        assert f"We will respond by {deadlines.format_date(survey.onward_deadline)}, so the board" in part


def test_without_a_contact_address_the_receipt_asks_not_to_reply(client: Any, survey: Any) -> None:
    message = receipt_with_contact(client, survey, "")
    assert message.reply_to == []
    assert "Reply-To" not in message.message()
    assert "Please do not reply to it." in message.body


def test_the_confirmation_says_when_we_will_respond(client: Any, survey: Any) -> None:
    survey.onward_deadline = timezone.localdate() + datetime.timedelta(days=40)
    survey.onward_deadline_text = "so the board can decide in March"
    survey.save(update_fields=["onward_deadline", "onward_deadline_text"])
    walk_to_check(client, survey)
    done = client.get(client.post(url("respond_submit", survey), check_form(client, survey))["Location"])
    when = deadlines.format_date(survey.onward_deadline)
    assert f"We will respond by {when}, so the board can decide in March." in done.content.decode()


def test_no_email_no_receipt(client: Any, survey: Any) -> None:
    start(client, survey)
    client.post(url("respond_page", survey, 1), page1(survey))
    client.post(url("respond_page", survey, 2), page2(survey))
    client.post(url("respond_about_you", survey), about(survey, email="", consent_to_contact=""))
    r = client.post(url("respond_submit", survey), check_form(client, survey))
    assert r.status_code == HTTPStatus.FOUND
    assert Response.objects.get().state == Response.State.SUBMITTED
    assert not Email.objects.exists()


def test_a_form_shown_before_the_answers_changed_does_not_send(client: Any, survey: Any) -> None:
    """Another tab changed an answer after this check page was shown: back to check answers, nothing sent."""
    response = walk_to_check(client, survey)
    old = check_form(client, survey)
    client.post(url("respond_page", survey, 2), page2(survey, **{f"q{survey.q['agree'].pk}": "disagree"}))
    r = client.post(url("respond_submit", survey), old)
    assert r["Location"] == url("respond_check", survey)
    response.refresh_from_db()
    assert response.state == Response.State.DRAFT
    assert not Email.objects.exists()
    r = client.post(url("respond_submit", survey), check_form(client, survey))
    assert r["Location"] == url("respond_done", survey, response.reference)


def test_a_form_shown_before_about_you_changed_does_not_send(client: Any, survey: Any) -> None:
    response = walk_to_check(client, survey)
    old = check_form(client, survey)
    client.post(url("respond_about_you", survey) + "?change=1", about(survey, email="new@example.org"))
    assert client.post(url("respond_submit", survey), old)["Location"] == url("respond_check", survey)
    response.refresh_from_db()
    assert response.state == Response.State.DRAFT


def test_a_question_added_after_the_check_page_is_asked_first(client: Any, survey: Any) -> None:
    """Completeness is checked when sending, against the questions as they are then."""
    response = walk_to_check(client, survey)
    form = check_form(client, survey)
    QuestionFactory(consultation=survey, section=None, order=9, kind="short_text", text="One more", required=True)
    r = client.post(url("respond_submit", survey), form)
    assert r["Location"] == url("respond_check", survey)
    response.refresh_from_db()
    assert response.state == Response.State.DRAFT
    assert "One more" in client.get(url("respond_check", survey)).content.decode()


def test_another_browser_cannot_send_a_draft_with_its_form(client: Any, survey: Any) -> None:
    """A stranger holding this draft's form (token and reference) sends nothing: the draft is found through the
    session, not the form."""
    response = walk_to_check(client, survey)
    form = check_form(client, survey)
    theirs = ResponseFactory(consultation=survey, email="other@example.org", respondent_type="individual")
    for fields in (
        form,
        {**form, "submission_token": theirs.submission_token},
        {**form, "reference": theirs.reference},
    ):
        assert Client().post(url("respond_submit", survey), fields)["Location"] == url("respond_start", survey)
    assert set(Response.objects.values_list("state", flat=True)) == {Response.State.DRAFT}
    response.refresh_from_db()
    assert response.state == Response.State.DRAFT


def test_hidden_answers_are_dropped_when_saved(client: Any, survey: Any) -> None:
    """Choosing Option 2 hides "Why option 1?" on the next page: its stored answer goes at once, not at sending."""
    walk_to_check(client, survey)
    follow = survey.q["follow"]
    assert Answer.objects.filter(question=follow).exists()
    changed = page1(survey, **{f"q{survey.q['choice'].pk}": "Option 2"})
    client.post(url("respond_page", survey, 1), changed)
    assert Answer.objects.filter(question=follow).exists(), "typed text is not removed without asking"
    client.post(url("respond_page", survey, 1), {**changed, "remove_hidden": "on"})  # the resident agrees
    assert not Answer.objects.filter(question=follow).exists()
    r = client.post(url("respond_submit", survey), check_form(client, survey))
    assert "/respond/done/" in r["Location"], "still complete: the hidden question is not required"


def test_signed_in_residents_send_as_themselves(client: Any, survey: Any, resident: Any) -> None:
    client.force_login(resident)
    response = walk_to_check(client, survey)
    r = client.post(url("respond_submit", survey), check_form(client, survey))
    assert r["Location"] == url("respond_done", survey, response.reference)
    response.refresh_from_db()
    assert response.state == Response.State.SUBMITTED
    assert response.user == resident
    assert Email.objects.get(kind="receipt").data["changed"] is False


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
    assert client.post(url("respond_submit", survey), fresh)["Location"] == url(
        "respond_done", survey, response.reference
    )
    response.refresh_from_db()
    assert response.state == Response.State.SUBMITTED
    assert response.user == resident


# --- shared computers ---
def test_the_next_person_signing_in_does_not_take_over_a_sent_response(client: Any, survey: Any, resident: Any) -> None:
    """Resident A sends anonymously and walks away; B signs in on the same browser and responds."""
    sent = walk_to_check(client, survey)
    client.post(url("respond_submit", survey), check_form(client, survey))
    done = url("respond_done", survey, sent.reference)
    client.force_login(resident)
    start_page = client.get(url("respond_start", survey)).content.decode()
    assert sent.reference not in start_page
    assert "already sent" not in start_page
    assert client.get(url("respond_check", survey))["Location"] == url("respond_start", survey)
    assert client.get(done).status_code == HTTPStatus.NOT_FOUND
    assert sent.reference not in client.get(reverse("engagement:my_responses")).content.decode()
    sent.refresh_from_db()
    assert sent.user is None
    assert sent.state == Response.State.SUBMITTED
    # B's own response is a new draft, with none of A's answers or email.
    client.post(url("respond_start", survey), {"action": "start"})
    mine = Response.objects.get(user=resident)
    assert mine.pk != sent.pk
    assert not mine.answers.exists()
    about_page = client.get(url("respond_about_you", survey)).content.decode()
    assert "resident@example.org" not in about_page
    assert Email.objects.filter(kind="receipt").count() == 1


def test_the_next_anonymous_person_sees_neither_the_reference_nor_the_email(client: Any, survey: Any) -> None:
    sent = walk_to_check(client, survey)
    r = client.post(url("respond_submit", survey), check_form(client, survey))
    first = client.get(r["Location"]).content.decode()
    assert sent.reference in first, "the resident who sent it sees the reference straight after sending"
    # The next person on the browser: the back button, the start page, the check page.
    again = client.get(r["Location"])
    assert again.status_code == HTTPStatus.OK
    for body in (again.content.decode(), client.get(url("respond_start", survey)).content.decode()):
        assert sent.reference not in body
        assert "resident@example.org" not in body
    assert "Response sent" in again.content.decode()
    assert client.get(url("respond_check", survey))["Location"] == url("respond_start", survey)
    client.post(url("respond_start", survey), {"action": "start"})
    assert Response.objects.count() == 2
    assert "resident@example.org" not in client.get(url("respond_about_you", survey)).content.decode()


def test_a_draft_is_still_taken_into_the_account_on_signing_in(client: Any, survey: Any, resident: Any) -> None:
    draft = start(client, survey)
    client.post(url("respond_page", survey, 1), page1(survey))
    client.force_login(resident)
    assert client.get(url("respond_page", survey, 1)).status_code == HTTPStatus.OK
    draft.refresh_from_db()
    assert draft.user == resident
    assert draft.email == resident.email, "no address typed yet: the account's, as when begun signed in"


def test_an_address_typed_before_signing_in_is_kept_when_the_draft_is_claimed(
    client: Any, survey: Any, resident: Any
) -> None:
    draft = start(client, survey)
    Response.objects.filter(pk=draft.pk).update(email="typed@example.org")
    client.force_login(resident)
    client.get(url("respond_page", survey, 1))
    draft.refresh_from_db()
    assert (draft.user, draft.email) == (resident, "typed@example.org")


def test_claiming_refuses_a_sent_response(survey: Any, resident: Any) -> None:
    sent = ResponseFactory(
        consultation=survey, state=Response.State.SUBMITTED, submitted_at=timezone.now(), email="a@example.org"
    )
    assert svc.response_claim(response=sent, user=resident).user_id is None
    sent.refresh_from_db()
    assert sent.user_id is None


# --- every required step, whichever way the resident arrived ---
def test_a_save_and_return_link_cannot_skip_about_you(client: Any, survey: Any) -> None:
    response = start(client, survey)
    client.post(url("respond_page", survey, 1), page1(survey))
    client.post(url("respond_page", survey, 2), page2(survey, action="save_later"))
    client.post(url("respond_save", survey), {"email": "later@example.org"})
    link = reverse("engagement:respond_resume", args=[survey.slug, links.resume_token_make(response=response)])
    other_device = Client()
    assert other_device.get(link)["Location"] == url("respond_page", survey, 2)  # where it was saved
    check = other_device.get(url("respond_check", survey)).content.decode()
    assert "You have not answered every question you need to" in check
    assert f'href="{url("respond_about_you", survey)}?change=1#id_respondent_type"' in check
    r = other_device.post(url("respond_submit", survey), check_form(other_device, survey))
    assert r["Location"] == url("respond_check", survey)
    response.refresh_from_db()
    assert response.state == Response.State.DRAFT
    assert not Email.objects.filter(kind="receipt").exists()
    other_device.post(url("respond_about_you", survey) + "?change=1", about(survey))
    r = other_device.post(url("respond_submit", survey), check_form(other_device, survey))
    assert r["Location"] == url("respond_done", survey, response.reference)


def test_the_service_names_the_missing_step(survey: Any) -> None:
    response = ResponseFactory(consultation=survey)
    Answer.objects.create(response=response, question=survey.q["choice"], value="Option 2")
    result = svc.response_submit(response=response, now=timezone.now())
    assert result.outcome is svc.SubmitOutcome.INCOMPLETE
    assert [m.step for m in result.missing] == ["page", "about_you"]
    assert result.missing[0].question == survey.q["yes"]
    response.refresh_from_db()
    assert response.state == Response.State.DRAFT
    organisation = ResponseFactory(consultation=survey, respondent_type="organisation")
    for q, value in ((survey.q["choice"], "Option 2"), (survey.q["yes"], "no")):
        Answer.objects.create(response=organisation, question=q, value=value)
    result = svc.response_submit(response=organisation, now=timezone.now())
    assert [(m.step, m.label) for m in result.missing] == [("about_you", "Choose your organisation or type its name")]


def test_a_late_response_in_the_grace_period_is_sent_and_marked(client: Any, survey: Any) -> None:
    response = walk_to_check(client, survey)
    form = check_form(client, survey)
    survey.closes_at = timezone.now() - datetime.timedelta(hours=1)
    survey.late_grace = datetime.timedelta(days=1)
    survey.save()
    assert client.post(url("respond_submit", survey), form)["Location"] == url(
        "respond_done", survey, response.reference
    )
    response.refresh_from_db()
    assert response.is_late


def test_the_response_table_has_full_pages_again() -> None:
    """0005 left 30% of each page free for a submit path that is gone; 0006 resets it (the catalogue has no ORM)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'engagement_response'")
        (options,) = cursor.fetchone()
    assert not options
