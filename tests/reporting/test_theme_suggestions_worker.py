"""The suggestion job end to end: the codebook page's form queues it, a real Celery worker (solo pool, real Redis)
runs the real model, and the job's page refreshes itself (Refresh header, no JavaScript) until the suggestions
show; then the person accepts one from the page."""

import time

import pytest

from engagement.models import Question
from reporting import services_themes
from reporting.models import SuggestionJob, ThemeTag
from tests.engagement.factories import QuestionFactory
from tests.reporting.conftest import Boroughs
from tests.test_celery import celery_worker  # noqa: F401 (the module's real worker)

from .factories import sent
from .labelled_answers import LABELLED

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition, timeout: float = 120.0, every: float = 0.05):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s")


def test_a_worker_runs_the_job_and_the_page_follows_it(celery_worker, client, monkeypatch):  # noqa: F811
    monkeypatch.setattr(services_themes, "PROGRESS_EVERY", 16)
    boroughs = Boroughs()
    c = boroughs.barnet_c
    q = QuestionFactory(consultation=c, kind=Question.Kind.LONG_TEXT, text="What would make it work?")
    texts = [t for answers in LABELLED.values() for t in answers[::3]]  # 70: progress still moves in steps
    for text in texts:
        sent(c, {q: text})
    client.force_login(boroughs.barnet_manager)
    response = client.post(
        "/pmo/consultations/barnet-plan/themes/suggest/", {"suggest-question": q.pk, "suggest-k": "7"}
    )
    job = SuggestionJob.objects.get()
    url = f"/pmo/consultations/barnet-plan/themes/suggestions/{job.pk}/"
    assert response["Location"] == url
    assert job.user == boroughs.barnet_manager

    seen: set[int] = set()
    refreshed: list[bool] = []

    def finished() -> bool:
        status, done = SuggestionJob.objects.values_list("status", "progress_done").get(pk=job.pk)
        seen.add(done)
        page = client.get(url)  # the job may finish between the two reads: the page decides what it shows
        if "Suggesting themes" in page.content.decode():
            assert page["Refresh"] == "3"
            refreshed.append(True)
        return status in (SuggestionJob.Status.DONE, SuggestionJob.Status.FAILED)

    wait_for(finished)
    job.refresh_from_db()
    assert (job.status, job.error, job.progress_done) == (SuggestionJob.Status.DONE, "", len(texts))
    assert {n for n in seen if 0 < n < len(texts)}, f"progress moved while the model read (seen {sorted(seen)})"
    assert refreshed, "the page refreshed itself while the job ran"

    page = client.get(url)
    assert "Refresh" not in page
    html = page.content.decode()
    assert "Suggested themes" in html
    assert html.count('class="nhsuk-card" id="suggestion-') == 7
    assert not ThemeTag.objects.exists()

    first = job.suggestions.get(number=1)
    response = client.post(f"{url}1/", {"action": "accept", "name": "GP access"}, follow=True)
    assert f"{first.count} answers tagged “GP access”" in response.content.decode()
    assert ThemeTag.objects.filter(tagged_by=boroughs.barnet_manager).count() == first.count

    # Another borough's manager cannot see or act on the job.
    client.force_login(boroughs.camden_manager)
    assert client.get(url).status_code == 404
    assert client.post(f"{url}2/", {"action": "reject"}).status_code == 404
    assert job.suggestions.get(number=2).status == "open"
