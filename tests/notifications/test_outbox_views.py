"""The staff outbox page (/staff/outbox/): superusers and every-system PMOs only (tests/reporting/test_pmo_scope.py
has a system's PMO refused); counts, failed emails, send again."""

import re
from http import HTTPStatus
from typing import Any

import pytest
from django.urls import reverse

from accounts import roles
from accounts.models import PmoScope
from engagement.deadlines import LONDON
from ics_portal.jinja2 import london_time
from notifications import permissions
from notifications.models import Email, Suppression
from tests.notifications.factories import EmailFactory, test_kinds  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
OUTBOX = "/staff/outbox/"


def test_the_role_named_here_is_accounts_pmo_role() -> None:
    assert permissions.PMO_GROUP == roles.PMO
    assert PmoScope._meta.get_field("user").remote_field.related_name == permissions.PMO_SCOPES


def test_only_the_pmo_and_superusers_may_see_the_outbox(
    client: Any, resident: Any, staff_user: Any, manager_user: Any, pmo_user: Any, superuser: Any
) -> None:
    assert reverse("notifications:outbox") == OUTBOX
    r = client.get(OUTBOX)
    assert r.status_code == HTTPStatus.FOUND
    assert "/accounts/login/" in r["Location"]
    for user in (resident, staff_user, manager_user):
        client.force_login(user)
        assert client.get(OUTBOX).status_code == HTTPStatus.FORBIDDEN, user
    failed = EmailFactory(status="failed", last_error="SMTPRecipientsRefused: 550")
    for user in (resident, staff_user, manager_user):
        client.force_login(user)
        r = client.post(reverse("notifications:send_again", args=[failed.pk]))
        assert r.status_code == HTTPStatus.FORBIDDEN
    failed.refresh_from_db()
    assert failed.status == Email.Status.FAILED, "a refused POST changes nothing"
    for user in (pmo_user, superuser):
        client.force_login(user)
        assert client.get(OUTBOX).status_code == HTTPStatus.OK, user


def test_counts_by_kind_and_status_and_failed_emails_with_their_error(client: Any, pmo_user: Any) -> None:
    EmailFactory.create_batch(3, kind="receipt", status="sent")
    EmailFactory(kind="receipt", status="ready")
    EmailFactory(kind="login_code", status="sent")
    EmailFactory(kind="digest", status="suppressed", last_error="x@example.org is on the suppression list.")
    EmailFactory(kind="receipt", status="failed", to="gone@example.org", last_error="SMTPRecipientsRefused: 550 <b>")
    client.force_login(pmo_user)
    body = client.get(OUTBOX).content.decode()
    assert "Emails by kind and status" in body
    # Each kind by its registered title; one no app registers now ("digest") by its name in words.
    rows = {
        kind: [int(n) for n in _numbers(body, kind)] for kind in ("Receipt", "Sign-in code", "Digest")
    }  # ready, sending, sent, failed, not sent, all
    assert rows == {"Receipt": [1, 0, 3, 1, 0, 5], "Sign-in code": [0, 0, 1, 0, 0, 1], "Digest": [0, 0, 0, 0, 1, 1]}
    assert "login_code" not in body
    assert "gone@example.org" in body
    assert "SMTPRecipientsRefused: 550 &lt;b&gt;" in body, "the error is shown, escaped"
    assert 'Send again<span class="nhsuk-u-visually-hidden"> the receipt email to gone@example.org' in body


def _numbers(body: str, kind: str) -> list[str]:
    """The numbers in the counts table's row for `kind` (each cell starts with its heading, for phones)."""
    row = re.search(rf"<tr[^>]*>\s*<td[^>]*>\s*(?:<span[^>]*>[^<]*</span>)?{kind}\s*</td>(.*?)</tr>", body, re.S)
    assert row, f"no row for {kind}"
    return re.findall(r"<td[^>]*>\s*(?:<span[^>]*>[^<]*</span>)?(\d+)\s*</td>", row.group(1))


def test_send_again_makes_a_failed_email_ready_lifts_its_suppression_and_queues_it(
    client: Any, pmo_user: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    from notifications import tasks

    published: list[Any] = []
    monkeypatch.setattr(tasks.send_email, "apply_async", lambda *a, **kw: published.append(kw))
    failed = EmailFactory(
        kind="login_code", status="failed", attempts=1, to="gone@example.org", last_error="550 no such mailbox"
    )
    Suppression.objects.create(address="gone@example.org", reason="550", email=failed)
    client.force_login(pmo_user)
    listed = client.get(OUTBOX).content.decode()
    assert f"{failed.created_at.astimezone(LONDON):%-d %B %Y}, {london_time(failed.created_at)}" in listed
    assert ".m." not in listed  # 7:19pm, as on every other page, not Django's 7:19p.m.
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("notifications:send_again", args=[failed.pk]))
    assert r.status_code == HTTPStatus.FOUND
    assert r["Location"] == OUTBOX
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.not_before) == (Email.Status.READY, 0, None)
    assert failed.last_error.startswith(f"Sent again by {pmo_user.get_username()} at ")
    assert failed.last_error.endswith("after: 550 no such mailbox")
    assert not Suppression.objects.exists()
    assert published == [{"kwargs": {"email_id": failed.pk}, "retry": False}]
    page = client.get(OUTBOX).content.decode()
    assert (
        "The sign-in code email to gone@example.org will be sent again in a moment." in page
    )  # its name, not login_code


@pytest.mark.parametrize("status", ["ready", "sending", "sent", "suppressed"])
def test_send_again_refuses_an_email_that_has_not_failed_and_changes_nothing(
    client: Any, pmo_user: Any, status: str
) -> None:
    email = EmailFactory(status=status, attempts=1)
    client.force_login(pmo_user)
    r = client.post(reverse("notifications:send_again", args=[email.pk]), follow=True)
    assert "not failed, so it was not sent again" in r.content.decode()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (status, 1)


def test_send_again_for_a_missing_email_says_so_and_a_get_is_not_allowed(client: Any, pmo_user: Any) -> None:
    client.force_login(pmo_user)
    r = client.post(reverse("notifications:send_again", args=[999999]), follow=True)
    assert "There is no such email in the outbox." in r.content.decode()
    assert client.get(reverse("notifications:send_again", args=[1])).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert client.post(OUTBOX).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_the_admin_shows_an_email_without_its_body(client: Any, superuser: Any, test_kinds: Any) -> None:  # noqa: F811
    """The bodies hold live sign-in codes and signed links: viewing the outbox in the admin must not reveal them."""
    email = EmailFactory(body_text="Your code is K7QX-2M4P", body_html="<p>Your code is K7QX-2M4P</p>")
    client.force_login(superuser)
    page = client.get(reverse("admin:notifications_email_change", args=[email.pk]))
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert email.to in html, "the page shows the row"
    assert "K7QX-2M4P" not in html
