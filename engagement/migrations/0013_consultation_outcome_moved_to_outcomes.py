"""The outcome text moved to the outcomes app (outcomes/0002 copied it first); `outcome_published_at` stays as
the consultation's status marker, which the outcomes services keep in step."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0012_consultation_retention_months"),
        ("outcomes", "0002_copy_engagement_outcomes"),
    ]

    operations = [
        migrations.RemoveField(
            model_name='consultation',
            name='outcome',
        ),
        migrations.RemoveField(
            model_name='historicalconsultation',
            name='outcome',
        ),
    ]
