"""Deadlines as residents read them: dates are Europe/London days, stored as UTC instants.

A closing date means the last instant of that London day (11:59pm and 59.999999 seconds), so a response sent at
23:59:59.999 London is in time and one at 00:00:00 the next day is not. Midnight is the first minute of a day,
so a deadline is never described as "midnight" (UK public-sector convention, see REFERENCE.md).
"""

import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from .models import Consultation

LONDON = ZoneInfo("Europe/London")
UTC = datetime.UTC


def opening_datetime(day: datetime.date) -> datetime.datetime:
    """00:00 London time on `day`, as an aware UTC datetime."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=LONDON).astimezone(UTC)


def closing_datetime(day: datetime.date) -> datetime.datetime:
    """23:59:59.999999 London time on `day`, as an aware UTC datetime.

    Built from the London wall clock, not "next midnight minus one microsecond in UTC", so the offset is the one in
    force at the end of that day (GMT or BST); neither daylight-saving change happens at 23:59, so it is unambiguous.
    """
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=LONDON).astimezone(UTC)


# Emails before a deadline go at 9am London: when people read them, not at a deadline's 11:59pm wall time.
MORNING = datetime.time(9, 0)


def morning_before(day: datetime.date, days: int) -> datetime.datetime:
    """9am London time `days` days before `day`, as an aware UTC datetime (GMT or BST, whichever is in force then)."""
    return datetime.datetime.combine(day - datetime.timedelta(days=days), MORNING, tzinfo=LONDON).astimezone(UTC)


def london_date(dt: datetime.datetime) -> datetime.date:
    """The London calendar date of an aware datetime."""
    return dt.astimezone(LONDON).date()


def format_time(dt: datetime.datetime) -> str:
    """'11:59pm', '9am', '12:30pm' in London time; never 'midnight'."""
    local = dt.astimezone(LONDON)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{hour}{minutes}{suffix}"


def format_date(day: datetime.date) -> str:
    """'4 January 2021' (no leading zero)."""
    return f"{day.day} {day:%B %Y}"


def describe_closing(dt: datetime.datetime) -> str:
    """'closes at 11:59pm on 4 January 2021'."""
    return f"closes at {format_time(dt)} on {format_date(london_date(dt))}"


def describe_closed(dt: datetime.datetime) -> str:
    """'closed at 11:59pm on 4 January 2021'."""
    return f"closed at {format_time(dt)} on {format_date(london_date(dt))}"


def describe_opening(dt: datetime.datetime) -> str:
    """'opens at 12am on 1 March 2027' is odd English; a day start is written as 'opens on 1 March 2027'."""
    local = dt.astimezone(LONDON)
    if local.time() == datetime.time.min:
        return f"opens on {format_date(local.date())}"
    return f"opens at {format_time(dt)} on {format_date(local.date())}"


def describe_onward(consultation: "Consultation", *, now: datetime.datetime) -> str:
    """The promise of what happens next; once its date has passed, in the past tense, and saying so plainly when
    no outcome has been published here since (a closed page must not go on promising a date years ago)."""
    if not consultation.onward_deadline:
        return ""
    when = format_date(consultation.onward_deadline)
    reason = consultation.onward_deadline_text.strip().rstrip(".")
    if consultation.onward_deadline >= london_date(now):
        return f"We will respond by {when}, {reason}." if reason else f"We will pass on what we hear by {when}."
    said = (
        f"We said we would respond by {when}, {reason}."
        if reason
        else f"We said we would pass on what we hear by {when}."
    )
    if consultation.outcome_published_at is None:
        return f"{said} We have not published what we did as a result on this website."
    return said
