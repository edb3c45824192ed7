"""Arbitrary input to every public form of the responding flow never causes a server error.

Hypothesis posts dictionaries of known and unknown field names with text (any unicode, NUL included), huge
strings, lists, numbers and missing fields (no lone surrogates: they cannot be sent as UTF-8 at all). The test client re-raises any exception a view lets escape, so a
500 fails the test with its traceback.
"""

from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagement.questions import OTHER
from tests.engagement.factories import respond_survey

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
FIELDS = [
    "website", "action", "respondent_type", "organisation", "organisation_name", "organisation_role", "area",
    "email", "consent_to_contact", "submission_token", "reference", "proof", "age_band", "sex", "gender_identity",
    "ethnicity",
    "disability", "sexual_orientation", "religion", "carer",
]  # fmt: skip
KNOWN_VALUES = [
    "Option 1", "Option 2", OTHER, "yes", "no", "Yes", "strongly_agree", "Access", "individual", "organisation",
    "on", "save_later", "skip", "new", "start", "continue", "prefer_not_to_say", "a@example.org", "", "0", "-1",
    "99999999999999999999", "\x00", "<script>alert(1)</script>", "' OR 1=1 --",
]  # fmt: skip

huge = st.builds(
    lambda c, n: c * n, st.characters(exclude_categories=("Cs",)), st.integers(min_value=1_000, max_value=300_000)
)
scalar = st.one_of(st.text(max_size=60), huge, st.integers(), st.sampled_from(KNOWN_VALUES))
value = st.one_of(scalar, st.lists(st.one_of(st.text(max_size=30), st.sampled_from(KNOWN_VALUES)), max_size=6))


@pytest.fixture
def flow(settings: Any) -> tuple[Any, Client, list[str]]:
    settings.ENGAGEMENT_RATE_LIMITS = {
        "submit": "100000/m",
        "submit_per_address": "100000/m",
        "resume_email": "100000/m",
        "resume_email_per_address": "100000/m",
    }
    survey = respond_survey()
    client = Client()
    client.post(reverse("engagement:respond_start", args=[survey.slug]), {"action": "start"})
    names = FIELDS + [f"q{q.pk}" for q in survey.q.values()] + [f"q{q.pk}_other" for q in survey.q.values()]
    return survey, client, names


def form_data(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    keys = st.one_of(st.sampled_from(names), st.text(min_size=1, max_size=20))
    return st.dictionaries(keys, value, max_size=14)


TARGETS = [
    ("respond_start", ()),
    ("respond_page", (1,)),
    ("respond_page", (2,)),
    ("respond_about_you", ()),
    ("respond_equality", ()),
    ("respond_save", ()),
    ("respond_submit", ()),
]


@pytest.mark.parametrize(("name", "args"), TARGETS)
def test_post_arbitrary_data_never_500(flow: Any, name: str, args: tuple[Any, ...]) -> None:
    survey, client, names = flow
    url = reverse(f"engagement:{name}", args=[survey.slug, *args])

    @FUZZ
    @given(data=form_data(names), change=st.sampled_from(["", "?change=1", "?change=%00"]))
    def run(data: dict[str, Any], change: str) -> None:
        response = client.post(url + change, data)
        assert response.status_code < 500

    run()


def test_get_pages_with_arbitrary_paths_never_500(flow: Any) -> None:
    survey, client, _names = flow
    base = f"/consultations/{survey.slug}/respond"

    @FUZZ
    @given(part=st.text(min_size=1, max_size=300), number=st.integers(min_value=0, max_value=10**30))
    def run(part: str, number: int) -> None:
        segment = quote(part, safe="")
        for path in (
            f"{base}/resume/{segment}/",
            f"{base}/change/{segment}/",
            f"{base}/done/{segment}/",
            f"/consultations/my-responses/{segment}/",
            f"{base}/page/{number}/",
        ):
            assert client.get(path).status_code < 500

    run()


def test_the_managers_preview_pages_take_arbitrary_data_without_a_500(flow: Any) -> None:
    """The preview runs the residents' forms on a session instead of rows: the same input, the same guarantee."""
    from accounts import roles
    from engagement.models import ManagerScope, Response
    from tests.factories import UserFactory

    survey, client, names = flow
    manager = UserFactory(email="fuzz.manager@nhs.net", groups=[roles.CONSULTATION_MANAGER])
    ManagerScope.objects.create(user=manager, area=survey.owner_area)
    client.force_login(manager)
    before = Response.objects.count()
    urls = [reverse("engagement:manage_preview_page", args=[survey.slug, n]) for n in (1, 2)]
    urls.append(reverse("engagement:manage_preview_check", args=[survey.slug]))

    @FUZZ
    @given(data=form_data(names), which=st.sampled_from(urls), change=st.sampled_from(["", "?change=1"]))
    def run(data: dict[str, Any], which: str, change: str) -> None:
        assert client.post(which + change, data).status_code < 500
        assert client.get(urls[2]).status_code < 500

    run()
    assert Response.objects.count() == before
