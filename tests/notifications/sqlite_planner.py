"""Run by test_planner_sqlite.py in a process of its own on an SQLite database (as `make run` uses): the outbox's
planner must make the same rows there as on PostgreSQL. The schema is made from the models (no migrations: this
checks the planner's SQL, not them). Prints what it planned as JSON."""

import datetime
import json
import os
import sys

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "ics_portal.settings.local"
os.environ["DATABASE_URL"] = f"sqlite:///{sys.argv[1]}"
django.setup()

from django.apps import apps  # noqa: E402
from django.db import connection  # noqa: E402

with connection.schema_editor() as editor:
    for model in apps.get_models():
        if model._meta.managed and not model._meta.proxy:
            editor.create_model(model)

from notifications.models import Email  # noqa: E402
from notifications.openings import openings_plan  # noqa: E402
from notifications.reminders import reminder_due_at, reminders_plan  # noqa: E402
from tests.engagement.factories import ConsultationFactory, area_tree  # noqa: E402
from tests.notifications.test_openings import CLOSES, OPENS, follow, invite, sent  # noqa: E402

_ncl, _camden, area = area_tree(slug="ncl")
consultation = ConsultationFactory(owner_area=area, system=area.system, opens_at=OPENS, closes_at=CLOSES)
follow(area, email="local@example.org")
follow(consultation, email="both@example.org")
invite(consultation, "both@example.org")  # follows and is invited: one email
invite(consultation, "invited@example.org")
invite(consultation, "responded@example.org")
sent(consultation, email="Responded@Example.org")
seven = reminder_due_at(CLOSES, 7) + datetime.timedelta(minutes=1)
result = {
    "dry": [(p.planned, p.already_planned) for p in reminders_plan(now=seven, dry_run=True) if p.state == "planned"],
    "first": [(p.planned, p.already_planned, p.responded) for p in reminders_plan(now=seven) if p.state == "planned"],
    "again": [(p.planned, p.already_planned) for p in reminders_plan(now=seven) if p.state == "planned"],
    "dry_after": [
        (p.planned, p.already_planned) for p in reminders_plan(now=seven, dry_run=True) if p.state == "planned"
    ],
    "openings": [(p.planned, p.already_planned) for p in openings_plan(now=OPENS)],
    "rows": sorted(Email.objects.values_list("kind", "to", "dedup_key", "message_id", "status", "data", "not_before")),
}
sys.stdout.write(json.dumps(result, default=str) + "\n")
