"""Security harness: production settings pass `check --deploy`, refuse to start half-configured, and every page
carries a strict CSP whose scripts run only by nonce, with no inline event handlers."""

import json
import re
from html.parser import HTMLParser
from http import HTTPStatus

import pytest

from tests.production import manage, production_env, python


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr + result.stdout


def test_check_deploy_would_catch_a_weak_setting():
    """The same command fails when HSTS is switched off, so the clean run above means something."""
    env = production_env()
    code = (
        "import django, os; django.setup(); "
        "from django.conf import settings; settings.SECURE_HSTS_SECONDS = 0; "
        "from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING')"
    )
    result = python("-c", code, env=env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "too-short"}, "DJANGO_SECRET_KEY"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"REDIS_URL": None}, "REDIS_URL"),  # rate limits must count in a shared cache
    ],
)
def test_production_settings_refuse_to_start_half_configured(overrides, message):
    result = manage("check", env=production_env(**overrides))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_settings_are_https_only_with_hsts_and_secure_cookies():
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ['DEBUG', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', "
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY']}))"
    )
    result = python("-c", code, env=production_env())
    values = json.loads(result.stdout)
    assert values == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 63072000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
    }


def parse_csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


class ScriptsAndHandlers(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[tuple[str, str]] = []
        self.javascript_urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if name in {"href", "src", "action"} and value and value.strip().lower().startswith("javascript:"):
                self.javascript_urls.append(value)


PAGES = ["/", "/accessibility/", "/privacy/", "/accounts/login/code/", "/accounts/signup/", "/no-such-page/"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_strict_csp_and_scripts_only_by_nonce(client, path):
    response = client.get(path)
    assert response.status_code in {HTTPStatus.OK, HTTPStatus.NOT_FOUND}
    csp = parse_csp(response["Content-Security-Policy"])
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    nonces = [s for s in csp["script-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = re.fullmatch(r"'nonce-([^']+)'", nonces[0]).group(1)
    assert len(nonce) >= 16

    page = ScriptsAndHandlers()
    page.feed(response.content.decode())
    assert page.scripts, "the layout has at least the js-enabled and init scripts"
    assert all(script.get("nonce") == nonce for script in page.scripts), page.scripts
    assert page.handlers == []
    assert page.javascript_urls == []


@pytest.mark.django_db
def test_the_nonce_changes_on_every_response(client):
    first = parse_csp(client.get("/")["Content-Security-Policy"])["script-src"]
    second = parse_csp(client.get("/")["Content-Security-Policy"])["script-src"]
    assert first != second


@pytest.mark.django_db
def test_layouts_inline_body_script_carries_the_nonce(client):
    """nhsuk/template.jinja adds an inline script setting `js-enabled`: without the nonce the browser blocks it."""
    response = client.get("/")
    html = response.content.decode()
    inline = re.search(r"<script([^>]*)>document\.body\.className", html)
    assert inline is not None
    assert 'nonce="' in inline.group(1)


@pytest.mark.django_db
def test_pages_cannot_be_framed_and_sniffing_is_off(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


OFF_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb", "display-capture")


def parse_permissions_policy(header: str) -> dict[str, str]:
    return dict(item.strip().split("=", 1) for item in header.split(","))


@pytest.mark.django_db
@pytest.mark.parametrize("path", [*PAGES, "/consultations/feed/", "/static/css/portal.css", "/admin/"])
def test_every_response_switches_off_powerful_features_by_permissions_policy(client, path):
    response = client.get(path)
    assert response.status_code in {HTTPStatus.OK, HTTPStatus.FOUND, HTTPStatus.NOT_FOUND}, path
    policy = parse_permissions_policy(response["Permissions-Policy"])
    for feature in OFF_FEATURES:
        assert policy[feature] == "()", (path, feature)


@pytest.mark.django_db
def test_a_refused_post_carries_the_permissions_policy_too(settings):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/accounts/login/code/", {"email": "a@example.com"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert parse_permissions_policy(response["Permissions-Policy"])["camera"] == "()"
