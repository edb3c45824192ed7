"""The PMO of a system (accounts.PmoScope): NCL's PMO sees NCL's consultations, NEL's PMO NEL's, the managers of an
owning area (or an area above it) theirs; nobody else, by any URL, export jobs' and files' guessed ids included."""

import datetime
import io
from http import HTTPStatus

import pytest
from django.utils import timezone

from accounts import roles
from accounts.models import PmoScope
from engagement.models import Question
from reporting import services
from reporting.models import ExportJob, ExportLog
from tests.engagement.factories import AreaFactory, ConsultationFactory, LevelFactory, QuestionFactory
from tests.factories import UserFactory
from tests.governance.factories import SystemFactory

from .conftest import manager
from .factories import sent

pytestmark = pytest.mark.django_db
OK, FORBIDDEN, NOT_FOUND = HTTPStatus.OK, HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND


class TwoSystems:
    def __init__(self, tmp_path) -> None:
        self.ncl = SystemFactory(slug="ncl", short_name="NCL")
        self.nel = SystemFactory(slug="nel", short_name="NEL")
        ncl_top = AreaFactory(system=self.ncl, level=LevelFactory(system=self.ncl, rank=3), slug="ncl-ics")
        nel_top = AreaFactory(system=self.nel, level=LevelFactory(system=self.nel, rank=3), slug="nel-ics")
        camden = AreaFactory(parent=ncl_top, slug="camden")
        islington = AreaFactory(parent=ncl_top, slug="islington")
        self.consultations = {
            "camden-plan": ConsultationFactory(owner_area=camden, slug="camden-plan"),
            "islington-plan": ConsultationFactory(owner_area=islington, slug="islington-plan"),
            "nel-plan": ConsultationFactory(owner_area=nel_top, slug="nel-plan"),
        }
        for c in self.consultations.values():
            question = QuestionFactory(consultation=c, kind=Question.Kind.LONG_TEXT, text="Views?")
            sent(c, {question: f"Views on {c.slug}"}, area=c.owner_area)
        self.users = {
            "ncl_pmo": UserFactory(email="pmo.ncl@nhs.net", groups=[roles.PMO], pmo_systems=[self.ncl]),
            "nel_pmo": UserFactory(email="pmo.nel@nhs.net", groups=[roles.PMO], pmo_systems=[self.nel]),
            "camden_manager": manager("camden@nhs.net", camden),
            "islington_manager": manager("islington@nhs.net", islington),
            "resident": UserFactory(email="resident@example.com"),
        }
        # One finished background export per system, each with its file and log entry.
        self.jobs = {
            "ncl": self._job("camden-plan", "ncl_pmo"),
            "nel": self._job("nel-plan", "nel_pmo"),
        }

    def _job(self, slug: str, who: str) -> ExportJob:
        c, user, now = self.consultations[slug], self.users[who], timezone.now()
        log = ExportLog.objects.create(
            created_at=now, user=user, consultation=c, consultation_title=c.title, format="csv", rows=1
        )
        name = f"{slug}.csv"
        services.export_storage().save(name, io.BytesIO(f"secret {slug}".encode()))
        return ExportJob.objects.create(
            user=user, consultation=c, log=log, format="csv", status=ExportJob.Status.DONE, progress_total=1,
            progress_done=1, file_name=name, created_at=now, finished_at=now,
            expires_at=now + datetime.timedelta(hours=1),
        )  # fmt: skip


@pytest.fixture
def world(settings, tmp_path) -> TwoSystems:
    settings.REPORTING_EXPORT_ROOT = tmp_path / "exports"
    return TwoSystems(tmp_path)


SEES = {
    "ncl_pmo": {"camden-plan", "islington-plan"},
    "nel_pmo": {"nel-plan"},
    "camden_manager": {"camden-plan"},
    "islington_manager": {"islington-plan"},
    "resident": set(),
    "anonymous": set(),
}
# Whose export jobs' pages and files each may open: the PMO of the job's system (and the owner, here that PMO).
JOBS = {"ncl_pmo": {"ncl"}, "nel_pmo": {"nel"}}


def urls(c) -> list[str]:
    base = f"/pmo/consultations/{c.slug}/"
    question = c.questions.get()
    return [base, f"{base}questions/{question.pk}/", f"{base}?print=1", f"{base}export/"]


@pytest.mark.parametrize("who", list(SEES))
def test_each_user_reaches_exactly_their_systems_and_areas_by_every_url(client, world, who):
    user = world.users.get(who)
    if user:
        client.force_login(user)
    index = client.get("/pmo/")
    if user is None:
        assert index.status_code == HTTPStatus.FOUND
        assert index["Location"].startswith("/accounts/login/")
    elif SEES[who]:
        listed = {slug for slug, c in world.consultations.items() if f"/pmo/consultations/{slug}/" in index.text}
        assert listed == SEES[who]
    else:
        assert index.status_code == FORBIDDEN
    for slug, c in world.consultations.items():
        for url in urls(c):
            response = client.get(url)
            if user is None:
                assert response.status_code == HTTPStatus.FOUND, url
            elif slug in SEES[who]:
                assert response.status_code == OK, url
            else:
                assert response.status_code == (NOT_FOUND if SEES[who] else FORBIDDEN), url
                assert f"Views on {slug}" not in response.text
    for system, job in world.jobs.items():
        for guessed in (job.pk, job.pk + 100):
            for url in (f"/pmo/exports/{guessed}/", f"/pmo/exports/{guessed}/download/"):
                response = client.get(url)
                allowed = guessed == job.pk and system in JOBS.get(who, set())
                expected = OK if allowed else refused(user, SEES[who])
                assert response.status_code == expected, (who, url)
                if allowed and url.endswith("download/"):
                    assert b"".join(response.streaming_content) == f"secret {job.consultation.slug}".encode()


def refused(user, sees) -> int:
    if user is None:
        return HTTPStatus.FOUND
    return NOT_FOUND if sees else FORBIDDEN


def test_the_export_log_shows_a_pmo_their_systems_entries_only(client, world, superuser):
    expected = {"ncl_pmo": {"camden-plan"}, "nel_pmo": {"nel-plan"}}
    for who, slugs in expected.items():
        client.force_login(world.users[who])
        page = client.get("/pmo/export-log/").text
        shown = {c.slug for c in world.consultations.values() if c.title in page}
        assert shown == slugs, who
    for who in ("camden_manager", "resident"):
        client.force_login(world.users[who])
        assert client.get("/pmo/export-log/").status_code == FORBIDDEN
    client.force_login(superuser)
    page = client.get("/pmo/export-log/").text
    assert all(world.consultations[s].title in page for s in ("camden-plan", "nel-plan"))


def test_a_pmo_member_without_a_scope_sees_nothing_and_the_outbox_is_for_every_system_pmos(client, world):
    unscoped = UserFactory(email="unscoped@nhs.net", groups=[roles.PMO])
    PmoScope.objects.filter(user=unscoped).delete()
    client.force_login(unscoped)
    assert client.get("/pmo/").status_code == FORBIDDEN
    assert client.get("/pmo/consultations/camden-plan/").status_code == FORBIDDEN
    client.force_login(world.users["ncl_pmo"])
    refused = client.get("/staff/outbox/")
    assert refused.status_code == FORBIDDEN  # every system's mail: not one system's office
    assert "only a programme office account for all systems (a scope with no system)" in refused.content.decode()
    everywhere = UserFactory(email="everywhere@nhs.net", groups=[roles.PMO])  # the factory's default: every system
    client.force_login(everywhere)
    assert client.get("/staff/outbox/").status_code == OK
    assert client.get("/pmo/consultations/nel-plan/").status_code == OK


def test_the_migration_gives_existing_pmo_members_every_system():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("accounts.migrations.0003_pmo_scope")
    member = UserFactory(email="old.pmo@nhs.net", groups=[roles.PMO])
    PmoScope.objects.filter(user=member).delete()
    other = UserFactory(email="not.pmo@nhs.net")
    migration.existing_pmo_every_system(apps, None)
    assert list(PmoScope.objects.filter(user=member).values_list("system", flat=True)) == [None]
    assert not PmoScope.objects.filter(user=other).exists()
