"""Writes to the structure, used by the importers, the demo and tests.

Every writer is an "upsert" that saves only when something really changed and says what it did, so re-running
an import or `seed_demo` changes nothing, not even the change history.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils.text import slugify

from .models import Area, AreaCode, AreaPopulation, Board, BoardMember, Level, Membership, Organisation, System


class Change(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REMOVED = "removed"


@dataclass
class Outcome:
    """What an upsert did: the object, the kind of change, and the fields that changed (old, new)."""

    obj: Any
    change: Change
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def describe(self) -> str:
        return ", ".join(f"{name} {old!r} → {new!r}" for name, old, new in self._rows())

    def _rows(self) -> list[tuple[str, Any, Any]]:
        return [(name, old, new) for name, (old, new) in self.fields.items()]


def _upsert(model: type[models.Model], *, lookup: dict[str, Any], values: dict[str, Any]) -> Outcome:
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.save()
        return Outcome(obj, Change.CREATED)
    changed = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changed[name] = (old, new)
            setattr(obj, name, new)
    if changed:
        obj.save(update_fields=list(changed))
        return Outcome(obj, Change.UPDATED, changed)
    return Outcome(obj, Change.UNCHANGED)


@transaction.atomic
def system_upsert(*, slug: str, name: str, short_name: str, description: str = "") -> Outcome:
    return _upsert(
        System, lookup={"slug": slug}, values={"name": name, "short_name": short_name, "description": description}
    )


@transaction.atomic
def level_upsert(
    *,
    system: System,
    slug: str,
    name: str,
    rank: int,
    description: str = "",
    typical_population: str = "",
    expected_count: int | None = None,
    singular_name: str = "",
) -> Outcome:
    return _upsert(
        Level,
        lookup={"system": system, "slug": slug},
        values={
            "name": name,
            "singular_name": singular_name,
            "rank": rank,
            "description": description,
            "typical_population": typical_population,
            "expected_count": expected_count,
        },
    )


def unique_area_slug(*, system: System, name: str, exclude_id: int | None = None) -> str:
    """A slug for `name` not yet used in the system (barnet, barnet-2, ...)."""
    base = slugify(name)[:90] or "area"
    others = Area.objects.filter(system=system, slug__startswith=base)
    if exclude_id is not None:
        others = others.exclude(id=exclude_id)
    taken = set(others.values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def area_upsert(
    *,
    system: System,
    level: Level,
    slug: str,
    name: str,
    parent: Area | None,
    is_placeholder: bool = False,
) -> Outcome:
    """Create or update the area with this slug in the system; the database checks level and parent."""
    return _upsert(
        Area,
        lookup={"system": system, "slug": slug},
        values={
            "level": level,
            "name": name,
            "parent": parent,
            "is_placeholder": is_placeholder,
        },
    )


@transaction.atomic
def area_update(*, area: Area, **values: Any) -> Outcome:
    """Change some fields of an existing area (name, parent, is_placeholder ...); saves only real changes."""
    return _upsert(Area, lookup={"pk": area.pk}, values=values)


@transaction.atomic
def area_code_set(
    *,
    area: Area,
    scheme: str,
    code: str,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
) -> Outcome:
    """Attach an official code to an area (codes are unique per scheme across all systems)."""
    return _upsert(
        AreaCode,
        lookup={"scheme": scheme, "code": code},
        values={"area": area, "valid_from": valid_from, "valid_to": valid_to},
    )


@transaction.atomic
def area_population_set(*, area: Area, age_band: str, year: int, population: int, source: str) -> Outcome:
    """Record how many people live in an area (all ages when `age_band` is blank) in `year`, from `source`."""
    return _upsert(
        AreaPopulation,
        lookup={"area": area, "age_band": age_band, "year": year},
        values={"population": population, "source": source},
    )


@transaction.atomic
def organisation_upsert(
    *, name: str, kind: str, ods_code: str = "", system: System | None = None, match_name: bool = True
) -> Outcome:
    """Organisations are matched by ODS code when they have one, otherwise by name and kind."""
    if ods_code:
        return _upsert(
            Organisation, lookup={"ods_code": ods_code}, values={"name": name, "kind": kind, "system": system}
        )
    return _upsert(Organisation, lookup={"name": name, "kind": kind, "ods_code": ""}, values={"system": system})


@transaction.atomic
def membership_ensure(*, organisation: Organisation, area: Area, role: str = "") -> Outcome:
    return _upsert(Membership, lookup={"organisation": organisation, "area": area}, values={"role": role})


@transaction.atomic
def board_upsert(*, area: Area, name: str, kind: str, description: str = "") -> Outcome:
    return _upsert(Board, lookup={"area": area, "name": name}, values={"kind": kind, "description": description})


@transaction.atomic
def board_member_ensure(
    *,
    board: Board,
    person_name: str,
    role: str,
    role_detail: str = "",
    organisation: Organisation | None = None,
) -> Outcome:
    """Seats are matched by board, role and role detail, so a placeholder name can later be replaced."""
    return _upsert(
        BoardMember,
        lookup={"board": board, "role": role, "role_detail": role_detail},
        values={"person_name": person_name, "organisation": organisation},
    )


@transaction.atomic
def area_remove_placeholder(*, area: Area) -> Outcome:
    """Delete a placeholder area (never a real one) once the real list has been imported."""
    if not area.is_placeholder:
        raise ValueError(f"{area} is not a placeholder")
    area.delete()
    return Outcome(area, Change.REMOVED)
