"""The production static build: collectstatic with the production settings (hashed, compressed files in a manifest)
succeeds, and a page served with them links only hashed CSS and JS that WhiteNoise then serves."""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from tests.production import manage, production_env, python

# Runs under the production settings: renders the home page, then fetches every /static/ URL it links to.
SERVE_PAGE = r"""
import json, re, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="portal.example.org")
page = client.get("/", secure=True)
html = page.content.decode()
assets, imports = {}, {}
for url in sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', html))):
    served = client.get(url, secure=True)
    body = b"".join(served.streaming_content) if served.streaming else served.content
    assets[url] = {"status": served.status_code, "cache_control": served.get("Cache-Control", ""), "size": len(body)}
    # A module's own imports (init.js imports the NHS.UK bundle) must resolve too.
    for imported in re.findall(rb'import[^;]*?from\s*"(/static/[^"]+)"', body):
        imports[imported.decode()] = client.get(imported.decode(), secure=True).status_code
print(json.dumps({"status": page.status_code, "assets": assets, "imports": imports, "html": html[:2000]}))
"""
HASHED = r"\.[0-9a-f]{12}\."


@pytest.fixture(scope="module")
def production_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("staticfiles")
    result = manage("collectstatic", "--noinput", "-v0", env=production_env(STATIC_ROOT=str(root)))
    assert result.returncode == 0, result.stderr[-3000:]
    return root


def test_collectstatic_with_production_settings_writes_a_manifest_of_hashed_files(production_static: Path) -> None:
    manifest = json.loads((production_static / "staticfiles.json").read_text())["paths"]
    for name in ("nhsuk/nhsuk-frontend.min.css", "nhsuk/nhsuk-frontend.min.js", "css/portal.css", "js/init.js"):
        assert re.search(HASHED, manifest[name]), manifest[name]
        assert (production_static / manifest[name]).is_file()
    # The source map each bundle names (the CSS one under its hashed name) was collected too.
    for bundle in ("nhsuk/nhsuk-frontend.min.css", "nhsuk/nhsuk-frontend.min.js"):
        assert (production_static / f"{manifest[bundle]}.gz").is_file()  # compressed for WhiteNoise
        text = (production_static / manifest[bundle]).read_text()
        source_map = re.search(r"sourceMappingURL=(\S+?)(?:\s*\*/)?\s*$", text).group(1)
        assert (production_static / "nhsuk" / source_map).is_file()


@pytest.mark.django_db
def test_a_page_served_with_the_production_static_files_links_hashed_assets_that_resolve(
    production_static: Path,
) -> None:
    # The subprocess reads the (empty, migrated) test database this test has set up.
    database_url = urlunsplit(
        urlsplit(production_env()["DATABASE_URL"])._replace(path=f"/{connection.settings_dict['NAME']}")
    )
    result = python("-c", SERVE_PAGE, env=production_env(STATIC_ROOT=str(production_static), DATABASE_URL=database_url))
    assert result.returncode == 0, result.stderr[-3000:]
    served = json.loads(result.stdout.splitlines()[-1])
    assert served["status"] == 200, served["html"]
    assets = served["assets"]
    stylesheets = [url for url in assets if url.endswith(".css")]
    scripts = [url for url in assets if url.endswith(".js")]
    assert any(re.search(r"/static/nhsuk/nhsuk-frontend\.min\.[0-9a-f]{12}\.css$", url) for url in stylesheets)
    assert any(re.search(r"/static/css/portal\.[0-9a-f]{12}\.css$", url) for url in stylesheets)
    assert any(re.search(r"/static/js/init\.[0-9a-f]{12}\.js$", url) for url in scripts)
    assert served["imports"], "init.js imports the NHS.UK bundle"
    assert set(served["imports"].values()) == {200}, served["imports"]
    for url, asset in assets.items():
        assert re.search(HASHED, url), f"{url} is not a hashed name"
        assert asset["status"] == 200, url
        assert asset["size"] > 0, url
        assert "immutable" in asset["cache_control"], (
            url,
            asset["cache_control"],
        )  # WhiteNoise: hashed, cached forever
