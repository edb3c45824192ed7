"""The README stays current: every setting read from the environment is documented, and every file or folder it
names from the project's root exists (its "where each feature lives" table is how a reader finds a feature)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
# env("NAME", ...), env.bool("NAME", ...), env.db("NAME", ...) and the like in the settings modules.
SETTING = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")
# `folder/...` in backticks: a path when it ends in a file name with an extension or in a slash.
PATH = re.compile(r"`([a-z_]+/[\w./-]*(?:\.[a-z]+|/))`")


def test_every_environment_variable_the_settings_read_is_documented() -> None:
    names = {
        name for path in (ROOT / "ics_portal" / "settings").glob("*.py") for name in SETTING.findall(path.read_text())
    }
    assert len(names) >= 10, f"the pattern found only {sorted(names)}"
    assert sorted(name for name in names if f"`{name}`" not in README) == []


def test_every_path_the_readme_names_from_the_root_exists() -> None:
    tops = {path.name for path in ROOT.iterdir() if path.is_dir() and not path.name.startswith(".")}
    named = {path for path in PATH.findall(README) if path.split("/")[0] in tops}
    assert len(named) >= 100, f"the pattern found only {len(named)} paths"
    assert sorted(path for path in named if not (ROOT / path).exists()) == []
