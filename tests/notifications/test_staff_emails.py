"""The closing email and the onward-deadline reminder (notifications/staff_emails.py): to the owners (creator,
managers of the owning area and the areas above it, the PMO of its system), planned by beat's pass or written by
"Close now", once per recipient, with the counts as they are when it is sent."""

import datetime
import io

import pytest
from django.core.management import call_command

from accounts import roles
from engagement import deadlines
from engagement.services.consultations import consultation_close, consultation_update
from notifications import staff_emails
from notifications.models import Email
from notifications.services import emails_send_due
from notifications.tasks import plan_due_emails
from tests.engagement.factories import AreaFactory, ConsultationFactory, ManagerScopeFactory, ResponseFactory, area_tree
from tests.factories import UserFactory
from tests.governance.factories import SystemFactory

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
CLOSES = deadlines.closing_datetime(datetime.date(2026, 3, 29))
OWNERS = ["camden@nhs.net", "creator@nhs.net", "ncl.manager@nhs.net", "pmo.everywhere@nhs.net", "pmo.ncl@nhs.net"]


def manager(email, area):  # type: ignore[no-untyped-def]
    user = UserFactory(email=email, groups=[roles.CONSULTATION_MANAGER])
    ManagerScopeFactory(user=user, area=area)
    return user


def sent(consultation, **fields):  # type: ignore[no-untyped-def]
    return ResponseFactory(consultation=consultation, state="submitted", submitted_at=consultation.opens_at, **fields)


@pytest.fixture
def closing():  # type: ignore[no-untyped-def]
    """Camden's consultation in NCL, closing 11:59pm 29 March 2026, with 3 individual and 2 organisation responses
    (2 late), one held as suspected automated (not counted) and one draft."""
    top, camden, _bottom = area_tree(slug="ncl")
    islington = AreaFactory(parent=top, system=top.system, level=camden.level, slug="islington")
    consultation = ConsultationFactory(
        owner_area=camden,
        system=camden.system,
        opens_at=CLOSES - datetime.timedelta(days=30),
        closes_at=CLOSES,
        created_by=UserFactory(email="creator@nhs.net"),
        onward_deadline=datetime.date(2026, 4, 8),
        onward_deadline_text="so the ICS can answer NHS England",
    )
    manager("camden@nhs.net", camden)
    manager("ncl.manager@nhs.net", top)  # an area above: an owner too
    manager("islington@nhs.net", islington)  # a sibling area: not
    UserFactory(email="pmo.ncl@nhs.net", groups=[roles.PMO], pmo_systems=[top.system])
    UserFactory(email="pmo.nel@nhs.net", groups=[roles.PMO], pmo_systems=[SystemFactory(slug="nel")])  # not
    UserFactory(email="pmo.everywhere@nhs.net", groups=[roles.PMO])  # every system
    UserFactory(email="resident@example.com")
    for n in range(3):
        sent(consultation, is_late=n == 0)
    for n in range(2):
        sent(consultation, respondent_type="organisation", organisation_name=f"Trust {n}", is_late=n == 0)
    sent(consultation, suspected_automated=True, suspected_at=CLOSES, suspected_reason="hidden field")
    ResponseFactory(consultation=consultation)
    return consultation


def rows(kind: str = staff_emails.CLOSED_KIND) -> list[str]:
    return sorted(Email.objects.filter(kind=kind).values_list("to", flat=True))


def test_the_closing_email_goes_once_to_each_owner_over_real_smtp_with_the_counts(closing, smtp_sink, settings):
    settings.SITE_URL = "https://portal.example.nhs.uk"
    assert not staff_emails.closing_plan(now=CLOSES - datetime.timedelta(minutes=1))  # still open
    after = CLOSES + datetime.timedelta(minutes=10)
    (plan,) = staff_emails.closing_plan(now=after)
    assert (plan.planned, plan.already_planned) == (5, 0)
    assert rows() == OWNERS
    (again,) = staff_emails.closing_plan(now=after + datetime.timedelta(minutes=15))  # the next pass
    assert (again.planned, again.already_planned) == (0, 5)
    assert emails_send_due(now=after) == 5
    assert sorted(smtp_sink.to()) == OWNERS
    message = smtp_sink.messages[0]
    assert message["Subject"] == f"{closing.title} has closed: 5 responses"
    assert "List-Unsubscribe" not in message  # not optional: it is the job of whoever owns the consultation
    text = (
        next(p for p in message.walk() if p.get_content_type() == "text/plain")
        .get_payload(decode=True)
        .decode()
        .replace("\r\n", "\n")
    )
    assert "closed at 11:59pm on 29 March 2026" in text
    assert "Responses: 5\nOf which late: 2\nOf which on behalf of organisations: 2" in text
    assert f"https://portal.example.nhs.uk/pmo/consultations/{closing.slug}/" in text
    html = (
        next(p for p in message.walk() if p.get_content_type() == "text/html")
        .get_payload(decode=True)
        .decode()
        .replace("\r\n", "\n")
    )
    assert "Of which on behalf of organisations</th><td>2</td>" in html
    # What comes next: the onward deadline, with what it is for.
    onward = "The onward deadline is 8 April 2026 (so the ICS can answer NHS England)."
    assert onward in text
    assert onward in html
    staff_emails.closing_plan(now=after + datetime.timedelta(hours=1))
    assert Email.objects.filter(kind=staff_emails.CLOSED_KIND).count() == 5  # nothing twice


def test_with_a_late_period_it_waits_until_responses_stop_and_never_for_old_consultations(closing):
    closing.late_grace = datetime.timedelta(days=2)
    closing.save()
    assert not staff_emails.closing_plan(now=CLOSES + datetime.timedelta(days=1))
    assert staff_emails.closing_plan(now=CLOSES + datetime.timedelta(days=2, minutes=1))[0].planned == 5
    Email.objects.all().delete()
    assert not staff_emails.closing_plan(now=CLOSES + datetime.timedelta(days=2) + staff_emails.CLOSED_WINDOW * 2)


def test_close_now_writes_the_closing_emails_in_its_transaction_and_the_pass_adds_none(
    closing, django_capture_on_commit_callbacks
):
    now = CLOSES - datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        consultation_close(consultation=closing, by=None, now=now, confirmed=True)
    assert rows() == OWNERS
    assert len(callbacks) == 5  # each row's sending is published after commit
    assert staff_emails.closing_plan(now=now + datetime.timedelta(minutes=15))[0].planned == 0


def test_close_now_unconfirmed_writes_nothing(closing):
    from engagement.services.consultations import ClosingNeedsConfirmation

    with pytest.raises(ClosingNeedsConfirmation):
        consultation_close(consultation=closing, by=None, now=CLOSES - datetime.timedelta(days=3), confirmed=False)
    assert rows() == []


def test_moving_the_closing_date_into_the_past_on_the_form_is_closing_early_too(closing):
    now = CLOSES - datetime.timedelta(days=3)
    consultation_update(
        consultation=closing, by=None, data={"closes_at": now - datetime.timedelta(hours=1)}, now=now,
        confirm_closing=True,
    )  # fmt: skip
    assert rows() == OWNERS


def test_a_reopened_consultation_is_not_said_to_have_closed(closing):
    staff_emails.closing_plan(now=CLOSES + datetime.timedelta(minutes=5))
    closing.closes_at = CLOSES + datetime.timedelta(days=5)
    closing.save()
    emails_send_due(now=CLOSES + datetime.timedelta(minutes=6))
    assert set(Email.objects.values_list("status", "last_error")) == {("suppressed", staff_emails.REOPENED)}


def london(day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(2026, 4, day, hour, tzinfo=deadlines.LONDON).astimezone(UTC)


def test_the_onward_deadline_reminder_2_days_before_and_on_the_morning(closing, mailoutbox):
    assert not staff_emails.onward_plan(now=london(6, 8))  # 8am, 2 days before: not yet
    (plan,) = staff_emails.onward_plan(now=london(6, 9))
    assert (plan.offset_days, plan.planned) == (2, 5)
    assert staff_emails.onward_plan(now=london(6, 10))[0].planned == 0
    emails_send_due(now=london(6, 9))
    assert mailoutbox[0].subject == f"In 2 days: the onward deadline for {closing.title} (8 April 2026)"
    assert "so the ICS can answer NHS England" in mailoutbox[0].body
    assert f"/pmo/consultations/{closing.slug}/" in mailoutbox[0].body
    (plan,) = staff_emails.onward_plan(now=london(8, 9))
    assert (plan.offset_days, plan.planned) == (0, 5)
    emails_send_due(now=london(8, 9))
    assert mailoutbox[-1].subject.startswith("Today: the onward deadline")
    assert not staff_emails.onward_plan(now=london(9, 9))  # the day has ended
    assert len(rows(staff_emails.ONWARD_KIND)) == 10


def test_late_planning_sends_only_the_nearest_onward_reminder_and_none_without_a_deadline(closing):
    assert [p.offset_days for p in staff_emails.onward_plan(now=london(8, 12))] == [0]
    Email.objects.all().delete()
    closing.onward_deadline = None
    closing.save()
    assert not staff_emails.onward_plan(now=london(8, 12))


def test_a_changed_onward_deadline_skips_what_was_planned_for_the_old_one(closing):
    staff_emails.onward_plan(now=london(6, 9))
    closing.onward_deadline = datetime.date(2026, 4, 20)
    closing.save()
    emails_send_due(now=london(6, 9))
    assert set(Email.objects.values_list("status", "last_error")) == {("suppressed", staff_emails.ONWARD_CHANGED)}


def test_beats_pass_and_send_due_notifications_plan_and_print_them(closing, monkeypatch):
    monkeypatch.setattr("engagement.tasks.timezone.now", lambda: CLOSES + datetime.timedelta(minutes=1))
    assert plan_due_emails() == 5
    Email.objects.all().delete()
    for now, line in [
        (CLOSES + datetime.timedelta(minutes=1), f"Closing email for '{closing.title}': would plan 5; already"),
        (london(6, 9), f"Onward deadline reminder 2 days before for '{closing.title}': would plan 5"),
    ]:
        out = io.StringIO()
        call_command("send_due_notifications", "--now", now.isoformat(), "--dry-run", stdout=out)
        assert line in out.getvalue()
    assert not Email.objects.exists()
