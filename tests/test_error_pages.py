"""404, 403, 400, CSRF and 500 pages in the NHS.UK layout, with DEBUG off, and no internals leaked."""

from http import HTTPStatus

import pytest
from django.test import Client
from django.utils.html import escape

from ics_portal import views
from tests.html import parse

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.error_urls")]


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def assert_styled(response, status, title):
    assert response.status_code == status
    html = response.content.decode()
    assert f"<title>{title} - " in html
    assert f"<h1>{title}</h1>" in html
    assert 'class="nhsuk-header' in html
    assert 'class="nhsuk-footer' in html
    assert 'href="#maincontent"' in html
    return html


def test_debug_is_off(settings):
    assert settings.DEBUG is False


def test_500_is_styled_and_leaks_nothing(client):
    html = assert_styled(
        client.get("/test-errors/500/"), HTTPStatus.INTERNAL_SERVER_ERROR, "Sorry, there is a problem with the service"
    )
    assert "secret internal detail" not in html
    assert "Traceback" not in html
    assert "RuntimeError" not in html


def test_404_is_styled(client):
    assert_styled(client.get("/test-errors/nothing-here/"), HTTPStatus.NOT_FOUND, "Page not found")


def test_403_is_styled(client):
    assert_styled(client.get("/test-errors/403/"), HTTPStatus.FORBIDDEN, "You do not have permission to see this page")


def test_400_is_styled(client):
    assert_styled(
        client.get("/test-errors/400/"), HTTPStatus.BAD_REQUEST, "Sorry, there is a problem with your request"
    )


def test_csrf_failure_is_styled_and_explains():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/code/", {"email": "a@example.com"})
    assert_styled(response, HTTPStatus.FORBIDDEN, "Your session has expired or the form was sent from another site")


def test_500_page_survives_a_broken_request(rf):
    """If rendering the layout fails too (e.g. the database is down, so no user), a plain NHS-styled page remains."""

    class Broken:
        def __getattr__(self, name):
            raise RuntimeError("database is down")

    request = rf.get("/")
    request.user = Broken()
    request.session = Broken()
    response = views.server_error(request)
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert "nhsuk-frontend.min.css" in html
    assert "database is down" not in html


# --- a lost session mid-form: what was posted is shown back ---
def _respond_post(client, survey, data):
    from django.urls import reverse

    return client.post(reverse("engagement:respond_page", args=[survey.slug, 1]), data)


def test_csrf_failure_on_a_responding_page_shows_what_was_posted_escaped_and_without_secrets():
    from tests.engagement.factories import respond_survey

    survey = respond_survey()
    q = survey.q
    typed = "My view <script>alert(1)</script> & more\n" + "x" * 1700
    client = Client(enforce_csrf_checks=True)  # no session, no CSRF cookie: as after the session expired
    response = _respond_post(
        client,
        survey,
        {
            "csrfmiddlewaretoken": "stale-token-value",
            "website": "honeypot-value",
            "action": "continue",
            f"q{q['choice'].pk}": "__other__",
            f"q{q['choice'].pk}_other": "A third way",
            f"q{q['yes'].pk}": "yes",
            f"q{q['detail'].pk}": typed,
        },
    )
    html = assert_styled(response, HTTPStatus.FORBIDDEN, views.CSRF_TITLE)
    assert response["Cache-Control"] == "private, no-store"
    assert "nothing is lost" in html
    doc = parse(html)
    boxes = {doc.one("label", for_=t.attrs["id"]).text: t for t in doc.find_all("textarea")}
    assert set(boxes) == {
        "Which governance option do you prefer?",
        "Do you have other views?",
        "What are your other views?",
    }
    assert escape(typed.strip()) in html, "every character, as typed (escaped)"
    assert "readonly" in boxes["What are your other views?"].attrs
    assert boxes["Which governance option do you prefer?"].text == "Other: A third way"
    assert boxes["Do you have other views?"].text == "Yes"
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "stale-token-value" not in html
    assert "honeypot-value" not in html
    assert doc.one("a", href=f"/consultations/{survey.slug}/respond/page/1/")


def test_csrf_failure_from_another_site_shows_nothing_back():
    from tests.engagement.factories import respond_survey

    survey = respond_survey()
    client = Client(enforce_csrf_checks=True, HTTP_ORIGIN="https://attacker.example")
    response = _respond_post(client, survey, {f"q{survey.q['detail'].pk}": "Call 0800 FAKE to confirm"})
    html = assert_styled(response, HTTPStatus.FORBIDDEN, views.CSRF_TITLE)
    assert "0800 FAKE" not in html
    assert "<textarea" not in html


def test_csrf_failure_elsewhere_labels_by_name_and_drops_codes_and_passwords():
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/code/", {"email": "a@example.com", "code": "ABC123", "password": "hunter2", "website": "x"}
    )
    html = assert_styled(response, HTTPStatus.FORBIDDEN, views.CSRF_TITLE)
    doc = parse(html)
    assert [t.text for t in doc.find_all("textarea")] == ["a@example.com"]
    assert "ABC123" not in html
    assert "hunter2" not in html


def test_csrf_failure_on_a_manager_page_of_a_published_consultation_shows_its_fields():
    from tests.engagement.factories import respond_survey

    survey = respond_survey()
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/manage/consultations/{survey.slug}/edit/", {"title": "A better title"})
    doc = parse(assert_styled(response, HTTPStatus.FORBIDDEN, views.CSRF_TITLE))
    assert [(doc.one("label", for_=t.attrs["id"]).text, t.text) for t in doc.find_all("textarea")] == [
        ("Title", "A better title")
    ]
