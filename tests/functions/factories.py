"""Factories for the function matrix, with their own System/Level rows (not governance's demo)."""

import factory

from functions.models import Body, Function, FunctionLink
from governance.models import Level, System
from tests.governance.factories import SystemFactory  # one system factory for every app

NCL_LEVELS = (("Neighbourhood", "neighbourhood"), ("Borough Partnership", "borough-partnership"), ("NCL", "ncl"))
NEL_LEVELS = (
    ("Networks", "networks"),
    ("Place-based systems", "place-based-systems"),
    ("Local systems", "local-systems"),
    ("Integrated Care System", "integrated-care-system"),
)


class LevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Level
        django_get_or_create = ("system", "slug")

    system = factory.SubFactory(SystemFactory)
    name = factory.Sequence(lambda n: f"Level {n}")
    slug = factory.Sequence(lambda n: f"level-{n}")
    rank = factory.Sequence(lambda n: n + 1)


def make_system(slug: str = "ncl", name: str = "North Central London", levels=NCL_LEVELS) -> System:
    system = SystemFactory(slug=slug, name=name, short_name=slug.upper())
    for rank, (level_name, level_slug) in enumerate(levels, start=1):
        LevelFactory(system=system, name=level_name, slug=level_slug, rank=rank)
    return system


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body

    system = factory.SubFactory(SystemFactory)
    name = factory.Sequence(lambda n: f"Workstream {n}")


class FunctionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Function

    system = factory.SubFactory(SystemFactory)
    title = factory.Sequence(lambda n: f"Function number {n}")
    owner = factory.LazyAttribute(lambda o: Level.objects.filter(system=o.system).order_by("rank").first())
    status = Function.Status.AGREED
    position = factory.Sequence(lambda n: n)


class FunctionLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FunctionLink

    function = factory.SubFactory(FunctionFactory)
    kind = FunctionLink.Kind.INFLUENCED_BY
