"""Changing a sent response without an account: the receipt's signed link (engagement/links.py
change_token_make / change_token_read, the save-and-return signer with its own salt) reopens "check your answers"
in that browser only. The changes are made on a copy (State.CHANGES), so what was sent is untouched until they go
through the one submit path, which applies them to the sent row (same reference) and deletes the copy."""

import datetime
import re
from http import HTTPStatus
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from engagement import links
from engagement.models import Answer, Response
from engagement.services import responses as svc
from notifications.models import Email
from notifications.services import email_send
from tests.engagement.factories import respond_survey
from tests.engagement.test_respond_views import about, check_form, page2, submit, url, walk_to_check

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/consultations/[^/\s]+/respond/change/[^/\s]+/)")


@pytest.fixture
def survey(db: Any) -> Any:
    return respond_survey()


def send_and_read_receipt(client: Any, survey: Any) -> tuple[Response, str]:
    """Walk, send, deliver the receipt through the outbox, and read the change link from the real email."""
    response = walk_to_check(client, survey)
    submit(client, survey, response)
    receipt = Email.objects.filter(kind="receipt").latest("created_at")
    assert email_send(email_id=receipt.pk) == "sent"
    message = mail.outbox[-1]
    html = message.alternatives[0][0] if message.alternatives else ""
    match = LINK.search(message.body)
    assert match, message.body
    assert match.group(1) in html, "the HTML part has the same link"
    response.refresh_from_db()
    return response, match.group(1)


def test_the_receipt_link_reopens_the_sent_answers_and_sending_replaces_them(client: Any, survey: Any) -> None:
    response, link = send_and_read_receipt(client, survey)
    assert "You can change your response until" in mail.outbox[-1].body
    q = survey.q
    later = Client()  # the resident, days later, opening the email on another device

    r = later.get(link)

    assert r.status_code == HTTPStatus.FOUND
    assert r["Location"] == url("respond_check", survey)
    assert r["Cache-Control"] == "private, no-store", "the link opens a resident's answers"
    check = later.get(url("respond_check", survey)).content.decode()
    assert "Because it is local &amp; &lt;simple&gt;" in check, "the sent answers"
    assert "Send your changes" in check
    assert "Now send your changes" in check
    assert "Now send your response" not in check
    assert "By sending these changes you confirm" in check
    assert "Equality monitoring answers, if you gave any, are kept apart from your response" in check
    counted_before = Response.objects.counted().count()

    r = later.post(url("respond_page", survey, 2) + "?change=1", page2(survey, **{f"q{q['agree'].pk}": "disagree"}))
    assert r["Location"] == url("respond_check", survey)
    # Until "Send your changes", what was sent is what counts and what the managers and exports read.
    assert Answer.objects.get(response=response, question=q["agree"]).value == "strongly_agree"
    changes = Response.objects.get(replaces=response)
    assert changes.state == Response.State.CHANGES
    assert Answer.objects.get(response=changes, question=q["agree"]).value == "disagree"
    assert Response.objects.counted().count() == counted_before == 1
    assert "Disagree" in later.get(url("respond_check", survey)).content.decode()
    r = submit(later, survey, response)

    assert r["Location"] == url("respond_done", survey, response.reference) + "?changed=1", "the reference is kept"
    assert Response.objects.count() == 1, "replaced, not a second response: the changes' copy is gone"
    assert Response.objects.counted().count() == counted_before == 1
    assert survey.__class__.objects.with_response_counts().get(pk=survey.pk).sent_count == 1, "the managers' count"
    assert Answer.objects.get(response=response, question=q["agree"]).value == "disagree"
    assert Answer.objects.filter(response=response, question=q["agree"]).count() == 1
    done = later.get(r["Location"]).content.decode()
    assert response.reference in done
    assert "<title>Changes sent - " in done
    assert "has replaced the one you sent before" in done
    assert "Thank you for responding" not in done
    changed = Email.objects.filter(kind="receipt").latest("created_at")
    assert changed.data["changed"] is True
    assert email_send(email_id=changed.pk) == "sent"
    changed.refresh_from_db()
    assert changed.body_text.startswith("You changed your response to ")
    assert "The answers below replace the ones you sent before." in changed.body_text
    # Sending forgot the reopened response: this browser no longer holds it.
    assert later.get(url("respond_check", survey))["Location"] == url("respond_start", survey)
    assert later.get(url("respond_page", survey, 1))["Location"] == url("respond_start", survey)


def test_a_second_browser_that_did_not_follow_the_link_sees_nothing(client: Any, survey: Any) -> None:
    response, link = send_and_read_receipt(client, survey)
    holder = Client()
    holder.get(link)
    stranger = Client()

    assert stranger.get(url("respond_check", survey))["Location"] == url("respond_start", survey)
    assert stranger.get(url("respond_done", survey, response.reference)).status_code == HTTPStatus.NOT_FOUND
    start_page = stranger.get(url("respond_start", survey)).content.decode()
    assert response.reference not in start_page
    assert "resident@example.org" not in start_page
    token = response.submission_token
    r = stranger.post(url("respond_submit", survey), {"submission_token": token, "reference": response.reference})
    assert r["Location"] == url("respond_start", survey)
    response.refresh_from_db()
    assert response.submission_token == token, "nothing sent or changed"


@pytest.mark.parametrize("how", ["altered", "truncated", "other response", "resume link", "garbage"])
def test_a_forged_or_altered_link_is_refused_with_a_clear_page(client: Any, survey: Any, how: str) -> None:
    response, link = send_and_read_receipt(client, survey)
    token = link.rstrip("/").rsplit("/", 1)[1]
    forged = {
        "altered": token.replace(f"{response.pk}.", f"{response.pk + 1}.", 1),
        "truncated": token[:-3],
        "other response": links.change_token_make(response=walk_to_check(Client(), survey)),  # names a draft
        "resume link": links.resume_token_make(response=response),  # the other purpose's salt
        "garbage": "not-a-token",
    }[how]
    browser = Client()

    r = browser.get(url("respond_change", survey, forged))

    assert r.status_code == HTTPStatus.BAD_REQUEST
    body = r.content.decode()
    assert "This link does not work" in body
    assert "Your response has not been changed" in body
    assert "nhsuk-header" in body
    assert browser.get(url("respond_check", survey))["Location"] == url("respond_start", survey)


def test_the_link_expires_at_the_deadline(client: Any, survey: Any) -> None:
    response, link = send_and_read_receipt(client, survey)
    # Closed, though still in a late grace period: a change must not turn an on-time response late.
    survey.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    survey.late_grace = datetime.timedelta(days=2)
    survey.save()
    browser = Client()

    r = browser.get(link)

    assert r.status_code == HTTPStatus.OK
    assert "This consultation has closed" in r.content.decode()
    assert browser.get(url("respond_check", survey))["Location"] == url("respond_start", survey)
    response.refresh_from_db()
    assert not response.is_late


def test_a_reopened_response_cannot_be_changed_once_the_deadline_passes(client: Any, survey: Any) -> None:
    response, link = send_and_read_receipt(client, survey)
    browser = Client()
    browser.get(link)
    survey.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    survey.late_grace = datetime.timedelta(days=2)
    survey.save()
    q = survey.q

    browser.post(url("respond_page", survey, 2), page2(survey, **{f"q{q['agree'].pk}": "disagree"}))

    assert Answer.objects.get(response=response, question=q["agree"]).value == "strongly_agree"


def test_the_confirmation_page_says_how_to_change(client: Any, survey: Any) -> None:
    response = walk_to_check(client, survey)
    r = submit(client, survey, response)
    body = client.get(r["Location"]).content.decode()
    assert "with the link in your receipt email" in body
    assert "Your reference stays the same" in body


def test_an_account_holders_receipt_links_to_their_responses(client: Any, survey: Any, resident: Any) -> None:
    client.force_login(resident)
    response = walk_to_check(client, survey)
    submit(client, survey, response)
    email_send(email_id=Email.objects.get(kind="receipt").pk)
    body = mail.outbox[-1].body
    assert not LINK.search(body)
    assert "http://testserver/consultations/my-responses/" in body
    assert ". Sign in and go to your responses: http://testserver/consultations/my-responses/" in body  # one colon


def test_while_changing_the_pages_offer_cancel_changes_and_not_save_for_later(client: Any, survey: Any) -> None:
    _response, link = send_and_read_receipt(client, survey)
    holder = Client()
    holder.get(link)
    check = holder.get(url("respond_check", survey)).content.decode()
    assert "Save and come back later" not in check, "a sent response has nothing to come back to"
    assert f'action="{url("respond_change_cancel", survey)}"' in check
    assert "Cancel changes" in check
    assert 'Nothing you change here is sent until you press "Send your changes"' in check
    for step in (url("respond_page", survey, 1), url("respond_about_you", survey)):
        assert "Save and come back later" not in holder.get(step + "?change=1").content.decode(), step


def test_cancelling_puts_the_sent_answers_back_and_this_browser_sees_nothing_of_it_again(
    client: Any, survey: Any
) -> None:
    response, link = send_and_read_receipt(client, survey)
    q, sent_token, receipts = survey.q, response.submission_token, Email.objects.filter(kind="receipt").count()
    holder = Client()
    holder.get(link)
    holder.post(url("respond_page", survey, 2) + "?change=1", page2(survey, **{f"q{q['agree'].pk}": "disagree"}))
    holder.post(url("respond_about_you", survey) + "?change=1", about(survey, email="typo@example.org"))
    assert Answer.objects.get(response=response, question=q["agree"]).value == "strongly_agree", "not sent yet"
    response.refresh_from_db()
    assert response.email == "resident@example.org"
    changes = Response.objects.get(replaces=response)
    assert (changes.email, Answer.objects.get(response=changes, question=q["agree"]).value) == (
        "typo@example.org",
        "disagree",
    ), "kept with the changes as typed"
    check_during_changes = check_form(holder, survey)

    r = holder.post(url("respond_change_cancel", survey))

    assert r.status_code == HTTPStatus.OK
    assert r["Cache-Control"] == "private, no-store"
    body = r.content.decode()
    assert "Your changes were cancelled" in body
    assert "resident@example.org" not in body
    assert response.reference not in body
    response.refresh_from_db()
    assert (response.state, response.email) == (Response.State.SUBMITTED, "resident@example.org")
    assert Answer.objects.get(response=response, question=q["agree"]).value == "strongly_agree", "put back"
    assert Answer.objects.get(response=response, question=q["follow"]).value == "Because it is local & <simple>"
    assert response.submission_token == sent_token, "what was sent never changed"
    assert not Response.objects.filter(replaces=response).exists(), "the changes are gone"
    assert Email.objects.filter(kind="receipt").count() == receipts, "nothing was sent again"

    # The same browser, afterwards (the next person at a shared computer): nothing of it without the link.
    for step in ("respond_check", "respond_about_you"):
        assert holder.get(url(step, survey))["Location"] == url("respond_start", survey)
    assert holder.get(url("respond_page", survey, 1))["Location"] == url("respond_start", survey)
    start_page = holder.get(url("respond_start", survey)).content.decode()
    assert response.reference not in start_page
    assert "resident@example.org" not in start_page
    r = holder.post(url("respond_submit", survey), check_during_changes)
    assert r["Location"] == url("respond_start", survey)
    assert holder.post(url("respond_change_cancel", survey)).status_code == HTTPStatus.OK  # again: no harm
    assert Answer.objects.get(response=response, question=q["agree"]).value == "strongly_agree"
    # The receipt's link still opens it, with the answers as sent.
    holder.get(link)
    assert "Because it is local &amp; &lt;simple&gt;" in holder.get(url("respond_check", survey)).content.decode()


def test_cancel_changes_from_a_browser_that_holds_nothing_changes_nothing(client: Any, survey: Any) -> None:
    response, _link = send_and_read_receipt(client, survey)
    before = list(Answer.objects.filter(response=response).values_list("question", "value").order_by("question"))
    stranger = Client()
    assert stranger.get(url("respond_change_cancel", survey)).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    body = stranger.post(url("respond_change_cancel", survey)).content.decode()
    assert "There were no changes to cancel" in body
    after = list(Answer.objects.filter(response=response).values_list("question", "value").order_by("question"))
    assert after == before


def test_changes_left_unsent_are_dropped_when_the_link_is_opened_in_another_browser(client: Any, survey: Any) -> None:
    """A shared computer: someone starts changes and walks away. Opening the receipt's link elsewhere starts again
    from what was sent, and the first browser no longer shows the response or the unsent changes."""
    response, link = send_and_read_receipt(client, survey)
    q = survey.q
    shared = Client()
    shared.get(link)
    shared.post(url("respond_page", survey, 2) + "?change=1", page2(survey, **{f"q{q['agree'].pk}": "disagree"}))
    abandoned = Response.objects.get(replaces=response)
    shared_form = check_form(shared, survey)

    phone = Client()
    phone.get(link)

    check = phone.get(url("respond_check", survey)).content.decode()
    assert "Strongly agree" in check
    assert "Disagree" not in check, "the other browser's unsent changes"
    assert not Response.objects.filter(pk=abandoned.pk).exists()
    assert shared.get(url("respond_check", survey))["Location"] == url("respond_start", survey)
    assert shared.post(url("respond_submit", survey), shared_form)["Location"] == url("respond_start", survey)
    assert Answer.objects.get(response=response, question=q["agree"]).value == "strongly_agree"
    # The same browser following its link again keeps its own changes.
    phone.post(url("respond_page", survey, 2) + "?change=1", page2(survey, **{f"q{q['agree'].pk}": "agree"}))
    phone.get(link)
    assert "Agree" in phone.get(url("respond_check", survey)).content.decode()
    assert Answer.objects.get(response__replaces=response, question=q["agree"]).value == "agree"


def test_sending_changes_twice_applies_them_once_with_one_receipt(client: Any, survey: Any) -> None:
    response, link = send_and_read_receipt(client, survey)
    q = survey.q
    holder = Client()
    holder.get(link)
    holder.post(url("respond_page", survey, 2) + "?change=1", page2(survey, **{f"q{q['agree'].pk}": "disagree"}))
    fields = check_form(holder, survey)
    receipts = Email.objects.filter(kind="receipt").count()

    first = holder.post(url("respond_submit", survey), fields)
    second = holder.post(url("respond_submit", survey), fields)

    done = url("respond_done", survey, response.reference)
    assert first["Location"] == done + "?changed=1"
    assert second["Location"] == done, "the second press finds it sent"
    assert Email.objects.filter(kind="receipt").count() == receipts + 1
    assert Response.objects.filter(consultation=survey).count() == 1
    assert Answer.objects.get(response=response, question=q["agree"]).value == "disagree"


def test_incomplete_changes_are_not_sent_and_what_was_sent_stays(client: Any, survey: Any) -> None:
    """Emptying a required answer while changing: "Send your changes" names it, and the sent response keeps its
    answer (the check runs on the changes, in the same transaction that would apply them)."""
    response, link = send_and_read_receipt(client, survey)
    q = survey.q
    holder = Client()
    holder.get(link)
    changes = Response.objects.get(replaces=response)
    sent_answer = Answer.objects.get(response=response, question=q["yes"]).value
    Answer.objects.filter(response=changes, question=q["yes"]).delete()  # as if saved without a required answer
    changes.refresh_from_db()

    result = svc.response_submit(response=changes, token=changes.submission_token, now=timezone.now())

    assert result.outcome == svc.SubmitOutcome.INCOMPLETE
    assert [m.question for m in result.missing if m.question] == [q["yes"]]
    assert Answer.objects.get(response=response, question=q["yes"]).value == sent_answer
    assert Response.objects.filter(pk=changes.pk, state=Response.State.CHANGES).exists()


def test_the_database_holds_one_copy_per_sent_response_with_no_account_and_no_sent_time(
    client: Any, survey: Any, resident: Any
) -> None:
    """The rules of changes in the database (engagement/models.py, Response.Meta), whatever a service does."""
    from django.db import IntegrityError, transaction

    sent, _link = send_and_read_receipt(client, survey)
    changes = svc.response_changes_start(response=sent)
    assert svc.response_changes_start(response=sent) == changes, "the service returns the copy already begun"
    breaks = {
        "a second copy": lambda: Response.objects.create(
            consultation=survey, reference="SECOND1", state=Response.State.CHANGES, replaces=sent
        ),
        "a copy with an account": lambda: Response.objects.filter(pk=changes.pk).update(user=resident),
        "a copy that replaces nothing": lambda: Response.objects.filter(pk=changes.pk).update(replaces=None),
        "a draft that replaces one": lambda: Response.objects.create(
            consultation=survey, reference="DRAFT01", state=Response.State.DRAFT, replaces=changes
        ),
        "a sent response with no sent time": lambda: Response.objects.filter(pk=sent.pk).update(submitted_at=None),
    }
    stored = []
    for what, act in breaks.items():
        try:
            with transaction.atomic():
                act()
        except IntegrityError:
            continue
        stored.append(what)
    assert stored == []
    assert Response.objects.filter(replaces=sent).count() == 1
    # The control: the same kind of row, within the rules, is stored (so the breaks fail for the rule alone).
    Response.objects.create(consultation=survey, reference="DRAFT02", state=Response.State.DRAFT)


def test_changing_one_answer_keeps_the_themes_staff_gave_the_others(client: Any, survey: Any) -> None:
    """Themes can be tagged while a consultation is open: a resident's change replaces only what it changes, so an
    unchanged answer keeps its tags; a changed answer's tags go with the words they were given for."""
    from reporting.models import ThemeTag
    from reporting.services_themes import answer_tag, theme_create
    from tests.factories import UserFactory

    response, link = send_and_read_receipt(client, survey)
    q = survey.q
    pmo = UserFactory()
    theme = theme_create(consultation=survey, name="Local services", by=pmo, now=timezone.now())
    kept, changed = (Answer.objects.get(response=response, question=q[name]) for name in ("follow", "agree"))
    for answer in (kept, changed):
        assert answer_tag(theme=theme, answer=answer, by=pmo, now=timezone.now())
    later = Client()
    later.get(link)
    later.post(url("respond_page", survey, 2) + "?change=1", page2(survey, **{f"q{q['agree'].pk}": "disagree"}))
    submit(later, survey, response)
    assert Answer.objects.get(response=response, question=q["agree"]).value == "disagree"
    assert list(ThemeTag.objects.filter(theme=theme).values_list("answer_id", flat=True)) == [kept.pk]
    assert Answer.objects.get(response=response, question=q["follow"]).pk == kept.pk
    assert (
        Answer.objects.filter(response__consultation=survey).count() == Answer.objects.filter(response=response).count()
    )
