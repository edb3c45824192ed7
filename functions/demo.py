"""Demo data: the NCL function matrix of seed 002, Appendix 1, from functions/data/ncl_function_matrix.tsv.

Runs after governance.demo, which creates the NCL system and its levels; loading goes through the same importer
as `manage.py import_matrix`, so running it twice changes nothing.
"""

import datetime
from pathlib import Path
from typing import TextIO

from django.contrib.auth.models import Group, Permission

from accounts import roles
from governance.models import Level, System

from .importers import import_matrix_file
from .models import Function

DATA_FILE = Path(__file__).resolve().parent / "data" / "ncl_function_matrix.tsv"
SYSTEM_SLUG = "ncl"
LEVEL_SLUGS = ("neighbourhood", "borough-partnership", "ncl")
EXPECTED = {"total": 37, "neighbourhood": 2, "borough-partnership": 18, "ncl": 17}


class DemoPrerequisiteMissingError(RuntimeError):
    pass


def load(*, now: datetime.datetime, out: TextIO) -> None:
    """Create or update the NCL function matrix idempotently."""
    system = System.objects.filter(slug=SYSTEM_SLUG).first()
    if system is None:
        raise DemoPrerequisiteMissingError(
            f"functions.demo needs the system with slug {SYSTEM_SLUG!r}: run governance.demo first (seed_demo does)."
        )
    found = set(Level.objects.filter(system=system, slug__in=LEVEL_SLUGS).values_list("slug", flat=True))
    missing = [slug for slug in LEVEL_SLUGS if slug not in found]
    if missing:
        raise DemoPrerequisiteMissingError(
            f"functions.demo needs the NCL levels {', '.join(LEVEL_SLUGS)}; missing: {', '.join(missing)}."
        )
    report = import_matrix_file(path=DATA_FILE, system=system)
    if not report.ok:
        raise DemoPrerequisiteMissingError("The shipped matrix did not import:\n" + "\n".join(report.errors))
    counts = {
        slug: Function.objects.current().filter(system=system).filter(owner__slug=slug).count() for slug in LEVEL_SLUGS
    }
    counts["total"] = Function.objects.current().filter(system=system).count()
    if counts != EXPECTED:
        raise DemoPrerequisiteMissingError(f"The NCL matrix should have {EXPECTED}, but has {counts}.")
    # In the demo the programme office may publish versions of the matrix (any staff user can be given it).
    pmo = Group.objects.filter(name=roles.PMO).first()
    if pmo is not None:
        pmo.permissions.add(
            Permission.objects.get(content_type__app_label="functions", codename="publish_matrixversion")
        )
    out.write(f"Function matrix: {report.summary()}\n")
