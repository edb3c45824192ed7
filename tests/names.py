"""Names that repeat themselves on a page: "North Central London (NCL, NCL)" in a heading or a choice, or
"Consultations › Consultations" in a breadcrumb. Used by the crawl (tests/browser/test_crawl.py) and view tests."""

import re

PARTS = re.compile(r"[(),]")


def repeated_in_text(text: str) -> str | None:
    """The first part of a label that appears twice ("NCL" in "North Central London (NCL, NCL)"), else None."""
    seen: set[str] = set()
    for part in PARTS.split(text):
        key = " ".join(part.split()).casefold()
        if not key:
            continue
        if key in seen:
            return key
        seen.add(key)
    return None


def repeated_names(*, breadcrumbs: list[str], labels: list[str]) -> list[str]:
    """Every repeat on a page: a breadcrumb item twice, or a heading, caption or option naming a thing twice."""
    problems = []
    crumbs = [" ".join(c.split()).casefold() for c in breadcrumbs]
    for crumb in sorted({c for c in crumbs if crumbs.count(c) > 1}):
        problems.append(f"breadcrumb item {crumb!r} appears twice in {breadcrumbs}")
    for label in labels:
        part = repeated_in_text(label)
        if part:
            problems.append(f"{label!r} names {part!r} twice")
    return problems
