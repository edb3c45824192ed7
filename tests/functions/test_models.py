import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from functions.models import Body, Function, FunctionLink

from .factories import BodyFactory, FunctionFactory, make_system


@pytest.fixture
def levels(ncl):
    return {level.slug: level for level in ncl.levels.all()}


def test_function_needs_an_owner(ncl):
    with pytest.raises(IntegrityError):
        Function.objects.create(system=ncl, title="No owner")


def test_owner_must_be_in_the_same_system_in_the_database(ncl, nel):
    other_level = nel.levels.first()
    function = Function(system=ncl, title="Cross", owner=other_level)
    with pytest.raises(ValidationError):
        function.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        function.save()


def test_link_points_at_exactly_one_of_level_or_body(ncl, levels):
    function = FunctionFactory(system=ncl)
    body = BodyFactory(system=ncl)
    with pytest.raises(IntegrityError), transaction.atomic():
        FunctionLink.objects.create(function=function, kind="supports")
    with pytest.raises(IntegrityError), transaction.atomic():
        FunctionLink.objects.create(function=function, kind="supports", level=levels["ncl"], body=body)
    FunctionLink.objects.create(function=function, kind="supports", level=levels["ncl"])
    FunctionLink.objects.create(function=function, kind="supports", body=body)


def test_other_key_links_are_bodies_only(ncl, levels):
    function = FunctionFactory(system=ncl)
    with pytest.raises(IntegrityError), transaction.atomic():
        FunctionLink.objects.create(function=function, kind="other", level=levels["ncl"])


def test_link_to_another_systems_body_is_refused_by_the_database(ncl, nel):
    function = FunctionFactory(system=ncl)
    foreign = BodyFactory(system=nel)
    with pytest.raises(IntegrityError), transaction.atomic():
        FunctionLink.objects.create(function=function, kind="influenced_by", body=foreign)


def test_body_names_are_unique_per_system_ignoring_case(ncl, nel):
    Body.objects.create(system=ncl, name="NCL outcomes framework")
    Body.objects.create(system=nel, name="NCL outcomes framework")
    with pytest.raises(IntegrityError), transaction.atomic():
        Body.objects.create(system=ncl, name="NCL Outcomes Framework")


def test_status_and_category_are_checked_in_the_database(ncl):
    with pytest.raises(IntegrityError), transaction.atomic():
        FunctionFactory(system=ncl, status="maybe")
    with pytest.raises(IntegrityError), transaction.atomic():
        FunctionFactory(system=ncl, category="catering")


def test_history_records_who_and_when(ncl, staff_user):
    function = FunctionFactory(system=ncl)
    function._history_user = staff_user
    function.title = "Renamed"
    function.save()
    latest = function.history.first()
    assert latest.history_user == staff_user
    assert latest.title == "Renamed"
    assert function.history.count() == 2


def test_four_level_system(db):
    from .factories import NEL_LEVELS

    nel = make_system("nel", "North East London", NEL_LEVELS)
    function = FunctionFactory(system=nel, owner=nel.levels.get(rank=4))
    assert function.owner.name == "Integrated Care System"
