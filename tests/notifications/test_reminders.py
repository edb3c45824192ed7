"""Reminders to followers who have not responded, at each offset before closing (London wall clock, through
the clock changes), planned set-based and idempotently, skipped at send time with the reason if things changed."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement import deadlines
from notifications.kinds import Skip
from notifications.models import Email, Follow
from notifications.reminders import reminder_due_at, reminders_plan
from notifications.services import emails_send_due
from tests.engagement.factories import AreaFactory, ConsultationFactory, ResponseFactory, area_tree
from tests.factories import UserFactory
from tests.threads import at_once

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def follow(target, *, user=None, email="", confirmed=True):  # type: ignore[no-untyped-def]
    return Follow.objects.create(
        user=user,
        email=email,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        confirmed_at=datetime.datetime(2026, 1, 1, tzinfo=UTC) if confirmed else None,
    )


def sent(consultation, **fields):  # type: ignore[no-untyped-def]
    return ResponseFactory(consultation=consultation, state="submitted", submitted_at=consultation.opens_at, **fields)


@pytest.fixture
def scene():  # type: ignore[no-untyped-def]
    """A consultation owned by the bottom of a three-level tree, closing 11:59pm Sunday 29 March 2026 (the clocks
    go forward at 1am that day), and followers of every sort."""
    top, middle, bottom = area_tree(slug="dst")
    closes = deadlines.closing_datetime(datetime.date(2026, 3, 29))
    consultation = ConsultationFactory(
        owner_area=bottom, system=bottom.system, opens_at=closes - datetime.timedelta(days=30), closes_at=closes
    )
    people = {name: UserFactory(email=f"{name}@example.org") for name in ("ann", "dev", "fay", "hal")}
    follow(consultation, user=people["ann"])  # no response: reminded
    follow(top, email="bo@example.org")  # an area above: reminded
    follow(consultation, email="cy@example.org", confirmed=False)  # never confirmed: not
    follow(middle, user=people["dev"])  # responded signed in: not
    sent(consultation, user=people["dev"], email="dev-other@example.org")
    follow(bottom, email="eve@example.org")  # responded signed out from this address: not
    sent(consultation, email="Eve@Example.org")
    follow(consultation, user=people["fay"])  # a draft in progress: reminded, "not sent yet"
    ResponseFactory(consultation=consultation, user=people["fay"])
    follow(AreaFactory(), email="gus@example.org")  # another area altogether: not
    follow(consultation, user=people["hal"])  # by account and by email: one reminder
    follow(top, email="hal@example.org")
    return consultation


def plain(message) -> str:  # type: ignore[no-untyped-def]
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return str(part.get_payload(decode=True).decode())


REMINDED = ["ann@example.org", "bo@example.org", "fay@example.org", "hal@example.org"]


def reminders(offset: int) -> list[str]:
    return sorted(Email.objects.filter(kind="reminder", data__offset_days=offset).values_list("to", flat=True))


def test_the_7_and_1_day_reminders_go_to_exactly_the_non_responders(scene) -> None:  # type: ignore[no-untyped-def]
    seven, one = reminder_due_at(scene.closes_at, 7), reminder_due_at(scene.closes_at, 1)
    # The deadline is 11:59pm BST on 29 March (22:59 UTC). The reminders go at 9am London time, which is 9am GMT
    # on 22 and 28 March (before the clocks change): 09:00 UTC, not 08:00 UTC as the deadline's offset would give.
    assert scene.closes_at.astimezone(UTC).hour == 22
    assert seven == datetime.datetime(2026, 3, 22, 9, 0, tzinfo=UTC)
    assert one == datetime.datetime(2026, 3, 28, 9, 0, tzinfo=UTC)

    plans = reminders_plan(now=seven - datetime.timedelta(seconds=1))
    assert [p.state for p in plans] == ["not due", "not due"]
    assert not Email.objects.exists()

    plans = reminders_plan(now=seven)
    assert {p.offset_days: p.state for p in plans} == {1: "not due", 7: "planned"}
    assert reminders(7) == REMINDED
    assert next(p for p in plans if p.offset_days == 7).responded == 2  # dev and eve

    again = reminders_plan(now=seven + datetime.timedelta(minutes=15))  # the next beat: nothing new
    assert next(p for p in again if p.offset_days == 7).already_planned == 4
    assert Email.objects.count() == 4

    plans = reminders_plan(now=one)
    assert {p.offset_days: p.state for p in plans} == {1: "planned", 7: "passed"}
    assert reminders(1) == REMINDED
    assert Email.objects.count() == 8
    reminders_plan(now=one)
    assert Email.objects.count() == 8


def test_the_autumn_clock_change_and_no_two_reminders_at_once() -> None:
    # 11:59pm GMT on Sunday 25 October 2026; 7 days before is 9am BST on 18 October, 08:00 UTC.
    bottom = area_tree(slug="oct")[-1]
    closes = deadlines.closing_datetime(datetime.date(2026, 10, 25))
    consultation = ConsultationFactory(
        owner_area=bottom, system=bottom.system, opens_at=closes - datetime.timedelta(days=30), closes_at=closes
    )
    follow(consultation, email="a@example.org")
    seven = reminder_due_at(closes, 7)
    assert closes.astimezone(UTC).hour == 23
    assert seven == datetime.datetime(2026, 10, 18, 8, 0, tzinfo=UTC)
    # Planning first runs after both moments (beat was down): only the nearer reminder, not two at once.
    plans = reminders_plan(now=reminder_due_at(closes, 1) + datetime.timedelta(hours=1))
    assert {p.offset_days: p.state for p in plans} == {1: "planned", 7: "passed"}
    assert reminders(1) == ["a@example.org"]
    assert reminders(7) == []


def test_no_reminder_for_a_moment_before_opening_and_offsets_can_change() -> None:
    closes = deadlines.closing_datetime(datetime.date(2026, 6, 10))
    consultation = ConsultationFactory(
        opens_at=closes - datetime.timedelta(days=3), closes_at=closes, reminder_offsets=[14, 2, "x", 0]
    )
    follow(consultation, email="a@example.org")
    plans = reminders_plan(now=closes - datetime.timedelta(days=2, hours=16))  # 7:59am on 8 June: not yet 9am
    assert {p.offset_days: p.state for p in plans} == {2: "not due", 14: "before opening"}
    assert not Email.objects.exists()
    reminders_plan(now=reminder_due_at(closes, 2))
    assert reminders(2) == ["a@example.org"]


def test_planning_makes_the_same_number_of_queries_for_5_or_50_followers() -> None:
    def queries(n: int) -> int:
        consultation = ConsultationFactory(
            opens_at=datetime.datetime(2026, 5, 1, tzinfo=UTC), closes_at=datetime.datetime(2026, 6, 1, tzinfo=UTC)
        )
        for i in range(n):
            follow(consultation, email=f"p{n}-{i}@example.org")
        with CaptureQueriesContext(connection) as ctx:
            reminders_plan(now=reminder_due_at(consultation.closes_at, 1))
        Follow.objects.all().delete()
        consultation.delete()  # so the next run plans for one consultation too
        return len(ctx.captured_queries)

    Email.objects.all().delete()
    few = queries(5)
    Email.objects.all().delete()
    assert queries(50) == few


def test_sent_reminders_say_the_london_time_in_words_and_skip_what_changed(  # type: ignore[no-untyped-def]
    scene, smtp_sink
) -> None:
    seven = reminder_due_at(scene.closes_at, 7)
    reminders_plan(now=seven)
    # After planning: ann responds, bo unsubscribes (stops following).
    sent(scene, user=Follow.objects.get(user__email="ann@example.org").user)
    Follow.objects.filter(email="bo@example.org").delete()

    emails_send_due(now=seven + datetime.timedelta(minutes=1))
    by_to = {m["To"]: m for m in smtp_sink.messages}
    assert sorted(by_to) == ["fay@example.org", "hal@example.org"]
    hal = by_to["hal@example.org"]
    text = plain(hal)
    # Sent at 9:01am on 22 March, 7 days by the London calendar before the closing date.
    assert "closes at 11:59pm on 29 March, in 7 days" in text
    assert "/consultations/" in text
    assert "/unsubscribe/" in text
    assert hal["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    fay = by_to["fay@example.org"]
    assert fay["Subject"].startswith("You have not sent your response yet")
    assert "/respond/" in plain(fay)

    skipped = dict(Email.objects.filter(status="suppressed").values_list("to", "last_error"))
    assert skipped == {
        "ann@example.org": "already responded",
        "bo@example.org": "unsubscribed: no longer follows it or is invited",
    }


@pytest.mark.django_db(transaction=True)
def test_two_beats_planning_at_once_make_each_reminder_once(scene) -> None:  # type: ignore[no-untyped-def]
    seven = reminder_due_at(scene.closes_at, 7)
    _, errors = at_once(lambda: reminders_plan(now=seven))
    assert errors == []
    assert reminders(7) == REMINDED


def test_rendering_a_reminder_at_send_time_makes_three_queries(scene) -> None:  # type: ignore[no-untyped-def]
    from notifications.reminders import reminder_context

    seven = reminder_due_at(scene.closes_at, 7)
    reminders_plan(now=seven)
    email = Email.objects.get(to="hal@example.org")
    ContentType.objects.get_for_model(scene)  # cached per process, as in a worker
    with CaptureQueriesContext(connection) as captured:
        context = reminder_context(email, now=seven)
    assert isinstance(context, dict)
    assert context["consultation"] == scene
    # The consultation, the area tree's ranks (the one tree walk, once), one SELECT of every check (follows or
    # invited, not responded, a draft) and the invitees' names; a query per check, with the ranks read for each,
    # made it eight.
    assert len(captured) == 4, "\n".join(q["sql"] for q in captured.captured_queries)


def test_a_batch_of_reminders_is_checked_in_the_same_queries_as_one(scene) -> None:  # type: ignore[no-untyped-def]
    """The sender asks `reminder_contexts` once per claimed batch: as many queries for every row as for one, and
    each row's answer the one `reminder_context` gives it alone (skips with their reasons, the draft)."""
    from notifications.reminders import ALREADY_RESPONDED, UNSUBSCRIBED, reminder_context, reminder_contexts

    seven = reminder_due_at(scene.closes_at, 7)
    reminders_plan(now=seven)
    Follow.objects.filter(email="bo@example.org").delete()  # unfollowed since planning
    sent(scene, email="ann@example.org")  # responded since planning
    rows = list(Email.objects.filter(kind="reminder").order_by("to"))
    ContentType.objects.get_for_model(scene)
    with CaptureQueriesContext(connection) as one:
        reminder_contexts(rows[:1], now=seven)
    with CaptureQueriesContext(connection) as every:
        batch = reminder_contexts(rows, now=seven)
    assert len(every) == len(one) == 4
    answers = {e.to: batch[e.pk] for e in rows}
    assert answers["ann@example.org"] == Skip(ALREADY_RESPONDED)
    assert answers["bo@example.org"] == Skip(UNSUBSCRIBED)
    assert answers["fay@example.org"]["has_draft"] is True  # type: ignore[index]
    assert answers["hal@example.org"]["has_draft"] is False  # type: ignore[index]
    assert all(batch[e.pk] == reminder_context(e, now=seven) for e in rows)


def test_a_reminder_rendered_at_send_time_is_written_once_with_its_outcome(scene, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    seven = reminder_due_at(scene.closes_at, 7)
    reminders_plan(now=seven)
    with CaptureQueriesContext(connection) as captured:
        sent_count = emails_send_due(now=seven + datetime.timedelta(minutes=1))
    assert sent_count == len(smtp_sink.messages) == 4
    updates = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('UPDATE "notifications_email"')]
    # The sweep's stale rows, one claim for the batch, then one update per email with its text and SENT (the text
    # was written by a second update per email).
    assert len(updates) == 2 + sent_count, "\n".join(updates)
    for email in Email.objects.filter(kind="reminder", status="sent"):
        assert email.subject
        assert "/unsubscribe/" in email.body_text
        assert email.sent_at is not None
