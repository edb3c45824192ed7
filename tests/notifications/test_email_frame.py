"""Every HTML email, the outbox's kinds and the account emails alike, comes in one frame (includes/email_base.html):
the NHS.UK blue bar naming the service, then the message, then a small footer saying who sent it or why."""

from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from tests.html import parse

TEMPLATES = Path(settings.BASE_DIR) / "templates"
EMAILS = sorted(
    [
        *(TEMPLATES / "notifications" / "email").glob("*_message.html"),
        *(TEMPLATES / "account" / "email").glob("*_message.html"),
    ]
)


@pytest.mark.parametrize("path", EMAILS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_html_email_has_the_service_bar_and_a_footer(path: Path) -> None:
    html = render_to_string(
        str(path.relative_to(TEMPLATES)),
        {"days_left": 2, "consultation": {"title": "A consultation", "closes_at": timezone.now()}},
    )
    paragraphs = parse(html).find_all("p")
    bar, footer = paragraphs[0], paragraphs[-1]
    assert bar.text == settings.SERVICE_NAME
    assert "#005eb8" in bar.attrs["style"]
    assert "#4c6272" in footer.attrs["style"], "the last line is the small grey footer"
    assert footer.text.strip()


def test_there_are_emails_to_check() -> None:
    names = {p.name for p in EMAILS}
    assert {"receipt_message.html", "reminder_message.html", "login_code_message.html"} <= names
