"""Deadlines: a closing date is the whole London day, in GMT and BST and on both daylight-saving Sundays."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from engagement import deadlines
from engagement.models import Consultation

LONDON = ZoneInfo("Europe/London")
UTC = datetime.UTC

# (closing date, expected UTC instant of the last microsecond of that London day)
CASES = [
    pytest.param(datetime.date(2021, 1, 4), datetime.datetime(2021, 1, 4, 23, 59, 59, 999999, UTC), id="gmt"),
    pytest.param(datetime.date(2026, 7, 15), datetime.datetime(2026, 7, 15, 22, 59, 59, 999999, UTC), id="bst"),
    pytest.param(
        datetime.date(2026, 3, 29), datetime.datetime(2026, 3, 29, 22, 59, 59, 999999, UTC), id="clocks-forward"
    ),
    pytest.param(
        datetime.date(2026, 10, 25), datetime.datetime(2026, 10, 25, 23, 59, 59, 999999, UTC), id="clocks-back"
    ),
]


@pytest.mark.parametrize(("day", "expected"), CASES)
def test_closing_datetime_is_end_of_london_day(day: datetime.date, expected: datetime.datetime) -> None:
    closes = deadlines.closing_datetime(day)
    assert closes == expected
    assert closes.tzinfo == UTC
    local = closes.astimezone(LONDON)
    assert (local.date(), local.hour, local.minute, local.second) == (day, 23, 59, 59)


def test_opening_datetime_is_start_of_london_day() -> None:
    assert deadlines.opening_datetime(datetime.date(2021, 1, 4)) == datetime.datetime(2021, 1, 4, 0, 0, tzinfo=UTC)
    # BST: 00:00 London is 23:00 UTC the day before.
    assert deadlines.opening_datetime(datetime.date(2026, 7, 15)) == datetime.datetime(2026, 7, 14, 23, 0, tzinfo=UTC)
    # Clocks go forward at 01:00 GMT on 29 March 2026: midnight is still GMT.
    assert deadlines.opening_datetime(datetime.date(2026, 3, 29)) == datetime.datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    # Clocks go back at 02:00 BST on 25 October 2026: midnight is still BST.
    assert deadlines.opening_datetime(datetime.date(2026, 10, 25)) == datetime.datetime(2026, 10, 24, 23, 0, tzinfo=UTC)


def _consultation(day: datetime.date, grace: datetime.timedelta | None = None) -> Consultation:
    return Consultation(
        opens_at=deadlines.opening_datetime(day - datetime.timedelta(days=30)),
        closes_at=deadlines.closing_datetime(day),
        is_published=True,
        late_grace=grace,
    )


@pytest.mark.parametrize(("day", "expected"), CASES)
def test_last_millisecond_accepted_first_instant_of_next_day_refused(
    day: datetime.date, expected: datetime.datetime
) -> None:
    consultation = _consultation(day)
    last_ms = datetime.datetime.combine(day, datetime.time(23, 59, 59, 999000), tzinfo=LONDON)
    next_day = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0, 0), tzinfo=LONDON)
    assert consultation.accepts_responses_at(now=last_ms)
    assert consultation.status_at(now=last_ms) == Consultation.Status.OPEN
    assert not consultation.accepts_responses_at(now=next_day)
    assert consultation.status_at(now=next_day) == Consultation.Status.CLOSED
    # Also in UTC terms: one microsecond after the stored instant is too late.
    assert not consultation.accepts_responses_at(now=expected + datetime.timedelta(microseconds=1))


def test_opening_boundary() -> None:
    day = datetime.date(2026, 7, 15)
    consultation = Consultation(
        opens_at=deadlines.opening_datetime(day), closes_at=deadlines.closing_datetime(day), is_published=True
    )
    just_before = datetime.datetime(2026, 7, 14, 23, 59, 59, 999000, tzinfo=LONDON)
    assert not consultation.accepts_responses_at(now=just_before)
    assert consultation.status_at(now=just_before) == Consultation.Status.FORTHCOMING
    assert consultation.accepts_responses_at(now=datetime.datetime(2026, 7, 15, 0, 0, tzinfo=LONDON))


def test_late_grace_accepts_within_period_only() -> None:
    day = datetime.date(2021, 1, 4)
    consultation = _consultation(day, grace=datetime.timedelta(hours=12))
    next_morning = datetime.datetime(2021, 1, 5, 11, 59, tzinfo=LONDON)
    assert consultation.status_at(now=next_morning) == Consultation.Status.CLOSED
    assert consultation.accepts_responses_at(now=next_morning)
    assert not consultation.accepts_responses_at(now=datetime.datetime(2021, 1, 5, 12, 0, 0, 1, tzinfo=LONDON))
    # Without a grace period the same moment is refused.
    assert not _consultation(day).accepts_responses_at(now=next_morning)


def test_unpublished_never_accepts() -> None:
    consultation = _consultation(datetime.date(2021, 1, 4))
    consultation.is_published = False
    assert not consultation.accepts_responses_at(now=datetime.datetime(2021, 1, 3, tzinfo=UTC))
    assert consultation.status_at(now=datetime.datetime(2021, 1, 3, tzinfo=UTC)) == Consultation.Status.DRAFT


@pytest.mark.parametrize(("day", "expected"), CASES)
def test_describe_closing(day: datetime.date, expected: datetime.datetime) -> None:
    text = deadlines.describe_closing(deadlines.closing_datetime(day))
    assert text == f"closes at 11:59pm on {day.day} {day:%B %Y}"
    assert "midnight" not in text


def test_describe_closing_exact_wording() -> None:
    assert deadlines.describe_closing(deadlines.closing_datetime(datetime.date(2021, 1, 4))) == (
        "closes at 11:59pm on 4 January 2021"
    )
    assert deadlines.describe_closed(deadlines.closing_datetime(datetime.date(2019, 10, 24))) == (
        "closed at 11:59pm on 24 October 2019"
    )
    assert deadlines.describe_closing(datetime.datetime(2026, 7, 15, 8, 30, tzinfo=UTC)) == (
        "closes at 9:30am on 15 July 2026"
    )


def test_describe_opening() -> None:
    assert deadlines.describe_opening(deadlines.opening_datetime(datetime.date(2027, 3, 1))) == "opens on 1 March 2027"
    assert deadlines.describe_opening(datetime.datetime(2027, 3, 1, 9, 0, tzinfo=UTC)) == "opens at 9am on 1 March 2027"
