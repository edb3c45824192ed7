"""The managers' emails page (/manage/consultations/<slug>/emails/): a consultation's reminders and staff emails,
planned (with when), sent, not sent (with the reason), failed, counted by kind and offset; its managers and the
PMO of its system only; a page of rows costs the same queries whatever the number of rows."""

import datetime
from http import HTTPStatus

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import roles
from engagement import deadlines
from engagement.models import Consultation
from notifications.models import Email
from tests.engagement.factories import AreaFactory, ConsultationFactory, ManagerScopeFactory, area_tree
from tests.factories import UserFactory
from tests.governance.factories import SystemFactory
from tests.html import parse

pytestmark = pytest.mark.django_db
LONDON_9AM = datetime.datetime(2026, 3, 22, 9, 0, tzinfo=deadlines.LONDON)


def manager(email, area):  # type: ignore[no-untyped-def]
    user = UserFactory(email=email, groups=[roles.CONSULTATION_MANAGER])
    ManagerScopeFactory(user=user, area=area)
    return user


def email(consultation, n, **fields):  # type: ignore[no-untyped-def]
    return Email.objects.create(
        about_type=ContentType.objects.get_for_model(Consultation),
        about_id=consultation.pk,
        dedup_key=f"test:{consultation.pk}:{n}:{fields.get('kind', 'reminder')}",
        **{"kind": "reminder", "to": f"person{n}@example.org", **fields},
    )


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    top, camden, _ = area_tree(slug="ncl")
    islington = AreaFactory(parent=top, system=top.system, level=camden.level, slug="islington")
    c = ConsultationFactory(owner_area=camden, system=camden.system, slug="camden-plan", title="Camden plan")
    email(c, 1, data={"offset_days": 7}, status="ready", not_before=LONDON_9AM)
    email(c, 2, data={"offset_days": 7}, status="sent", sent_at=LONDON_9AM)
    email(c, 3, data={"offset_days": 1}, status="suppressed", last_error="already responded")
    email(c, 4, data={"offset_days": 1}, status="failed", last_error="SMTPRecipientsRefused: 550 No such mailbox")
    email(c, 5, kind="consultation_closed", to="camden@nhs.net", status="sent", sent_at=LONDON_9AM)
    email(c, 6, kind="onward_deadline", data={"offset_days": 2}, to="camden@nhs.net", status="ready")
    other = ConsultationFactory(owner_area=islington, system=top.system, slug="islington-plan")
    email(other, 7, to="islington-follower@example.org")  # another consultation's: never shown here
    users = {
        "camden": manager("camden@nhs.net", camden),
        "ncl_top": manager("top@nhs.net", top),
        "islington": manager("islington@nhs.net", islington),
        "ncl_pmo": UserFactory(email="pmo.ncl@nhs.net", groups=[roles.PMO], pmo_systems=[top.system]),
        "nel_pmo": UserFactory(email="pmo.nel@nhs.net", groups=[roles.PMO], pmo_systems=[SystemFactory(slug="nel")]),
        "resident": UserFactory(email="resident@example.com"),
    }
    return c, users


URL = "/manage/consultations/camden-plan/emails/"


def test_it_lists_planned_sent_not_sent_with_the_reason_and_failed_and_counts_by_offset(client, world):
    _c, users = world
    client.force_login(users["camden"])
    page = client.get(URL).text
    assert "Planned for 9am on 22 March 2026" in page
    assert "Sent at 9am on 22 March 2026" in page
    assert "Not sent: already responded" in page
    assert "Failed: the recipient&#39;s mail server did not take it" in page
    assert "p••••@example.org" in page  # a follower's address, partly hidden
    assert "person1@example.org" not in page
    assert "camden@nhs.net" in page  # a colleague's, in full
    assert "islington-follower" not in page
    for label in ("Reminder 7 days before closing", "Reminder 1 day before closing", "Closing email",
                  "Onward deadline reminder 2 days before"):  # fmt: skip
        assert label in page
    # The counts table: each row's label, then Planned, Being sent, Sent, Not sent, Failed, All.
    table = parse(page).find_all("table")[0]
    rows = [[" ".join(cell.text.split()[-1:]) if i else cell.text for i, cell in enumerate(tr.find_all("td"))]
            for tr in table.find_all("tr")[1:]]  # fmt: skip
    labels = [" ".join(tr.find_all("td")[0].text.split()[1:]) for tr in table.find_all("tr")[1:]]
    assert labels == [
        "Closing email", "Onward deadline reminder 2 days before", "Reminder 7 days before closing",
        "Reminder 1 day before closing",
    ]  # fmt: skip
    assert [row[1:] for row in rows] == [
        ["0", "0", "1", "0", "0", "1"], ["1", "0", "0", "0", "0", "1"], ["1", "0", "1", "0", "0", "2"],
        ["0", "0", "0", "1", "1", "2"],
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("who", "status"),
    [("camden", 200), ("ncl_top", 200), ("ncl_pmo", 200), ("islington", 404), ("nel_pmo", 404), ("resident", 404)],
)
def test_only_its_managers_and_the_pmo_of_its_system_see_it(client, world, who, status):
    _c, users = world
    client.force_login(users[who])
    response = client.get(URL)
    assert response.status_code == status
    assert ("Not sent: already responded" in response.text) == (status == 200)
    if who == "ncl_pmo":  # found from the summary, as the manage pages are not the PMO's
        summary = client.get("/pmo/consultations/camden-plan/").text
        assert f'href="{URL}"' in summary
        assert 'href="/pmo/consultations/camden-plan/"' in response.text


def test_signed_out_is_sent_to_sign_in_and_nonsense_pages_are_not_errors(client, world):
    _c, users = world
    response = client.get(URL)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(users["camden"])
    for page in ("abc", "99999", "-1", "\x00"):
        assert client.get(URL, {"page": page}).status_code == 200
    assert client.get("/manage/consultations/no-such-plan/emails/").status_code == 404


def test_the_query_count_does_not_grow_with_the_rows(client, world):
    c, users = world
    client.force_login(users["camden"])
    client.get(URL)  # warm caches (content types)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    small = queries()
    for n in range(100, 180):
        email(c, n, data={"offset_days": 1 + n % 3}, status=["ready", "sent", "suppressed"][n % 3])
    big = queries()
    assert big == small
    second = client.get(URL, {"page": 2}).text
    assert "page 2 of 2" in second


def _empty_page(client, **fields):  # type: ignore[no-untyped-def]
    _top, camden, _ = area_tree(slug="sel")
    ConsultationFactory(owner_area=camden, system=camden.system, slug="quiet-plan", **fields)
    client.force_login(manager("quiet@nhs.net", camden))
    return " ".join(parse(client.get("/manage/consultations/quiet-plan/emails/").text).one("main").text.split())


def test_with_no_email_yet_it_says_when_the_next_reminder_goes(client):  # type: ignore[no-untyped-def]
    closing_day = deadlines.london_date(datetime.datetime.now(tz=deadlines.UTC)) + datetime.timedelta(days=20)
    text = _empty_page(client, closes_at=deadlines.closing_datetime(closing_day))
    week_before = deadlines.format_date(closing_day - datetime.timedelta(days=7))
    assert "No email about this consultation has been planned yet." in text
    assert f"The next reminder goes at 9am on {week_before} to followers and invitees" in text


def test_with_no_reminder_left_it_says_none_is_due(client):  # type: ignore[no-untyped-def]
    text = _empty_page(client, reminder_offsets=[])
    assert "No more reminders are due before it closes." in text
    assert "next reminder" not in text


def test_once_closed_it_speaks_of_the_past(client):  # type: ignore[no-untyped-def]
    text = _empty_page(client, closed=True)
    assert "No email about this consultation was planned before it closed." in text
    assert "It has closed, so no reminders will be sent." in text
    assert "are planned at each" not in text
    assert "next reminder" not in text


def test_a_draft_says_reminders_wait_for_publishing(client):  # type: ignore[no-untyped-def]
    text = _empty_page(client, draft=True)
    assert "Reminders are planned only once it is published." in text
    assert "next reminder" not in text
