"""Serve only the parts of the nhsuk-frontend npm package the pages use.

The package's dist/nhsuk holds ~1,400 files (sources, maps, per-component modules); collecting them all makes
every WhiteNoise start-up (each web worker, each test client) scan them. The pages need the built CSS and JS
bundles and the assets folder (icons, favicons).
"""

from typing import Any

from django.contrib.staticfiles.finders import FileSystemFinder

NHSUK_PREFIX = "nhsuk/"
# The bundles name their source maps (sourceMappingURL): the manifest storage refuses to build without them.
NHSUK_FILES = (
    "nhsuk/nhsuk-frontend.min.css",
    "nhsuk/nhsuk-frontend.min.css.map",
    "nhsuk/nhsuk-frontend.min.js",
    "nhsuk/nhsuk-frontend.min.js.map",
)
NHSUK_FOLDERS = ("nhsuk/assets/",)


def wanted(path: str) -> bool:
    path = path.replace("\\", "/")
    if not path.startswith(NHSUK_PREFIX):
        return True
    return path in NHSUK_FILES or path.startswith(NHSUK_FOLDERS)


class PortalFileSystemFinder(FileSystemFinder):
    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        if not wanted(path):
            return [] if (find_all or kwargs.get("all")) else None
        return super().find(path, find_all, **kwargs)  # type: ignore[call-overload]

    def list(self, ignore_patterns: Any) -> Any:
        for path, storage in super().list(ignore_patterns):
            prefix = getattr(storage, "prefix", None)
            if wanted(f"{prefix}/{path}" if prefix else path):
                yield path, storage
