"""The move from engagement's single outcome text box: an outcome written there arrives in outcomes.Outcome,
published as it was, before engagement drops the field."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from outcomes.models import Outcome
from tests.engagement.factories import ConsultationFactory

BEFORE = [("engagement", "0012_consultation_retention_months"), ("outcomes", None)]


@pytest.mark.django_db(transaction=True)
def test_an_old_outcome_is_copied_then_the_field_dropped() -> None:
    consultation = ConsultationFactory(closed=True)
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state([BEFORE[0]]).apps.get_model("engagement", "Consultation")
        published = timezone.now()
        old.objects.filter(pk=consultation.pk).update(
            outcome="<p>We chose <strong>option 2</strong>.</p>", outcome_published_at=published
        )
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)
    outcome = Outcome.objects.get(consultation_id=consultation.pk)
    assert outcome.decision == "We chose option 2."
    assert outcome.published_at == published
