"""The role matrix: who may reach the staff and PMO landing pages, the admin and the account page.

Anonymous visitors are sent to sign in; signed-in users without the permission get the styled 403.
"""

from http import HTTPStatus
from urllib.parse import parse_qs, urlparse

import pytest

from accounts import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OK, DENIED, SIGN_IN = "ok", "denied", "sign-in"
PAGES = ["/staff/", "/pmo/", "/admin/", "/account/"]

MATRIX = {
    #                  /staff/  /pmo/    /admin/  /account/
    "anonymous": (SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN),
    "resident": (DENIED, DENIED, DENIED, OK),
    "staff": (OK, DENIED, DENIED, OK),
    "pmo": (OK, OK, DENIED, OK),
    "consultation manager": (OK, DENIED, DENIED, OK),
    "superuser": (OK, OK, OK, OK),
}

HEADINGS = {"/staff/": "Staff pages", "/pmo/": "Programme office", "/admin/": "Site administration"}


def make_user(role: str):
    if role == "anonymous":
        return None
    if role == "superuser":
        return UserFactory(email="root@nhs.net", is_staff=True, is_superuser=True)
    groups = {"staff": [roles.STAFF], "pmo": [roles.PMO], "consultation manager": [roles.CONSULTATION_MANAGER]}
    return UserFactory(email=f"{role.replace(' ', '.')}@nhs.net", groups=groups.get(role, []))


@pytest.mark.parametrize("role", list(MATRIX))
@pytest.mark.parametrize("path", PAGES)
def test_role_matrix(client, role, path):
    user = make_user(role)
    if user:
        client.force_login(user)
    expected = MATRIX[role][PAGES.index(path)]

    response = client.get(path, follow=True)
    html = response.content.decode()

    if expected == SIGN_IN:
        final = urlparse(response.redirect_chain[-1][0])
        assert final.path == "/accounts/login/code/"
        assert parse_qs(final.query)["next"] == [path]
        assert response.status_code == HTTPStatus.OK
        assert "Email me a sign-in code" in html
    elif expected == DENIED:
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert "You do not have permission to see this page" in html
        assert 'class="nhsuk-header' in html
        assert "<title>You do not have permission to see this page - " in html
    else:
        assert response.status_code == HTTPStatus.OK
        assert response.redirect_chain == []
        if path == "/account/":
            assert user.email in html
        else:
            assert HEADINGS[path] in html


@pytest.mark.parametrize(
    ("role", "links"),
    [
        ("resident", []),
        ("staff", ["/staff/"]),
        # A consultation manager sees the management pages only once scoped to an area (engagement.ManagerScope).
        ("consultation manager", ["/staff/"]),
        ("pmo", ["/staff/", "/pmo/"]),
        ("superuser", ["/staff/", "/pmo/", "/admin/", "/manage/consultations/"]),
    ],
)
def test_account_page_links_to_the_pages_the_user_may_see(client, role, links):
    client.force_login(make_user(role))
    html = client.get("/account/").content.decode()
    for path in ["/staff/", "/pmo/", "/admin/", "/manage/consultations/"]:
        assert (f'href="{path}"' in html) == (path in links), path
    # Everyone signed in may see their own responses.
    assert 'href="/consultations/my-responses/"' in html


def test_scoped_consultation_manager_is_linked_to_the_management_pages(client):
    from engagement.models import ManagerScope
    from tests.engagement.factories import AreaFactory

    manager = make_user("consultation manager")
    ManagerScope.objects.create(user=manager, area=AreaFactory())
    client.force_login(manager)
    html = client.get("/account/").content.decode()
    assert 'href="/manage/consultations/"' in html


def test_staff_landing_links_to_the_internal_views(client, staff_user, pmo_user):
    client.force_login(staff_user)
    html = client.get("/staff/").content.decode()
    for href in ["/ics/", "/functions/", "/consultations/"]:
        assert f'href="{href}' in html
    assert 'href="/staff/outbox/"' not in html  # the outbox is the PMO's and admins'
    client.force_login(pmo_user)
    assert 'href="/staff/outbox/"' in client.get("/staff/").content.decode()


def test_roles_exist_from_the_data_migration():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL_ROLES)
