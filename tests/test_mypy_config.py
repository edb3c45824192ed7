"""mypy holds every module of the services and selectors (modules or packages) to `disallow_untyped_defs`."""

import sys
from pathlib import Path

from mypy.config_parser import parse_config_file
from mypy.options import Options

ROOT = Path(__file__).resolve().parent.parent


def _module_names(options: Options) -> list[str]:
    names = []
    for top in options.files or []:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if "services" in parts or "selectors" in parts:
                names.append(".".join(parts))
    return names


def test_every_services_and_selectors_module_must_be_fully_typed() -> None:
    options = Options()
    parse_config_file(options, lambda: None, str(ROOT / "pyproject.toml"), sys.stdout, sys.stderr)
    names = _module_names(options)
    assert "engagement.services.responses" in names  # a package's module, the case the old pattern missed
    assert "governance.selectors" in names
    loose = [name for name in names if not options.clone_for_module(name).disallow_untyped_defs]
    assert loose == []
