"""Every page has one <meta name="description">: a sensible default from base.html, and on the main pages text
that says what that page is (a consultation's own summary on its page)."""

from html.parser import HTMLParser
from http import HTTPStatus

import pytest

from tests.engagement.factories import ConsultationFactory

pytestmark = pytest.mark.django_db


class MetaDescriptions(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and values.get("name") == "description":
            self.found.append(values.get("content") or "")


def description(client, path: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code in {HTTPStatus.OK, HTTPStatus.NOT_FOUND}, path
    page = MetaDescriptions()
    page.feed(response.content.decode())
    assert len(page.found) == 1, (path, page.found)
    text = page.found[0]
    assert 50 <= len(text) <= 200, (path, text)  # what search results show; never empty
    assert "{" not in text, (path, text)
    assert "\n" not in text, (path, text)
    return text


@pytest.fixture
def consultation():  # type: ignore[no-untyped-def]
    return ConsultationFactory(
        summary="We want to hear how you would like community mental health services to work in your borough. "
        "Tell us what matters to you before the plan is agreed in the spring, and what we should change. " * 2
    )


def test_every_page_has_a_meta_description_and_the_main_pages_their_own(client, consultation) -> None:  # type: ignore[no-untyped-def]
    system = consultation.system
    main = {
        path: description(client, path)
        for path in (
            "/",
            "/accessibility/",
            "/privacy/",
            "/consultations/",
            f"/consultations/{consultation.slug}/",
            "/ics/",
            f"/ics/{system.slug}/",
            "/functions/",
        )
    }
    default = description(client, "/accounts/login/code/")
    assert description(client, "/no-such-page/") == default
    assert "integrated care" in default
    assert default not in main.values(), main
    assert len(set(main.values())) == len(main), main  # each main page says what it is
    assert system.name in main[f"/ics/{system.slug}/"]
    detail = main[f"/consultations/{consultation.slug}/"]
    assert detail.startswith("We want to hear how you would like community mental health services")
    assert detail.endswith("…")
