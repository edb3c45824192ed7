"""Opening emails to invitees and to followers of the consultation's area and the areas above it (not a sibling
area's), once only however often planning runs, at publish or by the planner; reminders to invitees, with
"responded" by account, address or organisation; and a real SMTP delivery with the one-click unsubscribe headers."""

import datetime
import hashlib
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.services.consultations import consultation_publish
from notifications import services as svc
from notifications.models import Email, Follow, Invitee
from notifications.openings import NOT_INVITED, OPENED_WITHIN, openings_plan
from notifications.reminders import ALREADY_RESPONDED, reminder_due_at, reminders_plan
from tests.engagement.factories import (
    AreaFactory,
    ConsultationFactory,
    OrganisationFactory,
    QuestionFactory,
    ResponseFactory,
    area_tree,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
OPENS = datetime.datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
CLOSES = datetime.datetime(2026, 4, 30, 22, 59, 59, tzinfo=UTC)  # 11:59pm BST on 30 April


def follow(target: Any, *, email: str = "", user: Any = None) -> Follow:
    return Follow.objects.create(
        user=user,
        email=email,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        confirmed_at=OPENS - datetime.timedelta(days=30),
    )


def invite(consultation: Any, email: str, organisation: Any = None, organisation_name: str = "") -> Invitee:
    return Invitee.objects.create(
        target=consultation,
        email=email,
        name=email.split("@")[0].title(),
        organisation=organisation,
        organisation_name=organisation.name if organisation else organisation_name,
    )


def sent(consultation: Any, **fields: Any) -> Any:
    return ResponseFactory(consultation=consultation, state="submitted", submitted_at=OPENS, **fields)


def to(kind: str, **filters: Any) -> list[str]:
    return sorted(Email.objects.filter(kind=kind, **filters).values_list("to", flat=True))


@pytest.fixture
def tree() -> dict[str, Any]:
    """NCL > Camden > a Camden neighbourhood, and Islington beside Camden."""
    ncl, camden, neighbourhood = area_tree(slug="ncl")
    islington = AreaFactory(parent=ncl, level=camden.level, name="Islington")
    return {"ncl": ncl, "camden": camden, "neighbourhood": neighbourhood, "islington": islington}


@pytest.fixture
def consultation(tree: dict[str, Any]) -> Any:
    """Owned by the Camden neighbourhood, with an audience of every sort, opening on 2 March 2026."""
    area = tree["neighbourhood"]
    consultation = ConsultationFactory(owner_area=area, system=area.system, opens_at=OPENS, closes_at=CLOSES)
    follow(tree["ncl"], email="ncl@example.org")  # above: told
    follow(tree["camden"], email="camden@example.org")  # above: told
    follow(tree["neighbourhood"], user=UserFactory(email="Local@Example.org"))  # its own area, by account: told
    follow(tree["islington"], email="islington@example.org")  # a sibling: not told
    follow(consultation, email="both@example.org")  # follows it and is invited: one email
    invite(consultation, "both@example.org")
    invite(consultation, "invited@example.org")
    Invitee.objects.create(target=consultation, email="left@example.org", name="Left", unsubscribed_at=OPENS)
    return consultation


TOLD = [
    "both@example.org",
    "camden@example.org",
    "invited@example.org",
    "local@example.org",
    "ncl@example.org",
]


def test_opening_emails_reach_invitees_and_followers_at_and_above_not_a_sibling_once(consultation) -> None:  # type: ignore[no-untyped-def]
    assert openings_plan(now=OPENS - datetime.timedelta(minutes=1)) == []  # not open yet: nothing
    assert not Email.objects.exists()

    (plan,) = openings_plan(now=OPENS + datetime.timedelta(minutes=5))
    assert (plan.planned, plan.already_planned) == (5, 0)
    assert to("consultation_opened") == TOLD

    (again,) = openings_plan(now=OPENS + datetime.timedelta(minutes=20))  # the next beat
    assert (again.planned, again.already_planned) == (0, 5)
    assert Email.objects.count() == 5


def test_publishing_an_open_consultation_queues_its_opening_emails_at_once(tree) -> None:  # type: ignore[no-untyped-def]
    area = tree["camden"]
    now = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    draft = ConsultationFactory(owner_area=area, system=area.system, opens_at=OPENS, closes_at=CLOSES, draft=True)
    QuestionFactory(consultation=draft)
    follow(tree["ncl"], email="ncl@example.org")
    follow(tree["neighbourhood"], email="below@example.org")  # an area below the owner: not about it
    invite(draft, "invited@example.org")
    consultation_publish(consultation=draft, by=None, now=now)
    assert to("consultation_opened") == ["invited@example.org", "ncl@example.org"]
    assert set(Email.objects.values_list("not_before", flat=True)) == {now}  # the minute sweep sends them
    openings_plan(now=now + datetime.timedelta(minutes=15))
    assert Email.objects.count() == 2


def test_a_forthcoming_consultation_is_not_announced_at_publish(tree) -> None:  # type: ignore[no-untyped-def]
    draft = ConsultationFactory(owner_area=tree["camden"], opens_at=OPENS, closes_at=CLOSES, draft=True)
    QuestionFactory(consultation=draft)
    invite(draft, "invited@example.org")
    consultation_publish(consultation=draft, by=None, now=OPENS - datetime.timedelta(days=1))
    assert not Email.objects.exists()
    openings_plan(now=OPENS)
    assert to("consultation_opened") == ["invited@example.org"]


def test_long_after_opening_only_new_invitees_hear(consultation) -> None:  # type: ignore[no-untyped-def]
    later = OPENS + OPENED_WITHIN + datetime.timedelta(hours=1)
    (plan,) = openings_plan(now=later)
    assert not plan.followers_too
    assert to("consultation_opened") == ["both@example.org", "invited@example.org"]


def test_an_opening_email_is_skipped_when_sent_if_they_left_the_list(consultation, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    openings_plan(now=OPENS)
    Invitee.objects.filter(email="invited@example.org").delete()
    svc.emails_send_due(now=OPENS + datetime.timedelta(minutes=1))
    skipped = Email.objects.get(to="invited@example.org")
    assert (skipped.status, skipped.last_error) == (Email.Status.SUPPRESSED, NOT_INVITED)
    assert Email.objects.filter(status=Email.Status.SENT).count() == 4


def test_no_opening_email_to_someone_who_has_already_responded(consultation, settings) -> None:  # type: ignore[no-untyped-def]
    """An invitee added long after opening whose organisation has responded is not told "it is open" (as reminders
    count responding); one who responds between planning and sending is skipped with the reason."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    later = OPENS + OPENED_WITHIN + datetime.timedelta(hours=1)
    trust = OrganisationFactory()
    sent(consultation, respondent_type="organisation", organisation=trust, email="colleague@example.org")
    invite(consultation, "trust.lead@example.org", organisation=trust)
    sent(consultation, email="both@example.org")  # invited and following, and has responded
    openings_plan(now=later)
    assert to("consultation_opened") == ["invited@example.org"]

    carers = OrganisationFactory(name="Camden Carers Centre")
    invite(consultation, "late@example.org", organisation=carers)
    openings_plan(now=later + datetime.timedelta(minutes=15))
    sent(consultation, respondent_type="organisation", organisation=carers)
    svc.emails_send_due(now=later + datetime.timedelta(minutes=16))
    late = Email.objects.get(kind="consultation_opened", to="late@example.org")
    assert (late.status, late.last_error) == (Email.Status.SUPPRESSED, ALREADY_RESPONDED)
    assert Email.objects.get(kind="consultation_opened", to="invited@example.org").status == Email.Status.SENT


def test_opening_email_through_a_real_smtp_server_with_one_click_unsubscribe(consultation, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    Follow.objects.all().delete()
    Invitee.objects.exclude(email="invited@example.org").delete()
    Invitee.objects.filter(email="invited@example.org").update(organisation_name="Camden Carers")
    openings_plan(now=OPENS)
    assert svc.emails_send_due(now=OPENS) == 1
    (message,) = smtp_sink.messages
    assert message["To"] == "invited@example.org"
    assert message["Subject"] == f"Now open: {consultation.title}"
    unsubscribe_header = "".join(message["List-Unsubscribe"].split())  # a long header is folded
    assert unsubscribe_header.startswith("<http")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in message.walk() if not p.is_multipart()}
    assert set(parts) == {"text/plain", "text/html"}
    assert "on behalf of Camden Carers" in parts["text/plain"]
    assert "closes at 11:59pm on 30 April 2026 (London time)" in parts["text/plain"]
    assert "/unsubscribe/" in parts["text/plain"]
    assert "/unsubscribe/" in parts["text/html"]

    # The header's one-click POST opts the invitee out: the next planning pass leaves them out.
    token = unsubscribe_header.strip("<>").rstrip("/").rsplit("/", 1)[1]
    svc.unsubscribe(token=token, now=OPENS)
    assert Invitee.objects.get(email="invited@example.org").unsubscribed_at == OPENS
    reminders_plan(now=reminder_due_at(CLOSES, 7))
    assert to("reminder") == []


# --- reminders to invitees ----------------------------------------------------------------------------------------


def test_reminders_leave_out_whoever_responded_by_account_address_or_organisation(consultation) -> None:  # type: ignore[no-untyped-def]
    nhs_trust = OrganisationFactory(name="Royal Free London NHS Foundation Trust")
    invite(consultation, "trust.lead@example.org", organisation=nhs_trust)  # the trust responded: not reminded
    sent(consultation, respondent_type="organisation", organisation=nhs_trust, email="someone.else@example.org")
    invite(consultation, "typed@example.org", organisation_name="Camden Carers Centre")  # by typed name: not
    sent(consultation, respondent_type="organisation", organisation_name="camden carers centre")
    invite(consultation, "other.org@example.org", organisation=OrganisationFactory())  # their organisation did not
    invite(consultation, "by.address@example.org")
    sent(consultation, email="By.Address@example.org")  # responded from the address: not
    account = UserFactory(email="by.account@example.org")
    invite(consultation, "by.account@example.org")
    sent(consultation, user=account, email="")  # responded signed in: not
    sent(consultation, email="camden@example.org")  # a follower responded: not

    seven = reminder_due_at(CLOSES, 7)
    plans = reminders_plan(now=seven)
    (planned,) = [p for p in plans if p.state == "planned"]
    expected = [
        "both@example.org",
        "invited@example.org",
        "local@example.org",
        "ncl@example.org",
        "other.org@example.org",
    ]
    assert to("reminder") == expected  # both@ follows and is invited: one reminder
    assert planned.responded == 5
    reminders_plan(now=seven + datetime.timedelta(minutes=15))
    assert Email.objects.filter(kind="reminder").count() == len(expected)


def test_a_reminder_is_skipped_if_their_organisation_responded_since(consultation, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    trust = OrganisationFactory()
    invite(consultation, "lead@example.org", organisation=trust)
    seven = reminder_due_at(CLOSES, 7)
    reminders_plan(now=seven)
    sent(consultation, respondent_type="organisation", organisation=trust)
    svc.emails_send_due(now=seven)
    email = Email.objects.get(kind="reminder", to="lead@example.org")
    assert (email.status, email.last_error) == (Email.Status.SUPPRESSED, ALREADY_RESPONDED)


def test_an_invitees_reminder_greets_them_says_they_were_invited_and_replies_reach_the_team(
    consultation, smtp_sink
) -> None:  # type: ignore[no-untyped-def]
    invite(consultation, "trust.lead@example.org", organisation_name="Royal Free London NHS Foundation Trust")
    consultation.contact_email = "camden.engagement@nhs.net"
    consultation.save(update_fields=["contact_email"])
    seven = reminder_due_at(CLOSES, 7)
    reminders_plan(now=seven)
    assert set(Email.objects.values_list("reply_to", flat=True)) == {""}  # planned, not rendered yet
    svc.emails_send_due(now=seven)
    texts = {m["To"]: plain(m) for m in smtp_sink.messages}
    # A reply reaches the team running it, not the portal's no-reply address.
    assert {m["Reply-To"] for m in smtp_sink.messages} == {"camden.engagement@nhs.net"}
    assert set(Email.objects.values_list("reply_to", flat=True)) == {"camden.engagement@nhs.net"}
    invited, follower = texts["trust.lead@example.org"], texts["ncl@example.org"]
    assert invited.startswith("Dear Trust.Lead,")
    assert "because you were invited to this consultation" in invited
    assert "you follow" not in invited
    assert not follower.startswith("Dear")
    assert "because you follow this consultation or its area" in follower
    # The 7-day reminder goes at 9am London time on 23 April, 7 days by the calendar before 30 April.
    assert seven == datetime.datetime(2026, 4, 23, 8, 0, tzinfo=UTC)
    assert "closes at 11:59pm on 30 April, in 7 days" in invited


def test_planning_takes_the_same_queries_for_10_or_200_invitees() -> None:
    def queries(n: int) -> int:
        consultation = ConsultationFactory(opens_at=OPENS, closes_at=CLOSES)
        Invitee.objects.bulk_create(
            Invitee(target=consultation, email=f"p{i}@{consultation.slug}.example.org", name="P") for i in range(n)
        )
        with CaptureQueriesContext(connection) as captured:
            openings_plan(now=OPENS)
            reminders_plan(now=reminder_due_at(CLOSES, 7))
        Email.objects.filter(about_id=consultation.pk).update(status=Email.Status.SENT)
        ConsultationFactory._meta.model.objects.filter(pk=consultation.pk).update(is_published=False)
        return len(captured)

    small, big = queries(10), queries(200)
    assert small == big
    assert Email.objects.filter(kind="reminder").count() == 210


def sweep(now: datetime.datetime) -> tuple[int, list[str], list[str]]:
    """The real sweep, measured: how many it sent, its reads, and its updates of outbox rows."""
    with CaptureQueriesContext(connection) as captured:
        count = svc.emails_send_due(now=now)
    sql = [q["sql"] for q in captured.captured_queries]
    updates = [q for q in sql if q.startswith('UPDATE "notifications_email"')]
    return count, [q for q in sql if q not in updates], updates


def test_a_batch_of_opening_emails_is_sent_in_the_same_reads_for_2_or_12(tree, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    """The sweep asks `opening_contexts` once per claimed batch: as many reads for 12 rows as for 2 (it was three or
    four per email), one update per email with its text and outcome, and each row still answered for itself (an
    invitee greeted by name, a follower told of the area, one who left the list since planning skipped)."""
    from notifications.openings import opening_plan

    follow(tree["ncl"], email="ncl@example.org")
    now = OPENS + datetime.timedelta(minutes=1)

    def opening(invited: int, *, left: bool) -> Any:
        consultation = ConsultationFactory(
            owner_area=tree["neighbourhood"], system=tree["neighbourhood"].system, opens_at=OPENS, closes_at=CLOSES
        )
        for n in range(invited):
            invite(consultation, f"p{n}@{consultation.slug}.example.org")
        if left:
            invite(consultation, "left@example.org")
        opening_plan(consultation=consultation, now=now)
        Invitee.objects.filter(email="left@example.org").delete()  # since planning
        return consultation

    opening(1, left=False)
    small = sweep(now)
    big_consultation = opening(10, left=True)
    big = sweep(now)

    assert (small[0], big[0]) == (2, 11)
    assert len(big[1]) == len(small[1]), "\n".join(big[1])
    # The stale rows' reset and the claim, then one per email (its text with SENT, or the skip).
    assert (len(small[2]), len(big[2])) == (2 + 2, 2 + 12)
    skipped = Email.objects.get(to="left@example.org")
    assert (skipped.status, skipped.last_error) == (Email.Status.SUPPRESSED, NOT_INVITED)
    texts = {m["To"]: plain(m) for m in smtp_sink.messages[2:]}
    assert texts["p0@" + big_consultation.slug + ".example.org"].startswith("Dear P0,")
    # ncl@ follows the area at the top, not the neighbourhood: the email does not say it follows the neighbourhood.
    assert f"It is about {tree['neighbourhood'].name}." in texts["ncl@example.org"]
    assert "which you follow" not in texts["ncl@example.org"]
    assert f"/consultations/{big_consultation.slug}/respond/" in texts["ncl@example.org"]


def plain(message: Any) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return str(part.get_payload(decode=True).decode())


def test_send_due_notifications_prints_openings_and_skips(consultation, settings) -> None:  # type: ignore[no-untyped-def]
    import io

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = io.StringIO()
    call_command("send_due_notifications", "--now", "2026-03-02T09:00", "--dry-run", stdout=out)
    assert f"Opening email for '{consultation.title}' to invitees and followers: would plan 5" in out.getvalue()
    assert not Email.objects.exists()

    openings_plan(now=OPENS)
    Invitee.objects.filter(email="invited@example.org").delete()  # removed from the list before it was sent
    out = io.StringIO()
    call_command("send_due_notifications", "--now", "2026-03-02T09:00", stdout=out)
    text = out.getvalue()
    assert "planned 0; already planned or sent: 4" in text
    assert "Sent: 4" in text
    assert f"Not sent: consultation_opened to invited@example.org: suppressed: {NOT_INVITED}" in text


def test_the_databases_keys_are_the_ones_python_computes(consultation) -> None:  # type: ignore[no-untyped-def]
    """The planner hashes in SQL; the keys must be the ones Python computes (`dedup_key`, used by email_queue's
    callers), or a row queued one by one would be planned again. The Message-ID is the key's sha256."""
    from notifications import openings
    from notifications.email_parts import dedup_key

    openings_plan(now=OPENS)
    (dry,) = openings_plan(now=OPENS, dry_run=True)
    assert (dry.planned, dry.already_planned) == (0, 5)
    for email in Email.objects.all():
        assert email.dedup_key == dedup_key(openings.KIND, consultation.pk, email.to)
        assert email.message_id == f"<{hashlib.sha256(email.dedup_key.encode()).hexdigest()}@ics-portal.invalid>"
        assert (email.status, email.attempts, email.about) == (Email.Status.READY, 0, consultation)
    assert len({e.message_id for e in Email.objects.all()}) == 5
