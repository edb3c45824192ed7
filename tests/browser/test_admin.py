"""The Django admin in a real Chromium: every registered model's list, add, change, history and delete pages
have zero axe WCAG 2.2 AA violations (ics_portal/templates/admin/ and ics_portal/static/ics_portal/admin.css
hold the fixes; inlines are stacked and relations are raw-id inputs because the tabular and autocomplete widgets
fail axe)."""

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

from accounts import roles
from notifications.models import Email, Suppression
from tests.browser.test_core_pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


APPS = {
    "governance": {"governance"},
    "functions": {"functions"},
    "engagement": {"engagement"},
    "notifications": {"notifications"},
    "accounts": {"accounts", "auth", "account", "socialaccount"},
}


def admin_pages(apps: set[str]) -> list[str]:
    """Every admin page a superuser can reach for the demo data in these apps, one object per model."""
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        if model._meta.app_label not in apps:
            continue
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(reverse(f"{info}_changelist"))
        pages.append(reverse(f"{info}_add"))
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        for view in ("change", "history", "delete"):
            try:
                pages.append(reverse(f"{info}_{view}", args=[obj.pk]))
            except NoReverseMatch:
                continue
    return pages


@pytest.mark.parametrize("group", sorted(APPS))
def test_every_admin_page_has_no_axe_violations(
    page: Any, live_server: Any, assert_accessible: Any, superuser: Any, group: str
) -> None:
    for name in roles.ALL_ROLES:  # the roles migration's groups: a transactional test flushes them
        Group.objects.get_or_create(name=name)
    call_command("seed_demo", "--force", verbosity=0)
    # The demo sends no email: one refused email and its suppression, so the outbox's change pages are reached.
    failed = Email.objects.create(kind="receipt", to="gone@example.org", status="failed", last_error="550 No such")
    Suppression.objects.create(address="gone@example.org", reason="550 No such", email=failed)
    sign_in(page, live_server, superuser)
    pages = admin_pages(APPS[group])
    assert len(pages) >= 10, "the demo data reaches the change pages of every model in the group"
    failures = []
    for path in pages:
        response = page.goto(live_server.url + path)
        assert response is not None
        assert response.status in (200, 403), f"{path} answered {response.status}"
        try:
            assert_accessible(page)
        except AssertionError as exc:
            failures.append(str(exc).split("\nassert")[0])
    assert not failures, "\n\n".join(failures)


def test_split_date_time_inputs_have_labels(page: Any, live_server: Any, superuser: Any) -> None:
    sign_in(page, live_server, superuser)
    page.goto(live_server.url + reverse("admin:engagement_consultation_add"))
    assert page.get_by_label("Date:").first.get_attribute("id") == "id_opens_at_0"
    assert page.get_by_label("Time:").first.get_attribute("id") == "id_opens_at_1"
