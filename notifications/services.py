"""The outbox: writing rows, claiming them, sending them, and what a failure does.

Rows are written in the transaction that causes them (`email_queue`); after commit one `send_email` task is
published for the row (`ics_portal.celery.publish`: short broker timeouts, so a web request never waits on Redis).
If the broker cannot take it, the row stays READY and beat's one-minute sweep (`emails_send_due`) sends it; an
urgent kind (a sign-in code) is sent from the web process at once instead. That is the whole mechanism.

Claiming: `SELECT ... FOR UPDATE SKIP LOCKED` on due READY rows, in bounded batches, marks them SENDING with
`claimed_at` the moment of the claim, in a short transaction of its own; so two workers, a retried task and the
sweep never send one row twice. A worker stops sending from a batch once it has held it for half of
STALE_SENDING (the rest go back to READY), so a row still SENDING after STALE_SENDING is certainly abandoned (its
worker died) and the sweep makes it READY again: that one email may then arrive twice, never not at all.

Failures: a temporary one (SMTP 4xx, a connection error, a rendering error) puts the row back to READY with
`not_before` 1, 5, 30 then 120 minutes later, until MAX_ATTEMPTS are spent (then FAILED). A permanent one (SMTP
5xx, a refused recipient) marks it FAILED at once and puts the address on the suppression list, which every
optional kind honours (such a row is marked SUPPRESSED, with the reason, instead of sent). An unsubscribe puts
the address on the same list (`unsubscribe`), so that one check here stops every optional kind, whoever planned it.
"""

import base64
import dataclasses
import datetime
import functools
import hashlib
import logging
import smtplib
from collections.abc import Sequence
from typing import Any, cast

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Q, Value
from django.db.models.constants import OnConflict
from django.db.models.functions import SHA256, Cast, Concat, Left
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from ics_portal.celery import publish
from ics_portal.jinja2 import london, london_time

from . import kinds
from .invites import InviteRow
from .kinds import Kind, Rendered, Skip
from .models import Email, Follow, Invitee, Suppression, message_id_domain

logger = logging.getLogger(__name__)

SWEEP_AFTER = datetime.timedelta(minutes=1)
BATCH = 50
MAX_ATTEMPTS = 5
RETRY_AFTER = [datetime.timedelta(minutes=m) for m in (1, 5, 30, 120)]
STALE_SENDING = datetime.timedelta(minutes=15)


def email_queue(
    *,
    kind: str,
    to: str,
    about: models.Model | None = None,
    dedup_key: str | None = None,
    context: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    rendered: Rendered | None = None,
) -> Email:
    """Write a READY row in the caller's transaction and publish its sending after commit.

    Rendered now from `context` (or given `rendered`), else by the kind's renderer when sent (from `data` and
    what it is about). With a `dedup_key` that a row already has, that row is returned and nothing is written.
    """
    spec = kinds.get(kind)
    if rendered is None and context is not None:
        if spec.optional:  # its text carries the unsubscribe link too, not only its headers
            context = {"unsubscribe_url": unsubscribe_url(to), **context}
        rendered = kinds.render(spec, context)
    fields: dict[str, Any] = {"kind": kind, "to": to, "data": data}
    if rendered is not None:
        fields |= {
            "subject": rendered.subject,
            "body_text": rendered.text,
            "body_html": rendered.html,
            "reply_to": rendered.reply_to,
        }
    if about is not None:
        fields |= {"about_type": ContentType.objects.get_for_model(about), "about_id": about.pk}
    if dedup_key is None:
        email = Email.objects.create(**fields)
    else:
        # Insert first (the usual case is a new row: one statement, not get_or_create's SELECT too), in a savepoint
        # so that a duplicate key leaves the caller's transaction usable.
        try:
            with transaction.atomic():
                email = Email.objects.create(dedup_key=dedup_key, **fields)
        except IntegrityError:
            existing = Email.objects.filter(dedup_key=dedup_key).first()
            if existing is None:
                raise
            return existing
    if spec.urgent and not getattr(settings, "EMAIL_VIA_CELERY", True):
        email_send(email_id=email.pk)  # no worker for this mail: send it now, as allauth would
    else:
        transaction.on_commit(lambda: _publish(email_id=email.pk, urgent=spec.urgent))
    return email


def address_key(address: str) -> str:
    """The part of a dedup key naming an address: hashed, as an address may be 320 characters and a key at most 200.
    `emails_plan` computes the same in the database (`_address_key`: sha256 of the UTF-8 bytes, 32 hex digits)."""
    return hashlib.sha256(address.encode()).hexdigest()[:32]


def _address_key(expression: Any) -> Left:
    return Left(SHA256(expression), 32)


@dataclasses.dataclass(frozen=True)
class Planned:
    planned: int
    already_planned: int


# The outbox columns a planned row fills, in the INSERT's order; the rest keep their NULL.
_PLANNED_COLUMNS = (
    "kind",
    "to",
    "about_type",
    "about_id",
    "dedup_key",
    "message_id",
    "subject",
    "body_text",
    "body_html",
    "data",
    "status",
    "attempts",
    "not_before",
    "last_error",
    "created_at",
)


def _planned_rows(
    people: "Sequence[models.QuerySet[Any]]",
    *,
    kind: str,
    about: models.Model,
    key_prefix: str,
    not_before: datetime.datetime,
    data: dict[str, Any] | None,
    now: datetime.datetime,
    unplanned_only: bool = False,
) -> "models.QuerySet[Any]":
    """The outbox rows for `people`, one per address, as a SELECT of every column's value (aliased `outbox_<name>`,
    so as not to clash with the people's own fields). `unplanned_only`: without the keys already in the outbox."""
    key = Concat(Value(key_prefix), _address_key(F("address")))
    values = {
        "kind": Value(kind),
        "to": F("address"),
        "about_type": Value(ContentType.objects.get_for_model(about).pk),
        "about_id": Value(about.pk),
        "dedup_key": key,
        # Derived from the (unique) key, so it is unique too and a re-plan of the same email has the same ID.
        "message_id": Concat(Value("<"), SHA256(key), Value(f"@{message_id_domain()}>")),
        "subject": Value(""),
        "body_text": Value(""),
        "body_html": Value(""),
        # Cast, so that a UNION's text parameter is jsonb; no data is SQL NULL, not JSON null.
        "data": Cast(
            Value(data, output_field=models.JSONField()) if data is not None else Value(None), models.JSONField()
        ),
        "status": Value(Email.Status.READY.value),
        "attempts": Value(0),
        "not_before": Value(not_before),
        "last_error": Value(""),
        "created_at": Value(now),
    }
    aliases = {f"outbox_{name}": values[name] for name in _PLANNED_COLUMNS}
    parts = []
    for queryset in people:
        rows = queryset.order_by().annotate(**aliases)
        if unplanned_only:
            planned = Email.objects.filter(dedup_key__startswith=key_prefix).values("dedup_key")
            rows = rows.exclude(outbox_dedup_key__in=planned)
        # values() keeps the order given (Django 5.2): the INSERT's column list relies on it, and the planner's
        # tests (PostgreSQL and SQLite) check every column of the rows it writes.
        parts.append(rows.values(*aliases))
    # UNION (not ALL) and DISTINCT: an address in two of `people`, or twice in one, is one row.
    return parts[0].distinct() if len(parts) == 1 else parts[0].union(*parts[1:])


@transaction.atomic
def emails_plan(
    *,
    kind: str,
    people: "Sequence[models.QuerySet[Any]]",
    about: models.Model,
    key_prefix: str,
    not_before: datetime.datetime,
    data: dict[str, Any] | None = None,
    dry_run: bool = False,
    counts: bool = True,
) -> Planned:
    """Queue one unrendered `kind` email to each address of `people` (querysets each with an `address`, a field or
    an annotation, in lower case), keyed `key_prefix + address_key(address)`; an address whose key is already in
    the outbox gets nothing (so planning twice, or two beats at once, adds nothing). Rows are READY with
    `not_before`, for the minute sweep to send. With `dry_run`, only counts. `counts=False` (beat, publishing and
    the outcome email, which keep only how many rows are new): no COUNT of every recipient first, and
    `already_planned` is left 0, so a caller passing it must not show that figure.

    One INSERT ... SELECT from the people's own query, on PostgreSQL and SQLite alike, so 100,000 recipients
    never pass through Python."""
    rows = functools.partial(
        _planned_rows,
        people,
        kind=kind,
        about=about,
        key_prefix=key_prefix,
        not_before=not_before,
        data=data,
        now=timezone.now(),
    )
    if dry_run:
        planned = rows(unplanned_only=True).count()
        return Planned(planned=planned, already_planned=rows().count() - planned)
    total = rows().count() if counts else None
    select, params = rows().query.sql_with_params()
    # The ORM has no INSERT ... SELECT: only the INSERT around the ORM's SELECT is written here, with the backend's
    # own words for "skip a row whose key exists" (what bulk_create(ignore_conflicts=True) uses: INSERT OR IGNORE on
    # SQLite, ON CONFLICT DO NOTHING on PostgreSQL).
    ops = connection.ops
    fields = [cast("models.Field[Any, Any]", Email._meta.get_field(name)) for name in _PLANNED_COLUMNS]
    columns = ", ".join(ops.quote_name(str(field.column)) for field in fields)
    insert = ops.insert_statement(on_conflict=OnConflict.IGNORE)
    conflict = ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)
    sql = f"{insert} {ops.quote_name(Email._meta.db_table)} ({columns}) {select} {conflict}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = cursor.rowcount
    return Planned(planned=inserted, already_planned=0 if total is None else total - inserted)


def _publish(*, email_id: int, urgent: bool) -> None:
    """After commit: hand the row to a worker. Never raises; a lost publish is what the sweep is for."""
    from .tasks import send_email

    try:
        publish(send_email, kwargs={"email_id": email_id})
    except Exception:
        if not urgent:
            logger.warning("Could not queue email %s; the sweep will send it", email_id, exc_info=True)
            return
        logger.warning("Could not queue urgent email %s; sending it now", email_id, exc_info=True)
        email_send(email_id=email_id)


def _claim(queryset: "models.QuerySet[Email]", *, limit: int) -> list[Email]:
    """Lock up to `limit` rows no other worker holds and mark them SENDING, claimed now."""
    with transaction.atomic():
        # Oldest first; rows written in the same instant (one plan) in the order they were written.
        rows = list(queryset.select_for_update(skip_locked=True).order_by("created_at", "pk")[:limit])
        if not rows:
            return []
        claimed_at = timezone.now()
        Email.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=Email.Status.SENDING, attempts=F("attempts") + 1, claimed_at=claimed_at
        )
    for row in rows:
        row.status, row.attempts, row.claimed_at = Email.Status.SENDING, row.attempts + 1, claimed_at
    return rows


def _release(rows: list[Email]) -> None:
    """Give back claimed rows this worker will not send now (it has held them too long): READY, attempt undone."""
    for row in rows:
        Email.objects.filter(pk=row.pk, status=Email.Status.SENDING, claimed_at=row.claimed_at).update(
            status=Email.Status.READY, attempts=F("attempts") - 1
        )


def _mark(email: Email, **fields: Any) -> None:
    # Only while it is still this claim's: a row made READY again as stale is not overwritten by a late finish.
    Email.objects.filter(pk=email.pk, claimed_at=email.claimed_at).update(**fields)


def _permanent(exc: Exception) -> bool:
    """A refusal that retrying cannot change: SMTP 5xx about the message or its recipient. Authentication and
    sender refusals are the portal's own configuration, so they are retried (someone can fix them meanwhile)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError):
        return False
    if isinstance(exc, smtplib.SMTPResponseException):
        return bool(exc.smtp_code >= 500)
    return False


def _deliver(
    email: Email,
    *,
    now: datetime.datetime,
    connection: BaseEmailBackend | None = None,
    context: "dict[str, Any] | Skip | None" = None,
    suppressions: "dict[str, Suppression] | None" = None,
) -> str:
    """Send one claimed row (on `connection` if given, kept open); 'sent', 'retry', 'failed' or 'suppressed'.
    `context` and `suppressions`: what the batch already knows of it (`_batch_contexts`, `_suppressions`)."""
    try:
        spec = kinds.get(email.kind)
    except KeyError:
        _mark(email, status=Email.Status.FAILED, last_error=f"No app registers the email kind {email.kind!r}.")
        return "failed"
    if spec.optional:
        if suppressions is None:
            suppressions = _suppressions([email])
        if (suppression := suppressions.get(email.to.lower())) is not None:
            _mark(email, status=Email.Status.SUPPRESSED, last_error=suppressed_reason(suppression))
            return "suppressed"
    rendered: dict[str, str] = {}  # text rendered now, written with the outcome (one update, not two)
    try:
        if spec.context is not None and not email.body_text:
            if _render(email, spec, now=now, context=context) is not None:
                return "suppressed"
            rendered = {
                "subject": email.subject,
                "body_text": email.body_text,
                "body_html": email.body_html,
                "reply_to": email.reply_to,
            }
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to],
            reply_to=[email.reply_to] if email.reply_to else None,
            headers=_headers(email, spec),
            connection=connection,
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        if connection is not None:
            connection.open()  # (again, after an error closed it) so that send() leaves it open for the next
        message.send()
    except Exception as exc:
        if connection is not None:
            _close(connection)  # its state after an error is unknown: the next email opens a fresh session
        return _failed(email, exc, now=now, rendered=rendered)
    _mark(email, status=Email.Status.SENT, sent_at=timezone.now(), **rendered)
    return "sent"


def suppressed_reason(suppression: Suppression) -> str:
    """Why an optional email to a suppressed address was not sent, as recorded on its row."""
    if suppression.cause == Suppression.Cause.UNSUBSCRIBED:
        at = suppression.created_at
        return f"{suppression.address} unsubscribed at {london_time(at)} on {london(at)}: no optional emails."
    return f"{suppression.address} is on the suppression list."


def _headers(email: Email, spec: Kind) -> dict[str, str]:
    """Every email's headers are made here. An optional kind carries RFC 8058 one-click unsubscribe: a mail client
    POSTs `List-Unsubscribe=One-Click` to the URL, which unsubscribes without signing in or a further page."""
    headers = {"Message-ID": email.message_id}
    if spec.optional:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url(email.to)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def _render(
    email: Email, spec: Kind, *, now: datetime.datetime, context: "dict[str, Any] | Skip | None" = None
) -> Skip | None:
    """Render a row queued unrendered onto `email` (the caller writes it with the outcome, so a retry sends the
    same text); or record why not to send."""
    assert spec.context is not None
    if context is None:
        context = spec.context(email, now=now)
    if isinstance(context, Skip):
        _mark(email, status=Email.Status.SUPPRESSED, last_error=context.reason)
        return context
    if spec.optional:
        context.setdefault("unsubscribe_url", unsubscribe_url(email.to))
    rendered = kinds.render(spec, context)
    email.subject, email.body_text, email.body_html = rendered.subject, rendered.text, rendered.html
    email.reply_to = rendered.reply_to
    return None


def _failed(email: Email, exc: Exception, *, now: datetime.datetime, rendered: dict[str, str]) -> str:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if _permanent(exc):
        logger.warning("Email %s was refused permanently; %s is suppressed for optional kinds", email.pk, email.to)
        _mark(email, status=Email.Status.FAILED, last_error=error, **rendered)
        Suppression.objects.get_or_create(
            address=email.to.lower(), cause=Suppression.Cause.REFUSED, defaults={"reason": error, "email": email}
        )
        return "failed"
    if email.attempts < MAX_ATTEMPTS:
        delay = RETRY_AFTER[min(email.attempts, len(RETRY_AFTER)) - 1]
        logger.warning("Sending email %s failed (attempt %s); retrying", email.pk, email.attempts)
        _mark(email, status=Email.Status.READY, not_before=now + delay, last_error=error, **rendered)
        return "retry"
    logger.error("Sending email %s failed for the last time: %s", email.pk, error)
    _mark(email, status=Email.Status.FAILED, last_error=error, **rendered)
    return "failed"


def email_send(*, email_id: int, now: datetime.datetime | None = None) -> str:
    """Send one row if it is READY, due and not held by another worker; 'not_ready' otherwise."""
    now = now or timezone.now()
    rows = _claim(Email.objects.due(now=now).filter(pk=email_id), limit=1)
    return _deliver(rows[0], now=now) if rows else "not_ready"


def _close(connection: BaseEmailBackend) -> None:
    try:
        connection.close()
    except Exception:  # closing a session that already failed: nothing left to lose
        logger.debug("Closing the SMTP connection failed", exc_info=True)


Outcomes = list[tuple[Email, str]]


def _send_batches(
    queryset: "models.QuerySet[Email]", *, now: datetime.datetime, outcomes: Outcomes | None = None
) -> int:
    sent = 0
    while batch := _claim(queryset, limit=BATCH):
        # One SMTP session per batch, not one per email (a connection and a handshake each cost more than a send).
        connection = get_connection()
        try:
            contexts, suppressions = _batch_contexts(batch, now=now), _suppressions(batch)
            for n, email in enumerate(batch):
                if timezone.now() - email.claimed_at > STALE_SENDING / 2:  # type: ignore[operator]
                    _release(batch[n:])
                    break
                outcome = _deliver(
                    email,
                    now=now,
                    connection=connection,
                    context=contexts.get(email.pk),
                    suppressions=suppressions,
                )
                sent += outcome == "sent"
                if outcomes is not None:
                    outcomes.append((email, outcome))
        finally:
            _close(connection)
    return sent


def _suppressions(emails: list[Email]) -> dict[str, Suppression]:
    """The rows' addresses on the suppression list, with why (an unsubscribe, or a refusal): one query for a
    batch."""
    addresses = {e.to.lower() for e in emails}
    return {s.address: s for s in Suppression.objects.filter(address__in=addresses).order_by("created_at")}


def _batch_contexts(batch: list[Email], *, now: datetime.datetime) -> "dict[int, dict[str, Any] | Skip]":
    """The renderers' answers for a batch's unrendered rows whose kind answers for many at once (`Kind.contexts`);
    a renderer that fails leaves its rows to be rendered one by one (where a failure is that row's retry)."""
    by_kind: dict[str, list[Email]] = {}
    for email in batch:
        by_kind.setdefault(email.kind, []).append(email)
    contexts: dict[int, dict[str, Any] | Skip] = {}
    for name, rows in by_kind.items():
        spec = kinds.registered().get(name)
        unrendered = [e for e in rows if not e.body_text]
        if spec is None or spec.contexts is None or not unrendered:
            continue
        try:
            contexts |= spec.contexts(unrendered, now=now)
        except Exception:
            logger.warning("Rendering a batch of %s emails failed; rendering them one by one", name, exc_info=True)
    return contexts


def emails_send_due(
    *, now: datetime.datetime, older_than: datetime.timedelta = SWEEP_AFTER, outcomes: Outcomes | None = None
) -> int:
    """Beat's sweep: make rows a dead worker left SENDING ready again, then send, in batches, READY rows whose
    task was lost (written before now - older_than; younger ones are their task's) and retries that are due
    (and rows planned with a `not_before`, such as reminders). Returns how many were sent; `outcomes`, if given,
    gets each row tried with its outcome (for `send_due_notifications` to print)."""
    stale = Email.objects.stale(now=now, after=STALE_SENDING)
    for pk in stale.values_list("pk", flat=True):
        logger.warning("Email %s was left sending by a worker that stopped; sending it again", pk)
    stale.update(status=Email.Status.READY, last_error="The worker stopped while sending it; sent again.")
    due = Email.objects.due(now=now).filter(Q(not_before__isnull=False) | Q(created_at__lte=now - older_than))
    return _send_batches(due, now=now, outcomes=outcomes)


@transaction.atomic
def email_send_again(*, email_id: int, by: str, now: datetime.datetime) -> Email:
    """Staff's "send again" for a FAILED row: READY with fresh attempts, its address's refusal off the suppression
    list (staff have reason to think it works now; an unsubscribe stays). Raises ValidationError for any other row,
    changing nothing."""
    email = Email.objects.select_for_update().filter(pk=email_id).first()
    if email is None:
        raise ValidationError("There is no such email in the outbox.")
    if email.status != Email.Status.FAILED:
        raise ValidationError(
            f"That email is {email.get_status_display().lower()}, not failed, so it was not sent again."
        )
    Suppression.objects.filter(address=email.to.lower(), cause=Suppression.Cause.REFUSED).delete()
    email.status, email.attempts, email.not_before = Email.Status.READY, 0, None
    email.last_error = f"Sent again by {by} at {now:%Y-%m-%d %H:%M} UTC after: {email.last_error}"[:2000]
    email.save(update_fields=["status", "attempts", "not_before", "last_error"])
    transaction.on_commit(lambda: _publish(email_id=email.pk, urgent=False))
    return email


# --- Following, and unsubscribing -------------------------------------------------------------------------------
# Signed links, each salted for its one purpose so a token made for one cannot be used for the other.
FOLLOW_CONFIRM_SALT = "notifications.follow.confirm"
UNSUBSCRIBE_SALT = "notifications.unsubscribe"
FOLLOW_CONFIRM_MAX_AGE = datetime.timedelta(days=7)
# Confirmations to one address in a day, whatever it asks to follow: a stranger typing someone's address into many
# follow forms cannot flood their inbox. Nobody is locked out: signed in, following is one click.
FOLLOW_CONFIRMS_PER_DAY = 5
TOO_MANY_CONFIRMS = (
    f"We have already sent {FOLLOW_CONFIRMS_PER_DAY} confirmation emails to this address in the last 24 hours. "
    "Use the link in one of them, try again tomorrow, or sign in to follow with one click."
)
BAD_LINK = "This link is not valid: it may have been copied wrongly or changed. Nothing has been changed."


def site_url(path: str) -> str:
    """An absolute address for an email (no request to build it from when a worker sends)."""
    return settings.SITE_URL.rstrip("/") + path


def _opted_in(address: str) -> None:
    """The address asked for mail again itself (a confirmed follow): an earlier unsubscribe no longer applies. A
    manager's invite list is not the address's own choice, so adding it to one lifts nothing."""
    Suppression.objects.filter(address=address.strip().lower(), cause=Suppression.Cause.UNSUBSCRIBED).delete()


@transaction.atomic
def follow_add(*, user: Any, target: models.Model, now: datetime.datetime) -> Follow:
    """A signed-in account follows `target` (confirmed by this click); following twice keeps the first."""
    _opted_in(user.email)
    ct = ContentType.objects.get_for_model(target)
    try:
        with transaction.atomic():
            follow, _ = Follow.objects.get_or_create(
                user=user, target_type=ct, target_id=target.pk, defaults={"confirmed_at": now}
            )
    except IntegrityError:  # a double click raced its twin
        follow = Follow.objects.get(user=user, target_type=ct, target_id=target.pk)
    return follow


def follow_remove(*, user: Any, target: models.Model) -> bool:
    """Stop following; True if there was a follow to end."""
    ct = ContentType.objects.get_for_model(target)
    deleted, _ = Follow.objects.filter(user=user, target_type=ct, target_id=target.pk).delete()
    return bool(deleted)


def _address_digest(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()[:20]


def follow_confirm_token(follow: Follow) -> str:
    """Signed, not encrypted, so it carries a digest of the address, not the address: a link lands in access logs
    and browser history. The digest ties it to the address, so a deleted follow's reused id confirms nothing."""
    return signing.dumps({"f": follow.pk, "h": _address_digest(follow.email)}, salt=FOLLOW_CONFIRM_SALT)


@transaction.atomic
def follow_request(*, email: str, target: models.Model, now: datetime.datetime) -> Follow:
    """Signed out: record an unconfirmed follow for `email` and queue the confirmation with its signed link.
    Nothing is sent to the address about `target` until the link is used. At most one confirmation an hour per
    address and target (the dedup key), and FOLLOW_CONFIRMS_PER_DAY to an address, so the form cannot be used to
    flood someone's inbox: past that, ValidationError(TOO_MANY_CONFIRMS) on `email`, and nothing is recorded."""
    from .targets import for_model

    address = email.strip().lower()
    confirms_today = Email.objects.filter(
        kind="follow_confirm",
        about_type=ContentType.objects.get_for_model(Follow),
        about_id__in=Follow.objects.filter(email=address, user=None).values("pk"),
        created_at__gt=now - datetime.timedelta(days=1),
    )
    if confirms_today.count() >= FOLLOW_CONFIRMS_PER_DAY:
        raise ValidationError({"email": TOO_MANY_CONFIRMS})
    ct = ContentType.objects.get_for_model(target)
    follow, _ = Follow.objects.get_or_create(email=address, user=None, target_type=ct, target_id=target.pk)
    spec = for_model(type(target))
    email_queue(
        kind="follow_confirm",
        to=address,
        about=follow,
        dedup_key=f"follow_confirm:{follow.pk}:{now:%Y-%m-%dT%H}",
        context={
            "title": spec.title(target),
            "noun": spec.noun,
            "target_url": site_url(spec.url(target)),
            "confirm_url": site_url(reverse("notifications:follow_confirm", args=[follow_confirm_token(follow)])),
            "days": FOLLOW_CONFIRM_MAX_AGE.days,
        },
    )
    return follow


def follow_from_token(token: str) -> Follow:
    """The follow a confirmation link names; ValidationError(BAD_LINK) for a forged, altered or expired one."""
    try:
        payload = signing.loads(token, salt=FOLLOW_CONFIRM_SALT, max_age=FOLLOW_CONFIRM_MAX_AGE)
        follow = Follow.objects.filter(pk=int(payload["f"])).first()
        if follow is not None and not constant_time_compare(_address_digest(follow.email), str(payload["h"])):
            follow = None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        follow = None
    if follow is None:
        raise ValidationError(BAD_LINK)
    return follow


@transaction.atomic
def follow_confirm(*, token: str, now: datetime.datetime) -> Follow:
    """The confirmation link was used (by a POST): the address now follows, and has opted in again. Confirming
    again changes nothing."""
    follow = follow_from_token(token)
    _opted_in(follow.email)
    Follow.objects.filter(pk=follow.pk, confirmed_at__isnull=True).update(confirmed_at=now)
    follow.refresh_from_db()
    return follow


def _unsubscribe_fernet() -> MultiFernet:
    """Encrypted, not just signed: a signed token is readable base64, and this link is in every optional email's
    headers, so it would leave the address in access logs. Keys from SECRET_KEY and its fallbacks (rotation)."""
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    keys = [salted_hmac(UNSUBSCRIBE_SALT, "fernet", secret=secret, algorithm="sha256").digest() for secret in secrets]
    return MultiFernet([Fernet(base64.urlsafe_b64encode(key)) for key in keys])


def unsubscribe_token(address: str) -> str:
    return _unsubscribe_fernet().encrypt(address.strip().lower().encode()).decode()


def unsubscribe_url(address: str) -> str:
    return site_url(reverse("notifications:unsubscribe", args=[unsubscribe_token(address)]))


def unsubscribe_address(token: str) -> str:
    """The address an unsubscribe link was made for; ValidationError(BAD_LINK) if forged or altered. No expiry:
    an unsubscribe link in an old email must still work."""
    if len(token) % 4 or not token.isascii():
        raise ValidationError(BAD_LINK)  # base64 would ignore what follows the padding: an altered link is refused
    try:
        return _unsubscribe_fernet().decrypt(token.encode()).decode()
    except (InvalidToken, UnicodeError):
        raise ValidationError(BAD_LINK) from None


@transaction.atomic
def unsubscribe(*, token: str, now: datetime.datetime | None = None) -> int:
    """Stop every optional email to the token's address: suppress it (the sender skips any optional kind to it,
    whoever planned it, e.g. an outcome email to a respondent, with the reason on the row), end its follows (an
    email follow, or an account with that address) and mark it unsubscribed on every invite list. The invitee rows
    stay, so the manager sees who opted out and a re-upload cannot add them again. Unsubscribing again keeps the
    first moment. Returns how many follows and invitations ended."""
    address = unsubscribe_address(token)
    now = now or timezone.now()
    Suppression.objects.get_or_create(
        address=address,
        cause=Suppression.Cause.UNSUBSCRIBED,
        defaults={"reason": f"Unsubscribed at {now:%Y-%m-%d %H:%M} UTC."},
    )
    deleted, _ = Follow.objects.filter(Q(email=address) | Q(user__email__iexact=address)).delete()
    invited = Invitee.objects.filter(email=address).subscribed().update(unsubscribed_at=now)
    return deleted + invited


@dataclasses.dataclass(frozen=True)
class InviteesImported:
    added: int
    already_listed: int
    matched_organisations: int


@transaction.atomic
def invitees_import(
    *, target: models.Model, rows: list[InviteRow], organisations: "models.QuerySet[Any]", by: Any
) -> InviteesImported:
    """Add a parsed, clean file's people to `target`'s invite list in one transaction; someone already on it (by
    address) is left as they are, so uploading the same list twice adds nobody. An organisation is matched to one
    of `organisations` (the caller's: the consultation's system's) by name, ignoring case; if none or more than
    one has that name, the typed name is kept."""
    by_name: dict[str, list[Any]] = {}
    wanted = {row.organisation.casefold() for row in rows if row.organisation}
    for organisation in organisations.only("pk", "name"):
        if organisation.name.casefold() in wanted:
            by_name.setdefault(organisation.name.casefold(), []).append(organisation)
    target_type = ContentType.objects.get_for_model(target)
    listed = set(
        Invitee.objects.invited_to(target).filter(email__in=[r.email for r in rows]).values_list("email", flat=True)
    )
    new, matched = [], 0
    for row in rows:
        if row.email in listed:
            continue
        found = by_name.get(row.organisation.casefold(), [])
        organisation = found[0] if len(found) == 1 else None
        matched += organisation is not None
        new.append(
            Invitee(
                target_type=target_type,
                target_id=target.pk,
                email=row.email,
                name=row.name,
                organisation=organisation,
                organisation_name=organisation.name if organisation else row.organisation,
                added_by=by if getattr(by, "pk", None) else None,
            )
        )
    # ignore_conflicts: a second upload of the same file at the same moment adds nobody twice (the constraint).
    created = Invitee.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    return InviteesImported(added=len(created), already_listed=len(listed), matched_organisations=matched)


@transaction.atomic
def invitee_remove(*, invitee: Invitee) -> None:
    """Take someone off an invite list; emails already planned for them are skipped when sent (not invited)."""
    invitee.delete()
