"""pgcrypto on PostgreSQL: Django's SHA256 database function is pgcrypto's digest() there (SQLite has its own).
`emails_plan` hashes each address into its dedup key in the database with it. Nothing happens on SQLite."""

from django.contrib.postgres.operations import CryptoExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_suppression_cause_unsubscribed")]

    operations = [CryptoExtension()]
