"""No GET parameters or posted export form a user can send gives a server error (the test client re-raises)."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting.models import ExportLog
from tests.engagement.factories import QuestionFactory

from .factories import sent

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
NAMES = ["area", "respondent_type", "late", "q", "page", "format", "personal_data", "reason"] + [
    f"submitted_{end}-{part}" for end in ("from", "to") for part in ("day", "month", "year")
]
values = st.one_of(
    st.text(max_size=30), st.integers(-(2**70), 2**70).map(str), st.sampled_from(["", "0", "yes", "csv"])
)
params = st.dictionaries(st.sampled_from(NAMES), values, max_size=6)


@pytest.fixture
def pmo_client(boroughs, pmo_user):
    question = QuestionFactory(consultation=boroughs.barnet_c, kind="long_text")
    sent(boroughs.barnet_c, {question: "Some words"}, area=boroughs.barnet)
    client = Client()
    client.force_login(pmo_user)
    return client, question


@FUZZ
@given(query=params)
def test_summary_answers_and_export_pages_never_fail(pmo_client, query):
    client, question = pmo_client
    for url in ("/pmo/consultations/barnet-plan/", f"/pmo/consultations/barnet-plan/questions/{question.pk}/",
                "/pmo/consultations/barnet-plan/export/"):  # fmt: skip
        assert client.get(url, query).status_code == 200


@FUZZ
@given(form=params)
def test_posted_exports_never_fail_and_a_refusal_records_nothing(pmo_client, form):
    client, _question = pmo_client
    before = ExportLog.objects.count()
    response = client.post("/pmo/consultations/barnet-plan/export/", form)
    assert response.status_code == 200
    if response.get("Content-Disposition", "").startswith("attachment"):
        assert ExportLog.objects.count() == before + 1
    else:
        assert ExportLog.objects.count() == before
