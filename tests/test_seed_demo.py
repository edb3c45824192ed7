"""seed_demo refuses, saying truly why, when DEBUG is off, unless forced; forced, it loads the demo."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import PmoScope, User
from engagement.models import Consultation

pytestmark = pytest.mark.django_db


def test_seed_demo_outside_debug_refuses_without_force_and_changes_nothing(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", verbosity=0)
    message = str(refused.value)
    assert "DEBUG is off" in message
    assert "--force" in message
    assert "admin@demo.nhs.net" in message
    assert "password" not in message  # demo accounts have none: they sign in by emailed code
    assert not User.objects.exists()
    assert not Consultation.objects.exists()


def test_seed_demo_outside_debug_runs_with_force(settings, capsys) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    call_command("seed_demo", "--force")
    assert "Demo data is ready." in capsys.readouterr().out
    admin = User.objects.get(email="admin@demo.nhs.net")
    assert admin.is_superuser
    assert not admin.has_usable_password()
    assert Consultation.objects.published().exists()
    # The demo PMO accounts: one for both systems (so the demo shows everything), one for each.
    scopes = {
        email: sorted(PmoScope.objects.filter(user__email=email).values_list("system__slug", flat=True))
        for email in ("pmo@demo.nhs.net", "pmo.ncl@demo.nhs.net", "pmo.nel@demo.nhs.net")
    }
    assert scopes == {
        "pmo@demo.nhs.net": ["ncl", "nel"],
        "pmo.ncl@demo.nhs.net": ["ncl"],
        "pmo.nel@demo.nhs.net": ["nel"],
    }
