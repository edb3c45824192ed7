"""Removing personal data after the retention period: exactly the personal data goes, summaries still work, a dry
run changes nothing, and a second run is a no-op."""

import dataclasses
import datetime
import io
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from engagement.models import Answer, EqualityMonitoring, PendingEquality, Question, Response
from notifications.models import Email, Follow
from notifications.services import email_queue, follow_add, follow_request
from reporting.selectors import ReportFilters, consultation_summary, equality_summary
from retention.services import add_months, personal_data_purge, purge_due_at
from tests.engagement.factories import ConsultationFactory, QuestionFactory, ResponseFactory, area_tree
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _populate(consultation: Any, area: Any, tag: str) -> SimpleNamespace:
    """Sent responses with personal data, a draft, unsent changes, held equality answers, a follow and outbox
    rows."""
    text = QuestionFactory(consultation=consultation, order=1, text="What do you think?")
    email_q = QuestionFactory(consultation=consultation, order=2, kind=Question.Kind.EMAIL, text="Your email")
    user = UserFactory(email=f"{tag}.user@example.org")
    kept = []
    for n in range(3):
        r = ResponseFactory(
            consultation=consultation,
            state="submitted",
            submitted_at=consultation.closes_at - datetime.timedelta(days=1),
            email=f"{tag}{n}@example.org",
            consent_to_contact=True,
            user=user if n == 0 else None,
            respondent_type="organisation" if n == 2 else "individual",
            organisation_name="Barnet Carers" if n == 2 else "",
            organisation_role="Chief executive" if n == 2 else "",
            area=area,
        )
        Answer.objects.create(response=r, question=text, value=f"Answer {n}")
        Answer.objects.create(response=r, question=email_q, value=f"{tag}{n}@example.org")
        email_queue(kind="receipt", to=r.email, about=r, rendered=None, data={"site_url": "x"})
        kept.append(r)
    draft = ResponseFactory(consultation=consultation, email=f"{tag}.draft@example.org")
    Answer.objects.create(response=draft, question=text, value="Unsent thoughts")
    # Changes to a sent response, never sent: not the sent one's data, and gone with the drafts.
    changes = ResponseFactory(
        consultation=consultation, state="changes", replaces=kept[2], email=f"{tag}.c@example.org"
    )
    Answer.objects.create(response=changes, question=text, value="Unsent changes")
    PendingEquality.objects.create(consultation=consultation, response=draft, answers={"age_band": "25_34"})
    PendingEquality.objects.create(consultation=consultation, response=kept[1], answers={"age_band": "35_44"})
    for _ in range(6):
        EqualityMonitoring.objects.create(consultation=consultation, age_band="25_34")
    now = timezone.now()
    follow_add(user=user, target=consultation, now=now)
    follow_request(email=f"{tag}.follower@example.org", target=consultation, now=now)
    return SimpleNamespace(consultation=consultation, responses=kept, draft=draft, text=text, email_q=email_q)


@pytest.fixture
def scene() -> SimpleNamespace:
    top, borough, _n = area_tree(slug="ncl")
    due = ConsultationFactory(owner_area=top, system=top.system, closed=True, slug="due")
    kept = ConsultationFactory(owner_area=top, system=top.system, closed=True, slug="kept", retention_months=36)
    return SimpleNamespace(
        due=_populate(due, borough, "due"),
        kept=_populate(kept, borough, "kept"),
        now=purge_due_at(due) + datetime.timedelta(hours=1),
    )


def _personal(consultation: Any) -> dict[str, Any]:
    responses = Response.objects.filter(consultation=consultation)
    # Every address in a scene starts with its consultation's slug (due..., kept...).
    emails = Email.objects.filter(to__startswith=consultation.slug)
    return {
        "emails": sorted(responses.exclude(email="").values_list("email", flat=True)),
        "users": responses.exclude(user=None).count(),
        "roles": responses.exclude(organisation_role="").count(),
        "drafts": responses.filter(state__in=["draft", "changes"]).count(),
        "tokens": responses.exclude(submission_token=None).count(),
        "email_answers": Answer.objects.filter(response__consultation=consultation, question__kind="email").count(),
        "outbox": emails.count(),
        "held": PendingEquality.objects.filter(consultation=consultation).count(),
        "follows": Follow.objects.filter(target_id=consultation.pk).count(),
    }


def _figures(consultation: Any) -> tuple[Any, ...]:
    summary = consultation_summary(consultation=consultation, filters=ReportFilters())
    text_question = next(q for q in summary.questions if q.question.kind == Question.Kind.LONG_TEXT)
    return (
        summary.total,
        summary.individuals,
        summary.organisations,
        [dataclasses.astuple(r) for r in summary.by_area],
        text_question.answered,
        [(t, [c.shown for c in table.cells]) for t, table in equality_summary(consultation=consultation).tables],
    )


def test_purge_removes_exactly_the_personal_data_and_keeps_every_summary(scene) -> None:  # type: ignore[no-untyped-def]
    c = scene.due.consultation
    before = _figures(c)
    kept_before = _personal(scene.kept.consultation)
    assert _personal(c)["emails"]  # there is something to remove

    [purge] = personal_data_purge(now=scene.now)
    assert purge.consultation == c
    assert purge.counts == {
        "drafts": 2, "emails": 3, "accounts": 1, "roles": 1, "email_answers": 3, "tokens": 3, "outbox": 4,
        "held_equality": 2, "follows": 2,
    }  # fmt: skip
    assert _personal(c) == {
        "emails": [], "users": 0, "roles": 0, "drafts": 0, "tokens": 0, "email_answers": 0, "outbox": 0, "held": 0,
        "follows": 0,
    }  # fmt: skip
    assert not Response.objects.filter(consultation=c, consent_to_contact=True).exists()
    assert all(
        not e.body_text and not e.to
        for e in Email.objects.filter(kind="receipt", about_id__in=[r.pk for r in scene.due.responses])
    )
    # What stays: the sent responses' references, areas, types, organisation names and answers.
    assert sorted(Response.objects.filter(consultation=c).values_list("reference", flat=True)) == sorted(
        r.reference for r in scene.due.responses
    )
    assert Response.objects.filter(consultation=c, organisation_name="Barnet Carers").count() == 1
    assert Answer.objects.filter(response__consultation=c, question=scene.due.text).count() == 3
    assert _figures(c) == before
    # The other consultation, still within its 36 months, is untouched.
    assert _personal(scene.kept.consultation) == kept_before


def test_dry_run_changes_nothing_and_a_second_run_is_a_no_op(scene) -> None:  # type: ignore[no-untyped-def]
    c = scene.due.consultation
    before = _personal(c)
    [dry] = personal_data_purge(now=scene.now, dry_run=True)
    assert dry.total == 21
    assert _personal(c) == before
    [first] = personal_data_purge(now=scene.now)
    assert first.counts == dry.counts
    after = _personal(c)
    [second] = personal_data_purge(now=scene.now + datetime.timedelta(days=1))
    assert second.total == 0
    assert _personal(c) == after


def test_nothing_is_due_before_the_retention_period_ends(scene) -> None:  # type: ignore[no-untyped-def]
    assert personal_data_purge(now=scene.now - datetime.timedelta(hours=2)) == []


def test_the_command_says_what_it_removes_per_kind_and_consultation(scene) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("purge_personal_data", "--dry-run", "--now", scene.now.isoformat(), stdout=out)
    text = out.getvalue()
    assert "due (closed" in text
    assert "would remove" in text
    assert "  3 response email addresses" in text
    assert "  2 follows" in text
    assert "  2 drafts and changes never sent" in text
    assert "Dry run: 21 items would be removed from 1 consultations." in text
    # a dry run removes nothing: every address, a draft's and unsent changes' included, is still there
    assert Response.objects.filter(consultation=scene.due.consultation).exclude(email="").count() == 5
    out = io.StringIO()
    call_command("purge_personal_data", "--now", scene.now.isoformat(), stdout=out)
    assert "21 items removed from 1 consultations." in out.getvalue()


def test_the_command_refuses_a_time_it_cannot_read(db) -> None:  # type: ignore[no-untyped-def]
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="needs a time zone"):
        call_command("purge_personal_data", "--now", "2027-01-01T00:00:00")
    with pytest.raises(CommandError, match="not an ISO 8601"):
        call_command("purge_personal_data", "--now", "next tuesday")


def test_months_are_calendar_months() -> None:
    moment = datetime.datetime(2024, 8, 31, 22, 59, tzinfo=datetime.UTC)
    assert add_months(moment, 6) == datetime.datetime(2025, 2, 28, 22, 59, tzinfo=datetime.UTC)
    assert add_months(moment, 24) == datetime.datetime(2026, 8, 31, 22, 59, tzinfo=datetime.UTC)


def test_beat_runs_the_purge_daily_in_utc(settings, scene) -> None:  # type: ignore[no-untyped-def]
    from celery.schedules import crontab

    from ics_portal.celery import app
    from retention.tasks import purge_personal_data

    entry = settings.CELERY_BEAT_SCHEDULE["retention-purge-personal-data"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] == crontab(hour=3, minute=30)
    assert settings.CELERY_TIMEZONE == "UTC"
    assert purge_personal_data() == 0  # today: nothing in the scene is due yet
