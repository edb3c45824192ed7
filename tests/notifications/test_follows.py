"""Following a consultation or an area: one POST signed in; signed out, an email address and a confirmation link
(double opt-in: nothing is followed until the link's button is pressed)."""

import base64
import datetime
import re
from http import HTTPStatus

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from notifications.models import Email, Follow
from notifications.services import follow_confirm_token
from tests.engagement.factories import AreaFactory, ConsultationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _key(obj) -> str:  # type: ignore[no-untyped-def]
    return f"{obj._meta.label_lower}:{obj.pk}"


def test_signed_in_follow_and_unfollow_a_consultation(client) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory()
    consultation = ConsultationFactory()
    client.force_login(user)
    page = client.get(f"/consultations/{consultation.slug}/").content.decode()
    assert 'action="/follow/"' in page
    assert "Stop following" not in page

    response = client.post("/follow/", {"target": _key(consultation)}, follow=True)
    follow = Follow.objects.get()
    assert (follow.user, follow.target) == (user, consultation)
    assert follow.confirmed_at is not None
    assert "You are following" in response.content.decode()
    assert "Stop following" in response.content.decode()

    client.post("/follow/", {"target": _key(consultation)})  # twice: still one
    assert Follow.objects.count() == 1
    response = client.post("/unfollow/", {"target": _key(consultation)}, follow=True)
    assert not Follow.objects.exists()
    assert "You are no longer following" in response.content.decode()


def test_signed_in_follow_an_area_from_its_page(client) -> None:  # type: ignore[no-untyped-def]
    area = AreaFactory()
    client.force_login(UserFactory())
    page = client.get(f"/ics/{area.system.slug}/{area.slug}/").content.decode()
    assert f'value="{_key(area)}"' in page
    client.post("/follow/", {"target": _key(area)})
    assert Follow.objects.get().target == area


def test_signed_out_follow_needs_the_emailed_link_then_its_button(client) -> None:  # type: ignore[no-untyped-def]
    consultation = ConsultationFactory()
    page = client.get(f"/consultations/{consultation.slug}/").content.decode()
    assert 'name="email"' in page

    response = client.post("/follow/", {"target": _key(consultation), "email": "Resident@Example.org "})
    assert "Check your email" in response.content.decode()
    follow = Follow.objects.get()
    assert follow.email == "resident@example.org"
    assert follow.confirmed_at is None
    email = Email.objects.get(kind="follow_confirm")
    assert email.to == "resident@example.org"
    link = re.search(r"http://\S+/follow/confirm/(\S+)/", email.body_text)
    assert link is not None
    # Both parts say the link's page has a button to press, and the text part names the consultation's address.
    assert 'the page it opens asks you to press "Follow"' in email.body_html
    assert f"asked to follow {consultation.title} on {settings.SERVICE_NAME} with this email address" in email.body_text
    assert f"{consultation.title}: {settings.SITE_URL}/consultations/{consultation.slug}/" in email.body_text

    path = f"/follow/confirm/{link.group(1)}/"
    assert "Follow" in client.get(path).content.decode()
    follow.refresh_from_db()
    assert follow.confirmed_at is None  # a GET (a link scanner) confirms nothing
    assert "You are following" in client.post(path).content.decode()
    follow.refresh_from_db()
    assert follow.confirmed_at is not None


def test_a_bad_address_shows_the_form_again_with_what_was_typed(client) -> None:  # type: ignore[no-untyped-def]
    consultation = ConsultationFactory()
    response = client.post("/follow/", {"target": _key(consultation), "email": "not an address"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = response.content.decode()
    assert "Enter an email address in the correct format" in page
    assert 'value="not an address"' in page
    assert not Follow.objects.exists()
    assert not Email.objects.exists()


def test_a_forged_or_altered_confirmation_link_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    consultation = ConsultationFactory()
    follow = Follow.objects.create(
        email="a@example.org", target_type=ContentType.objects.get_for_model(consultation), target_id=consultation.pk
    )
    token = follow_confirm_token(follow)
    for bad in (token[:-2] + "xx", "forged", token.replace(token[1], "Z" if token[1] != "Z" else "Y", 1)):
        response = client.post(f"/follow/confirm/{bad}/")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "This link is not valid" in response.content.decode()
    follow.refresh_from_db()
    assert follow.confirmed_at is None


def test_a_confirmation_link_does_not_carry_the_address(client) -> None:  # type: ignore[no-untyped-def]
    # A signed token is readable (base64): a link that held the address would leave it in access logs.
    consultation = ConsultationFactory()
    ct = ContentType.objects.get_for_model(consultation)
    follow = Follow.objects.create(email="private.person@example.org", target_type=ct, target_id=consultation.pk)
    token = follow_confirm_token(follow)
    payload = token.split(":")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert b"private.person" not in decoded
    assert b"example.org" not in decoded
    # The token is still bound to its address: the same id on another address's follow confirms nothing.
    follow.delete()
    Follow.objects.create(pk=follow.pk, email="someone.else@example.org", target_type=ct, target_id=consultation.pk)
    response = client.post(f"/follow/confirm/{token}/")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert Follow.objects.get().confirmed_at is None


def test_a_draft_or_unknown_target_cannot_be_followed(client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(UserFactory())
    draft = ConsultationFactory(draft=True)
    for target in (_key(draft), "engagement.consultation:999999", "accounts.user:1", "nonsense", ""):
        response = client.post("/follow/", {"target": target})
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "can no longer be followed" in response.content.decode()
    assert not Follow.objects.exists()


def test_signed_out_unfollow_sends_to_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/unfollow/", {"target": "x"})
    assert response.status_code == HTTPStatus.FOUND
    assert "/accounts/login/" in response["Location"]


def test_one_address_gets_at_most_a_days_confirmations_whatever_it_is_asked_to_follow(client) -> None:  # type: ignore[no-untyped-def]
    """A stranger typing someone's address into many follow forms cannot flood their inbox; nobody is locked out
    (signed in, following is one click), and another address is not affected."""
    from notifications.services import FOLLOW_CONFIRMS_PER_DAY

    areas = [AreaFactory() for _ in range(FOLLOW_CONFIRMS_PER_DAY + 1)]
    for area in areas[:-1]:
        response = client.post("/follow/", {"target": _key(area), "email": "victim@example.org"})
        assert response.status_code == HTTPStatus.OK
    refused = client.post("/follow/", {"target": _key(areas[-1]), "email": "Victim@Example.org"})
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    page = refused.content.decode()
    assert "nhsuk-error-summary" in page
    assert f"already sent {FOLLOW_CONFIRMS_PER_DAY} confirmation emails to this address" in page
    assert 'value="Victim@Example.org"' in page, "what was typed is shown again"
    assert Email.objects.filter(kind="follow_confirm").count() == FOLLOW_CONFIRMS_PER_DAY
    assert not Follow.objects.filter(target_id=areas[-1].pk).exists(), "nothing recorded"

    assert client.post("/follow/", {"target": _key(areas[-1]), "email": "other@example.org"}).status_code == 200
    user = UserFactory(email="victim@example.org")
    client.force_login(user)
    client.post("/follow/", {"target": _key(areas[-1])})
    assert Follow.objects.filter(user=user, target_id=areas[-1].pk).exists()


def test_the_follow_box_and_its_confirmation_say_what_each_target_sends(client) -> None:  # type: ignore[no-untyped-def]
    """A consultation's followers hear of it opening and get its reminders; an area's hear of every consultation
    in it or below it: each box promises what its follow sends, not the same words for both."""
    now = timezone.now()
    consultation, area = ConsultationFactory(opens_at=now + datetime.timedelta(days=3)), AreaFactory()
    opened = ConsultationFactory(opens_at=now - datetime.timedelta(days=1))
    consultation_page = client.get(f"/consultations/{consultation.slug}/").content.decode()
    area_page = client.get(f"/ics/{area.system.slug}/{area.slug}/").content.decode()
    assert "Follow this consultation to hear when it opens and get reminders before it closes" in consultation_page
    assert "in the areas within it" not in consultation_page
    opened_page = client.get(f"/consultations/{opened.slug}/").content.decode()
    assert "Follow this consultation to get reminders before it closes, until you respond." in opened_page
    assert "Follow this area to hear when consultations open here or in the areas within it" in area_page

    client.post("/follow/", {"target": _key(area), "email": "resident@example.org"})
    token = follow_confirm_token(Follow.objects.get())
    confirm = client.get(f"/follow/confirm/{token}/").content.decode()
    assert "should follow this area, to hear when consultations open here or in the areas within it" in confirm
