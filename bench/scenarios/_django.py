"""In-process jobs for the scenarios that measure services rather than pages (reminders, exports, the summary).

`run_job(name, **kwargs)` runs `python bench/scenarios/_django.py <name> <json>` with the server's environment
(the bench database and Redis, `ics_portal.settings.bench`) and returns the JSON the job prints last; details go
to stderr. A subprocess per job keeps Django out of the runner and gives memory figures (ru_maxrss, tracemalloc)
that belong to that job alone.

The data sets are built once and reused while their shape is unchanged (`seed_demo --force` leaves them):
`dataset_responses` with `responses_generate` (reporting/synthetic.py, the same rows `generate_responses` makes),
`followers_make` with bulk inserts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
RESPONSES_SLUG = "bench-responses"
REMINDERS_SLUG = "bench-reminders"
QUESTIONS = [  # ten questions, every kind an export or a summary handles
    ("single_choice", "Which option do you prefer?", ["Option 1", "Option 2", "Option 3"]),
    ("multiple_choice", "Which services have you used?", ["GP", "Pharmacy", "Hospital", "Community", "Online"]),
    ("agree_scale", "Care should be planned locally", []),
    ("yes_no", "Have you used the service in the last year?", []),
    ("long_text", "What would make it work?", []),
    ("short_text", "One word for the service", []),
    ("single_choice", "How do you travel to appointments?", ["Walk", "Bus", "Car", "Taxi"]),
    ("agree_scale", "Opening hours suit me", []),
    ("multiple_choice", "Which times suit you?", ["Mornings", "Afternoons", "Evenings", "Weekends"]),
    ("long_text", "Anything else?", []),
]


def _env() -> dict[str, str]:
    main = sys.modules.get("__main__")
    if main is not None and hasattr(main, "server_env"):
        return dict(main.server_env())
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "ics_portal.settings.bench")
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ics_bench")
    env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
    env.setdefault("DJANGO_SECRET_KEY", "bench-job-" + "x" * 50)
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    return env


def run_job(name: str, **kwargs: Any) -> Any:
    """Run one job in a fresh process; its last stdout line is its JSON result."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__)), name, json.dumps(kwargs)],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        text=True,
        timeout=3600,  # the scenario's own time limit (bench/run.py) is what bounds it
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"bench job {name} failed with exit code {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def log(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


# --- Jobs (run in the subprocess, after django.setup()) ---------------------------------------------------------
def _consultation(slug: str, *, closes_in_days: int, reminder_offsets: list[int]) -> Any:
    import datetime

    from django.utils import timezone

    from engagement.models import Consultation, Question
    from governance.models import Area

    now = timezone.now()
    top = Area.objects.filter(parent__isnull=True).order_by("pk").first()
    if top is None:
        raise SystemExit("the bench database has no areas: run without --skip-seed")
    consultation, _ = Consultation.objects.update_or_create(
        slug=slug,
        defaults={
            "system": top.system,
            "owner_area": top,
            "title": f"Benchmark consultation ({slug})",
            "summary": "For make bench.",
            "opens_at": now - datetime.timedelta(days=30),
            "closes_at": now + datetime.timedelta(days=closes_in_days),
            "is_published": True,
            "reminder_offsets": reminder_offsets,
        },
    )
    for order, (kind, text, choices) in enumerate(QUESTIONS, 1):
        Question.objects.update_or_create(
            consultation=consultation, order=order, defaults={"kind": kind, "text": text, "choices": choices}
        )
    return consultation


def _copy_responses(consultation: Any, *, copies: int) -> None:
    """Copy the consultation's responses, answers and equality answers `copies` times in PostgreSQL (a setup that
    takes seconds: responses_generate makes about 1,200 a second on this machine, all of it the ORM's bulk_create)."""
    from django.db import connection

    from engagement.models import EqualityMonitoring, Response
    from reporting.synthetic import unused_references

    originals = Response.objects.filter(consultation=consultation).count()
    refs = list(unused_references(originals * copies))
    columns = [f.column for f in Response._meta.concrete_fields if f.column not in ("id", "reference")]
    listed = ", ".join(f'"{c}"' for c in columns)
    from_src = ", ".join(f'src."{c}"' for c in columns)
    equality = [f.column for f in EqualityMonitoring._meta.concrete_fields if f.column != "id"]
    eq_listed = ", ".join(f'"{c}"' for c in equality)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH src AS (
                SELECT r.*, row_number() OVER (ORDER BY r.id) AS n FROM engagement_response r
                WHERE r.consultation_id = %(c)s
            ), refs AS (
                SELECT ref, n FROM unnest(%(refs)s::text[]) WITH ORDINALITY AS t(ref, n)
            ), made AS (
                SELECT src.*, k, refs.ref FROM src CROSS JOIN generate_series(1, %(copies)s) AS k
                JOIN refs ON refs.n = (k - 1) * %(originals)s + src.n
            ), ins AS (
                INSERT INTO engagement_response ({listed}, reference)
                SELECT {from_src}, src.ref FROM made AS src RETURNING id, reference
            )
            INSERT INTO engagement_answer (response_id, question_id, value, other_text)
            SELECT ins.id, a.question_id, a.value, a.other_text
            FROM ins JOIN made ON made.ref = ins.reference JOIN engagement_answer a ON a.response_id = made.id
            """,  # noqa: S608 (column names from the models' _meta; every value is a parameter)
            {"c": consultation.pk, "refs": refs, "copies": copies, "originals": originals},
        )
        cursor.execute(
            f"""INSERT INTO {EqualityMonitoring._meta.db_table} ({eq_listed})
            SELECT {eq_listed} FROM {EqualityMonitoring._meta.db_table}, generate_series(1, %s)
            WHERE consultation_id = %s""",  # noqa: S608 (as above)
            [copies, consultation.pk],
        )
        cursor.execute("ANALYZE engagement_response; ANALYZE engagement_answer")


def dataset_responses(*, count: int) -> dict[str, Any]:
    """The consultation RESPONSES_SLUG with exactly `count` synthetic responses (rebuilt only if not): a tenth
    made by responses_generate (reporting/synthetic.py, what `generate_responses` runs), copied nine times."""
    from django.db import transaction
    from django.utils import timezone

    from engagement.models import EqualityMonitoring, Response
    from reporting.synthetic import responses_generate

    consultation = _consultation(RESPONSES_SLUG, closes_in_days=30, reminder_offsets=[])
    if Response.objects.filter(consultation=consultation).count() != count:
        start = time.perf_counter()
        with transaction.atomic():
            Response.objects.filter(consultation=consultation).delete()
            EqualityMonitoring.objects.filter(consultation=consultation).delete()
            responses_generate(consultation=consultation, count=count // 10, seed=11, now=timezone.now())
            generated = time.perf_counter() - start
            _copy_responses(consultation, copies=9)
        log(
            f"dataset: {count} responses of {len(QUESTIONS)} questions made in {time.perf_counter() - start:.1f} s "
            f"({count // 10} by responses_generate in {generated:.1f} s, the rest copied in PostgreSQL)"
        )
    return {"consultation": consultation.pk}


# --- reminders ---
def followers_make(consultation: Any, *, count: int, responded_every: int, invited: int = 0) -> None:
    """`count` recipients: `count - invited` confirmed email follows of the consultation and `invited` invitees (on
    its list, other addresses); every `responded_every`-th address of each has sent a response."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from engagement.models import Consultation, Response
    from notifications.models import Follow, Invitee
    from reporting.synthetic import unused_references

    now = timezone.now()
    ct = ContentType.objects.get_for_model(Consultation)
    Follow.objects.filter(target_type=ct, target_id=consultation.pk).delete()
    Invitee.objects.filter(target_type=ct, target_id=consultation.pk).delete()
    Response.objects.filter(consultation=consultation).delete()
    addresses = [f"follower{n}@example.org" for n in range(count - invited)]
    Follow.objects.bulk_create(
        (Follow(email=a, target_type=ct, target_id=consultation.pk, confirmed_at=now) for a in addresses),
        batch_size=5000,
    )
    invitees = [f"invitee{n}@example.org" for n in range(invited)]
    Invitee.objects.bulk_create(
        (Invitee(email=a, name="Invitee", target_type=ct, target_id=consultation.pk) for a in invitees),
        batch_size=5000,
    )
    responded = addresses[::responded_every] + invitees[::responded_every]
    Response.objects.bulk_create(
        (
            Response(
                consultation=consultation, reference=ref, state=Response.State.SUBMITTED, email=a, submitted_at=now
            )
            for a, ref in zip(responded, unused_references(len(responded)), strict=True)
        ),
        batch_size=5000,
    )


def reminder_recipients_make(consultation: Any, *, count: int) -> None:
    """Who the planner reminds: `count` recipients, nine tenths followers and a tenth invitees; a tenth of each
    already responded."""
    followers_make(consultation, count=count, responded_every=10, invited=count // 10)


def _recipients_count(consultation: Any) -> int:
    from django.contrib.contenttypes.models import ContentType

    from engagement.models import Consultation
    from notifications.models import Follow, Invitee

    ct = ContentType.objects.get_for_model(Consultation)
    follows = Follow.objects.filter(target_type=ct, target_id=consultation.pk).count()
    return follows + Invitee.objects.filter(target_type=ct, target_id=consultation.pk).count()


def _reminders_consultation(slug: str, *, count: int) -> Any:
    """A consultation closing in 3 days with a 7-day reminder (so due now) and `count` recipients (kept if so)."""
    consultation = _consultation(slug, closes_in_days=3, reminder_offsets=[7])
    if _recipients_count(consultation) != count:
        start = time.perf_counter()
        reminder_recipients_make(consultation, count=count)
        log(f"reminders: {count} recipients made in {time.perf_counter() - start:.1f} s")
    return consultation


def _reminder_rows(consultation: Any) -> Any:
    from notifications.models import Email

    return Email.objects.filter(kind="reminder", dedup_key__startswith=f"reminder:{consultation.pk}:")


def _plan_by_insert_select(consultation: Any, *, now: Any) -> int:
    """The floor: one INSERT ... SELECT of the same rows from the planner's own recipient query (its SQL, taken
    from the ORM), the dedup key hashed in PostgreSQL and a Message-ID from gen_random_uuid()."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from engagement.models import Consultation
    from notifications.reminders import reminded

    sql, params = reminded(consultation).query.sql_with_params()  # its followers and invitees, a UNION
    ct = ContentType.objects.get_for_model(Consultation)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO notifications_email (kind, "to", about_type_id, about_id, dedup_key, message_id, subject,
                body_text, body_html, data, status, attempts, not_before, last_error, created_at)
            SELECT 'reminder', a.address, %s, %s,
                'reminder:' || %s || ':7d:' || left(encode(sha256(convert_to(a.address, 'UTF8')), 'hex'), 32),
                '<' || gen_random_uuid() || '@ics-portal.invalid>', '', '', '', '{{"offset_days": 7}}'::jsonb,
                'ready', 0, %s, '', %s
            FROM ({sql}) AS a(address)
            ON CONFLICT DO NOTHING
            """,  # noqa: S608 (the ORM's own SQL for the recipients; every value is a parameter)
            [ct.pk, consultation.pk, consultation.pk, now, now, *params],
        )
        return int(cursor.rowcount)


def reminders_plan_measure(*, count: int, rounds: int) -> dict[str, Any]:
    """Rounds of (INSERT ... SELECT, reminders_plan), each starting with no reminder rows for the consultation."""
    from django.utils import timezone

    from notifications.reminders import reminders_plan

    consultation = _reminders_consultation(REMINDERS_SLUG, count=count)
    reminders_plan(now=timezone.now())  # other open consultations' reminders, so the rounds plan only this one
    results = []
    for _ in range(rounds):
        _reminder_rows(consultation).delete()
        start = time.perf_counter()
        floor_rows = _plan_by_insert_select(consultation, now=timezone.now())
        floor = time.perf_counter() - start
        floor_keys = set(_reminder_rows(consultation).values_list("dedup_key", flat=True))
        _reminder_rows(consultation).delete()
        start = time.perf_counter()
        plans = reminders_plan(now=timezone.now())
        target = time.perf_counter() - start
        planned = sum(p.planned for p in plans if p.consultation.pk == consultation.pk)
        keys = set(_reminder_rows(consultation).values_list("dedup_key", flat=True))
        if keys != floor_keys or planned != floor_rows:
            raise RuntimeError(f"the floor made {floor_rows} rows and the planner {planned}: not the same rows")
        log(f"reminders_plan: {planned} rows in {target:.2f} s; INSERT ... SELECT {floor_rows} rows in {floor:.2f} s")
        results.append((floor, target))
    _reminder_rows(consultation).delete()
    return {"rounds": results}


# --- exports ---
class _Sink:
    """A write-only file that keeps only the byte count (the export's cost, not the disk's)."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)


def _export_args(*, limit: int | None = None) -> dict[str, Any]:
    """What the download view and the background job pass: the consultation, no filters, responses up to now (or
    up to the `limit`-th response sent, for the memory figure at a smaller size)."""
    from django.utils import timezone

    from engagement.models import Consultation
    from reporting.exports import export_responses
    from reporting.selectors import ReportFilters

    consultation = Consultation.objects.get(slug=RESPONSES_SLUG)
    filters = ReportFilters()
    until = timezone.now()
    if limit is not None:
        ordered = export_responses(consultation=consultation, filters=filters, until=until).order_by("submitted_at")
        last = ordered.values_list("submitted_at", flat=True)[limit - 1]
        until = last or until  # a sent response always has submitted_at; the column itself may be empty
    responses = export_responses(consultation=consultation, filters=filters, until=until)
    return {"consultation": consultation, "filters": filters, "responses": responses, "personal": False}


def _copy_answers(responses: Any) -> int:
    """The floor for CSV: PostgreSQL's COPY of the same responses' answers, one line per answer."""
    from django.db import connection

    sql, params = responses.values("pk").query.sql_with_params()
    sink = _Sink()
    with connection.cursor() as cursor:
        select = (
            "SELECT r.reference, r.submitted_at, r.is_late, r.respondent_type, a.question_id, a.value, a.other_text "
            "FROM engagement_response r JOIN engagement_answer a ON a.response_id = r.id "
            "WHERE r.id IN ({}) ORDER BY r.submitted_at, r.id"
        )
        query = cursor.mogrify(select.format(sql), params).decode()  # the ORM's SQL for the same responses
        cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH CSV", sink)
    return sink.size


def export_csv_measure(*, rounds: int) -> dict[str, Any]:
    """Rounds of (COPY, the real CSV export as write_export writes it for a job and the view streams it)."""
    from reporting.exports import write_export

    results = []
    for _ in range(rounds):
        args = _export_args()
        start = time.perf_counter()
        copied = _copy_answers(args["responses"])
        floor = time.perf_counter() - start
        sink = _Sink()
        start = time.perf_counter()
        write_export(sink, fmt="csv", **args)  # type: ignore[arg-type]
        target = time.perf_counter() - start
        log(f"export_csv: {sink.size / 1e6:.1f} MB in {target:.2f} s; COPY {copied / 1e6:.1f} MB in {floor:.2f} s")
        results.append((floor, target))
    return {"rounds": results}


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def export_memory(*, fmt: str, limit: int | None) -> dict[str, Any]:
    """Peak resident memory growth of one export (a fresh process each, so the peak is this export's)."""
    import tempfile

    from reporting.exports import write_export

    args = _export_args(limit=limit)
    count = args["responses"].count()
    before = _rss_mb()
    with tempfile.TemporaryFile() as out:
        write_export(out, fmt=fmt, **args)
    growth = _rss_mb() - before
    log(f"export {fmt} of {count} responses: peak RSS {_rss_mb():.0f} MB, {growth:.0f} MB above the start")
    return {"responses": count, "growth_mb": growth}


def export_xlsx_measure(*, rounds: int) -> dict[str, Any]:
    """Rounds of (openpyxl write-only writing the export's rows already in memory, the real XLSX export)."""
    import tempfile

    from openpyxl import Workbook

    from ics_portal.spreadsheets import safe_xlsx_row
    from reporting.exports import response_rows, write_xlsx

    results = []
    args = _export_args()
    rows = [safe_xlsx_row(row) for row in response_rows(**_without(args, "filters"))]  # the same in every round
    for _ in range(rounds):
        start = time.perf_counter()
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Responses")
        for row in rows:
            sheet.append(row)
        with tempfile.TemporaryFile() as out:
            workbook.save(out)
        floor = time.perf_counter() - start
        del workbook, sheet
        start = time.perf_counter()
        with tempfile.TemporaryFile() as out:
            write_xlsx(out, **args)
        target = time.perf_counter() - start
        log(f"export_xlsx: {target:.2f} s; openpyxl write-only of the rows in memory {floor:.2f} s")
        results.append((floor, target))
    return {"rounds": results}


def _without(args: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in args.items() if k not in names}


# --- the summary page ---
def summary_measure(*, rounds: int) -> dict[str, Any]:
    """Rounds of (the page's SQL replayed alone, the page through Django's test client signed in as the PMO).

    The page's own statements are captured from one request and replayed by the same connection, so the floor is
    exactly the database work of the page (session and user included) and the ratio is what Django adds."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email="pmo@demo.nhs.net"))
    url = f"/pmo/consultations/{RESPONSES_SLUG}/"
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url)
    if page.status_code != 200 or (b"100,000" not in page.content and b"100000" not in page.content):
        raise RuntimeError(f"the summary page gave {page.status_code} or does not show 100,000 responses")
    statements = [q["sql"] for q in captured.captured_queries]
    log(f"summary_page: {len(statements)} queries, {len(page.content) / 1e3:.0f} kB of HTML")
    results = []
    for _ in range(rounds):
        start = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
        floor = time.perf_counter() - start
        start = time.perf_counter()
        client.get(url)
        target = time.perf_counter() - start
        log(f"summary_page: {target:.3f} s; its {len(statements)} queries alone {floor:.3f} s")
        results.append((floor, target))
    return {"rounds": results, "queries": len(statements)}


# --- sending reminders ---
SEND_SLUG = "bench-send"


def _sink() -> tuple[Any, Any, int]:
    """A real SMTP server in this process (tests/smtp_sink.py's handler on aiosmtpd), and its port."""
    from aiosmtpd.controller import Controller

    from tests.smtp_sink import SwitchableHandler, free_port

    handler = SwitchableHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return handler, controller, port


def _plan_send_round(consultation: Any) -> int:
    """This consultation's reminders planned afresh by the real planner, and nothing else due in the outbox."""
    from django.utils import timezone

    from engagement.models import Consultation
    from notifications.models import Email
    from notifications.reminders import reminders_plan

    # Not the 90,000 of the reminders_plan scenario: that consultation is unpublished until it runs again.
    Consultation.objects.filter(slug=REMINDERS_SLUG).update(is_published=False)
    _reminder_rows(consultation).delete()
    reminders_plan(now=timezone.now())
    # What other scenarios left due (receipts of feedback_submit, demo reminders) is set aside, in this database only.
    Email.objects.due(now=timezone.now()).exclude(pk__in=_reminder_rows(consultation).values("pk")).update(
        status=Email.Status.SUPPRESSED, last_error="Set aside by make bench (reminders_send)."
    )
    return int(_reminder_rows(consultation).count())


def _messages(consultation: Any) -> list[tuple[str, bytes]]:
    """The rows just sent as the bytes the sender put on the wire (the same fields and headers)."""
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives

    from notifications import kinds
    from notifications.services import _headers

    out = []
    for email in _reminder_rows(consultation).filter(status="sent"):
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to],
            headers=_headers(email, kinds.get(email.kind)),
        )
        message.attach_alternative(email.body_html, "text/html")
        # Django's SafeMIME messages take linesep; django-stubs give them email.message.Message's as_bytes.
        out.append((email.to, message.message().as_bytes(linesep="\r\n")))  # type: ignore[call-arg]
    return out


def reminders_send_measure(*, count: int, rounds: int) -> dict[str, Any]:
    """Rounds of (a plain smtplib loop sending the rendered messages, the outbox's sweep `emails_send_due`
    sending the same reminders, rendered at send time as always); then one more sweep under cProfile."""
    import cProfile
    import io
    import pstats
    import smtplib

    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone

    from notifications.services import emails_send_due

    handler, controller, port = _sink()
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
    }
    consultation = _reminders_consultation(SEND_SLUG, count=count)

    def sweep() -> tuple[float, int]:
        planned = _plan_send_round(consultation)
        received = len(handler.messages)
        start = time.perf_counter()
        sent = emails_send_due(now=timezone.now())
        seconds = time.perf_counter() - start
        if sent != planned or len(handler.messages) - received != planned:
            raise RuntimeError(f"{planned} planned, {sent} sent, {len(handler.messages) - received} received")
        return sent / seconds, sent

    def plain(messages: list[tuple[str, bytes]]) -> float:
        received = len(handler.messages)
        start = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as server:
            for to, data in messages:
                server.sendmail(settings.DEFAULT_FROM_EMAIL, [to], data)
        seconds = time.perf_counter() - start
        assert len(handler.messages) - received == len(messages)
        return len(messages) / seconds

    results = []
    try:
        with override_settings(**smtp):
            sweep()  # warm: templates loaded, and the rendered messages for the floor
            messages = _messages(consultation)
            for _ in range(rounds):
                floor = plain(messages)
                target, _sent = sweep()
                log(f"reminders_send: outbox {target:.0f} emails/s; smtplib loop {floor:.0f} emails/s")
                results.append((floor, target))
            profile = cProfile.Profile()
            with CaptureQueriesContext(connection) as captured:
                _rate, sent = profile.runcall(sweep)
            text = io.StringIO()
            pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(30)
            log(f"reminders_send profile ({len(captured) / sent:.1f} queries per email):\n{text.getvalue()}")
    finally:
        controller.stop()
    return {"rounds": results, "queries_per_email": len(captured) / sent}


# --- profiling a submission (the feedback_submit scenario's request, in process) ---
def feedback_profile(*, submissions: int) -> dict[str, Any]:
    """`submissions` drafts made through the respond flow (as feedback_submit makes them over HTTP), then their
    check-answers POSTs under cProfile, with every SQL statement captured: where a submission's time goes."""
    import cProfile
    import io
    import pstats
    import re
    from collections import Counter

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from engagement.models import Question
    from notifications.models import Email

    consultation = _consultation("bench-feedback-profile", closes_in_days=30, reminder_offsets=[])
    questions = {q.order: q for q in Question.objects.filter(consultation=consultation)}
    base = f"/consultations/{consultation.slug}/respond"
    drafts = []
    for n in range(submissions):
        client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=f"127.0.{n // 250 + 1}.{n % 250 + 2}")
        client.post(f"{base}/", {"action": "start"})
        answers = {f"q{questions[1].pk}": "Option 1", f"q{questions[5].pk}": "Working together. " * 10}
        client.post(f"{base}/page/1/", {**answers, "action": "continue"})
        about = {"respondent_type": "individual", "email": "bench@example.org", "action": "continue"}
        client.post(f"{base}/about-you/", about)
        page = client.get(f"{base}/check/").content.decode()
        form = re.search(r'<form method="post" action="[^"]*/respond/submit/".*?</form>', page, re.S)
        if form is None:
            raise RuntimeError("the check-answers page has no submit form")
        drafts.append((client, dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[0]))))
    emails_before = Email.objects.count()
    profile = cProfile.Profile()
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        profile.enable()
        for client, fields in drafts:
            if client.post(f"{base}/submit/", fields).status_code != 302:
                raise RuntimeError("a submission was not accepted")
        profile.disable()
    seconds = time.perf_counter() - start
    kinds = Counter(re.sub(r"\s+", " ", q["sql"]).split(" ")[0] for q in captured.captured_queries)
    tables = Counter(
        m[0] for q in captured.captured_queries for m in [re.findall(r'(?:FROM|INTO|UPDATE) "(\w+)"', q["sql"])] if m
    )
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(40)
    per = len(captured) / submissions
    log(
        f"feedback_submit profile: {seconds / submissions * 1000:.1f} ms a submission (profiled), {per:.1f} queries each"
    )
    log(f"statements per submission: { {k: v / submissions for k, v in kinds.items()} }")
    log(f"first table per statement: { {k: v / submissions for k, v in tables.most_common()} }")
    log(text.getvalue())
    return {
        "queries_per_submission": per,
        "outbox_rows_per_submission": (Email.objects.count() - emails_before) / submissions,
        "ms_per_submission_profiled": seconds / submissions * 1000,
    }


def main() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    name, kwargs = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps(globals()[name](**kwargs)), flush=True)


if __name__ == "__main__":
    main()
