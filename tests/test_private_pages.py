"""Privacy on a shared computer: every page served to a signed-in person is `Cache-Control: private, no-store`
(ics_portal.middleware.PrivateWhenSignedInMiddleware), so after sign-out the next person pressing Back sees nothing
from the browser's cache; links from emails that show an address are too. Public pages stay cacheable."""

from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from engagement.models import Consultation, Response
from notifications.services import unsubscribe_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    call_command("seed_demo", "--force", verbosity=0)


def private(response: Any) -> bool:
    words = {word.strip() for word in response.headers.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= words


def test_every_page_a_signed_in_person_sees_is_not_kept_by_the_browser(client: Any, demo: None) -> None:
    consultation = Consultation.objects.filter(responses__state=Response.State.SUBMITTED).distinct().first()
    assert consultation is not None, "the demo has a consultation with responses"
    question = consultation.questions.first()
    assert question is not None
    client.force_login(User.objects.get(email="admin@demo.nhs.net"))
    paths = [
        "/",  # public, yet it names the signed-in person in the header
        reverse("accounts:home"),
        reverse("accounts:staff"),
        reverse("reporting:index"),
        reverse("reporting:export_log"),
        reverse("reporting:summary", args=[consultation.slug]),
        reverse("reporting:answers", args=[consultation.slug, question.pk]),
        reverse("reporting:export", args=[consultation.slug]),
        reverse("notifications:outbox"),
        "/manage/consultations/",
        f"/manage/consultations/{consultation.slug}/",
    ]
    answered = {path: client.get(path) for path in paths}
    assert {path: r.status_code for path, r in answered.items() if r.status_code != 200} == {}
    assert sorted(path for path, r in answered.items() if not private(r)) == []


def test_links_from_emails_that_show_an_address_are_not_kept_by_the_browser(client: Any) -> None:
    page = client.get(reverse("notifications:unsubscribe", args=[unsubscribe_token("someone@example.org")]))
    assert page.status_code == 200
    assert "someone@example.org" in page.content.decode()
    assert private(page)


def test_public_pages_for_a_signed_out_visitor_stay_cacheable(client: Any) -> None:
    for path in ["/", "/accessibility/", "/privacy/"]:
        assert not private(client.get(path)), path
