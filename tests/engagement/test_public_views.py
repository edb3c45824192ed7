"""Public consultation pages: list, feed and a consultation's page in each state."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.engagement.factories import ConsultationFactory

pytestmark = pytest.mark.django_db


def test_detail_url_and_open_page(client) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(slug="next-steps")
    assert reverse("engagement:consultation_detail", args=["next-steps"]) == "/consultations/next-steps/"
    response = client.get("/consultations/next-steps/")
    assert response.status_code == HTTPStatus.OK
    assert c.title in response.content.decode()


def test_draft_is_not_public(client) -> None:  # type: ignore[no-untyped-def]
    ConsultationFactory(slug="secret", draft=True)
    assert client.get("/consultations/secret/").status_code == HTTPStatus.NOT_FOUND
