"""Factories for the structure. `system_with_levels(n)` builds a system with ranked levels; `area_under(parent)`
adds an area on the level just below, so trees always satisfy the database's tree triggers."""

from typing import Any

import factory

from governance.models import (
    Area,
    AreaCode,
    AreaPopulation,
    Board,
    BoardMember,
    Level,
    Membership,
    Organisation,
    System,
)


class SystemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = System
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Test system {n}")
    short_name = factory.Sequence(lambda n: f"TS{n}")
    slug = factory.Sequence(lambda n: f"test-system-{n}")


class LevelFactory(factory.django.DjangoModelFactory):
    """A level; alone in its system unless you pass system= and rank=."""

    class Meta:
        model = Level

    system = factory.SubFactory(SystemFactory)
    name = factory.Sequence(lambda n: f"Level {n}")
    slug = factory.Sequence(lambda n: f"level-{n}")
    rank = 1


class AreaFactory(factory.django.DjangoModelFactory):
    """An area at the top of its system by default; use area_under(parent) for lower levels."""

    class Meta:
        model = Area

    level = factory.SubFactory(LevelFactory)
    system = factory.SelfAttribute("level.system")
    parent = None
    name = factory.Sequence(lambda n: f"Area {n}")
    slug = factory.Sequence(lambda n: f"area-{n}")


class AreaCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AreaCode

    area = factory.SubFactory(AreaFactory)
    scheme = AreaCode.Scheme.GSS
    code = factory.Sequence(lambda n: f"E99{n:06d}")


class AreaPopulationFactory(factory.django.DjangoModelFactory):
    """An all-ages figure unless you pass age_band=."""

    class Meta:
        model = AreaPopulation

    area = factory.SubFactory(AreaFactory)
    age_band = ""
    population = factory.Sequence(lambda n: 10_000 + n)
    source = "ONS Census 2021"
    year = 2021


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.OTHER
    ods_code = ""


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    area = factory.SubFactory(AreaFactory)
    role = "Partner"


class BoardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Board

    area = factory.SubFactory(AreaFactory)
    name = factory.Sequence(lambda n: f"Board {n}")
    kind = Board.Kind.OTHER


class BoardMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoardMember

    board = factory.SubFactory(BoardFactory)
    person_name = "Chair (to be confirmed)"
    role = BoardMember.Role.CHAIR


def system_with_levels(n: int = 3, **system_kwargs: Any) -> tuple[System, list[Level]]:
    """A system with levels ranked 1 (most local) .. n (whole system); returns (system, levels by rank)."""
    system = SystemFactory(**system_kwargs)
    levels = [
        LevelFactory(system=system, rank=rank, name=f"{system.short_name} level {rank}", slug=f"level-{rank}")
        for rank in range(1, n + 1)
    ]
    return system, levels


def top_area(system: System, **kwargs: Any) -> Area:
    level = system.levels.order_by("-rank").first()
    return AreaFactory(system=system, level=level, parent=None, **kwargs)


def area_under(parent: Area, **kwargs: Any) -> Area:
    level = Level.objects.get(system=parent.system, rank=parent.level.rank - 1)
    return AreaFactory(system=parent.system, level=level, parent=parent, **kwargs)


def tree(system: System, fanout: int = 2) -> Area:
    """A complete tree with `fanout` children per area down to rank 1; returns the top area."""
    root = top_area(system)
    frontier = [root]
    while frontier and frontier[0].level.rank > 1:
        frontier = [area_under(area) for area in frontier for _ in range(fanout)]
    return root
