"""The engagement demo: the three seed consultations (closed), one open, one forthcoming; idempotent."""

import datetime
import io
from typing import Any

import pytest
from django.utils import timezone

import accounts.demo
import engagement.demo
import functions.demo
import governance.demo
from engagement import deadlines
from engagement.models import Consultation, ManagerScope, Question, Response

pytestmark = pytest.mark.django_db


def _load_all(now: datetime.datetime) -> str:
    out = io.StringIO()
    for loader in (accounts.demo, governance.demo, functions.demo, engagement.demo):
        loader.load(now=now, out=out)
    return out.getvalue()


def test_demo_builds_every_state_and_is_idempotent() -> None:
    now = timezone.now()
    _load_all(now)
    status = {c.slug: c.status_at(now=now) for c in Consultation.objects.all()}
    assert list(status.values()).count("closed") == 3
    assert list(status.values()).count("open") == 1
    assert list(status.values()).count("forthcoming") == 1

    nel = Consultation.objects.get(slug="nel-next-steps-for-integrated-care-systems")
    assert nel.title == "The next steps to building strong and effective integrated care systems"
    assert nel.owner_area.slug == "nel"
    assert nel.closes_at == deadlines.closing_datetime(datetime.date(2021, 1, 4))
    assert deadlines.describe_closed(nel.closes_at) == "closed at 11:59pm on 4 January 2021"
    assert nel.onward_deadline == datetime.date(2021, 1, 8)
    assert "NHS England and NHS Improvement" in nel.onward_deadline_text
    kinds = list(nel.questions.order_by("order").values_list("kind", flat=True))
    assert kinds == ["single_choice", "long_text", "long_text"]
    assert nel.questions.get(order=1).choices == ["Option 1", "Option 2"]
    assert "most effectively" in nel.questions.get(order=2).text

    elhcp = Consultation.objects.get(slug="elhcp-long-term-plan-chapter-2-integrated-care")
    assert elhcp.closes_at == deadlines.closing_datetime(datetime.date(2019, 10, 24))
    ncl = Consultation.objects.get(slug="ncl-draft-long-term-plan-working-as-partners")
    assert "illustrative" in ncl.summary

    open_one = Consultation.objects.open(now=now).get()
    assert set(open_one.questions.values_list("kind", flat=True)) == set(Question.Kind.values)
    assert open_one.sections.count() == 2
    assert open_one.questions.filter(show_if_question__isnull=False).exists()
    assert open_one.functions.exists()  # linked to the NCL function matrix

    scopes = set(ManagerScope.objects.values_list("user__email", "area__slug"))
    assert scopes == {("manager.ncl@demo.nhs.net", "ncl"), ("manager.nel@demo.nhs.net", "nel")}

    history = Consultation.history.count(), Question.history.count()
    second = _load_all(now)
    assert "0 created, 0 updated" in second.splitlines()[-1]
    assert (Consultation.history.count(), Question.history.count()) == history


def test_demo_without_governance_fails_clearly() -> None:
    with pytest.raises(engagement.demo.DemoPrerequisiteMissingError, match=r"run governance\.demo first"):
        engagement.demo.load(now=timezone.now(), out=io.StringIO())


def test_the_seed_consultations_carry_synthetic_responses_the_summary_labels(client: Any, pmo_user: Any) -> None:
    """`make run` shows the PMO a real summary: a few hundred made-up responses, said to be made up; once only."""
    import reporting.demo

    now = timezone.now()
    _load_all(now)
    reporting.demo.load(now=now, out=io.StringIO())
    reporting.demo.load(now=now, out=io.StringIO())  # idempotent: no second batch
    nel = Consultation.objects.get(slug="nel-next-steps-for-integrated-care-systems")
    expected = reporting.demo.DEMO_RESPONSES[nel.slug]
    assert Response.objects.counted().filter(consultation=nel, is_synthetic=True).count() == expected
    # The demo consultations carry none of reporting's batches: only the three responses of the open one's
    # audience (engagement/demo.py DEMO_AUDIENCE_RESPONSES), so its reminders have someone to leave out.
    on_demo_ones = Response.objects.filter(is_synthetic=True, consultation__slug__endswith="-demo")
    assert sorted(on_demo_ones.values_list("email", flat=True)) == sorted(
        address for address, _kind, _organisation in engagement.demo.DEMO_AUDIENCE_RESPONSES
    )
    client.force_login(pmo_user)
    page = client.get(f"/pmo/consultations/{nel.slug}/").content.decode()
    assert f"These {expected} responses are demonstration data" in page

    # A small codebook on one of them, some of its typed answers tagged, once only: the summary shows themes.
    from reporting.models import Theme, ThemeTag
    from reporting.selectors import theme_counts

    themes = Theme.objects.filter(consultation=nel)
    assert 3 <= themes.count() <= 5
    assert Theme.objects.exclude(consultation=nel).count() == 0
    counts = theme_counts(consultation=nel)
    assert all(0 < theme.count <= reporting.demo.TAGS_PER_THEME for theme in counts), counts
    tagged = ThemeTag.objects.filter(theme__consultation=nel)
    assert tagged.filter(answer__question__kind="long_text", answer__response__is_synthetic=True).count() == (
        tagged.count()
    )
    texts = Response.objects.filter(consultation=nel, answers__question__kind="long_text").count()
    assert tagged.values("answer").distinct().count() < texts, "some answers, not all"
    assert "Answers by theme" in page
    for theme in counts:
        assert theme.name in page


def test_demo_reminders_go_to_exactly_the_followers_and_invitees_who_have_not_responded(settings: Any) -> None:
    from django.core.management import call_command

    from notifications.models import Email, Follow, Invitee
    from notifications.reminders import reminder_due_at

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    now = timezone.now()
    _load_all(now)
    _load_all(now)  # idempotent: nobody followed, invited or responding twice
    consultation = Consultation.objects.get(slug=engagement.demo.AUDIENCE_CONSULTATION)
    assert Follow.objects.count() == 4
    assert Invitee.objects.invited_to(consultation).count() == 4
    assert Invitee.objects.get(email="council.lead@example.org").organisation is not None  # matched by name
    assert Response.objects.filter(consultation=consultation).sent().count() == 3

    seven = reminder_due_at(consultation.closes_at, 7)
    out = io.StringIO()
    call_command("send_due_notifications", "--now", seven.isoformat(), stdout=out)
    reminded = sorted(Email.objects.filter(kind="reminder", status="sent").values_list("to", flat=True))
    assert reminded == [
        "follower.ncl@example.com",
        "gp.lead@example.org",
        "healthwatch@example.org",
        "resident@example.com",
    ]
    assert "planned 4; already planned or sent: 0; skipped, already responded: 3" in out.getvalue()
    assert not Email.objects.exclude(status="sent").exists(), out.getvalue()
