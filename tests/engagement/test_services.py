"""Authoring services: the rules hold whatever calls them (views, admin actions, scripts)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.utils import timezone

from engagement.models import Answer, Consultation, Question, Response
from engagement.services import consultations as services
from tests.engagement.factories import ConsultationFactory, QuestionFactory, SectionFactory

pytestmark = pytest.mark.django_db


def _answer(question: Question, value: object) -> Answer:
    response = Response.objects.create(consultation=question.consultation, reference=f"S{Response.objects.count():08d}")
    return Answer.objects.create(response=response, question=question, value=value)


def test_multiple_choice_answers_protect_each_used_option_and_other() -> None:
    q = QuestionFactory(multiple_choice=True, allow_other=True)
    _answer(q, ["Red", "__other__"])
    with pytest.raises(ValidationError, match="“Red”"):
        services.question_update(question=q, data={"choices": ["Green", "Blue"]})
    with pytest.raises(ValidationError, match="“Other”"):
        services.question_update(question=q, data={"allow_other": False})
    q.refresh_from_db()
    assert (q.choices, q.allow_other) == (["Red", "Green", "Blue"], True)
    services.question_update(question=q, data={"choices": ["Red", "Blue", "Yellow"], "text": "Colours?"})
    q.refresh_from_db()
    assert q.choices == ["Red", "Blue", "Yellow"]


def test_database_backs_the_delete_refusal() -> None:
    q = QuestionFactory()
    _answer(q, "text")
    with pytest.raises(ValidationError):
        services.question_delete(question=q)
    with pytest.raises(ProtectedError):
        q.delete()


def test_refused_update_leaves_the_callers_object_alone() -> None:
    q = QuestionFactory(single_choice=True)
    _answer(q, "Option 1")
    with pytest.raises(ValidationError):
        services.question_update(question=q, data={"kind": "long_text"})
    assert q.kind == "single_choice"


def test_question_with_dependents_keeps_the_value_they_wait_for() -> None:
    c = ConsultationFactory()
    parent = QuestionFactory(consultation=c, order=1, single_choice=True)
    child = services.question_create(
        consultation=c, kind="long_text", text="Why?", show_if_question=parent, show_if_value="option 2"
    )
    assert child.show_if_value == "Option 2"  # normalised to the stored value
    with pytest.raises(ValidationError, match="depends on this question"):
        services.question_update(question=parent, data={"kind": "long_text"})
    with pytest.raises(ValidationError, match="keep that option"):
        services.question_update(question=parent, data={"choices": ["Option 1", "Option 3"]})
    with pytest.raises(ValidationError, match="depends on this question"):
        services.question_delete(question=parent)
    text_q = QuestionFactory(consultation=c, order=5)
    with pytest.raises(ValidationError, match="only on a choice"):
        services.question_create(
            consultation=c, kind="short_text", text="X", show_if_question=text_q, show_if_value="a"
        )


def test_question_settings_follow_the_kind() -> None:
    c = ConsultationFactory()
    q = services.question_create(
        consultation=c, kind="yes_no", text="Agree?", choices=["a", "b"], max_choices=2, max_length=40
    )
    assert (q.choices, q.max_choices, q.max_length, q.order) == ([], None, None, 1)
    with pytest.raises(ValidationError, match="appears twice"):
        services.question_create(consultation=c, kind="single_choice", text="Pick", choices=["A", "a"])
    with pytest.raises(ValidationError, match="between 1 and 3"):
        services.question_create(consultation=c, kind="multiple_choice", text="Pick", choices=["A", "B"],
                                 allow_other=True, max_choices=4)  # fmt: skip
    other = SectionFactory()
    with pytest.raises(ValidationError, match="section of this consultation"):
        services.question_create(consultation=c, kind="long_text", text="Q", section=other)
    assert c.questions.count() == 1


def test_reorder_renumbers_and_is_atomic() -> None:
    c = ConsultationFactory()
    a = QuestionFactory(consultation=c, order=3, kind="yes_no")
    b = QuestionFactory(consultation=c, order=9)
    d = QuestionFactory(consultation=c, order=12, show_if_question=a, show_if_value="yes")
    services.questions_reorder(consultation=c, order={b.pk: 1, a.pk: 2, d.pk: 3})
    assert list(c.questions.values_list("pk", "order").order_by("order")) == [(b.pk, 1), (a.pk, 2), (d.pk, 3)]
    with pytest.raises(ValidationError):
        services.questions_reorder(consultation=c, order={d.pk: 1, a.pk: 2, b.pk: 3})
    assert list(c.questions.values_list("pk", "order").order_by("order")) == [(b.pk, 1), (a.pk, 2), (d.pk, 3)]


def test_publish_unpublish_outcome_and_delete() -> None:
    now = timezone.now()
    c = ConsultationFactory(draft=True, closed=True)
    with pytest.raises(ValidationError):
        services.consultation_publish(consultation=c, by=None)
    QuestionFactory(consultation=c)
    services.consultation_publish(consultation=c, by=None)
    # The outcome itself is the outcomes app's (tests/outcomes/); its publishing sets this marker.
    c.outcome_published_at = now
    c.save()
    assert c.status_at(now=now + datetime.timedelta(seconds=1)) == Consultation.Status.OUTCOME_PUBLISHED
    with pytest.raises(ValidationError, match="withdraw the outcome"):
        services.consultation_unpublish(consultation=c, by=None)
    with pytest.raises(ValidationError, match="Only a draft"):
        services.consultation_delete(consultation=c, by=None)


def test_create_refuses_bad_dates_and_foreign_targets(areas) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    kwargs = {"by": None, "owner_area": areas["a"][1], "title": "T", "summary": "S"}
    with pytest.raises(ValidationError):
        services.consultation_create(**kwargs, opens_at=now, closes_at=now)
    with pytest.raises(ValidationError, match="another system"):
        services.consultation_create(
            **kwargs, opens_at=now, closes_at=now + datetime.timedelta(days=1), target_areas=[areas["b"][0]]
        )
    feed = services.consultation_create(
        **{**kwargs, "title": "Feed"}, opens_at=now, closes_at=now + datetime.timedelta(days=1)
    )
    assert feed.slug == "feed-2"  # "feed" is reserved for the Atom feed's address
    assert Consultation.objects.count() == 1


# --- closing early: the manager must confirm, told how many drafts are in progress ------------------------------

HOUR = datetime.timedelta(hours=1)


def _drafts(consultation: Consultation, n: int) -> None:
    from tests.engagement.factories import ResponseFactory

    for _ in range(n):
        ResponseFactory(consultation=consultation)


def test_close_needs_confirmation_and_says_how_many_drafts() -> None:
    from tests.engagement.factories import ResponseFactory

    now = timezone.now()
    c = ConsultationFactory(late_grace=datetime.timedelta(hours=48))
    _drafts(c, 3)
    ResponseFactory(consultation=c, state=Response.State.SUBMITTED, submitted_at=now)  # sent: not a draft
    closes_at = c.closes_at
    with pytest.raises(services.ClosingNeedsConfirmation) as asked:
        services.consultation_close(consultation=c, by=None, now=now, confirmed=False)
    assert asked.value.drafts == 3
    c.refresh_from_db()
    assert (c.closes_at, c.late_grace) == (closes_at, datetime.timedelta(hours=48)), "nothing changed"
    services.consultation_close(consultation=c, by=None, now=now, confirmed=True)
    c.refresh_from_db()
    assert (c.closes_at, c.late_grace) == (now, None)
    assert not c.accepts_responses_at(now=now + datetime.timedelta(seconds=1)), "no late period left either"


def test_close_in_the_late_period_ends_it_and_keeps_the_closing_date() -> None:
    now = timezone.now()
    c = ConsultationFactory(closes_at=now - HOUR, late_grace=datetime.timedelta(hours=24))
    services.consultation_close(consultation=c, by=None, now=now, confirmed=True)
    c.refresh_from_db()
    assert (c.closes_at, c.late_grace) == (now - HOUR, None)


@pytest.mark.parametrize("kind", ["closed", "forthcoming", "draft"])
def test_close_refuses_what_takes_no_responses(kind: str) -> None:
    c = ConsultationFactory(**{kind: True})
    with pytest.raises(ValidationError, match="not taking responses"):
        services.consultation_close(consultation=c, by=None, now=timezone.now(), confirmed=True)


def test_update_asks_before_a_closing_date_in_the_past_and_only_then() -> None:
    now = timezone.now()
    c = ConsultationFactory()
    _drafts(c, 2)
    with pytest.raises(services.ClosingNeedsConfirmation) as asked:
        services.consultation_update(consultation=c, by=None, data={"closes_at": now - HOUR, "title": "New"}, now=now)
    assert asked.value.drafts == 2
    c.refresh_from_db()
    assert (c.title != "New", c.closes_at > now) == (True, True), "nothing changed"
    # A later date, or any date once it has closed, needs no confirmation.
    services.consultation_update(consultation=c, by=None, data={"closes_at": now + 2 * HOUR}, now=now)
    services.consultation_update(
        consultation=c, by=None, data={"closes_at": now - HOUR, "title": "New"}, now=now, confirm_closing=True
    )
    c.refresh_from_db()
    assert (c.title, c.closes_at) == ("New", now - HOUR)
    services.consultation_update(consultation=c, by=None, data={"closes_at": now - 2 * HOUR}, now=now)


def test_update_asks_before_removing_the_late_period_it_is_in() -> None:
    now = timezone.now()
    c = ConsultationFactory(closes_at=now - HOUR, late_grace=datetime.timedelta(hours=24))
    with pytest.raises(services.ClosingNeedsConfirmation):
        services.consultation_update(consultation=c, by=None, data={"late_grace": None}, now=now)


def test_once_over_no_question_or_invitee_is_added_but_a_late_period_still_takes_them() -> None:
    from notifications.invites import InviteRow
    from notifications.models import Invitee

    row = InviteRow(line=2, name="Ada Lovelace", email="ada@example.org", organisation="")
    now = timezone.now()
    over = ConsultationFactory(closed=True)
    with pytest.raises(ValidationError, match="It has closed, so no questions can be added"):
        services.question_create(consultation=over, kind="long_text", text="Late?", now=now)
    with pytest.raises(ValidationError, match="no one can be added to the invite list"):
        services.invitees_import(consultation=over, rows=[row], by=None, now=now)
    assert not over.questions.exists()
    assert not Invitee.objects.invited_to(over).exists()
    # Closed but taking late responses: a late respondent could still answer, so it is not over yet.
    late = ConsultationFactory(closed=True, late_grace=datetime.timedelta(days=11))
    services.question_create(consultation=late, kind="long_text", text="Late?", now=now)
    assert services.invitees_import(consultation=late, rows=[row], by=None, now=now).added == 1
    # A draft with past dates is being prepared, not over.
    draft = ConsultationFactory(closed=True, draft=True)
    services.question_create(consultation=draft, kind="long_text", text="First?", now=now)
