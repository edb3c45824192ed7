"""The benchmark harness: scenarios are discovered, measure() really sends requests and counts them."""

import concurrent.futures
import multiprocessing
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import run as bench


def test_scenarios_are_discovered_and_callable():
    scenarios = dict(bench.load_scenarios(None))
    assert "home_page" in scenarios
    assert all(callable(module.run) for module in scenarios.values())
    assert list(dict(bench.load_scenarios(["home_page"]))) == ["home_page"]


@pytest.fixture
def ctx(live_server):
    # spawn, not fork: this process runs live_server's thread, and forking a threaded process can deadlock.
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        yield bench.Context(base_url=live_server.url, concurrency=2, requests=20, time_limit=20, pool=pool)


@pytest.mark.django_db(transaction=True)
def test_measure_sends_the_requests_and_reports_rates(ctx):
    result = ctx.measure("/bench/floor/", requests=21)
    assert result.requests == 21
    assert result.statuses == {200: 21}
    assert result.rps > 0
    assert 0 < result.p50_ms <= result.p95_ms <= result.p99_ms


@pytest.mark.django_db(transaction=True)
def test_measure_refuses_unexpected_statuses(ctx):
    with pytest.raises(RuntimeError, match="unexpected statuses"):
        ctx.measure("/no-such-page/", requests=4)


def test_rounds_alternate_floor_and_target_and_the_figure_is_the_median_ratio():
    order = []
    floors, targets = [100.0, 400.0, 200.0], [50.0, 100.0, 160.0]  # ratios 0.5, 0.25, 0.8

    def floor(n: int) -> float:
        order.append(f"floor {n}")
        return floors[n]

    def target(n: int) -> float:
        order.append(f"target {n}")
        return targets[n]

    comparison = bench.alternate(floor, target)
    assert order == ["floor 0", "target 0", "floor 1", "target 1", "floor 2", "target 2"]
    assert comparison.ratios == [0.5, 0.25, 0.8]
    assert comparison.ratio == 0.5  # one slow floor (round 1) does not move it
    assert "median 0.50 of 0.50, 0.25, 0.80" in str(comparison)


@pytest.mark.django_db(transaction=True)
def test_home_page_scenario_alternates_with_the_floor_and_prints_its_line(ctx, monkeypatch):
    paths = []
    measure = ctx.measure

    def recording(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        paths.append(path)
        return measure(path, *args, **kwargs)

    monkeypatch.setattr(ctx, "measure", recording)
    (line,) = dict(bench.load_scenarios(["home_page"]))["home_page"].run(ctx)
    assert re.fullmatch(r"home_page: \d+\.\d\d of floor \(goal >= 0\.5\)", line), line
    assert paths == ["/bench/floor/", "/"] * bench.ROUNDS


# --- The POST floor (ics_portal.views.floor_post) and the feedback_submit scenario's requests ---


@pytest.fixture
def bench_on(settings):  # type: ignore[no-untyped-def]
    settings.BENCH = True
    return settings


def _writes(queries: list[dict[str, str]]) -> list[str]:
    return [
        q["sql"].split()[0] + " " + q["sql"].split('"')[1] for q in queries if q["sql"].startswith(("UPDATE", "INSERT"))
    ]


@pytest.mark.django_db
def test_floor_post_makes_a_submissions_essential_writes_through_the_session(bench_on, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.models import Email
    from tests.engagement.factories import ResponseFactory

    response = ResponseFactory()
    before = response.updated_at
    session = client.session
    session["bench"] = "read me"
    session.save()
    with CaptureQueriesContext(connection) as ctx:
        answer = client.post("/bench/floor-post/", {"response": response.pk})
    assert answer.status_code == 200
    response.refresh_from_db()
    assert response.updated_at > before
    (email,) = Email.objects.all()
    assert (email.about, email.status) == (response, Email.Status.SENT)  # never mailed
    sql = [q["sql"] for q in ctx.captured_queries]
    assert any("django_session" in q for q in sql)  # the session was read from its store
    assert _writes(ctx.captured_queries) == ["UPDATE engagement_response", "INSERT notifications_email"]


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["", "x", "-1", "0", "99999999999999999999999", "١٢", "424242"])
def test_floor_post_refuses_a_bad_response_id_and_writes_nothing(bench_on, client, value):
    from notifications.models import Email

    answer = client.post("/bench/floor-post/", {"response": value})
    assert answer.status_code == 400
    assert answer.content.startswith(b"response: ")
    assert not Email.objects.exists()


@pytest.mark.django_db
def test_floor_post_is_not_served_without_bench_and_checks_csrf(settings, client):
    from django.test import Client

    from tests.engagement.factories import ResponseFactory

    settings.BENCH = False
    assert client.get("/bench/floor-post/").status_code == 404
    assert client.post("/bench/floor-post/", {"response": 1}).status_code == 404
    settings.BENCH = True
    assert client.get("/bench/floor-post/").status_code == 405
    # Like a submission it pays the CSRF check: without the token it is refused.
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/bench/floor-post/", {"response": ResponseFactory().pk}).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_feedback_submit_drafts_submissions_and_floor_requests_work_against_the_site(bench_on, live_server):
    """The scenario's own helpers, against the real respond flow: make drafts over HTTP, send the floor and the
    submissions from many source addresses, and the responses are sent."""
    from engagement.models import Question, Response
    from notifications.models import Email
    from tests.engagement.factories import ConsultationFactory, QuestionFactory, ResponseFactory

    scenario = dict(bench.load_scenarios(["feedback_submit"]))["feedback_submit"]
    consultation = ConsultationFactory(slug="bench-feedback")
    kinds = [Question.Kind.SINGLE_CHOICE, Question.Kind.LONG_TEXT, Question.Kind.AGREE_SCALE]
    questions = [
        QuestionFactory(consultation=consultation, order=n, kind=kind, required=True, choices=["Option 1", "Option 2"])
        for n, kind in enumerate(kinds, 1)
    ]
    host, port = "127.0.0.1", int(live_server.url.rsplit(":", 1)[1])
    drafts = [scenario.make_draft(host, port, consultation.slug, [q.pk for q in questions]) for _ in range(3)]
    floor_rows = [ResponseFactory(consultation=consultation).pk for _ in drafts]
    client = scenario.Client(host, port)

    floor_jobs = [scenario._floor(pk, draft) for pk, draft in zip(floor_rows, drafts, strict=True)]
    rps, statuses = scenario.throughput(client, floor_jobs, 2, 20, 200)
    assert statuses == {200: 3}
    assert rps > 0
    submissions = [scenario._submission(consultation.slug, draft) for draft in drafts]
    _rps, statuses = scenario.throughput(client, submissions, 2, 20, 302)
    assert statuses == {302: 3}
    sent = Response.objects.filter(consultation=consultation, state=Response.State.SUBMITTED)
    assert sent.count() == 3
    assert (
        Email.objects.filter(kind="receipt", about_id__in=[r.pk for r in sent]).count() == 3
    )  # each queued its receipt
