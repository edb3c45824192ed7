"""The move from engagement's outbox: existing rows, READY ones included, arrive in the one outbox."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from notifications.models import Email
from tests.engagement.factories import ResponseFactory

BEFORE = [("engagement", "0007_suspected_automated"), ("notifications", None)]


@pytest.mark.django_db(transaction=True)
def test_engagement_outbox_rows_are_moved_then_its_table_dropped() -> None:
    response = ResponseFactory(email="r@example.org", state="submitted", submitted_at=timezone.now())
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        old_apps = executor.loader.project_state([BEFORE[0]]).apps
        outbound = old_apps.get_model("engagement", "OutboundEmail")
        created = timezone.now() - datetime.timedelta(days=2)
        queued = outbound.objects.create(
            kind="receipt",
            to="r@example.org",
            subject="",
            body_text="",
            response_id=response.pk,
            render={"template": "receipt", "site_url": "https://portal.example", "changed": True},
        )
        sent = outbound.objects.create(
            kind="resume_link", to="s@example.org", subject="Saved", body_text="Link", status="sent", attempts=1
        )
        outbound.objects.filter(pk=queued.pk).update(created_at=created)

        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)

    receipt = Email.objects.get(dedup_key=f"engagement-outbox:{queued.pk}")
    assert (receipt.kind, receipt.to, receipt.status, receipt.about) == ("receipt", "r@example.org", "ready", response)
    assert receipt.data == {"site_url": "https://portal.example", "changed": True}
    assert receipt.created_at == created
    assert receipt.message_id.startswith("<")
    moved = Email.objects.get(dedup_key=f"engagement-outbox:{sent.pk}")
    assert (moved.status, moved.subject, moved.attempts, moved.about) == ("sent", "Saved", 1, None)
    assert "engagement_outboundemail" not in connection.introspection.table_names()


@pytest.mark.django_db(transaction=True)
def test_addresses_that_unsubscribed_from_an_invite_list_before_are_suppressed_after() -> None:
    from notifications.models import Invitee, Suppression
    from tests.engagement.factories import ConsultationFactory

    before = [("notifications", "0004_invitee")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    one, two = ConsultationFactory(), ConsultationFactory()
    try:
        executor.migrate(before)
        old_apps = executor.loader.project_state(before).apps
        invitee = old_apps.get_model("notifications", "Invitee")
        content_type = old_apps.get_model("contenttypes", "ContentType").objects.get(
            app_label="engagement", model="consultation"
        )
        at = timezone.now() - datetime.timedelta(days=3)
        for consultation, email, unsubscribed_at in [(one, "gone@x.org", at), (two, "gone@x.org", None)]:
            invitee.objects.create(
                target_type=content_type,
                target_id=consultation.pk,
                email=email,
                name="G",
                unsubscribed_at=unsubscribed_at,
            )
        invitee.objects.create(target_type=content_type, target_id=one.pk, email="stays@x.org", name="S")
        MigrationExecutor(connection).migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)
    assert Invitee.objects.count() == 3
    assert list(Suppression.objects.values_list("address", "cause")) == [("gone@x.org", "unsubscribed")]
