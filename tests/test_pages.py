from http import HTTPStatus

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "ICS governance and engagement"),
        ("/accessibility/", "Accessibility statement"),
        ("/privacy/", "Privacy notice"),
    ],
)
def test_static_pages_render_in_the_nhs_layout(client, path, heading):
    response = client.get(path)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert heading in html
    assert 'class="nhsuk-header' in html
    assert 'href="#maincontent"' in html  # skip link
    assert "/accessibility/" in html
    assert "/privacy/" in html


@pytest.mark.django_db
def test_unknown_page_is_a_styled_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Page not found - " in response.content.decode()
    assert 'class="nhsuk-header' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accessibility/", "/privacy/", "/healthz"])
def test_uptime_monitors_may_ask_with_head_and_nothing_may_be_posted(client, path):
    """Monitors and link checkers send HEAD; these pages take no input."""
    head = client.head(path)
    assert head.status_code == HTTPStatus.OK
    assert head.content == b""
    assert client.post(path).status_code == HTTPStatus.METHOD_NOT_ALLOWED
