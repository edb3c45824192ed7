"""Engagement's own emails, sent through the notifications outbox: receipts and save-and-return links. (The
consultation emails beat plans, reminders among them, are notifications' own: notifications/planning.py.)

`register_kinds` (called from EngagementConfig.ready) tells notifications about both kinds. A receipt is queued
unrendered in the submission's transaction (`receipt_queue`) and rendered by the worker that sends it, from the
response's answers at that moment, so the submission renders no templates; a resume link is rendered when queued.
Neither is optional: a resident asked for each.
"""

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from notifications import kinds
from notifications.kinds import Kind, Skip
from notifications.models import Email
from notifications.services import email_queue

from .. import deadlines
from ..links import change_token_make
from ..models import Response

RESPONSE_DELETED = "Its response was deleted before the receipt was sent."


def register_kinds() -> None:
    kinds.register(Kind(name="receipt", optional=False, context=receipt_context, title="Receipt"))
    kinds.register(Kind(name="resume_link", optional=False, title="Save and come back later link"))


def receipt_render_payload(*, site_url: str, changed: bool) -> dict[str, Any]:
    return {"site_url": site_url, "changed": changed}


def receipt_queue(*, response: Response, site_url: str, changed: bool) -> Email:
    """Queue a receipt for `response` (to its email) inside the caller's transaction; rendered when sent. One per
    submission: the key names the submission token, so a repeated submit cannot queue a second."""
    return email_queue(
        kind="receipt",
        to=response.email,
        about=response,
        dedup_key=f"receipt:{response.pk}:{response.submission_token}",
        data=receipt_render_payload(site_url=site_url, changed=changed),
    )


def receipt_context(email: Email, *, now: datetime.datetime | None = None) -> dict[str, Any] | Skip:
    """The receipt's template context from its response as it is now; Skip if the response is gone."""
    from ..selectors.responses import answer_summary, responding_structure, response_answers

    response = None
    if email.about_id is not None and email.about_type_id == ContentType.objects.get_for_model(Response).pk:
        response = Response.objects.select_related("consultation", "organisation").filter(pk=email.about_id).first()
    if response is None:
        return Skip(RESPONSE_DELETED)
    consultation = response.consultation
    organisation = response.organisation.name if response.organisation else response.organisation_name
    payload = email.data or {}
    site_url = str(payload.get("site_url") or "")
    structure = responding_structure(consultation=consultation)
    return {
        "consultation": consultation,
        "response": response,
        "summary": answer_summary(pages=structure.pages, stored=response_answers(response=response)),
        "changed": bool(payload.get("changed")),
        "site_url": site_url,
        "consultation_url": f"{site_url}/consultations/{consultation.slug}/",
        # Sent without an account: a signed link to change it until closing; with one, the account's page.
        "change_url": (
            f"{site_url}{reverse('engagement:respond_change', args=[consultation.slug, change_token_make(response=response)])}"
            if response.user_id is None
            else f"{site_url}{reverse('engagement:my_responses')}"
        ),
        "change_until": consultation.closes_at,
        "reply_to": consultation.contact_email,
        # What "About you" said, so an organisation's responder can show what was sent in its name.
        "organisation": organisation if response.for_organisation else "",
        "onward_text": deadlines.describe_onward(consultation, now=now or timezone.now()),
    }


def resume_link_queue(*, response: Response, to: str, context: dict[str, Any]) -> Email:
    """A save-and-return link, rendered now (it carries a fresh signed link each time it is asked for)."""
    return email_queue(kind="resume_link", to=to, about=response, context=context)
