"""Arbitrary input to the consultation pages and the managers' forms gives a page, a redirect, a 403/404, never a
500, and never an exception escaping the view."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import roles
from engagement.models import ManagerScope
from governance.models import Area
from tests.engagement.factories import ConsultationFactory, QuestionFactory, SectionFactory, area_tree
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
FIELDS = [
    "title", "owner_area", "lead_organisation", "summary", "body", "contact_email", "opens_on-day", "opens_on-month",
    "opens_on-year", "closes_on-day", "closes_on-month", "closes_on-year", "late_grace_hours", "onward_deadline-day",
    "onward_deadline-month", "onward_deadline-year", "onward_deadline_text", "target_areas", "functions", "text",
    "hint", "kind", "required", "choices", "allow_other", "max_choices", "max_length", "section", "show_if_question",
    "show_if_value", "intro", "what_we_heard", "points", "decision", "decided_function", "action", "retention_months",
    "order_1", "order_2",
]  # fmt: skip
form_data = st.dictionaries(st.sampled_from(FIELDS), st.one_of(text, st.integers(-5, 10**6).map(str)), max_size=12)
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def setup(client):  # type: ignore[no-untyped-def]
    top, middle, _bottom = area_tree(slug="fz")
    manager = UserFactory(email="fuzz.manager@nhs.net", groups=[roles.CONSULTATION_MANAGER])
    ManagerScope.objects.create(user=manager, area=top)
    c = ConsultationFactory(owner_area=middle, slug="fuzz", closed=True)
    section = SectionFactory(consultation=c, order=1)
    q1 = QuestionFactory(consultation=c, order=1, kind="yes_no", section=section)
    q2 = QuestionFactory(consultation=c, order=2, single_choice=True)
    client.force_login(manager)
    return {"c": c, "section": section, "q1": q1, "q2": q2}


def _urls(s: dict[str, Any]) -> list[str]:
    slug = s["c"].slug
    return [
        reverse("engagement:manage_create"),
        reverse("engagement:manage_edit", args=[slug]),
        reverse("engagement:manage_question_add", args=[slug]),
        reverse("engagement:manage_question_edit", args=[slug, s["q2"].pk]),
        reverse("engagement:manage_questions_reorder", args=[slug]),
        reverse("engagement:manage_section_add", args=[slug]),
        reverse("engagement:manage_section_edit", args=[slug, s["section"].pk]),
        reverse("engagement:manage_sections_reorder", args=[slug]),
        reverse("outcomes:edit", args=[slug]),
        reverse("engagement:manage_document_add", args=[slug]),
    ]


@SETTINGS
@given(data=form_data, index=st.integers(0, 9))
def test_manager_forms_never_500(client, setup, data, index) -> None:  # type: ignore[no-untyped-def]
    url = _urls(setup)[index]
    response = client.post(url, data)
    assert response.status_code in {200, 302, 403, 404}, (url, data, response.status_code)


@SETTINGS
@given(title=text, content=st.binary(max_size=2000), name=st.sampled_from(["a.pdf", "a.docx", "a.odt", "a", ".pdf"]))
def test_document_upload_never_500(client, setup, settings, tmp_path, title, content, name) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    url = reverse("engagement:manage_document_add", args=[setup["c"].slug])
    response = client.post(url, {"title": title, "file": SimpleUploadedFile(name, content)})
    assert response.status_code in {200, 302}


@SETTINGS
@given(params=st.dictionaries(st.sampled_from(["area", "status", "page", "x"]), text, max_size=3))
def test_list_filters_never_500(client, setup, params) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("engagement:consultation_list"), params)
    # No area, or one that exists, lists; anything else says it could not find the area.
    known = params.get("area", "").strip() in {"", *(str(pk) for pk in Area.objects.values_list("pk", flat=True))}
    assert response.status_code == (200 if known else 400)
