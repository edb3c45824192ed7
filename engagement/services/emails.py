"""The email outbox: rows are written in the transaction that causes them and sent by Celery after commit.

`outbound_email_queue` writes a READY row and, on commit, *kicks* the outbox (`outbox_kick`): one SET NX on a
cache key, and a Celery `drain_outbox` task is published only when the key was not already set. The drain task
deletes the key first and then sends every READY row, so a row committed while a drain is queued is sent by that
drain, and one committed after the drain started sets the key again and queues another. Under load that is one
broker publish per drain instead of one per email; and as a drain lingers (ENGAGEMENT_OUTBOX_LINGER_SECONDS) for
rows committed just after it began, a web process that has just kicked skips the cache altogether for a moment.

If the broker is unreachable the failure is logged, the key is dropped and the row stays READY for the periodic
sweep (`send_ready_emails`), so a web request never waits on the broker and nothing is lost.
`outbound_email_send` claims a READY row with SELECT ... FOR UPDATE SKIP LOCKED and marks it SENDING before
sending, so two workers, a retried task or a sweep never send it twice.

Receipts are queued unrendered (`receipt_queue`, from `response_submit`): the row carries `render` and
`outbound_email_send` renders it from the response's answers when it claims the row, so the submission renders
no templates.

Failures: an SMTP error puts the row back to READY with `not_before` (1, 5, 30 then 120 minutes later) until
MAX_ATTEMPTS are spent, then it is FAILED and stays so. A row still SENDING after STALE_SENDING (the worker died
mid-send) is made READY again by the sweep: a receipt may then arrive twice, but is never silently lost.
"""

import datetime
import logging
from time import monotonic, sleep
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from ics_portal import counters
from ics_portal.celery import publish

from ..models import OutboundEmail, Response

logger = logging.getLogger(__name__)

SWEEP_AFTER = datetime.timedelta(minutes=1)
KICK_KEY = "engagement:outbox:kick"
# How long a kick whose drain task never runs (lost with its broker) holds back further publishes; the sweep
# sends such rows meanwhile.
KICK_TIMEOUT = 60
DRAIN_BATCH = 100
MAX_ATTEMPTS = 5
RETRY_AFTER = [datetime.timedelta(minutes=m) for m in (1, 5, 30, 120)]
STALE_SENDING = datetime.timedelta(minutes=15)


def render_email(*, template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) from templates/engagement/email/<template>_{subject.txt,message.txt,message.html}."""
    base = f"engagement/email/{template}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    text = render_to_string(f"{base}_message.txt", context)
    html = render_to_string(f"{base}_message.html", context)
    return subject[:300], text, html


def _linger() -> float:
    return float(getattr(settings, "ENGAGEMENT_OUTBOX_LINGER_SECONDS", 0.5))


# When this process last kicked (time.monotonic()), and the share of the drain's linger during which it need not
# kick again. Why that is safe: a kick at time T either publishes a drain or finds one queued that has not started;
# either way that drain starts after T, and it returns only after an empty look at least `linger` after it started,
# so after T + linger. A row this process commits and kicks for before T + KICK_AGAIN_AFTER * linger is committed
# before that last look and is sent by it. Under load a process touches the cache once per window, not per row.
_last_kick = {"at": float("-inf")}
KICK_AGAIN_AFTER = 0.4


def outbox_kick() -> None:
    """Make sure a drain task will look at the outbox after this moment; publish one only when none is waiting.
    Never raises."""
    from ..tasks import drain_outbox

    linger = _linger()
    started = monotonic()
    if linger > 0 and started - _last_kick["at"] < KICK_AGAIN_AFTER * linger:
        return  # this process kicked moments ago: that drain's last look comes after this commit (see above)
    _last_kick["at"] = started
    try:
        if not counters.set_if_absent(KICK_KEY, KICK_TIMEOUT):
            return  # a drain is queued and has not started yet: it will find this row
    except Exception:  # the cache is down: publish anyway
        logger.warning("Outbox kick: the cache is unreachable", exc_info=True)
    try:
        publish(drain_outbox)
    except Exception:  # the broker is down or slow: the rows stay READY
        _last_kick["at"] = float("-inf")
        logger.warning("Could not queue the outbox drain; the periodic sweep will send the emails", exc_info=True)
        try:
            cache.delete(KICK_KEY)
        except Exception:
            logger.warning("Outbox kick: could not clear the kick key", exc_info=True)


def outbound_email_queue(
    *, kind: str, to: str, template: str, context: dict[str, Any], response: Response | None = None
) -> OutboundEmail:
    """Write a READY outbox row now and queue its sending for after the surrounding transaction commits."""
    subject, text, html = render_email(template=template, context=context)
    email = OutboundEmail.objects.create(
        kind=kind, to=to, subject=subject, body_text=text, body_html=html, response=response
    )
    transaction.on_commit(outbox_kick)
    return email


def receipt_render_payload(*, site_url: str, changed: bool) -> dict[str, Any]:
    return {"template": "receipt", "site_url": site_url, "changed": changed}


def receipt_queue(*, response: Response, site_url: str, changed: bool) -> OutboundEmail:
    """Queue a receipt for `response` (to its email) inside the caller's transaction; rendered when sent."""
    email = OutboundEmail.objects.create(
        kind="receipt",
        to=response.email,
        subject="",
        body_text="",
        response=response,
        render=receipt_render_payload(site_url=site_url, changed=changed),
    )
    transaction.on_commit(outbox_kick)
    return email


def _render_receipt(email: OutboundEmail) -> None:
    """Fill in a queued receipt's subject and bodies from its response as it is now (see `receipt_queue`)."""
    from ..selectors.responses import answer_summary, responding_structure, response_answers

    if email.response_id is None:
        raise Response.DoesNotExist
    response = Response.objects.select_related("consultation").get(pk=email.response_id)
    consultation = response.consultation
    payload = email.render or {}
    site_url = str(payload.get("site_url") or "")
    structure = responding_structure(consultation=consultation)
    email.subject, email.body_text, email.body_html = render_email(
        template="receipt",
        context={
            "consultation": consultation,
            "response": response,
            "summary": answer_summary(pages=structure.pages, stored=response_answers(response=response)),
            "changed": bool(payload.get("changed")),
            "site_url": site_url,
            "consultation_url": f"{site_url}/consultations/{consultation.slug}/",
        },
    )
    email.render = None


def _due(now: datetime.datetime) -> Q:
    return Q(status=OutboundEmail.Status.READY) & (Q(not_before__isnull=True) | Q(not_before__lte=now))


def outbound_email_send(*, email_id: int, now: datetime.datetime | None = None) -> str:
    """Send one outbox row if it is READY and due; return 'sent', 'retry' (failed, will be tried again), 'failed'
    (failed for the last time) or 'not_ready'.

    The row is claimed (READY -> SENDING) in its own short transaction, then rendered if it was queued unrendered
    (a receipt: its body is kept, so a retry sends the same text), sent, and marked. A rendering error counts as
    a failed attempt like an SMTP error; a receipt whose response is gone fails at once. A row found SENDING, SENT
    or FAILED, not yet due, or locked by another worker, is left alone.
    """
    now = now or timezone.now()
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update(skip_locked=True).filter(_due(now), pk=email_id).first()
        if email is None:
            return "not_ready"
        email.status = OutboundEmail.Status.SENDING
        email.attempts += 1
        email.claimed_at = now
        email.save(update_fields=["status", "attempts", "claimed_at"])

    try:
        if email.render is not None:
            _render_receipt(email)
            OutboundEmail.objects.filter(pk=email.pk).update(
                subject=email.subject, body_text=email.body_text, body_html=email.body_html, render=None
            )
        message = EmailMultiAlternatives(
            subject=email.subject, body=email.body_text, from_email=settings.DEFAULT_FROM_EMAIL, to=[email.to]
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        message.send()
    except Response.DoesNotExist:
        error = "Its response was deleted before the receipt was sent."
        OutboundEmail.objects.filter(pk=email.pk).update(status=OutboundEmail.Status.FAILED, last_error=error)
        return "failed"
    except Exception as exc:  # rendering or SMTP: try again later, up to MAX_ATTEMPTS
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if email.attempts < MAX_ATTEMPTS:
            delay = RETRY_AFTER[min(email.attempts, len(RETRY_AFTER)) - 1]
            logger.warning("Sending outbound email %s failed (attempt %s); retrying", email.pk, email.attempts)
            OutboundEmail.objects.filter(pk=email.pk).update(
                status=OutboundEmail.Status.READY, not_before=now + delay, last_error=error
            )
            return "retry"
        logger.exception("Sending outbound email %s failed for the last time", email.pk)
        OutboundEmail.objects.filter(pk=email.pk).update(status=OutboundEmail.Status.FAILED, last_error=error)
        return "failed"
    OutboundEmail.objects.filter(pk=email.pk).update(status=OutboundEmail.Status.SENT, sent_at=timezone.now())
    return "sent"


def outbox_drain(*, now: datetime.datetime, linger: float | None = None) -> int:
    """Send every READY row that is due, oldest first; return how many were sent. Clears the kick key before
    looking, so a row committed from now on either is seen here or kicks a new drain. Returns only after a look
    that finds nothing at least `linger` seconds (ENGAGEMENT_OUTBOX_LINGER_SECONDS) after it started, which lets a
    web process skip kicking for a moment after it kicked (see `outbox_kick`)."""
    linger = _linger() if linger is None else linger
    started = monotonic()
    cache.delete(KICK_KEY)
    tried: set[int] = set()
    sent = 0
    while True:
        ids = list(
            OutboundEmail.objects.filter(_due(now))
            .exclude(pk__in=tried)
            .order_by("created_at")
            .values_list("pk", flat=True)[:DRAIN_BATCH]
        )
        if not ids:
            wait = started + linger - monotonic()
            if wait <= 0:
                return sent
            sleep(wait)
            continue
        for pk in ids:
            tried.add(pk)  # a row another worker holds is left to it; a failed one waits for its retry time
            sent += outbound_email_send(email_id=pk, now=now) == "sent"


def outbound_emails_send_ready(*, now: datetime.datetime, older_than: datetime.timedelta = SWEEP_AFTER) -> int:
    """The sweep: make rows a dead worker left SENDING ready again, then send READY rows whose task was lost
    (created before now - older_than) and retries that are due. Returns how many were sent."""
    stale = OutboundEmail.objects.filter(status=OutboundEmail.Status.SENDING, claimed_at__lte=now - STALE_SENDING)
    for pk in stale.values_list("pk", flat=True):
        logger.warning("Outbound email %s was left sending by a worker that stopped; sending it again", pk)
    stale.update(status=OutboundEmail.Status.READY, last_error="The worker stopped while sending it; sent again.")
    ids = list(
        OutboundEmail.objects.filter(_due(now))
        .filter(Q(not_before__isnull=False) | Q(created_at__lte=now - older_than))
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
    return sum(outbound_email_send(email_id=pk, now=now) == "sent" for pk in ids)
