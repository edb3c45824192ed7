"""Copy outcomes written with engagement's old single text box into Outcome, before engagement drops the field."""

from typing import Any

from django.db import migrations
from django.utils.html import strip_tags

OLD = "Published before the outcome had separate parts; see what we decided."


def copy(apps: Any, schema_editor: Any) -> None:
    Consultation = apps.get_model("engagement", "Consultation")
    Outcome = apps.get_model("outcomes", "Outcome")
    for consultation in Consultation.objects.exclude(outcome=""):
        Outcome.objects.get_or_create(
            consultation=consultation,
            defaults={
                "what_we_heard": OLD,
                "decision": strip_tags(consultation.outcome).strip() or OLD,
                "published_at": consultation.outcome_published_at,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_outcome"), ("engagement", "0012_consultation_retention_months")]

    operations = [migrations.RunPython(copy, migrations.RunPython.noop)]
