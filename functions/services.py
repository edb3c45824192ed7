"""Writes for the matrix: publishing a named version. Imports live in importers.py."""

import datetime
from typing import Any

from django.db import transaction

from governance.models import System

from .models import MatrixVersion
from .selectors import matrix_functions, matrix_snapshot


class VersionNameTakenError(ValueError):
    pass


@transaction.atomic
def version_publish(*, system: System, name: str, by: Any, now: datetime.datetime) -> MatrixVersion:
    """Store the system's current matrix under `name`; names are unique per system."""
    name = " ".join(name.split())
    if not name:
        raise ValueError("Enter a name for the version.")
    if MatrixVersion.objects.filter(system=system, name__iexact=name).exists():
        raise VersionNameTakenError(f"A version called {name!r} already exists: choose another name.")
    data = matrix_snapshot(system=system, functions=matrix_functions(system=system))
    return MatrixVersion.objects.create(system=system, name=name, published_at=now, published_by=by, data=data)
