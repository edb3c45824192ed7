"""Who sees what: the PMO sees every consultation's summary, answers and exports; a manager those owned by their
area or an area below it; nobody else any, by any URL, guessed ids included."""

from http import HTTPStatus

import pytest

from engagement.models import Question
from tests.engagement.factories import QuestionFactory

from .factories import sent

pytestmark = pytest.mark.django_db

OK, NOT_FOUND, FORBIDDEN, SIGN_IN = HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.FORBIDDEN, "sign-in"


def consultation_urls(consultation) -> list[str]:
    question = consultation.questions.get(kind=Question.Kind.LONG_TEXT)
    base = f"/pmo/consultations/{consultation.slug}/"
    return [base, f"{base}questions/{question.pk}/", f"{base}?area={consultation.owner_area_id}", f"{base}export/"]


@pytest.fixture
def world(boroughs, pmo_user, staff_user, resident, superuser):
    for consultation in (boroughs.barnet_c, boroughs.camden_c, boroughs.ics_c):
        question = QuestionFactory(consultation=consultation, kind=Question.Kind.LONG_TEXT, text="Your views?")
        sent(consultation, {question: f"Secret views on {consultation.title}"}, area=consultation.owner_area)
    return boroughs, {"pmo": pmo_user, "staff": staff_user, "resident": resident, "superuser": superuser}


# (who, consultations they may see)
SEES = {
    "pmo": {"barnet-plan", "camden-plan", "ncl-plan"},
    "superuser": {"barnet-plan", "camden-plan", "ncl-plan"},
    "barnet_manager": {"barnet-plan"},
    "camden_manager": {"camden-plan"},
    "ics_manager": {"barnet-plan", "camden-plan", "ncl-plan"},  # an area above the owners
    "staff": set(),
    "resident": set(),
    "anonymous": set(),
}


def user_for(world, who):
    boroughs, users = world
    if who == "anonymous":
        return None
    return users.get(who) or getattr(boroughs, who)


@pytest.mark.parametrize("who", list(SEES))
def test_every_url_of_every_consultation(client, world, who):
    boroughs, _users = world
    user = user_for(world, who)
    if user:
        client.force_login(user)
    may_list = who not in {"staff", "resident", "anonymous"}
    for consultation in (boroughs.barnet_c, boroughs.camden_c, boroughs.ics_c):
        for url in consultation_urls(consultation):
            response = client.get(url)
            if who == "anonymous":
                assert response.status_code == HTTPStatus.FOUND
                assert response.url.startswith("/accounts/login/code/?next=")
            elif consultation.slug in SEES[who]:
                assert response.status_code == OK, url
                assert consultation.title in response.content.decode()
            else:
                assert response.status_code == (NOT_FOUND if may_list else FORBIDDEN), url
                assert "Secret views" not in response.content.decode()


@pytest.mark.parametrize("who", list(SEES))
def test_pmo_lists_only_what_the_user_may_see(client, world, who):
    user = user_for(world, who)
    if user:
        client.force_login(user)
    response = client.get("/pmo/")
    if who == "anonymous":
        assert response.status_code == HTTPStatus.FOUND
        return
    if not SEES[who]:
        assert response.status_code == FORBIDDEN
        return
    html = response.content.decode()
    for slug in SEES["pmo"]:
        assert (f'href="/pmo/consultations/{slug}/"' in html) == (slug in SEES[who]), slug


def test_a_question_of_another_consultation_is_not_found_under_one_the_manager_may_see(client, world):
    boroughs, _users = world
    camden_question = boroughs.camden_c.questions.get()
    client.force_login(boroughs.barnet_manager)
    for guess in (camden_question.pk, camden_question.pk + 1000, 0):
        response = client.get(f"/pmo/consultations/barnet-plan/questions/{guess}/")
        assert response.status_code == NOT_FOUND
        assert "Secret views on Camden" not in response.content.decode()


def test_export_log_is_for_the_pmo_and_admins_only(client, world):
    for who, expected in [("pmo", OK), ("superuser", OK), ("barnet_manager", FORBIDDEN), ("staff", FORBIDDEN)]:
        client.force_login(user_for(world, who))
        assert client.get("/pmo/export-log/").status_code == expected, who


@pytest.mark.parametrize("who", ["barnet_manager", "staff", "resident"])
def test_no_one_can_export_what_they_may_not_see(client, world, who):
    from reporting.models import ExportLog

    client.force_login(user_for(world, who))
    response = client.post("/pmo/consultations/camden-plan/export/", {"format": "csv"})
    assert response.status_code in {NOT_FOUND, FORBIDDEN}
    assert "Secret views" not in response.content.decode()
    assert not ExportLog.objects.exists()
