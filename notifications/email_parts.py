"""What every email about a consultation shares: the opening, reminder, closing and onward-deadline emails here, and
outcomes' outcome email. Its outbox dedup key, the consultation a row is about when it is sent (a claimed batch
grouped by consultation for the batch renderers: `consultation_batches`), and the consultation's links, each made
in this one place.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

from engagement.models import Consultation

from .kinds import Skip
from .models import Email
from .services import address_key, site_url


def key_prefix(kind: str, consultation_id: int, offset_days: int | None = None) -> str:
    """`<kind>:<consultation>:`, with `<offset>d:` for a kind sent at several offsets: what `emails_plan` puts before
    the address's hash."""
    offset = "" if offset_days is None else f"{offset_days}d:"
    return f"{kind}:{consultation_id}:{offset}"


def dedup_key(kind: str, consultation_id: int, address: str) -> str:
    # The planner's key (`emails_plan` computes it in SQL), for the rows queued one by one ("Close now").
    return key_prefix(kind, consultation_id) + address_key(address)


def consultations_about(emails: Iterable[Email], *, among: "models.QuerySet[Consultation]") -> dict[int, Consultation]:
    """The consultation each row is about, by the row's pk, from `among` (e.g. published ones only), in one query
    for all of them. A row about anything else, or whose consultation is no longer in `among`, is left out."""
    ct = ContentType.objects.get_for_model(Consultation)
    rows = [e for e in emails if e.about_type_id == ct.pk and e.about_id is not None]
    found = among.in_bulk({e.about_id for e in rows}) if rows else {}
    return {e.pk: found[e.about_id] for e in rows if e.about_id in found}


def consultation_batches(
    emails: list[Email],
    *,
    among: "models.QuerySet[Consultation]",
    gone: str,
    skip: Callable[[Consultation], str | None] = lambda consultation: None,
) -> tuple[dict[int, dict[str, Any] | Skip], list[tuple[Consultation, list[Email]]]]:
    """A claimed batch grouped for a batch renderer: (the rows already skipped, by pk, with `gone` if their
    consultation is not in `among`, or with the reason `skip` gives; and (consultation, its rows) for the rest),
    so each renderer asks its questions once per consultation, not once per email."""
    about = consultations_about(emails, among=among)
    skipped: dict[int, dict[str, Any] | Skip] = {}
    groups: dict[int, tuple[Consultation, list[Email]]] = {}
    for email in emails:
        consultation = about.get(email.pk)
        if consultation is None:
            skipped[email.pk] = Skip(gone)
        elif (reason := skip(consultation)) is not None:
            skipped[email.pk] = Skip(reason)
        else:
            groups.setdefault(consultation.pk, (consultation, []))[1].append(email)
    return skipped, list(groups.values())


def consultation_links(consultation: Consultation) -> dict[str, str]:
    """Its page and where responding starts, as absolute addresses (a worker has no request to build them from),
    and where a reply goes: the team's contact address, if it has one (`reply_to`)."""
    return {
        "consultation_url": site_url(reverse("engagement:consultation_detail", args=[consultation.slug])),
        "respond_url": site_url(reverse("engagement:respond_start", args=[consultation.slug])),
        "reply_to": consultation.contact_email,
    }
