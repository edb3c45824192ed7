"""You said, we did: who may write and publish an outcome, what the public sees and when, and who is emailed."""

import datetime
from http import HTTPStatus
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from engagement.models import Consultation
from notifications.models import Email
from notifications.services import emails_send_due
from outcomes import services
from outcomes.emails import KIND, NO_CONSENT
from outcomes.models import Outcome
from tests.engagement.factories import ConsultationFactory, ResponseFactory

pytestmark = pytest.mark.django_db

FORM = {
    "what_we_heard": "Most of you wanted care closer to home.",
    "points": "More clinics in the evening\n\nFewer trips to hospital",
    "decision": "We chose option 2.",
}


def edit_url(c: Consultation) -> str:
    return reverse("outcomes:edit", args=[c.slug])


def page(client: Any, c: Consultation) -> str:
    return client.get(reverse("engagement:consultation_detail", args=[c.slug])).content.decode()


def feed(client: Any) -> str:
    return client.get(reverse("engagement:consultation_feed")).content.decode()


def sent(c: Consultation, email: str, *, consent: bool = True, **kw: Any) -> Any:
    return ResponseFactory(
        consultation=c,
        email=email,
        consent_to_contact=consent,
        state="submitted",
        submitted_at=c.closes_at - datetime.timedelta(days=1),
        **kw,
    )


def test_only_the_consultations_managers_may_write_or_publish(client, scene, resident, pmo_user) -> None:  # type: ignore[no-untyped-def]
    """Managers of its area and of the area above may; a manager below it, of another system, the PMO and a
    resident get "not found" and change nothing; signed out goes to sign in."""
    c = scene.consultation
    data = {**FORM, "action": "publish"}
    assert client.post(edit_url(c), data).status_code == HTTPStatus.FOUND
    assert "/accounts/login/" in client.post(edit_url(c), data)["Location"]
    for user in (scene.neighbourhood_manager, scene.other_manager, pmo_user, resident):
        client.force_login(user)
        assert client.get(edit_url(c)).status_code == HTTPStatus.NOT_FOUND, user
        assert client.post(edit_url(c), data).status_code == HTTPStatus.NOT_FOUND, user
    assert not Outcome.objects.exists()

    client.force_login(scene.borough_manager)
    assert client.post(edit_url(c), {**FORM, "action": "save"}).status_code == HTTPStatus.FOUND
    client.force_login(scene.system_manager)
    assert client.post(edit_url(c), data).status_code == HTTPStatus.FOUND
    outcome = Outcome.objects.get()
    assert outcome.published_by == scene.system_manager
    assert outcome.published_at is not None
    c.refresh_from_db()
    assert c.outcome_published_at == outcome.published_at

    client.force_login(scene.other_manager)  # withdrawing is the managers' too
    assert client.post(reverse("outcomes:withdraw", args=[c.slug])).status_code == HTTPStatus.NOT_FOUND
    assert Outcome.objects.get().published_at is not None


def test_a_draft_is_invisible_and_the_published_outcome_shows_on_the_page_and_in_the_feed(client, scene) -> None:  # type: ignore[no-untyped-def]
    c = scene.consultation
    client.force_login(scene.borough_manager)
    client.post(edit_url(c), {**FORM, "decided_function": scene.function.pk, "action": "save"})
    client.logout()
    assert "We chose option 2." not in page(client, c)
    assert "We chose option 2." not in feed(client)
    assert "You said, we did" not in page(client, c)

    client.force_login(scene.borough_manager)
    client.post(edit_url(c), {**FORM, "decided_function": scene.function.pk, "action": "publish"})
    client.logout()
    body = page(client, c)
    assert "Outcome published" in body
    for text in ("Most of you wanted care closer to home.", "More clinics in the evening", "We chose option 2."):
        assert text in body
    assert f"Decided at the {scene.borough.level.name} level, which owns" in body
    assert reverse("functions:function_detail", args=[scene.function.pk]) in body
    assert "We chose option 2." in feed(client)

    client.force_login(scene.borough_manager)
    client.post(reverse("outcomes:withdraw", args=[c.slug]))
    client.logout()
    assert "We chose option 2." not in page(client, c)
    assert "We chose option 2." not in feed(client)
    assert Outcome.objects.get().published_at is None  # kept as a draft


def test_publishing_before_closing_is_refused_with_a_reason_and_saves_only_the_draft(client, scene) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(owner_area=scene.borough, system=scene.top.system)
    client.force_login(scene.borough_manager)
    body = client.post(edit_url(c), {**FORM, "action": "publish"}).content.decode()
    assert "You can publish the outcome once the consultation has closed." in body
    assert not Outcome.objects.filter(published_at__isnull=False).exists()
    c.refresh_from_db()
    assert c.outcome_published_at is None


def test_bad_input_says_what_is_wrong_and_keeps_what_was_typed(client, scene) -> None:  # type: ignore[no-untyped-def]
    c = scene.consultation
    client.force_login(scene.borough_manager)
    long_point = "x" * 501
    body = client.post(
        edit_url(c), {"what_we_heard": "Typed text kept", "points": long_point, "decision": "", "action": "publish"}
    ).content.decode()
    assert "<title>Error: " in body
    assert "Enter what was decided" in body
    assert "Headline point 1 is longer than 500 characters" in body
    assert "Typed text kept" in body
    body = client.post(edit_url(c), {**FORM, "decided_function": "99999", "action": "save"}).content.decode()
    assert "Choose a function from the list" in body
    assert not Outcome.objects.exists()


def test_headline_points_show_no_total_character_count_and_each_limit_is_checked(client, scene) -> None:  # type: ignore[no-untyped-def]
    c = scene.consultation
    client.force_login(scene.borough_manager)
    body = client.get(edit_url(c)).content.decode()
    assert "at most 20 points of 500 characters each" in body
    assert "10020" not in body  # the old count: "You can enter up to 10020 characters"
    too_many = "\n".join(f"Point {n}" for n in range(21))
    body = client.post(edit_url(c), {**FORM, "points": too_many, "action": "save"}).content.decode()
    assert "Enter at most 20 headline points (you entered 21)" in body
    too_long = "x" * 500 + "\n" + "y" * 501
    body = client.post(edit_url(c), {**FORM, "points": too_long, "action": "save"}).content.decode()
    assert "Headline point 2 is longer than 500 characters" in body
    huge = "x" * 20_000
    body = client.post(edit_url(c), {**FORM, "points": huge, "action": "save"}).content.decode()
    assert "Enter at most 20 headline points of 500 characters each" in body
    assert not Outcome.objects.exists()


def test_the_email_goes_once_to_each_consenting_respondent_through_smtp(client, scene, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    c = scene.consultation
    sent(c, "ann@example.org")
    sent(c, "ANN@example.org")  # the same address twice: one email
    sent(c, "bo@example.org", consent=False)
    sent(c, "cy@example.org", suspected_automated=True, suspected_at=timezone.now())  # held: not counted
    ResponseFactory(consultation=c, email="draft@example.org", consent_to_contact=True)  # never sent
    other = ConsultationFactory(owner_area=scene.borough, system=scene.top.system, closed=True)
    sent(other, "di@example.org")  # another consultation's respondent

    client.force_login(scene.borough_manager)
    response = client.post(edit_url(c), {**FORM, "action": "publish"}, follow=True)
    assert "1 respondent who asked to hear about it will be emailed." in response.content.decode()
    client.post(edit_url(c), {**FORM, "decision": "We chose option 2, with changes.", "action": "save"})
    services.outcome_publish(outcome=Outcome.objects.get(), by=None, now=timezone.now())  # again: nothing new
    assert list(Email.objects.filter(kind=KIND).values_list("to", flat=True)) == ["ann@example.org"]

    emails_send_due(now=timezone.now() + datetime.timedelta(minutes=1))
    assert smtp_sink.to() == ["ann@example.org"]
    message = smtp_sink.messages[0]
    assert message["Subject"] == f"You said, we did: the outcome of {c.title}"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert f"/consultations/{c.slug}/#outcome" in text
    assert "/unsubscribe/" in text
    # The decision and the headline points are in the email itself, as published (read when it is sent).
    decision = Outcome.objects.get().decision
    assert f"What we decided:\r\n{decision}\r\n" in text
    assert "- More clinics in the evening\r\n- Fewer trips to hospital\r\n" in text
    html = next(p for p in message.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    assert "<li>More clinics in the evening</li><li>Fewer trips to hospital</li>" in html


def test_an_email_not_yet_sent_is_skipped_when_the_outcome_is_withdrawn(client, scene, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    c = scene.consultation
    sent(c, "ann@example.org")
    outcome = services.outcome_save(consultation=c, by=None, points=[], decided_function=None, **_texts())
    services.outcome_publish(outcome=outcome, by=None, now=timezone.now())
    services.outcome_withdraw(outcome=outcome, by=None)
    emails_send_due(now=timezone.now() + datetime.timedelta(minutes=1))
    assert smtp_sink.messages == []
    assert Email.objects.get(kind=KIND).status == Email.Status.SUPPRESSED


def test_an_email_not_yet_sent_is_skipped_when_consent_is_gone(scene, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    c = scene.consultation
    response = sent(c, "ann@example.org")
    outcome = services.outcome_save(consultation=c, by=None, points=[], decided_function=None, **_texts())
    services.outcome_publish(outcome=outcome, by=None, now=timezone.now())
    response.consent_to_contact = False  # e.g. the retention purge ran in between
    response.save()
    emails_send_due(now=timezone.now() + datetime.timedelta(minutes=1))
    assert smtp_sink.messages == []
    assert Email.objects.get(kind=KIND).last_error == NO_CONSENT


def test_a_batch_of_outcome_emails_is_sent_in_the_same_reads_for_2_or_12(scene, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    """The sweep asks `outcome_contexts` once per claimed batch: as many reads for 12 rows as for 2 (it was three or
    four per email), one update per email, and consent withdrawn since planning still skips that one row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def publish_and_send(c: Consultation, consenting: int) -> tuple[int, list[str], list[str]]:
        responses = [sent(c, f"p{n}@{c.slug}.example.org") for n in range(consenting)]
        outcome = services.outcome_save(consultation=c, by=None, points=[], decided_function=None, **_texts())
        services.outcome_publish(outcome=outcome, by=None, now=timezone.now())
        responses[-1].consent_to_contact = False  # since planning
        responses[-1].save()
        with CaptureQueriesContext(connection) as captured:
            count = emails_send_due(now=timezone.now() + datetime.timedelta(minutes=1))
        sql = [q["sql"] for q in captured.captured_queries]
        updates = [q for q in sql if q.startswith('UPDATE "notifications_email"')]
        return count, [q for q in sql if q not in updates], updates

    small = publish_and_send(scene.consultation, 2)
    other = ConsultationFactory(owner_area=scene.borough, system=scene.top.system, closed=True)
    big = publish_and_send(other, 12)

    assert (small[0], big[0]) == (1, 11)
    assert len(big[1]) == len(small[1]), "\n".join(big[1])
    # The stale rows' reset and the claim, then one per email (its text with SENT, or the skip).
    assert (len(small[2]), len(big[2])) == (2 + 2, 2 + 12)
    skipped = Email.objects.filter(kind=KIND, status=Email.Status.SUPPRESSED).order_by("to")
    assert [(e.to, e.last_error) for e in skipped] == [
        (f"p11@{other.slug}.example.org", NO_CONSENT),
        (f"p1@{scene.consultation.slug}.example.org", NO_CONSENT),
    ]
    assert sorted(smtp_sink.to()) == sorted(
        [f"p0@{scene.consultation.slug}.example.org", *(f"p{n}@{other.slug}.example.org" for n in range(11))]
    )
    text = next(p for p in smtp_sink.messages[-1].walk() if p.get_content_type() == "text/plain")
    assert f"/consultations/{other.slug}/#outcome" in text.get_payload(decode=True).decode()


def test_editing_a_published_outcome_keeps_its_history(scene) -> None:  # type: ignore[no-untyped-def]
    c = scene.consultation
    outcome = services.outcome_save(consultation=c, by=None, points=["One"], decided_function=None, **_texts())
    services.outcome_publish(outcome=outcome, by=None, now=timezone.now())
    services.outcome_save(consultation=c, by=None, points=["One", "Two"], decided_function=None, **_texts("Changed"))
    outcome.refresh_from_db()
    assert outcome.published_at is not None
    assert outcome.decision == "Changed"
    assert [h.decision for h in outcome.history.order_by("history_date")] == ["Decided", "Decided", "Changed"]


def test_a_function_from_another_system_is_refused(scene) -> None:  # type: ignore[no-untyped-def]
    from tests.engagement.factories import area_tree
    from tests.functions.factories import FunctionFactory

    far = area_tree(slug="far")[0]
    foreign = FunctionFactory(system=far.system, owner=far.level)
    with pytest.raises(ValidationError, match="this system's matrix"):
        services.outcome_save(consultation=scene.consultation, by=None, points=[], decided_function=foreign, **_texts())


def _texts(decision: str = "Decided") -> dict[str, str]:
    return {"what_we_heard": "Heard", "decision": decision}


def test_the_edit_page_reads_the_functions_once_however_many(client, scene) -> None:  # type: ignore[no-untyped-def]
    """The form's choices are the selector's queryset itself (it was read into a list, then read again by pk),
    so the page reads the matrix's functions in one query, for one function or five."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from functions.models import Function
    from tests.functions.factories import FunctionFactory

    client.force_login(scene.borough_manager)
    table = connection.ops.quote_name(Function._meta.db_table)

    def edit_page() -> tuple[int, int, str]:
        with CaptureQueriesContext(connection) as captured:
            body = client.get(edit_url(scene.consultation)).content.decode()
        return len(captured), sum(f"FROM {table}" in q["sql"] for q in captured.captured_queries), body

    few, few_reads, _ = edit_page()
    for n in range(4):
        FunctionFactory(system=scene.top.system, title=f"Function {n}", owner=scene.borough.level)
    many, many_reads, body = edit_page()
    assert (few_reads, many_reads) == (1, 1)
    assert few == many
    assert "Function 3 (owned by" in body
    client.post(edit_url(scene.consultation), {**FORM, "action": "save", "decided_function": scene.function.pk})
    assert Outcome.objects.get().decided_function == scene.function


def test_paragraphs_typed_in_a_browser_stay_paragraphs(client, scene) -> None:  # type: ignore[no-untyped-def]
    """A browser sends line breaks as \\r\\n: a blank line between paragraphs is "\\r\\n\\r\\n", which must still
    make two paragraphs (it made one)."""
    c = scene.consultation
    client.force_login(scene.system_manager)
    heard = "Most of you wanted care closer to home.\r\n\r\nOrganisations asked for shared records."
    decided = "We chose option 2.\r\n \r\nWe will review it in a year."
    data = {**FORM, "what_we_heard": heard, "decision": decided, "action": "publish"}
    assert client.post(edit_url(c), data).status_code == HTTPStatus.FOUND
    html = page(client, c)
    for paragraph in ("Most of you wanted care closer to home.", "Organisations asked for shared records.",
                      "We chose option 2.", "We will review it in a year."):  # fmt: skip
        assert f"<p>{paragraph}</p>" in html, paragraph
    # The headline points belong to what we heard: listed before the themes and what we decided.
    assert html.index("<li>More clinics in the evening</li>") < html.index("What we decided")


def test_a_draft_saves_half_written_and_only_publishing_needs_both(client, scene) -> None:  # type: ignore[no-untyped-def]
    """Residents cannot see a draft: it saves with either text; publishing, or editing what residents already
    see, needs both (the form, the service and the database say so)."""
    c = scene.consultation
    client.force_login(scene.borough_manager)
    r = client.post(edit_url(c), {**FORM, "decision": "", "action": "save"})
    assert r.status_code == HTTPStatus.FOUND
    outcome = Outcome.objects.get()
    assert (outcome.what_we_heard, outcome.decision) == (FORM["what_we_heard"], "")
    body = client.post(edit_url(c), {"what_we_heard": " ", "decision": "", "action": "save"}).content.decode()
    assert "Enter what you heard or what was decided to save a draft" in body
    body = client.post(edit_url(c), {**FORM, "decision": "", "action": "publish"}).content.decode()
    assert "Enter what was decided" in body
    outcome.refresh_from_db()
    assert not outcome.is_published
    with pytest.raises(ValidationError, match="Enter what was decided before you publish"):
        services.outcome_publish(outcome=outcome, by=scene.borough_manager, now=timezone.now())
    client.post(edit_url(c), {**FORM, "action": "publish"})
    outcome.refresh_from_db()
    assert outcome.is_published
    body = client.post(edit_url(c), {**FORM, "what_we_heard": "", "action": "save"}).content.decode()
    assert "Enter what you heard" in body
    outcome.refresh_from_db()
    assert outcome.what_we_heard == FORM["what_we_heard"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Outcome.objects.filter(pk=outcome.pk).update(decision="")
