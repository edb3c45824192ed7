"""The header offers each role its work (accounts/permissions.py work_links), each link opens for that user, and a
refused user is told something that fits their role (ics_portal/views.py permission_denied)."""

from http import HTTPStatus

import pytest

from accounts import roles
from engagement.models import ManagerScope
from tests.engagement.factories import AreaFactory
from tests.factories import UserFactory
from tests.html import parse

pytestmark = pytest.mark.django_db

WORK = {"Manage consultations": "/manage/consultations/", "Response summaries": "/pmo/", "Admin": "/admin/"}
EXPECTED = {
    "anonymous": [],
    "resident": [],
    "pmo": ["Response summaries"],
    "manager": ["Manage consultations", "Response summaries"],
    "superuser": ["Manage consultations", "Response summaries", "Admin"],
}


def make(role: str):
    if role == "anonymous":
        return None
    if role == "superuser":
        return UserFactory(email="root@nhs.net", is_staff=True, is_superuser=True)
    if role == "pmo":
        return UserFactory(email="pmo@nhs.net", groups=[roles.PMO])
    if role == "manager":
        user = UserFactory(email="manager@nhs.net", groups=[roles.CONSULTATION_MANAGER])
        ManagerScope.objects.create(user=user, area=AreaFactory())
        return user
    return UserFactory(email="resident@example.com")


def header_links(html: str) -> dict[str, str]:
    header = parse(html).one("header")
    return {a.text: a.attrs["href"] for a in header.find_all("a")}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_the_header_offers_each_role_its_work_and_each_link_opens(client, role):
    user = make(role)
    if user:
        client.force_login(user)
    links = header_links(client.get("/").content.decode())

    shown = [text for text in WORK if text in links]
    assert shown == EXPECTED[role]
    for text in shown:
        assert links[text] == WORK[text]
        page = client.get(links[text])
        assert page.status_code == HTTPStatus.OK, text
    assert ("Your account" in links) == (user is not None)
    assert ("Sign in" in links) == (user is None)


def test_a_manager_without_an_area_is_not_offered_management(client):
    client.force_login(UserFactory(email="new.manager@nhs.net", groups=[roles.CONSULTATION_MANAGER]))
    assert "Manage consultations" not in header_links(client.get("/").content.decode())


@pytest.mark.parametrize(
    ("role", "said", "not_said"),
    [
        ("pmo", "Your account is in the programme office", "contact the programme office"),
        ("resident", "ask the programme office to give your account access", "Your account is in the programme"),
        ("new manager", "has no area yet", "contact the programme office"),
    ],
)
def test_the_refusal_on_manage_says_something_that_fits_the_role(client, role, said, not_said):
    if role == "new manager":
        user = UserFactory(email="new.manager@nhs.net", groups=[roles.CONSULTATION_MANAGER])
    else:
        user = make(role)
    client.force_login(user)

    page = client.get("/manage/consultations/")

    assert page.status_code == HTTPStatus.FORBIDDEN
    html = page.content.decode()
    assert "You need to be a consultation manager with an area to use this page." in html
    assert said in html
    assert not_said not in html


def test_the_pmo_refused_the_admin_is_told_who_can_give_roles(client):
    client.force_login(make("pmo"))
    page = client.get("/staff/outbox/")  # allowed: the PMO's own page
    assert page.status_code == HTTPStatus.OK
    client.force_login(make("manager"))
    refused = client.get("/pmo/export-log/")
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert "consultation manager" in refused.content.decode()


def test_the_header_costs_the_same_few_queries_however_many_areas_a_manager_has(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def home_queries(user) -> int:
        client.force_login(user)
        client.get("/")
        with CaptureQueriesContext(connection) as captured:
            client.get("/")
        return len(captured.captured_queries)

    resident = home_queries(make("resident"))
    one = make("manager")
    small = home_queries(one)
    big = UserFactory(email="big.manager@nhs.net", groups=[roles.CONSULTATION_MANAGER])
    for _ in range(20):
        ManagerScope.objects.create(user=big, area=AreaFactory())
    assert home_queries(big) == small
    assert small <= resident + 1, "the manager's areas: one query, read once for both links"


def test_the_refusal_advice_asks_rules_alone_not_every_model_permission():
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.permissions import access_advice

    def advice_queries(user) -> int:
        fresh = get_user_model().objects.get(pk=user.pk)  # nothing cached on the user object
        with CaptureQueriesContext(connection) as captured:
            access_advice(user=fresh)
        return len(captured.captured_queries)

    pmo = advice_queries(make("pmo"))  # decided by the groups alone
    new_manager = UserFactory(email="new.manager@nhs.net", groups=[roles.CONSULTATION_MANAGER])
    assert advice_queries(new_manager) <= pmo + 1, "the areas they manage: one query, no model permissions"


@pytest.mark.parametrize("role", ["anonymous", "resident"])
def test_signing_in_and_a_residents_own_pages_are_in_the_account_bar_not_the_folding_menu(client, role):
    """The header's account bar stays in view on a phone; the navigation folds under "More"."""
    user = make(role)
    if user:
        client.force_login(user)
    header = parse(client.get("/").content.decode()).one("header")
    bar = {a.text: a.attrs["href"] for a in header.one("nav", class_="nhsuk-header__account").find_all("a")}
    menu = [a.text for a in header.one("nav", class_="nhsuk-header__navigation").find_all("a")]
    expected = {"Your responses": "/consultations/my-responses/", "Your account": "/account/"} if user else {}
    assert bar == (expected or {"Sign in": "/accounts/login/code/"})
    assert not set(bar) & set(menu)
