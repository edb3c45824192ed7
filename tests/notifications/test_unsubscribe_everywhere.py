"""Unsubscribing stops every optional email to the address, whatever planned it (an outcome to a respondent, an
opening to someone invited afterwards), skipped when sent with the reason; receipts and sign-in codes still go; a
later explicit opt-in by the same address (a confirmed follow) lifts it, a manager's invite list does not."""

import datetime
from http import HTTPStatus
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from engagement.services.emails import receipt_queue
from notifications import services as svc
from notifications.models import Email, Follow, Invitee, Suppression
from notifications.openings import opening_plan
from notifications.reminders import reminder_due_at, reminders_plan
from outcomes import services as outcomes
from tests.engagement.factories import ConsultationFactory, ResponseFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ADDRESS = "res@example.org"


def _path(url: str) -> str:
    return url.strip().strip("<>").removeprefix("http://localhost:8000")


def _outcome_email(*, to: str) -> Email:
    """A closed consultation that `to` responded to, agreeing to be contacted, whose outcome is then published."""
    closed = ConsultationFactory(closed=True)
    ResponseFactory(
        consultation=closed,
        email=to,
        consent_to_contact=True,
        state="submitted",
        submitted_at=closed.closes_at - datetime.timedelta(days=1),
    )
    outcome = outcomes.outcome_save(
        consultation=closed, by=None, what_we_heard="Heard", decision="Decided", points=[], decided_function=None
    )
    outcomes.outcome_publish(outcome=outcome, by=None, now=timezone.now())
    return Email.objects.get(kind="outcome_published", about_id=closed.pk)


def _send(email: Email) -> Email:
    svc.email_send(email_id=email.pk, now=timezone.now() + datetime.timedelta(minutes=1))
    email.refresh_from_db()
    return email


@pytest.fixture
def unsubscribed(smtp_sink: Any) -> Any:
    """ADDRESS followed a consultation, got its reminder and used the reminder's one-click unsubscribe."""
    consultation = ConsultationFactory()
    Follow.objects.create(
        email=ADDRESS,
        target_type=ContentType.objects.get_for_model(consultation),
        target_id=consultation.pk,
        confirmed_at=consultation.opens_at,
    )
    consultation.reminder_offsets = [7]
    consultation.save()
    seven = reminder_due_at(consultation.closes_at, 7)
    consultation.opens_at = seven - datetime.timedelta(days=1)
    consultation.save()
    reminders_plan(now=seven)
    svc.emails_send_due(now=seven + datetime.timedelta(minutes=1))
    (reminder,) = smtp_sink.messages
    assert reminder["To"] == ADDRESS
    response = Client(enforce_csrf_checks=True).post(
        _path(reminder["List-Unsubscribe"]), "List-Unsubscribe=One-Click", content_type="text/plain"
    )
    assert response.status_code == HTTPStatus.OK
    smtp_sink.messages.clear()
    return consultation


def test_after_unsubscribing_from_a_reminder_outcome_and_opening_emails_are_skipped_with_the_reason(
    unsubscribed: Any, smtp_sink: Any
) -> None:
    outcome_email = _send(_outcome_email(to="Res@Example.org"))
    assert outcome_email.status == Email.Status.SUPPRESSED
    assert outcome_email.last_error.startswith(f"{ADDRESS} unsubscribed at ")

    # Invited to a new consultation afterwards by a manager's list: still no opening email.
    opening = ConsultationFactory()
    Invitee.objects.create(target=opening, email=ADDRESS, name="Res")
    assert opening_plan(consultation=opening, now=timezone.now(), published_now=True).planned == 1
    opening_email = _send(Email.objects.get(kind="consultation_opened"))
    assert opening_email.status == Email.Status.SUPPRESSED
    assert opening_email.last_error.startswith(f"{ADDRESS} unsubscribed at ")

    # A receipt is not optional: it still goes.
    response = ResponseFactory(consultation=opening, email=ADDRESS, state="submitted", submitted_at=timezone.now())
    receipt = _send(receipt_queue(response=response, site_url="http://localhost:8000", changed=False))
    assert receipt.status == Email.Status.SENT
    assert smtp_sink.to() == [ADDRESS]


def test_a_confirmed_follow_by_the_same_address_lifts_it_and_an_unconfirmed_one_does_not(
    unsubscribed: Any, smtp_sink: Any
) -> None:
    follow = svc.follow_request(email="RES@example.org", target=unsubscribed, now=timezone.now())
    assert Suppression.objects.filter(address=ADDRESS).exists(), "asking is not yet opting in"
    svc.follow_confirm(token=svc.follow_confirm_token(follow), now=timezone.now())
    assert not Suppression.objects.filter(address=ADDRESS).exists()
    assert _send(_outcome_email(to=ADDRESS)).status == Email.Status.SENT


def test_a_signed_in_follow_lifts_it_for_the_accounts_address(unsubscribed: Any, client: Client) -> None:
    client.force_login(UserFactory(email="Res@Example.org"))
    response = client.post("/follow/", {"target": f"engagement.consultation:{unsubscribed.pk}"})
    assert response.status_code == HTTPStatus.FOUND
    assert not Suppression.objects.filter(address=ADDRESS).exists()
    assert _send(_outcome_email(to=ADDRESS)).status == Email.Status.SENT


def test_unsubscribing_keeps_a_refusal_and_sending_a_failed_email_again_keeps_the_unsubscribe(
    unsubscribed: Any,
) -> None:
    """The two reasons are separate rows: "send again" (staff think the mailbox works) lifts only the refusal;
    a re-follow lifts only the unsubscribe."""
    failed = Email.objects.create(kind="receipt", to=ADDRESS, status=Email.Status.FAILED, last_error="550")
    Suppression.objects.create(address=ADDRESS, cause=Suppression.Cause.REFUSED, reason="550", email=failed)
    svc.email_send_again(email_id=failed.pk, by="staff", now=timezone.now())
    assert list(Suppression.objects.values_list("cause", flat=True)) == [Suppression.Cause.UNSUBSCRIBED]


def test_the_unsubscribed_page_says_what_stops_and_what_does_not(client: Client) -> None:
    body = client.post(_path(svc.unsubscribe_url(ADDRESS))).content.decode()
    assert "You have unsubscribed" in body
    assert "outcomes of consultations you responded to" in body
    assert "Receipts for responses you send and sign-in codes still come" in body
    assert "follow a consultation or an area again" in body
