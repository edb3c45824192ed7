"""The programme office's pages name one area by its level's singular ("Hackney (Place-based system)"), as every
other page does (issue 13), on the real NEL structure whose level names are plural ("Place-based systems")."""

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from governance import demo
from governance.models import Area
from tests.engagement.factories import ConsultationFactory
from tests.factories import UserFactory


@pytest.fixture
def hackney_consultation(db: Any) -> Any:
    demo.load(now=timezone.now(), out=io.StringIO())
    hackney = Area.objects.select_related("level").get(slug="hackney")
    assert hackney.level.name == "Place-based systems"  # the plural this test is about
    return ConsultationFactory(title="Hackney's plan", owner_area=hackney, closed=True)


def test_pmo_pages_label_an_area_with_its_level_in_the_singular(hackney_consultation: Any, client: Client) -> None:
    client.force_login(UserFactory(email="pmo@example.nhs.net", groups=[roles.PMO]))
    listing = client.get(reverse("reporting:index")).content.decode()
    assert "Hackney (Place-based system)" in listing
    summary = client.get(reverse("reporting:summary", args=[hackney_consultation.slug])).content.decode()
    assert "Hackney (Place-based system)</option>" in summary
    for page in (listing, summary):
        assert "(Place-based systems)" not in page
