"""The sender of every email: a service name with a comma (as NHS bodies' names often have) must not stop the mail,
and a sender address that is not one address stops the portal at start, with a plain message."""

from email.utils import parseaddr

from tests.production import production_env, python

SEND = (
    "import django; django.setup(); "
    "from django.conf import settings; from django.core.mail.message import sanitize_address; "
    "print(sanitize_address(settings.DEFAULT_FROM_EMAIL, 'utf-8'))"
)


def test_a_service_name_with_a_comma_is_quoted_in_the_sender():
    env = production_env(SERVICE_NAME="NHS North Central London, ICB", DEFAULT_FROM_EMAIL=None)
    result = python("-c", SEND, env=env)
    assert result.returncode == 0, result.stderr
    assert parseaddr(result.stdout.strip()) == ("NHS North Central London, ICB", "no-reply@ics-portal.invalid")


def test_a_sender_that_is_two_addresses_stops_the_portal_at_start():
    env = production_env(DEFAULT_FROM_EMAIL="NHS North Central London, ICB <no-reply@example.org>")
    result = python("-c", SEND, env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "put a name that has a comma in double quotes" in result.stderr
