"""A filled honeypot keeps the response, held as suspected automated: the resident's flow is the normal one, the
response counts nowhere until a manager of its consultation releases it (recorded), and other users cannot."""

import datetime
from http import HTTPStatus
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from engagement.models import Answer, Consultation, EqualityMonitoring, ManagerScope, Response
from engagement.services.equality import equality_release
from engagement.services.suspected import response_mark_suspected, response_release
from tests.engagement.factories import ResponseFactory, respond_survey
from tests.engagement.test_respond_views import about, page1, page2, resume_link, start, submit, url, walk_to_check

pytestmark = pytest.mark.django_db
SPAM = {"website": "https://my-site.example"}


@pytest.fixture
def survey(db: Any) -> Consultation:
    return respond_survey()


@pytest.fixture
def survey_manager(survey: Consultation) -> Any:
    from accounts import roles
    from tests.factories import UserFactory

    user = UserFactory(email="survey.manager@nhs.net", groups=[roles.CONSULTATION_MANAGER])
    ManagerScope.objects.create(user=user, area=survey.owner_area)
    return user


def _counts(consultation: Consultation) -> tuple[int, int, int]:
    c = Consultation.objects.with_response_counts().get(pk=consultation.pk)
    return c.sent_count, c.draft_count, c.suspected_count  # type: ignore[attr-defined]


def test_filled_honeypot_keeps_answers_and_the_normal_flow(client: Any, survey: Any) -> None:
    response = start(client, survey)
    r = client.post(url("respond_page", survey, 1), page1(survey, **SPAM))
    assert r.status_code == HTTPStatus.FOUND
    assert r["Location"] == url("respond_page", survey, 2), "the resident goes on as usual"
    response.refresh_from_db()
    assert response.suspected_automated
    assert response.suspected_reason == "Hidden field filled in on question page 1"
    assert Answer.objects.filter(response=response).count() == 2, "what they typed is kept"
    r = client.post(url("respond_page", survey, 2), page2(survey, **SPAM))
    assert r["Location"] == url("respond_about_you", survey)
    r = client.post(url("respond_about_you", survey), about(survey, **SPAM))
    assert r["Location"] == url("respond_equality", survey)
    r = client.post(url("respond_equality", survey), {"age_band": "35_44", **SPAM})
    assert r["Location"] == url("respond_check", survey)
    r = submit(client, survey, response, **SPAM)
    assert r.status_code == HTTPStatus.FOUND
    assert r["Location"] == url("respond_done", survey, response.reference)
    assert response.reference in client.get(r["Location"]).content.decode(), "the usual confirmation"
    response.refresh_from_db()
    assert response.state == Response.State.SUBMITTED
    assert response.suspected_automated
    assert _counts(survey) == (0, 0, 1)
    assert not Response.objects.counted().exists()


def test_honeypot_on_check_answers_alone_holds_the_sent_response(client: Any, survey: Any) -> None:
    response = walk_to_check(client, survey)
    assert _counts(survey) == (0, 1, 0)
    r = submit(client, survey, response, **SPAM)
    assert r["Location"] == url("respond_done", survey, response.reference)
    response.refresh_from_db()
    assert (response.state, response.suspected_automated) == (Response.State.SUBMITTED, True)
    assert response.suspected_reason == "Hidden field filled in on check answers"
    assert _counts(survey) == (0, 0, 1)


@pytest.mark.parametrize(
    ("step", "where"),
    [
        ("respond_about_you", "the About you page"),
        ("respond_equality", "the equality page"),
        ("respond_save", "the save for later page"),
    ],
)
def test_each_steps_honeypot_holds_the_draft_naming_the_step(client: Any, survey: Any, step: str, where: str) -> None:
    """Every responding form checks its own honeypot (one helper): the draft is held with the step's name."""
    response = start(client, survey)
    fields = {"respond_about_you": about(survey), "respond_equality": {"age_band": "35_44"}}
    posted = fields.get(step, {"email": "later@example.org"})
    client.post(url(step, survey), posted)
    response.refresh_from_db()
    assert not response.suspected_automated, "an empty honeypot marks nothing"
    if step == "respond_save":
        client.get(resume_link(survey))  # sending the link forgot the draft from this browser: back with the link
    client.post(url(step, survey), {**posted, **SPAM})
    response.refresh_from_db()
    assert (response.suspected_automated, response.suspected_reason) == (True, f"Hidden field filled in on {where}")


def test_an_empty_honeypot_marks_nothing(client: Any, survey: Any) -> None:
    response = walk_to_check(client, survey)
    submit(client, survey, response, website="  ")
    response.refresh_from_db()
    assert not response.suspected_automated
    assert _counts(survey) == (1, 0, 0)


def test_marking_holds_the_named_response_once(survey: Any) -> None:
    other, target = ResponseFactory(consultation=survey), ResponseFactory(consultation=survey)
    now = timezone.now()
    assert response_mark_suspected(consultation=survey, response=target, reason="x", now=now) == 1
    target.refresh_from_db()
    other.refresh_from_db()
    assert (target.suspected_automated, target.suspected_at) == (True, now)
    assert not other.suspected_automated
    assert response_mark_suspected(consultation=survey, response=target, reason="again", now=now) == 0


@pytest.mark.parametrize(("reference", "token"), [("\x00", "t"), ("ABCD-EFGH", "\x00"), ("A" * 500, "t" * 500)])
def test_odd_posted_names_on_check_answers_hold_only_this_browsers_draft_and_send_no_500(
    client: Any, survey: Any, reference: str, token: str
) -> None:
    """The form names no draft any more: a filled honeypot holds the one this browser's session is sending."""
    bystander = ResponseFactory(consultation=survey)
    response = walk_to_check(client, survey)
    r = client.post(url("respond_submit", survey), {"reference": reference, "submission_token": token, **SPAM})
    assert r.status_code in {HTTPStatus.OK, HTTPStatus.FOUND}
    response.refresh_from_db()
    bystander.refresh_from_db()
    assert response.suspected_automated
    assert response.state == Response.State.DRAFT  # the token was not its own: nothing sent
    assert not bystander.suspected_automated


def test_release_is_recorded_and_a_released_response_is_not_held_again(survey: Any, survey_manager: Any) -> None:
    now = timezone.now()
    response = ResponseFactory(consultation=survey, state=Response.State.SUBMITTED, submitted_at=now)
    response_mark_suspected(consultation=survey, reason="test", now=now, response=response)
    released = response_release(response=response, by=survey_manager, now=now + datetime.timedelta(minutes=5))
    assert (released.suspected_automated, released.released_by, released.released_at) == (
        False, survey_manager, now + datetime.timedelta(minutes=5)
    )  # fmt: skip
    assert list(Response.objects.counted()) == [response]
    assert response_mark_suspected(consultation=survey, reason="again", now=now, response=response) == 0
    response.refresh_from_db()
    assert not response.suspected_automated


def test_equality_answers_of_a_held_response_wait_for_its_release(
    client: Any, survey: Any, survey_manager: Any
) -> None:
    response = walk_to_check(client, survey)  # its equality answers are held for it
    submit(client, survey, response, **SPAM)
    assert equality_release(now=timezone.now(), batch=1) == 0  # a batch of one: only its being held stops it
    assert not EqualityMonitoring.objects.exists()
    response_release(response=response, by=survey_manager, now=timezone.now())
    assert equality_release(now=timezone.now(), batch=1) == 1


# --- the managers' page -------------------------------------------------------------------------------------------


def _held(client: Any, survey: Any) -> Response:
    response = walk_to_check(client, survey)
    submit(client, survey, response, **SPAM)
    client.logout()
    response.refresh_from_db()
    assert response.suspected_automated
    return response


def test_manager_reads_held_answers_and_releases_them(client: Any, survey: Any, survey_manager: Any) -> None:
    response = _held(client, survey)
    client.force_login(survey_manager)
    overview = client.get(reverse("engagement:manage_consultation", args=[survey.slug])).content.decode()
    assert "0 sent responses" in overview
    assert "1 sent response is held as suspected automated" in overview
    page = client.get(reverse("engagement:manage_suspected", args=[survey.slug]))
    body = page.content.decode()
    assert page.status_code == HTTPStatus.OK
    assert f"Response {response.reference}" in body
    assert "Because it is local &amp; &lt;simple&gt;" in body, "the answers, escaped"
    assert "Hidden field filled in on check answers" in body
    release = reverse("engagement:manage_suspected_release", args=[survey.slug, response.reference])
    assert client.get(release).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    r = client.post(release)
    assert r.status_code == HTTPStatus.FOUND
    response.refresh_from_db()
    assert (response.suspected_automated, response.released_by) == (False, survey_manager)
    assert response.released_at is not None
    followed = client.get(r["Location"]).content.decode()
    assert f"Response {response.reference} released" in followed
    assert "No responses are held." in followed
    assert (
        "1 sent response ·"
        in client.get(reverse("engagement:manage_consultation", args=[survey.slug])).content.decode()
    )
    again = client.post(release, follow=True).content.decode()
    assert "is not held: it already counts" in again


def test_only_a_manager_of_its_area_may_see_or_release(  # type: ignore[no-untyped-def]
    client, survey, survey_manager, other_manager, staff_user, pmo_user
) -> None:
    response = _held(client, survey)
    page = reverse("engagement:manage_suspected", args=[survey.slug])
    release = reverse("engagement:manage_suspected_release", args=[survey.slug, response.reference])
    r = client.post(release)
    assert r.status_code == HTTPStatus.FOUND
    assert "/accounts/" in r["Location"], "anonymous: sign in first"
    for user, status in ((other_manager, HTTPStatus.NOT_FOUND), (staff_user, HTTPStatus.FORBIDDEN),
                         (pmo_user, HTTPStatus.FORBIDDEN)):  # fmt: skip
        client.force_login(user)
        assert client.get(page).status_code == status
        assert client.post(release).status_code == status
    response.refresh_from_db()
    assert response.suspected_automated
    assert response.released_at is None
    # A reference of another consultation is not found through this one.
    client.force_login(survey_manager)
    other = ResponseFactory(state=Response.State.SUBMITTED, submitted_at=timezone.now())
    assert (
        client.post(reverse("engagement:manage_suspected_release", args=[survey.slug, other.reference])).status_code
        == 404
    )


@pytest.mark.parametrize("reference", ["nope", "%00", "A" * 300, "' OR 1=1 --", "ÄÖ-😀"])
def test_odd_references_are_not_found(client: Any, survey: Any, survey_manager: Any, reference: str) -> None:
    client.force_login(survey_manager)
    path = f"/manage/consultations/{survey.slug}/suspected/{reference}/release/"
    assert client.post(path).status_code == HTTPStatus.NOT_FOUND
