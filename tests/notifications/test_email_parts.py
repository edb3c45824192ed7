"""What every consultation email shares: grouping a claimed batch by consultation for the batch renderers
(`reminder_contexts`, `opening_contexts`, outcomes' `outcome_contexts`)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.models import Consultation
from notifications.email_parts import consultation_batches
from notifications.kinds import Skip
from notifications.models import Email
from tests.engagement.factories import ConsultationFactory
from tests.notifications.factories import EmailFactory


def _about(consultation: Consultation | None, count: int) -> list[Email]:
    if consultation is None:
        return list(EmailFactory.create_batch(count))  # about nothing
    ct = ContentType.objects.get_for_model(Consultation)
    return list(EmailFactory.create_batch(count, about_type=ct, about_id=consultation.pk))


@pytest.mark.django_db
def test_a_batch_is_grouped_by_consultation_in_one_query_whatever_its_size() -> None:
    """Rows of each consultation come back together in the batch's order; a row whose consultation is not among
    those asked for, or about nothing, is skipped as `gone`; `skip` names the reason for the rest it refuses."""
    kept, refused, draft = ConsultationFactory(), ConsultationFactory(), ConsultationFactory(draft=True)
    ContentType.objects.get_for_model(Consultation)  # cached per process, as in a worker
    refused_rows, draft_rows, nothing = _about(refused, 2), _about(draft, 1), _about(None, 1)

    def group(emails: list[Email]) -> tuple[dict[int, object], list[tuple[Consultation, list[Email]]]]:
        return consultation_batches(
            emails,
            among=Consultation.objects.published(),
            gone="gone",
            skip=lambda c: "refused" if c.pk == refused.pk else None,
        )

    small, big = _about(kept, 2), _about(kept, 40)
    with CaptureQueriesContext(connection) as few:
        group(small)
    with CaptureQueriesContext(connection) as many:
        skipped, batches = group([*small, *refused_rows, *big, *draft_rows, *nothing])
    assert len(few) == len(many) == 1, "the consultations in one query, for 2 rows or 45"
    assert batches == [(kept, [*small, *big])]
    assert skipped == {
        **{e.pk: Skip("refused") for e in refused_rows},
        **{e.pk: Skip("gone") for e in [*draft_rows, *nothing]},
    }
