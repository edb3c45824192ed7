"""Move engagement's outbox rows (engagement.OutboundEmail) into the one outbox; engagement 0008 then drops it."""

from email.utils import make_msgid

from django.db import migrations


def move_rows(apps, schema_editor):
    OutboundEmail = apps.get_model("engagement", "OutboundEmail")
    Email = apps.get_model("notifications", "Email")
    ContentType = apps.get_model("contenttypes", "ContentType")
    response_type, _ = ContentType.objects.get_or_create(app_label="engagement", model="response")
    rows = []
    for old in OutboundEmail.objects.order_by("pk").iterator():
        payload = old.render  # a receipt not yet rendered: {'template', 'site_url', 'changed'}
        rows.append(
            Email(
                kind=old.kind,
                to=old.to,
                about_type=response_type if old.response_id else None,
                about_id=old.response_id,
                dedup_key=f"engagement-outbox:{old.pk}",
                message_id=make_msgid(domain="ics-portal.invalid"),
                subject=old.subject,
                body_text=old.body_text,
                body_html=old.body_html,
                data={k: v for k, v in payload.items() if k != "template"} if payload else None,
                status=old.status,
                attempts=old.attempts,
                not_before=old.not_before,
                last_error=old.last_error,
                claimed_at=old.claimed_at,
                sent_at=old.sent_at,
            )
        )
        if len(rows) >= 1000:
            Email.objects.bulk_create(rows)
            rows = []
    Email.objects.bulk_create(rows)
    # created_at is auto_now_add: carry the original times over afterwards.
    for old in OutboundEmail.objects.only("pk", "created_at").iterator():
        Email.objects.filter(dedup_key=f"engagement-outbox:{old.pk}").update(created_at=old.created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("engagement", "0007_suspected_automated"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(move_rows, migrations.RunPython.noop)]
