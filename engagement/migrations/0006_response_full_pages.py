"""Undo 0005's fillfactor: it kept 30% of each page of engagement_response free for the heap-only updates of a
one-statement submit path that is gone (one submit path now: services/responses.py `response_submit`)."""

import importlib

from django.db import migrations

# 0005's own pair, run the other way round (its module name starts with a digit: no plain import).
_0005 = importlib.import_module("engagement.migrations.0005_submit_fast_path")


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0005_submit_fast_path"),
    ]

    operations = [
        migrations.RunPython(_0005.back_to_full_pages, _0005.leave_room_for_hot_updates),
    ]
