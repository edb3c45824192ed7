"""Arbitrary input to the follow, confirm and unsubscribe views never gives a server error (the test client
re-raises anything a view lets escape), and a refused request follows nothing."""

from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifications.models import Follow
from tests.engagement.factories import ConsultationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)
value = st.one_of(text, st.sampled_from(["engagement.consultation:1", "governance.area:", "a@example.org", "\x00"]))


@FUZZ
@given(data=st.dictionaries(st.sampled_from(["target", "email", "x"]), value, max_size=3), signed_in=st.booleans())
def test_follow_and_unfollow_never_fail(client: Client, data: dict[str, Any], signed_in: bool) -> None:
    consultation = ConsultationFactory()
    if signed_in:
        client.force_login(UserFactory(email="fuzz@example.org"))
    before = Follow.objects.count()
    for path in ("/follow/", "/unfollow/"):
        assert client.post(path, data).status_code < 500
    if data.get("target") != f"engagement.consultation:{consultation.pk}":
        assert Follow.objects.count() == before  # nothing named a followable target: nothing followed


@FUZZ
@given(token=text)
def test_confirm_and_unsubscribe_links_never_fail(client: Client, token: str) -> None:
    if not token.strip("/") or "/" in token:
        return
    for path in (f"/follow/confirm/{quote(token, safe='')}/", f"/unsubscribe/{quote(token, safe='')}/"):
        assert client.get(path).status_code in {400, 404}
        assert client.post(path).status_code in {400, 404}
