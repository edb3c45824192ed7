"""404, 403, 400, CSRF and 500 pages in the NHS.UK layout, with DEBUG off, and no internals leaked."""

from http import HTTPStatus

import pytest
from django.test import Client

from ics_portal import views

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
