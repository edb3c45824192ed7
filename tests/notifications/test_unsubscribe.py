"""Unsubscribing without signing in: a signed link to a page with a button (a GET changes nothing), RFC 8058
one-click by POST from a mail client, and the List-Unsubscribe headers on every optional kind's email."""

import base64
from http import HTTPStatus

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from notifications import kinds
from notifications import services as svc
from notifications.kinds import Kind, Rendered
from notifications.models import Follow
from tests.engagement.factories import AreaFactory, ConsultationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def optional_kind():  # type: ignore[no-untyped-def]
    spec = kinds.register(Kind(name="test_optional", optional=True))
    yield spec
    kinds._registry.pop("test_optional", None)


def _follows(address: str) -> list[Follow]:
    consultation, area = ConsultationFactory(), AreaFactory()
    user = UserFactory(email=address)
    return [
        Follow.objects.create(
            email=address, target_type=ContentType.objects.get_for_model(consultation), target_id=consultation.pk
        ),
        Follow.objects.create(
            user=user,
            target_type=ContentType.objects.get_for_model(area),
            target_id=area.pk,
            confirmed_at=timezone.now(),
        ),
    ]


def test_a_get_shows_a_button_and_only_its_post_unsubscribes(client) -> None:  # type: ignore[no-untyped-def]
    _follows("res@example.org")
    other = Follow.objects.create(
        email="other@example.org",
        target_type=ContentType.objects.get_for_model(AreaFactory()),
        target_id=1,
    )
    path = svc.unsubscribe_url("Res@Example.org").removeprefix("http://localhost:8000")
    page = client.get(path)
    assert page.status_code == HTTPStatus.OK
    assert "res@example.org" in page.content.decode()
    assert Follow.objects.count() == 3  # a link scanner's GET unsubscribes no one
    response = client.post(path)
    assert "You have unsubscribed" in response.content.decode()
    assert list(Follow.objects.all()) == [other]

    # Opened again later: it says so, with when, instead of offering the button as if still subscribed.
    again = client.get(path).content.decode()
    assert "You have already unsubscribed" in again
    assert "res@example.org was unsubscribed at " in again
    assert 'type="submit"' not in again
    # Following again lifts it: the link then offers the button once more.
    user = Follow._meta.get_field("user").related_model.objects.get(email="res@example.org")
    svc.follow_add(user=user, target=AreaFactory(), now=timezone.now())
    assert "You have already unsubscribed" not in client.get(path).content.decode()


def test_one_click_post_from_a_mail_client_needs_no_csrf_token() -> None:
    _follows("res@example.org")
    client = Client(enforce_csrf_checks=True)
    path = svc.unsubscribe_url("res@example.org").removeprefix("http://localhost:8000")
    response = client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == HTTPStatus.OK
    assert not Follow.objects.exists()


def test_a_forged_or_altered_token_is_refused_and_changes_nothing(client) -> None:  # type: ignore[no-untyped-def]
    _follows("res@example.org")
    token = svc.unsubscribe_token("res@example.org")
    confirm_token = svc.follow_confirm_token(Follow.objects.filter(user=None).get())
    forged = [token[:-3] + "abc", "res@example.org", token + "x", confirm_token]  # last: right signer, wrong salt
    for bad in forged:
        for method in (client.get, client.post):
            response = method(f"/unsubscribe/{bad}/")
            assert response.status_code == HTTPStatus.BAD_REQUEST
            assert "This link is not valid" in response.content.decode()
            assert "use the unsubscribe link in another email from us" in response.content.decode()
    assert Follow.objects.count() == 2


def test_an_unsubscribe_link_does_not_carry_the_address_readably(client, settings) -> None:  # type: ignore[no-untyped-def]
    # It is in every optional email's List-Unsubscribe header and so in access logs: encrypted, not only signed.
    token = svc.unsubscribe_token("Private.Person@Example.org")
    assert b"private.person" not in base64.urlsafe_b64decode(token)
    assert svc.unsubscribe_address(token) == "private.person@example.org"
    # A link made before the secret key was rotated still works.
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert svc.unsubscribe_address(token) == "private.person@example.org"


def test_optional_kinds_carry_the_headers_on_the_wire_and_others_do_not(  # type: ignore[no-untyped-def]
    smtp_sink, optional_kind
) -> None:
    _follows("res@example.org")
    optional = svc.email_queue(kind="test_optional", to="res@example.org", rendered=Rendered("News", "Text"))
    receipt = svc.email_queue(kind="resume_link", to="res@example.org", rendered=Rendered("Saved", "Link"))
    assert svc.email_send(email_id=optional.pk) == "sent"
    assert svc.email_send(email_id=receipt.pk) == "sent"
    by_subject = {m["Subject"]: m for m in smtp_sink.messages}
    news = by_subject["News"]
    assert news["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = news["List-Unsubscribe"].strip()
    assert url.startswith("<http://localhost:8000/unsubscribe/")
    assert url.endswith("/>")
    assert by_subject["Saved"]["List-Unsubscribe"] is None

    # The header's URL is the one-click: a mail client POSTs to it, signed out, without a CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        url[1:-1].removeprefix("http://localhost:8000"), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == HTTPStatus.OK
    assert not Follow.objects.exists()
